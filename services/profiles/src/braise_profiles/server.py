"""Run the profiles HTTP service: braise-profiles (port from BRAISE_PROFILES_PORT).

One uvicorn process by default; `BRAISE_PROFILES_WORKERS=N` runs N worker processes on the
same port (for PostgreSQL). The schema is brought to the latest revision once, here, before
any worker starts, so that workers never migrate side by side.
"""

from fastapi import FastAPI

from braise_profiles.api import create_app
from braise_profiles.bootstrap import bootstrap
from braise_profiles.config import ProfilesSettings
from braise_shared.logs import configure_logging
from braise_shared.observability import serve


def worker_app() -> FastAPI:
    """Build one worker's app (uvicorn calls this in each worker process)."""
    configure_logging("profiles")
    return create_app(ProfilesSettings())


def main() -> None:
    """Serve the API on loopback until stopped."""
    configure_logging("profiles")
    settings = ProfilesSettings()
    if settings.workers == 1:
        serve(create_app(settings), host=settings.host, port=settings.port)
        return
    profiles = bootstrap(settings)
    try:
        profiles.migrate()
    finally:
        profiles.close()
    serve(
        "braise_profiles.server:worker_app",
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
    )


if __name__ == "__main__":
    main()
