"""What every Braise HTTP app exposes to its operators: liveness, readiness, metrics, traces.

`/healthz` says the process is up (liveness: restart me if not). `/readyz` asks each of the
app's dependencies a real question and answers 503 naming the ones that failed (readiness:
send me no traffic until they are back). `/metrics` is Prometheus's; every request is
counted by route template and carries a correlation id in its log lines.
"""

from collections.abc import Callable, Mapping

import uvicorn
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from braise_shared.logs import CorrelationMiddleware
from braise_shared.metrics import HttpMetrics

Check = Callable[[], object]


def check_all(checks: Mapping[str, Check]) -> dict[str, str]:
    """Run every check; return the failures by dependency name, with the reason."""
    failed = {}
    for name, check in checks.items():
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready", reported
            failed[name] = f"{type(exc).__name__}: {exc}"[:300]
    return failed


def observe(app: FastAPI, *, service: str, checks: Mapping[str, Check]) -> None:
    """Add /healthz, /readyz (over these checks), /metrics, request metrics, correlation ids."""

    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    async def readyz() -> JSONResponse:
        failed = await run_in_threadpool(check_all, checks)
        if failed:
            return JSONResponse(
                {"status": "unavailable", "failed": failed, "checked": sorted(checks)},
                status_code=503,
            )
        return JSONResponse({"status": "ready", "checked": sorted(checks)})

    app.add_api_route("/healthz", healthz, include_in_schema=False)
    app.add_api_route("/readyz", readyz, include_in_schema=False)
    app.add_middleware(HttpMetrics, service=service)
    app.add_middleware(CorrelationMiddleware)


def serve(app: FastAPI | str, *, host: str, port: int, workers: int = 1) -> None:
    """Serve an app with uvicorn until stopped, its access log in the process's JSON log.

    With more than one worker, `app` names a factory (`"module:function"`) each worker
    process calls to build its own app; it must configure the worker's logging itself.
    """
    # log_config=None: uvicorn's loggers propagate to the root handler, which writes JSON
    # and redacts link tokens, instead of uvicorn's own text format.
    if workers > 1:
        if not isinstance(app, str):
            raise TypeError("several workers need the app's factory as 'module:function'")
        uvicorn.run(
            app,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            log_config=None,
        )
    else:
        uvicorn.run(app, host=host, port=port, log_level="info", log_config=None)
