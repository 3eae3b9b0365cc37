"""The firm's upcoming occasions on the staff page: title, day and hour, place, and how many
consultants are expected (counts from the graph, never names)."""

import logging
from dataclasses import dataclass

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


def upcoming_occasions(notifier: Notifier, t: Texts) -> list[OccasionRow] | None:
    """Return the firm's upcoming occasions worded for the page, soonest first; None while
    the graph does not answer."""
    try:
        upcoming = notifier.graph.occasions()
    except (GraphUnavailableError, GraphContractError) as exc:
        log.warning("the firm's occasions without the graph: %s", exc)
        return None
    service = notifier.digests
    words = Words(t, service.kinds, service.taxonomy, notifier.settings.timezone)
    return [
        OccasionRow(
            title=o.occasion.title,
            when=str(words.occasion(o.occasion)["when"]),
            place=words.place(o.occasion),
            attendees=o.attendees,
        )
        for o in upcoming.occasions
    ]
