"""Install, start, stop and check the servers Braise needs, on a machine without Docker."""

from braise_cli.stack.servers import Server, StackError, build_servers
from braise_cli.stack.settings import StackSettings

__all__ = ["Server", "StackError", "StackSettings", "build_servers"]
