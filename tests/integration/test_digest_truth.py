"""Every card of a period is true: a firm's log, the real graph, the digests as rendered, and an
oracle that reads them as a consultant would (`tests.support.truth`, no notifier code)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from braise_cli.firm import generate_firm
from braise_graph.api import create_app
from braise_notifier.catalogs import texts
from braise_notifier.compose import Reader, compose
from braise_notifier.render import render_parts
from braise_notifier.tokens import LinkSigner
from braise_shared.candidates import CandidatesBatch, InviteGesture, JunctionReason
from braise_shared.events import Event, OccasionScheduledV1, OccasionWithdrawnV1
from braise_shared.interactions import load_kinds
from braise_shared.taxonomy import load_taxonomy
from tests.support import events as ev
from tests.support.graph import as_entries, graph_settings, new_store
from tests.support.oracle import WEIGHTS
from tests.support.profiles import admin_headers
from tests.support.servers import SessionServers
from tests.support.truth import Act, Oracle, html_cards, text_cards
from tests.support.truth_occasions import TIMEZONE, OccasionOracle

NOW = datetime(2026, 12, 7, 7, tzinfo=UTC)
PERIOD = "2026-W50"
SIZE = 300
IDEA = {"fr": "Une idée", "en": "An idea"}


def _local_midnight(moment: float) -> float:
    """Return the midnight that begins this moment's day in the firm's time zone."""
    local = datetime.fromtimestamp(moment, ZoneInfo(TIMEZONE))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def _occasions(ids: list[str], cities: dict[str, str]) -> list[Event]:
    """Return the firm's calendar as published: an upcoming breakfast in Paris that many
    attend, one in Lyon, an online workshop some declined, an online all-day forum some
    declined, one moved (a later revision, one attendee less), one withdrawn, one yesterday,
    one beyond the horizon."""
    people = [int(i.replace("-", ""), 16) for i in ids]  # ev.cid's numbers
    now = NOW.timestamp()
    day = 86_400.0
    lyon = [p for p, i in zip(people, ids, strict=True) if cities[i] == "Lyon"]
    return [
        ev.occasion(1, now + 10 * day + 1800, people[::2], title="Petit-déjeuner du jeudi"),
        ev.occasion(2, now + 5 * day, lyon, title="Afterwork lyonnais", place="Le Sucre"),
        ev.occasion(
            3,
            now + 20 * day,
            people[1::3],
            title="Atelier data en visio",
            online=True,
            hours=1,
            declined=[p for p in people[::4] if p not in people[1::3]],
        ),
        ev.occasion(
            8,
            _local_midnight(now + 12 * day),
            people[2::5],
            title="Forum des consultants en ligne",
            online=True,
            all_day=True,
            hours=48,
            declined=[p for p in people[::3] if p not in people[2::5]],
        ),
        ev.occasion(4, now + 3 * day, people[1::2], title="Déjeuner des anciens", city="Nantes"),
        ev.occasion(
            4,
            now + 8 * day,
            people[1::2][1:],
            revision=2,
            title="Déjeuner des anciens",
            city="Nantes",
        ),
        ev.occasion(5, now + 2 * day, people, title="Soirée annulée"),
        ev.withdrawn(5, 2, t=now - day),
        ev.occasion(6, now - day, people, title="Conférence d'hier"),
        ev.occasion(7, now + 60 * day, people, title="Séminaire de printemps"),
    ]


def _load(neo4j_driver: Driver, *, occasions: bool) -> tuple[Oracle, dict[str, str]]:
    """Feed the graph a generated firm (a third of it reading English), and its calendar when
    `occasions`; return the oracle of its log and calendar, and each consultant's language."""
    firm = generate_firm(SIZE, seed=19, now=NOW)
    locales = {str(ev.cid(c.key + 1)): "en" if c.key % 3 == 0 else "fr" for c in firm.consultants}
    events: list[Event] = [
        ev.profile(
            c.key + 1,
            name=c.display_name,
            skills=tuple(c.skills),
            sectors=tuple(c.sectors),
            interests=tuple(c.interests),
            city=c.city,
            locale=locales[str(ev.cid(c.key + 1))],
            t=c.joined_at.timestamp(),
        )
        for c in firm.consultants
    ]
    acts = []
    for i in sorted(firm.interactions, key=lambda i: i.occurred_at):
        people = [p + 1 for p in i.participants]
        t = i.occurred_at.timestamp()
        initiator = i.initiator + 1 if i.initiator is not None else None
        events.append(ev.interaction(people, t, kind=i.kind, initiator=initiator, note=i.note))
        ids = tuple(str(ev.cid(p)) for p in people)
        acts.append(Act(t, i.kind, ids, WEIGHTS[i.kind], i.note))
    cities = {str(ev.cid(c.key + 1)): c.city for c in firm.consultants}
    calendar = _occasions(sorted(cities), cities) if occasions else []
    events += calendar
    store = new_store(neo4j_driver)
    entries = as_entries(events)
    for start in range(0, len(entries), 500):
        store.apply_entries(entries[start : start + 500])
    names = {str(ev.cid(c.key + 1)): c.display_name for c in firm.consultants}
    published = [e for e in calendar if isinstance(e, OccasionScheduledV1 | OccasionWithdrawnV1)]
    told = OccasionOracle(published, dict(cities), NOW.timestamp())
    return Oracle(acts, names, NOW.timestamp(), told), locales


@pytest.mark.timeout(600)
@pytest.mark.parametrize("occasions", [True, False], ids=["with-calendar", "no-calendar"])
def test_every_card_of_a_period_says_only_what_the_log_makes_true(
    neo4j_driver: Driver, servers: SessionServers, occasions: bool
) -> None:
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n")
    oracle, locales = _load(neo4j_driver, occasions=occasions)
    settings = graph_settings(servers)
    ids = sorted(locales)
    answers = []
    with TestClient(create_app(settings, driver=neo4j_driver)) as client:
        for start in range(0, len(ids), 200):
            batch = client.post(
                "/v3/revival-candidates",
                json={
                    "consultant_ids": ids[start : start + 200],
                    "dormant": 3,
                    "cooling": 2,
                    "at": NOW.isoformat(),
                },
                headers=admin_headers(),
            )
            assert batch.status_code == 200, batch.text
            answers += CandidatesBatch.model_validate(batch.json()).answers
    signer = LinkSigner("truth-link-secret-" * 3, ttl_s=86_400)
    checked = {"fr": 0, "en": 0}
    statements, false = 0, []
    junctions = sum(isinstance(c.reasons[0], JunctionReason) for a in answers for c in a.candidates)
    invitations = sum(
        isinstance(c.gesture, InviteGesture) and c.gesture.params.occasion is not None
        for a in answers
        for c in a.candidates
    )
    named: dict[str, int] = {}
    for answer in answers:
        if not answer.candidates:
            continue
        locale = locales[answer.consultant_id]
        reader = Reader(answer.consultant_id, oracle.names[answer.consultant_id], "r@x.org", locale)
        digest = compose(
            reader,
            PERIOD,
            answer.candidates,
            texts=texts(locale),
            kinds=load_kinds(),
            taxonomy=load_taxonomy(),
        )
        html, text = render_parts(
            digest,
            texts(locale),
            signer,
            "https://braise.example.org",
            preferences_url="https://braise.example.org/p/{token}",
        )
        cards = text_cards(text, IDEA[locale])
        # The HTML part says the same as the text part, card by card.
        assert [(c.name, c.lines, c.gesture) for c in cards] == html_cards(html)
        opening = text.split("\n== ", 1)[0]  # preheader, greeting and intro, before the cards
        verdict = oracle.check(locale, answer.consultant_id, cards, f"{digest.subject} {opening}")
        for occasion in digest.occasions():
            named[occasion.fact.title] = named.get(occasion.fact.title, 0) + 1
        assert (".ics" in text) == bool(digest.occasions())
        checked[locale] += verdict.cards
        statements += verdict.statements
        false += verdict.false
    print(
        f"truth oracle: {checked} cards, {statements} statements, {len(false)} false; "
        f"{junctions} junctions, {invitations} invitations to an occasion; named {named}"
    )
    assert false == [], f"{len(false)} false statements of {statements}:\n" + "\n".join(false[:40])
    assert checked["fr"] + checked["en"] >= 300, checked
    assert checked["en"] >= 60, checked
    assert statements >= 1000
    if occasions:
        assert junctions >= 10, junctions
        assert invitations >= 10, invitations
        # Only what exists, upcoming, within the horizon: the others are never named.
        assert set(named) <= {
            "Petit-déjeuner du jeudi",
            "Afterwork lyonnais",
            "Atelier data en visio",
            "Forum des consultants en ligne",
            "Déjeuner des anciens",
        }, named
    else:  # a firm with no upcoming occasion: no invitation to an event, no calendar file
        assert (junctions, invitations, named) == (0, 0, {})
