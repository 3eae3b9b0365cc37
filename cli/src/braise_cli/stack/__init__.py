"""Install, start, stop and check the servers Braise needs, on a machine without Docker."""

from braise_cli.stack.prometheus import PrometheusServer
from braise_cli.stack.servers import Server, StackError, build_servers
from braise_cli.stack.services import build_services
from braise_cli.stack.settings import StackSettings


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
