"""Install, start, stop and check the servers Braise needs, on a machine without Docker."""

from braise_cli.stack.caldav import RadicaleServer
from braise_cli.stack.postgres import sql_servers
from braise_cli.stack.prometheus import PrometheusServer
from braise_cli.stack.servers import MailSink, Neo4jServer, RedisServer, Server, StackError
from braise_cli.stack.services import build_services
from braise_cli.stack.settings import StackSettings


def build_servers(settings: StackSettings) -> list[Server]:
    """Return the servers in start order (each module builds on `servers.Server`)."""
    servers: list[Server] = [RedisServer(settings), Neo4jServer(settings), MailSink(settings)]
    return servers + sql_servers(settings) + [RadicaleServer(settings)]


def build_stack(settings: StackSettings) -> list[Server]:
    """Return every process of the stack in start order: servers, Braise's own, Prometheus."""
    return build_servers(settings) + build_services(settings) + [PrometheusServer(settings)]


__all__ = [
    "Server",
    "StackError",
    "StackSettings",
    "build_servers",
    "build_services",
    "build_stack",
]
