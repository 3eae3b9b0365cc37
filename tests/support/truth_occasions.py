"""The truth oracle's side of the firm's occasions: every statement a card makes about an
occasion (its title, day, hour, place, "both expected") against the occasions the test
published, folded by revision here (no graph or notifier code).

An occasion named must be the newest revision of one published, not withdrawn, starting
after now and within the horizon, at the day, hour and place the card says (in the firm's
time zone; an all-day one its day or days, never an hour). A junction line says both people
are expected: both must be attendees (accepted) of that revision. An invitation names an
occasion both can attend: online, or in the city both live in, that neither declined and the
other does not attend already. A gesture built on a junction ("see them there") needs the
junction line on its card.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from braise_shared.events import OccasionScheduledV1, OccasionWithdrawnV1
from tests.support.truth_words import MONTHS

TIMEZONE = "Europe/Paris"  # the firm's (the notifier's `timezone` setting)
HORIZON_DAYS = 42  # the graph's `occasion_horizon_days`
WEEKDAYS = {
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche",
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
}
JUNCTION = {"fr": "attendus", "en": "expected"}
AT_THE_JUNCTION = {
    "fr": ("l'y retrouver", "sur place", "l'y revoir"),
    "en": ("them there", "coffee there"),
}
ONLINE = {"fr": "en ligne", "en": "online"}


@dataclass(frozen=True)
class Published:
    """An occasion as the events published say it, newest revision."""

    id: str
    revision: int
    withdrawn: bool
    title: str = ""
    starts_at: float = 0.0
    place: str | None = None
    city: str | None = None
    online: bool = False
    attendees: frozenset[str] = frozenset()
    all_day: bool = False
    ends_at: float = 0.0
    declined: frozenset[str] = frozenset()


def published(events: Iterable[OccasionScheduledV1 | OccasionWithdrawnV1]) -> list[Published]:
    """Fold occasion events by revision: the newest wins, a withdrawal over a tie."""
    newest: dict[str, Published] = {}
    for event in events:
        oid = str(event.data.occasion_id)
        if isinstance(event, OccasionWithdrawnV1):
            state = Published(oid, event.data.revision, True)
        else:
            data = event.data
            state = Published(
                oid,
                data.revision,
                False,
                data.title,
                data.starts_at.timestamp(),
                data.place,
                data.city,
                data.online,
                frozenset(str(a) for a in data.attendees),
                data.all_day,
                data.ends_at.timestamp(),
                frozenset(str(d) for d in data.declined),
            )
        held = newest.get(oid)
        if held is None or (state.revision, state.withdrawn) > (held.revision, held.withdrawn):
            newest[oid] = state
    return list(newest.values())


class OccasionOracle:
    """What the firm's published occasions make true."""

    def __init__(
        self,
        events: Iterable[OccasionScheduledV1 | OccasionWithdrawnV1],
        cities: Mapping[str, str | None],
        now: float,
    ) -> None:
        self.now = now
        self.cities = cities
        # Every title ever published, with its newest state: a withdrawn or moved one is
        # recognised, and reported.
        titles = {}
        for event in events:
            if isinstance(event, OccasionScheduledV1):
                titles[str(event.data.occasion_id)] = event.data.title
        self.newest = {p.id: p for p in published(events)}
        self.titles = titles

    def when(self, locale: str, o: Published) -> str:
        """Return the day and hour of an occasion as a card writes them (an all-day one: its
        day, or its first and last day)."""
        at = datetime.fromtimestamp(o.starts_at, ZoneInfo(TIMEZONE))
        if o.all_day:
            first = at.date()
            last = (
                datetime.fromtimestamp(o.ends_at, ZoneInfo(TIMEZONE)) - timedelta(seconds=1)
            ).date()
            if last <= first:
                said = {"fr": "le {}, toute la journée", "en": "on {}, all day"}[locale]
                return said.format(self._day(locale, first))
            said = {"fr": "du {} au {}", "en": "from {} to {}"}[locale]
            return said.format(self._day(locale, first), self._day(locale, last))
        day = WEEKDAYS[locale].split()[at.weekday()]
        month = MONTHS[locale].split()[at.month - 1]
        if locale == "fr":
            return f"le {day} {at.day} {month} {at.year} à {at.hour:02d}:{at.minute:02d}"
        hour = at.hour % 12 or 12
        return f"on {day}, {month} {at.day}, {at.year} at {hour}:{at.minute:02d} " + (
            "AM" if at.hour < 12 else "PM"
        )

    @staticmethod
    def _day(locale: str, on: date) -> str:
        weekday = WEEKDAYS[locale].split()[on.weekday()]
        month = MONTHS[locale].split()[on.month - 1]
        if locale == "fr":
            return f"{weekday} {on.day} {month} {on.year}"
        return f"{weekday}, {month} {on.day}, {on.year}"

    def place(self, locale: str, o: Published) -> str:
        """Return where an occasion takes place as a card writes it."""
        if o.online:
            return ONLINE[locale]
        parts = [p for p in (o.place, o.city) if p]
        if len(parts) == 2 and parts[1].casefold() in parts[0].casefold():
            parts = parts[:1]
        return ", ".join(parts)

    def named(self, locale: str, line: str) -> tuple[str, str] | None:
        """Return (occasion id, quoted title) of the occasion a line names, if any."""
        for oid, title in self.titles.items():
            quoted = f"« {title} »" if locale == "fr" else f"“{title}”"
            if quoted in line:
                return oid, quoted
        return None

    def _true_of(
        self, locale: str, line: str, oid: str, people: tuple[str, str], junction: bool
    ) -> list[str]:
        """Return what is false in a line naming occasion oid."""
        o = self.newest[oid]
        if o.withdrawn:
            return ["names a withdrawn occasion"]
        false = []
        if not self.now < o.starts_at <= self.now + HORIZON_DAYS * 86_400:
            false.append("names an occasion that is not upcoming within the horizon")
        if self.when(locale, o) not in line:
            false.append(f"says another day or hour than {self.when(locale, o)!r}")
        if self.place(locale, o) not in line:
            false.append(f"says another place than {self.place(locale, o)!r}")
        reader, other = people
        if junction and not {reader, other} <= o.attendees:
            false.append("says both are expected, and they are not")
        if not junction and ({reader, other} & o.declined):
            false.append("invites to an occasion one of them declined")
        if not junction and other in o.attendees:
            false.append("invites someone to an occasion they are expected at already")
        if not junction and not o.online:
            cities = {(self.cities.get(p) or "").casefold().strip() for p in people}
            if cities != {(o.city or "").casefold().strip()}:
                false.append(f"invites to {o.city}, where they do not both live")
        return false

    def junction_line(
        self, locale: str, line: str, people: tuple[str, str], where: str, false: list[str]
    ) -> bool:
        """Check a card line; tell whether it was a junction line (else it is not ours)."""
        if JUNCTION[locale] not in line.lower():
            return False
        found = self.named(locale, line)
        if found is None:
            false.append(f"{where}: both expected at an occasion nobody published: {line}")
            return True
        wrong = self._true_of(locale, line, found[0], people, True)
        false += [f"{where}: {f}: {line}" for f in wrong]
        return True

    def gesture(
        self,
        locale: str,
        gesture: str,
        people: tuple[str, str],
        where: str,
        false: list[str],
        *,
        junction: bool,
    ) -> str:
        """Check what a gesture says of an occasion; return it without the occasion's title
        (which the other checks must not read as a mission or an unnamed event)."""
        lower = gesture.lower()
        if any(w in lower for w in AT_THE_JUNCTION[locale]) and not junction:
            false.append(f"{where}: a gesture built on a junction the card does not state")
        found = self.named(locale, gesture)
        if found is None:
            return gesture
        oid, quoted = found
        wrong = self._true_of(locale, gesture, oid, people, False)
        false += [f"{where}: {f}: {gesture}" for f in wrong]
        return gesture.replace(quoted, "")
