"""Run the graph read API: braise-graph (port from BRAISE_GRAPH_PORT)."""

import uvicorn

from braise_graph.api import create_app
from braise_graph.config import GraphSettings
from braise_shared.logs import configure_logging


def main() -> None:
    """Serve the API until stopped."""
    configure_logging("graph")
    settings = GraphSettings()
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        log_config=None,
    )


if __name__ == "__main__":
    main()
