"""Run the profiles HTTP service: braise-profiles (port from BRAISE_PROFILES_PORT)."""

from braise_profiles.api import create_app
from braise_profiles.config import ProfilesSettings
from braise_shared.logs import configure_logging
from braise_shared.observability import serve


def main() -> None:
    """Serve the API on loopback until stopped."""
    configure_logging("profiles")
    settings = ProfilesSettings()
    serve(create_app(settings), host=settings.host, port=settings.port)


if __name__ == "__main__":
    main()
