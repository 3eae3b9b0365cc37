"""A synthetic portage firm, seeded and deterministic: consultants and two years of history.

Communities form by sector; missions staff two to four people together; lunches, calls and
messages follow the missions; firm events gather groups; some pairs drift apart (their
links go dormant), some quieten lately (cooling), and some people join later.
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from braise_shared.text import fold_accents

FIRST_NAMES = [
    "Camille",
    "Karim",
    "Léa",
    "Hugo",
    "Inès",
    "Jules",
    "Chloé",
    "Mehdi",
    "Manon",
    "Thomas",
    "Sarah",
    "Nicolas",
    "Julie",
    "Antoine",
    "Amina",
    "Pierre",
    "Emma",
    "Yanis",
    "Claire",
    "Lucas",
    "Sofia",
    "Maxime",
    "Laura",
    "Romain",
    "Nadia",
    "Julien",
    "Pauline",
    "Samir",
    "Élodie",
    "Vincent",
    "Aïcha",
    "Baptiste",
    "Mathilde",
    "Olivier",
    "Fatou",
    "Guillaume",
    "Anaïs",
    "Rachid",
    "Céline",
    "Damien",
    "Hélène",
    "Bruno",
    "Zoé",
    "François",
    "Lina",
    "Arnaud",
    "Marion",
    "Kevin",
    "Sophie",
    "Éric",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefèvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Benali",
    "Haddad",
    "Nguyen",
    "Diallo",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Faure",
    "Chevalier",
]
CITIES = [
    "Paris",
    "Lyon",
    "Marseille",
    "Toulouse",
    "Nantes",
    "Lille",
    "Bordeaux",
    "Rennes",
    "Strasbourg",
    "Montpellier",
    "Grenoble",
    "Nice",
]

# Sector -> the skills its consultants tend to have.
SECTORS: dict[str, list[str]] = {
    "Banque": ["Risk management", "Bâle III", "Python", "SQL", "Gestion de projet"],
    "Assurance": ["Solvabilité II", "Actuariat", "SAS", "Python", "Conformité"],
    "Énergie": ["SAP", "Smart grid", "Gestion de projet", "Achats", "Data Science"],
    "Industrie": ["Lean", "Supply chain", "SAP", "Qualité", "Achats"],
    "Santé": ["Affaires réglementaires", "Data Science", "RGPD", "Conduite du changement"],
    "Retail": ["Marketing digital", "CRM", "E-commerce", "SEO", "Data Science"],
    "Secteur public": ["Marchés publics", "Conduite du changement", "Gestion de projet"],
    "Télécoms": ["Cloud", "Kubernetes", "DevOps", "Cybersécurité", "Java"],
    "Ressources humaines": ["Paie", "SIRH", "Recrutement", "Formation", "Droit social"],
    "Conseil en management": ["Stratégie", "Conduite du changement", "PMO", "Finance"],
}
INTERESTS = [
    "Voile",
    "Trail",
    "Jazz",
    "Cuisine",
    "Échecs",
    "Photographie",
    "Vélo",
    "Théâtre",
    "Randonnée",
    "Escalade",
    "Œnologie",
    "Lecture",
    "Musique classique",
    "Football",
    "Bénévolat",
    "Jardinage",
    "Yoga",
    "Cinéma",
]
CLIENTS = [
    "Enedis",
    "BNP Paribas",
    "Airbus",
    "Orange",
    "la SNCF",
    "Decathlon",
    "Sanofi",
    "AXA",
    "Renault",
    "la Région Occitanie",
    "Carrefour",
    "EDF",
    "Thales",
    "Michelin",
]
PROJECTS = [
    "Migration SAP",
    "Refonte du SIRH",
    "Programme Bâle IV",
    "Data platform",
    "Plan de transformation",
    "Déploiement CRM",
    "Audit qualité",
    "Move to cloud",
    "Refonte de la paie",
    "Mise en conformité RGPD",
    "Pilotage PMO",
]
INITIALS = "ABCDEFGHIJLMNOPRSTVY"
# The largest firm made: some 800,000 "first I. J. last" names exist, so names stay easy to find.
MAX_FIRM_SIZE = 200_000
CONSULTANTS_PER_EVENT = 300
EVENT_ROOM = (12, 40)

EVENT_NAMES = [
    "Afterwork du cabinet",
    "Petit-déjeuner thématique",
    "Séminaire annuel",
    "Atelier Data",
    "Soirée de rentrée",
]


@dataclass(frozen=True)
class Consultant:
    """A synthetic consultant, as the profiles API takes them."""

    key: int
    email: str
    display_name: str
    city: str
    locale: str
    skills: list[str]
    sectors: list[str]
    interests: list[str]
    joined_at: datetime
    day_of_week: str = "monday"

    def as_json(self) -> dict[str, Any]:
        """Return the body of POST /v1/consultants."""
        return {
            "email": self.email,
            "display_name": self.display_name,
            "city": self.city,
            "locale": self.locale,
            "skills": self.skills,
            "sectors": self.sectors,
            "interests": self.interests,
            "joined_at": self.joined_at.isoformat(),
            "day_of_week": self.day_of_week,
        }


@dataclass(frozen=True)
class Interaction:
    """A synthetic interaction between consultants (by key)."""

    kind: str
    participants: list[int]
    occurred_at: datetime
    initiator: int | None = None
    note: str | None = None


@dataclass
class Firm:
    """Consultants and their history."""

    consultants: list[Consultant]
    interactions: list[Interaction] = field(default_factory=list)


def generate_firm(size: int = 300, *, seed: int = 42, now: datetime | None = None) -> Firm:
    """Return a firm of `size` consultants with two years of interactions up to now."""
    rnd = random.Random(seed)  # noqa: S311 - synthetic data, reproducible by seed
    anchor = (now or datetime.now(UTC)).replace(microsecond=0)
    start = anchor - timedelta(days=730)
    if not 1 <= size <= MAX_FIRM_SIZE:
        raise ValueError(f"size: a firm has 1 to {MAX_FIRM_SIZE} consultants, not {size}")
    consultants = []
    used: set[str] = set()
    for key in range(size):
        first, last, name = _unique_name(rnd, used)
        used.add(name)
        sector = rnd.choice(list(SECTORS))
        sectors = [sector] + ([rnd.choice(list(SECTORS))] if rnd.random() < 0.3 else [])
        skills = rnd.sample(SECTORS[sector], 3)
        # One in six joined during the two years.
        joined = start - timedelta(days=rnd.randint(30, 2000))
        if rnd.random() < 1 / 6:
            joined = start + timedelta(days=rnd.randint(60, 600))
        email = f"{_ascii(first)}.{_ascii(last)}{key}@consultants.example.org".lower()
        consultants.append(
            Consultant(
                key,
                email,
                name,
                rnd.choice(CITIES),
                "en" if rnd.random() < 0.1 else "fr",
                skills,
                sorted(set(sectors)),
                rnd.sample(INTERESTS, rnd.randint(1, 3)),
                joined,
                rnd.choice(["monday", "monday", "tuesday", "thursday"]),
            )
        )
    firm = Firm(consultants)
    by_sector: dict[str, list[Consultant]] = {}
    for c in consultants:
        by_sector.setdefault(c.sectors[0], []).append(c)

    def present(c: Consultant, when: datetime) -> bool:
        return c.joined_at <= when

    # Missions: teams within a sector, each followed by lunches, calls and messages while the
    # team is together; a share of teams drift apart afterwards, others keep in touch.
    for _ in range(size // 2):
        sector = rnd.choice(list(by_sector))
        pool = by_sector[sector]
        if len(pool) < 2:
            continue
        when = start + timedelta(days=rnd.randint(0, 700))
        team = [
            c
            for c in rnd.sample(pool, min(len(pool), rnd.choice([2, 2, 3, 4])))
            if present(c, when)
        ]
        if len(team) < 2:
            continue
        note = f"{rnd.choice(PROJECTS)} chez {rnd.choice(CLIENTS)}"
        keys = [c.key for c in team]
        firm.interactions.append(
            Interaction("mission_together", keys, when, rnd.choice(keys), note)
        )
        fate = rnd.random()
        follow_days = 90 if fate < 0.45 else (540 if fate < 0.75 else 300)
        for a, b in _pairs(keys):
            t = when
            while True:
                t += timedelta(days=rnd.randint(12, 45))
                if t > min(anchor, when + timedelta(days=follow_days)):
                    break
                kind = rnd.choice(["lunch", "call", "call", "message", "message", "meeting"])
                firm.interactions.append(Interaction(kind, [a, b], t, rnd.choice([a, b])))
    # Everyday exchanges within sector communities.
    for _ in range(size * 4):
        sector = rnd.choice(list(by_sector))
        pool = by_sector[sector]
        if len(pool) < 2:
            continue
        one, another = rnd.sample(pool, 2)
        when = anchor - timedelta(days=rnd.randint(0, 729), minutes=rnd.randint(0, 600))
        if present(one, when) and present(another, when):
            kind = rnd.choice(
                ["message", "message", "call", "lunch", "article_shared", "introduction"]
            )
            pair = [one.key, another.key]
            firm.interactions.append(Interaction(kind, pair, when, rnd.choice(pair)))
    # Firm events, every two months in the cities: one per CONSULTANTS_PER_EVENT consultants,
    # each gathering a room of people of that city (a firm of 30,000 holds many afterworks,
    # not one of 3,600 people: the pairs of a group grow with the square of its size).
    by_city: dict[str, list[Consultant]] = {}
    for c in consultants:
        by_city.setdefault(c.city, []).append(c)
    cities = sorted(by_city)
    for month in range(0, 24, 2):
        for _ in range(max(1, round(size / CONSULTANTS_PER_EVENT))):
            when = start + timedelta(days=30 * month + rnd.randint(0, 20), hours=18)
            pool = by_city[rnd.choice(cities)]
            room = rnd.randint(*EVENT_ROOM)
            drawn = rnd.sample(pool, min(len(pool), room + room // 2))
            attendees = [c.key for c in drawn if present(c, when)][:room]
            if len(attendees) >= 3:
                firm.interactions.append(
                    Interaction("event", attendees, when, None, rnd.choice(EVENT_NAMES))
                )
    firm.interactions.sort(key=lambda i: i.occurred_at)
    return firm


def _unique_name(rnd: random.Random, used: set[str]) -> tuple[str, str, str]:
    """Return a first name, a last name and a display name no one in `used` has.

    Real firms have homonyms; a synthetic one tells them apart the way people do, with a
    middle initial (or two) when "first last" is taken. The tries are bounded: the firm's
    size is capped far below the names there are, so this never loops.
    """
    for _ in range(64):
        first, last = rnd.choice(FIRST_NAMES), rnd.choice(LAST_NAMES)
        for middle in (
            "",
            rnd.choice(INITIALS) + ".",
            rnd.choice(INITIALS) + ". " + rnd.choice(INITIALS) + ".",
        ):
            name = f"{first} {middle} {last}" if middle else f"{first} {last}"
            if name not in used:
                return first, last, name
    raise RuntimeError(f"no unique name left after {len(used)} consultants")


def _pairs(keys: list[int]) -> list[tuple[int, int]]:
    return [(a, b) for i, a in enumerate(keys) for b in keys[i + 1 :]]


def _ascii(text: str) -> str:
    return "".join(c for c in fold_accents(text) if c.isascii() and c.isalnum())
