"""The graph read API: links, stats, the network's shape and the firm's upcoming occasions
(/v1), revival candidates (/v3, one or many). Routes live on the routers of
`braise_graph.routes`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis
from fastapi import FastAPI
from neo4j import Driver

from braise_graph.bootstrap import build
from braise_graph.config import GraphSettings
from braise_graph.routes import candidates, firm, links
from braise_graph.store import create_schema, ping_neo4j
from braise_shared.observability import observe


def create_app(settings: GraphSettings | None = None, driver: Driver | None = None) -> FastAPI:
    """Build the read API (the composition root of the HTTP side)."""
    graph = build(settings, driver)
    client = redis.Redis.from_url(graph.settings.redis_url, socket_timeout=5)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        create_schema(graph.driver)
        yield
        client.close()

    app = FastAPI(
        title="Braise graph",
        version="1",
        lifespan=lifespan,
        summary="Link strengths, stages and the dormant links worth rekindling.",
    )
    app.state.graph, app.state.redis = graph, client
    app.state.jwt_secret = graph.settings.jwt_secret.get_secret_value()
    observe(
        app,
        service="graph",
        checks={"neo4j": lambda: ping_neo4j(graph.driver), "redis": client.ping},
    )
    for router in (links.router, candidates.router, firm.router):
        app.include_router(router)
    return app
