"""Run the graph read API: braise-graph (port from BRAISE_GRAPH_PORT)."""

from braise_graph.api import create_app
from braise_graph.config import GraphSettings
from braise_shared.logs import configure_logging
from braise_shared.observability import serve


def main() -> None:
    """Serve the API until stopped."""
    configure_logging("graph")
    settings = GraphSettings()
    serve(create_app(settings), host=settings.host, port=settings.port)


if __name__ == "__main__":
    main()
