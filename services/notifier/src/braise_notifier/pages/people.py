"""The reader's whole network for "my network": everyone they have a link with, by stage,
with the day of their last exchange, and the digest's own words where the graph ranks them.

Pure: the graph's links, the candidates' wording and the page's query in, the cards out.
"""

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from braise_notifier.compose import Suggestion
from braise_shared.network import ConsultantLink

# The groups of the page, in order; faded and living links are folded (a click opens them).
GROUPS = ("cooling", "dormant", "faded", "alive")
FOLDED = frozenset({"faded", "alive"})
_GROUP_OF = {"cooling": "cooling", "dormant": "dormant", "faded": "faded"}
# Past this many people the page offers a search box.
SEARCH_FROM = 30


@dataclass(frozen=True)
class Person:
    """One card: who, their link's group, the day of the last exchange, the words, the state."""

    other_id: str
    name: str
    group: str
    last_day: date
    reasons: tuple[str, ...] = ()
    idea: str | None = None
    declined: bool = False
    met_now: bool = False  # "we met" was recorded from this page a moment ago
    met_day: date | None = None  # the day it recorded
    met_kind: str | None = None  # what it recorded, worded ("un appel"); None: unknown


@dataclass(frozen=True)
class Network:
    """The cards by group, and whether the page is filtered."""

    groups: dict[str, list[Person]]
    total: int
    query: str

    @property
    def searchable(self) -> bool:
        """Tell whether the page offers a search box (past `SEARCH_FROM` people)."""
        return self.total > SEARCH_FROM or bool(self.query)

    def everyone(self) -> list[Person]:
        """Return every person of the network, by name (the "we met" list)."""
        return sorted((p for ps in self.groups.values() for p in ps), key=lambda p: _key(p.name))


def _key(text: str) -> str:
    """Fold case and accents, so that "lea" finds "Léa"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def network(
    links: Iterable[ConsultantLink],
    worded: Mapping[str, Suggestion],
    declined: set[str],
    *,
    met: tuple[str, date] | None = None,
    met_kind: str | None = None,
    query: str = "",
) -> Network:
    """Build the page's cards: one per link, each in its stage's group.

    A person just met (`met`: who, which day, as profiles recorded it; `met_kind`: what,
    worded) shows the day recorded and none of the digest's sentences about the time since,
    which the meeting made untrue; the graph's stage follows a moment later.
    """
    people = []
    for link in links:
        group = _GROUP_OF.get(link.stage, "alive")
        words = worded.get(link.other_id)
        person = Person(
            other_id=link.other_id,
            name=link.other_name,
            group=group,
            last_day=link.last_at.date(),
            reasons=tuple(words.reasons) if words else (),
            idea=words.gesture if words else None,
            declined=link.other_id in declined,
        )
        if met is not None and met[0] == link.other_id:
            day = max(met[1], person.last_day)
            person = replace(
                person,
                last_day=day,
                reasons=(),
                idea=None,
                met_now=True,
                met_day=met[1],
                met_kind=met_kind,
            )
        people.append(person)
    total = len(people)
    wanted = _key(query.strip())
    if wanted:
        people = [p for p in people if wanted in _key(p.name)]
    groups: dict[str, list[Person]] = {g: [] for g in GROUPS}
    for person in people:
        groups[person.group].append(person)
    for cards in groups.values():
        cards.sort(key=lambda p: (not p.met_now, -p.last_day.toordinal(), _key(p.name)))
    return Network(groups=groups, total=total, query=query.strip())
