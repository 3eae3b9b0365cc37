"""What staff see of the firm's upcoming occasions (graph → notifier, `GET /v1/occasions`).

Counts only: how many consultants are expected at each occasion, never who.
"""

from pydantic import Field

from braise_shared.candidates import Contract, OccasionFact
from braise_shared.events import UtcDateTime


class OccasionAttendance(Contract):
    """An upcoming occasion of the firm and how many consultants are expected there."""

    occasion: OccasionFact
    attendees: int = Field(ge=0, description="Consultants who accepted (a count).")


class UpcomingOccasions(Contract):
    """The firm's occasions that start after `at` and within the graph's horizon, soonest
    first."""

    at: UtcDateTime
    horizon_days: float = Field(description="How far ahead the graph looks.")
    occasions: list[OccasionAttendance]
