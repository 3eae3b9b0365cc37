"""One log format for every Braise process."""

import logging
import os


def configure_logging(service: str) -> None:
    """Log to stderr as `time level service logger: message`, level from $BRAISE_LOG_LEVEL."""
    logging.basicConfig(
        level=os.environ.get("BRAISE_LOG_LEVEL", "INFO").upper(),
        format=f"%(asctime)s %(levelname)s {service} %(name)s: %(message)s",
    )
