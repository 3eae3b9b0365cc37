"""The dated facts a digest may state about a link, read from its log (pure).

A digest says what the log makes true and nothing more: when the link was at its strongest
and what the two did then (the peak's window), and what their last exchange was and when.
The window is whole calendar months (UTC), the peak's month and the two before it, so that a
sentence about "February to April 2026" counts exactly what those months hold.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from braise_shared.candidates import LastSeenParams, MissionFact, WasStrongParams
from braise_shared.tags import one_line

WINDOW_MONTHS = 3  # the peak's month and the two before it: about the 90 days that built it

Log = tuple[tuple[float, str], ...]


def day_of(t: float) -> date:
    """Return the UTC day of an epoch time."""
    return datetime.fromtimestamp(t, UTC).date()


def _months(day: date) -> int:
    return day.year * 12 + day.month - 1


@dataclass(frozen=True)
class PeakWindow:
    """The calendar months around a peak: [first month, last month], as month numbers."""

    first: int
    last: int

    @classmethod
    def of(cls, peak_at: float) -> "PeakWindow":
        """Return the window of a peak reached at time peak_at."""
        last = _months(day_of(peak_at))
        return cls(last - WINDOW_MONTHS + 1, last)

    def holds(self, t: float) -> bool:
        """Tell whether time t falls in the window's months."""
        return self.first <= _months(day_of(t)) <= self.last


def was_strong(
    *, peak: float, peak_at: float, count: int, log: Log, missions: Log
) -> WasStrongParams | None:
    """Return what the two did in the peak's window; None when the log cannot tell: it holds
    nothing there, or not every interaction of the link (`count`), as for a link folded
    before links kept their log."""
    if len(log) != count:
        return None
    window = PeakWindow.of(peak_at)
    held = [(t, kind) for t, kind in log if window.holds(t)]
    if not held:
        return None
    kinds: dict[str, int] = {}
    for _, kind in held:
        kinds[kind] = kinds.get(kind, 0) + 1
    return WasStrongParams(
        peak=round(peak, 2),
        peak_at=day_of(peak_at),
        first_day=day_of(held[0][0]),
        last_day=day_of(held[-1][0]),
        kinds=dict(sorted(kinds.items())),
        missions=[
            MissionFact(name=name, on=day_of(t))
            for t, note in missions
            if (name := one_line(note)) and window.holds(t)
        ],
    )


def last_seen(*, last_at: float, log: Log) -> LastSeenParams:
    """Return the day of the last exchange, and its kind when the log holds it."""
    kind = log[-1][1] if log and log[-1][0] == last_at else None
    return LastSeenParams(last_at=day_of(last_at), kind=kind)
