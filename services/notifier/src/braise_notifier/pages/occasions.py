"""The firm's upcoming occasions on the staff page: title, day and hour, place, and how many
consultants are expected (counts from the graph, never names), under a hint that says how far
ahead the graph looks (its `occasion_horizon_days`, as it answers)."""

import logging
from dataclasses import dataclass

from babel.numbers import format_decimal

from braise_notifier.bootstrap import Notifier
from braise_notifier.catalogs import Texts
from braise_notifier.graph_client import GraphContractError, GraphUnavailableError
from braise_notifier.wording import Words

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OccasionRow:
    """One upcoming occasion as the staff page shows it."""

    title: str
    when: str
    place: str
    attendees: int


@dataclass(frozen=True)
class UpcomingRows:
    """The firm's upcoming occasions as the staff page shows them, and its hint."""

    hint: str
    rows: list[OccasionRow]


def horizon_hint(t: Texts, horizon_days: float) -> str:
    """Return the hint that says how far ahead the occasions listed are: in weeks when the
    horizon is a whole number of them (two or more), else in days."""
    weeks = horizon_days / 7
    if weeks >= 2 and weeks.is_integer():
        return t.get("pages.firm.occasions_hint_weeks", count=int(weeks))
    whole = float(horizon_days).is_integer()
    days = format_decimal(horizon_days, locale=t.locale)
    count = int(horizon_days) if whole else 2
    return t.get("pages.firm.occasions_hint_days", count=count, days=days)


def upcoming_occasions(notifier: Notifier, t: Texts) -> UpcomingRows | None:
    """Return the firm's upcoming occasions worded for the page, soonest first, with the
    hint of the graph's horizon; None while the graph does not answer."""
    try:
        upcoming = notifier.graph.occasions()
    except (GraphUnavailableError, GraphContractError) as exc:
        log.warning("the firm's occasions without the graph: %s", exc)
        return None
    service = notifier.digests
    words = Words(t, service.kinds, service.taxonomy, notifier.settings.timezone)
    rows = [
        OccasionRow(
            title=o.occasion.title,
            when=str(words.occasion(o.occasion)["when"]),
            place=words.place(o.occasion),
            attendees=o.attendees,
        )
        for o in upcoming.occasions
    ]
    return UpcomingRows(horizon_hint(t, upcoming.horizon_days), rows)
