"""Run the profiles HTTP service: braise-profiles (port from BRAISE_PROFILES_PORT)."""

import uvicorn

from braise_profiles.api import create_app
from braise_profiles.config import ProfilesSettings
from braise_shared.logs import configure_logging


def main() -> None:
    """Serve the API on loopback until stopped."""
    configure_logging("profiles")
    settings = ProfilesSettings()
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        log_config=None,
    )


if __name__ == "__main__":
    main()
