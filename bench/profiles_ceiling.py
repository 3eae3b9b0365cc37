"""The ceiling of the profiles benchmark: FastAPI with one route that reads the body of
`POST /v1/interactions` as JSON and answers 201, served as the services are (`serve`).

    python -m bench.profiles_ceiling PORT [WORKERS]

With WORKERS (more than one), uvicorn runs that many worker processes, as the service does
with `BRAISE_PROFILES_WORKERS`.
"""

import sys
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from braise_shared.logs import configure_logging
from braise_shared.observability import serve

app = FastAPI()


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    """Say the process is up."""
    return {"status": "ok"}


@app.post("/v1/interactions", status_code=201)
async def record(request: Request) -> JSONResponse:
    """Read the body and answer it back with an id: no token, no validation, no SQL."""
    body: dict[str, Any] = await request.json()
    return JSONResponse({"id": str(uuid.uuid4()), **body}, status_code=201)


def worker_app() -> FastAPI:
    """Return the app in a worker process, its logging configured."""
    configure_logging("ceiling")
    return app


if __name__ == "__main__":
    configure_logging("ceiling")
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    if workers > 1:
        serve(
            "bench.profiles_ceiling:worker_app",
            host="127.0.0.1",
            port=int(sys.argv[1]),
            workers=workers,
        )
    else:
        serve(app, host="127.0.0.1", port=int(sys.argv[1]))
