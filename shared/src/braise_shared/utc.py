"""Times on the wire: aware, in UTC whatever offset the producer was given, from 1970 on."""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

# Nothing Braise records happened before the Unix epoch (the graph keeps times as Unix
# seconds); a year-1 date is a typo or a probe, not history.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)


def _to_utc(value: datetime) -> datetime:
    try:
        utc = value.astimezone(UTC)
    except OverflowError as exc:  # e.g. 0001-01-01T00:00:00+01:00 has no UTC form
        raise ValueError("is out of range") from exc
    if utc < EARLIEST:
        raise ValueError(f"must not be before {EARLIEST.isoformat()}")
    return utc


UtcDateTime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
