"""Every card of a period is true: a firm's log, the real graph, the digests as rendered, and an
oracle that reads them as a consultant would (`tests.support.truth`, no notifier code)."""

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from braise_cli.firm import generate_firm
from braise_graph.api import create_app
from braise_notifier.catalogs import texts
from braise_notifier.compose import Reader, compose
from braise_notifier.render import render_parts
from braise_notifier.tokens import LinkSigner
from braise_shared.candidates import CandidatesBatch
from braise_shared.events import Event
from braise_shared.interactions import load_kinds
from braise_shared.taxonomy import load_taxonomy
from tests.support import events as ev
from tests.support.graph import as_entries, graph_settings, new_store
from tests.support.oracle import WEIGHTS
from tests.support.profiles import admin_headers
from tests.support.servers import SessionServers
from tests.support.truth import Act, Oracle, html_cards, text_cards

NOW = datetime(2026, 12, 7, 7, tzinfo=UTC)
PERIOD = "2026-W50"
SIZE = 300
IDEA = {"fr": "Une idée", "en": "An idea"}


def _load(neo4j_driver: Driver) -> tuple[Oracle, dict[str, str]]:
    """Feed the graph a generated firm (a third of it reading English); return the oracle of
    its log and each consultant's language."""
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
    store = new_store(neo4j_driver)
    entries = as_entries(events)
    for start in range(0, len(entries), 500):
        store.apply_entries(entries[start : start + 500])
    names = {str(ev.cid(c.key + 1)): c.display_name for c in firm.consultants}
    return Oracle(acts, names, NOW.timestamp()), locales


@pytest.mark.timeout(600)
def test_every_card_of_a_period_says_only_what_the_log_makes_true(
    neo4j_driver: Driver, servers: SessionServers
) -> None:
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n")
    oracle, locales = _load(neo4j_driver)
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
        checked[locale] += verdict.cards
        statements += verdict.statements
        false += verdict.false
    print(f"truth oracle: {checked} cards, {statements} statements, {len(false)} false")
    assert false == [], f"{len(false)} false statements of {statements}:\n" + "\n".join(false[:40])
    assert checked["fr"] + checked["en"] >= 300, checked
    assert checked["en"] >= 60, checked
    assert statements >= 1000
