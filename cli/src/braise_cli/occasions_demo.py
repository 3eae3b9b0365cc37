"""Fill a CalDAV server (the stack's Radicale) with a demo firm's occasions and a few calendars.

The firm's events calendar holds, around `now`, a breakfast every four weeks per big city (a
series with one left out), afterworks past and upcoming, trainings (one online), and one
cancelled afterwork; attendees come from the consultants of the city, with one guest from
outside the firm and one consultant who declined. A few consultants get a calendar of their
own: meetings and a lunch with colleagues, past and upcoming, with a private title and place
that Braise must never keep. Everything is drawn from rng: the same seed, the same calendars.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import httpx
import icalendar

PARIS = ZoneInfo("Europe/Paris")
GUEST = "invite.externe@partenaire.example"
PLACES = {
    "Paris": "Café Pouchkine, 16 place de la Madeleine, 75008 Paris",
    "Lyon": "Le Comptoir du Vin, 3 quai Saint-Vincent, 69001 Lyon",
    "Marseille": "La Caravelle, 34 quai du Port, 13002 Marseille",
    "Toulouse": "Le Florida, 12 place du Capitole, 31000 Toulouse",
    "Nantes": "La Cigale, 4 place Graslin, 44000 Nantes",
    "Lille": "Méert, 27 rue Esquermoise, 59800 Lille",
    "Bordeaux": "Café Français, 5 place Pey-Berland, 33000 Bordeaux",
}


class DemoPerson(Protocol):
    """What the demo needs of a consultant (`braise_cli.firm.Consultant` has it)."""

    @property
    def email(self) -> str:
        """The consultant's address, as profiles knows it."""

    @property
    def city(self) -> str:
        """Where the consultant lives and works."""


@dataclass
class FilledRadicale:
    """Where the demo's calendars are, and how many events each holds."""

    firm_calendar_url: str
    firm_events: int = 0
    consultant_calendars: dict[str, str] = field(default_factory=dict)  # e-mail -> URL


def _at(day: datetime, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day.astimezone(PARIS).date(), time(hour, minute), tzinfo=PARIS)


def _event(
    uid: str,
    summary: str,
    start: datetime,
    hours: float,
    *,
    location: str,
    attendees: Sequence[str],
    declined: Sequence[str] = (),
    **extra: object,
) -> icalendar.Event:
    vevent = icalendar.Event()
    for name, value in (
        ("uid", uid),
        ("dtstamp", start),
        ("summary", summary),
        ("dtstart", start),
        ("dtend", start + timedelta(hours=hours)),
        ("location", location),
        *extra.items(),
    ):
        vevent.add(name.replace("_", "-"), value)
    for email, partstat in [
        *((a, "ACCEPTED") for a in attendees),
        *((d, "DECLINED") for d in declined),
    ]:
        address = icalendar.vCalAddress(f"mailto:{email}")
        address.params["PARTSTAT"] = partstat
        vevent.add("attendee", address)
    return vevent


def _document(*events: icalendar.Event) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Braise demo//occasions//FR")
    calendar.add("version", "2.0")
    for vevent in events:
        calendar.add_component(vevent)
    return bytes(calendar.to_ical())


class _Collection:
    """One calendar collection, made anew (the demo's calendars start empty each run)."""

    def __init__(self, client: httpx.Client, url: str, name: str) -> None:
        self.client, self.url = client, url
        client.request("DELETE", url)  # 404 the first time
        body = (
            '<?xml version="1.0" encoding="utf-8"?><C:mkcalendar xmlns:D="DAV:" '
            'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>'
            f"<D:displayname>{name}</D:displayname></D:prop></D:set></C:mkcalendar>"
        )
        client.request("MKCALENDAR", url, content=body).raise_for_status()
        self.count = 0

    def put(self, name: str, *events: icalendar.Event) -> None:
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        self.client.put(f"{self.url}{name}.ics", content=_document(*events), headers=headers)
        self.count += 1


def _firm_events(
    firm: _Collection, by_city: dict[str, list[str]], now: datetime, rng: random.Random
) -> None:
    cities = sorted(by_city, key=lambda c: (-len(by_city[c]), c))[:4]
    everyone = sorted(e for people in by_city.values() for e in people)
    for n, city in enumerate(cities):
        people = by_city[city]
        place = PLACES.get(city, f"Salle du cabinet, {city}")
        first = _at(now - timedelta(days=120 - 7 * n), 8)
        room = rng.sample(people, min(len(people), rng.randint(6, 14)))
        firm.put(
            f"petit-dejeuner-{city.lower()}",
            _event(
                f"petit-dejeuner-{city.lower()}@demo.braise",
                f"Petit-déjeuner du cabinet à {city}",
                first,
                1.5,
                location=place,
                attendees=[*room, GUEST],
                declined=rng.sample(people, 1),
                rrule={"freq": "weekly", "interval": 4, "count": 8},
                exdate=first + timedelta(weeks=8),  # the third one, left out
            ),
        )
        for k, days in enumerate((-40, -9, 12, 33)):
            start = _at(now + timedelta(days=days + n), 19)
            cancelled = n == 0 and days == 33
            firm.put(
                f"afterwork-{city.lower()}-{k}",
                _event(
                    f"afterwork-{city.lower()}-{k}@demo.braise",
                    f"Afterwork des consultants de {city}",
                    start,
                    2.5,
                    location=place,
                    attendees=rng.sample(people, min(len(people), rng.randint(4, 12))),
                    **({"status": "CANCELLED"} if cancelled else {}),
                ),
            )
    trainings = (
        (-20, "Formation : négociation commerciale", PLACES["Paris"]),
        (
            9,
            "Formation en ligne : le portage salarial en 2027",
            "https://visio.demo.example/formation",
        ),
        (26, "Atelier : réussir sa prospection", PLACES["Lyon"]),
    )
    for k, (days, title, location) in enumerate(trainings):
        firm.put(
            f"formation-{k}",
            _event(
                f"formation-{k}@demo.braise",
                title,
                _at(now + timedelta(days=days), 14),
                3,
                location=location,
                attendees=rng.sample(everyone, min(len(everyone), rng.randint(8, 20))),
            ),
        )


def _own_meetings(
    own: _Collection, me: str, colleagues: list[str], now: datetime, rng: random.Random
) -> None:
    private = "Rue du Secret Professionnel, Paris"
    plans = [(-30, "Point mission avec le client", 10), (-12, "Déjeuner avec une collègue", 12)]
    plans += [(-3, "Préparation de la soutenance", 15), (6, "Déjeuner de rentrée", 12)]
    for k, (days, title, hour) in enumerate(plans):
        others = rng.sample(colleagues, min(len(colleagues), rng.randint(1, 2)))
        vevent = _event(
            f"{me.split('@')[0]}-{k}@mail.demo.example",
            title,
            _at(now + timedelta(days=days), hour),
            1.5,
            location=private,
            attendees=[me, *others, "client@entreprise.example"],
            organizer=icalendar.vCalAddress(f"mailto:{me}"),
        )
        own.put(f"meeting-{k}", vevent)


def fill_radicale(
    url: str,
    user: str,
    password: str,
    consultants: Sequence[DemoPerson],
    now: datetime,
    rng: random.Random,
    *,
    own_calendars: int = 3,
) -> FilledRadicale:
    """Make the firm's events calendar and own_calendars consultants' calendars on a server.

    url is the server's root (`http://127.0.0.1:5232/`); the calendars are made under the
    user's home, replacing the demo's previous ones. Register the firm's with
    `braise calendar add` (or POST /v1/calendars), the others through each consultant.
    """
    by_city: dict[str, list[str]] = {}
    for person in consultants:
        by_city.setdefault(person.city, []).append(person.email)
    home = f"{url.rstrip('/')}/{user}/"
    with httpx.Client(auth=(user, password), timeout=30) as client:
        firm = _Collection(client, f"{home}firm-events/", "Événements du cabinet")
        _firm_events(firm, by_city, now, rng)
        filled = FilledRadicale(firm_calendar_url=firm.url, firm_events=firm.count)
        big = max(by_city.values(), key=len) if by_city else []
        for me in sorted(big)[:own_calendars]:
            own = _Collection(client, f"{home}own-{me.split('@')[0]}/", "Mon agenda")
            _own_meetings(own, me, [c for c in big if c != me], now, rng)
            filled.consultant_calendars[me] = own.url
    return filled
