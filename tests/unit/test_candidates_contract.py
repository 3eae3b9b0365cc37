"""The graph → notifier contract: the graph's JSON parses into typed candidates, and the
notifier's client asks for the digest's limits and reads nothing else."""

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from braise_notifier.catalogs import texts
from braise_notifier.db import RecipientRow, make_engine, session_factory, unit_of_work
from braise_notifier.graph_client import GraphClient, GraphContractError, GraphUnavailableError
from braise_notifier.service import DigestService
from braise_notifier.tokens import LinkSigner
from braise_notifier.wording import Words, gesture_text
from braise_shared.candidates import (
    MAX_BATCH,
    AskNewsGesture,
    AskNewsParams,
    CongratulateGesture,
    CongratulateParams,
    FailedReader,
    Gesture,
    HookReason,
    IntroduceGesture,
    IntroduceParams,
    InviteGesture,
    RevivalCandidate,
    RevivalCandidates,
    ShareGesture,
    ShareParams,
    WasStrongReason,
)
from braise_shared.interactions import load_kinds
from braise_shared.locales import LOCALES
from braise_shared.tags import make_tag
from braise_shared.taxonomy import load_taxonomy

CID = "00000000-0000-4000-8000-000000000001"
PYTHON = {"key": "python", "label": "Python"}
VOILE = {"key": "voile", "label": "Voile"}
KUBERNETES = {"key": "kubernetes", "label": "Kubernetes"}


def _wire(**changes: Any) -> dict[str, Any]:
    """Return the graph's answer for one dormant candidate, as JSON."""
    candidate: dict[str, Any] = {
        "other_id": "00000000-0000-4000-8000-000000000002",
        "other_name": "Karim",
        "stage": "dormant",
        "score": 0.61,
        "components": {"past": 0.9, "fatigue_penalty": 0.0},
        "strength": 1.2,
        "peak": 12.5,
        "last_at": "2024-11-20T09:00:00Z",
        "reasons": [
            {
                "code": "was_strong",
                "params": {
                    "peak": 12.5,
                    "peak_at": "2024-03-02",
                    "first_day": "2024-01-15",
                    "last_day": "2024-03-02",
                    "kinds": {"lunch": 2, "mission_together": 1},
                    "missions": [{"name": "Refonte SI", "on": "2024-01-15"}],
                },
            },
            {"code": "last_seen", "params": {"last_at": "2024-11-20", "kind": "call"}},
            {"code": "shared", "params": {"topics": [PYTHON, VOILE]}},
            {
                "code": "hook",
                "params": {"news_kind": "skill", "news": KUBERNETES, "at": "2026-10-24"},
            },
            {"code": "novelty", "params": {"topics": [{"key": "energie", "label": "Énergie"}]}},
        ],
        "gesture": {"kind": "congratulate", "params": {"news_kind": "skill", "news": KUBERNETES}},
    }
    candidate.update(changes)
    return {
        "consultant_id": CID,
        "at": "2026-11-23T09:00:00Z",
        "locale": "fr",
        "candidates": [candidate],
    }


def test_the_graphs_answer_parses_into_typed_reasons_and_gestures() -> None:
    answer = RevivalCandidates.model_validate(_wire())
    candidate = answer.candidates[0]
    strong = candidate.reasons[0]
    assert isinstance(strong, WasStrongReason)
    assert strong.params.peak_at == date(2024, 3, 2)
    assert strong.params.kinds == {"lunch": 2, "mission_together": 1}
    assert (strong.params.first_day, strong.params.last_day) == (
        date(2024, 1, 15),
        date(2024, 3, 2),
    )
    assert strong.params.count == 3
    hook = candidate.reasons[3]
    assert isinstance(hook, HookReason)
    assert (hook.params.news_kind, hook.params.at) == ("skill", date(2026, 10, 24))
    assert candidate.gesture == CongratulateGesture(
        params=CongratulateParams(news_kind="skill", news=make_tag("Kubernetes"))
    )
    assert candidate.last_at == datetime(2024, 11, 20, 9, tzinfo=UTC)
    assert answer.model_dump(mode="json") == {**_wire(), "at": "2026-11-23T09:00:00Z"}


@pytest.mark.parametrize(
    "reason",
    [
        # A sentence is no longer part of a reason: the notifier's catalogs write them.
        {
            "code": "last_seen",
            "text": "Dernier échange : mars 2024.",
            "params": {"last_at": "2024-03-02"},
        },
        {"code": "last_seen", "params": {"last_at": "2024-03-02", "text": "mars 2024"}},
        # v2's was_strong: counts with no window they belong to.
        {"code": "was_strong", "params": {"peak": 3.0, "peak_at": "2024-03-02", "kinds": {}}},
        # A window that ends before it starts, or counts nothing.
        {
            "code": "was_strong",
            "params": {
                "peak": 3.0,
                "peak_at": "2024-03-02",
                "first_day": "2024-03-02",
                "last_day": "2024-01-02",
                "kinds": {"lunch": 2},
            },
        },
        {
            "code": "was_strong",
            "params": {
                "peak": 3.0,
                "peak_at": "2024-03-02",
                "first_day": "2024-01-02",
                "last_day": "2024-03-02",
                "kinds": {"lunch": 0},
            },
        },
        {"code": "gossip", "params": {}},
        {
            "code": "hook",
            "params": {"news_kind": "promotion", "news": KUBERNETES, "at": "2026-10-24"},
        },
        # Who reached out to whom may rank a link; it is no reason a digest could word.
        {"code": "reciprocity", "params": {"who": "me", "by_me": 3, "by_other": 0}},
        {"code": "shared", "params": {"topics": []}},
        # A label travels with its key, so that the notifier can word it in the reader's language.
        {"code": "shared", "params": {"topics": ["Python"]}},
    ],
)
def test_a_reason_outside_the_contract_is_refused(reason: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        RevivalCandidates.model_validate(_wire(reasons=[reason]))


@pytest.mark.parametrize(
    "gesture",
    [
        {"kind": "ask_favour", "params": {}},
        {"kind": "share", "params": {}},
        {"kind": "invite", "params": {"topic": "Voile"}},
        # The firm's next event was never a fact: an invitation names no event.
        {"kind": "invite", "params": {"event": "afterwork"}},
        {"kind": "introduce", "params": {"third_name": "Zoé", "topic": VOILE}},
        {"kind": "share", "params": {"topic": "Voile"}},
    ],
)
def test_a_gesture_outside_the_contract_is_refused(gesture: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        RevivalCandidates.model_validate(_wire(gesture=gesture))


def test_candidates_are_frozen() -> None:
    candidate = RevivalCandidates.model_validate(_wire()).candidates[0]
    with pytest.raises(ValidationError):
        candidate.other_name = "Someone else"  # type: ignore[misc]


GESTURES: list[Gesture] = [
    *(
        CongratulateGesture(params=CongratulateParams(news_kind=kind, news=make_tag("Lyon")))
        for kind in ("skill", "sector", "city", "mission")
    ),
    ShareGesture(params=ShareParams(topic=make_tag("Voile"))),
    IntroduceGesture(
        params=IntroduceParams(third_id="z", third_name="Zoé", topic=make_tag("Voile"))
    ),
    AskNewsGesture(params=AskNewsParams(project="Migration SAP")),
    InviteGesture(),
]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("gesture", GESTURES, ids=lambda g: g.kind)
def test_every_gesture_finds_words_from_its_own_parameters(locale: str, gesture: Gesture) -> None:
    for week in range(1, 13):
        words = Words(texts(locale), load_kinds(), load_taxonomy())
        text = gesture_text(words, gesture, "Karim", f"2026-W{week:02d}:r:o")
        assert text is not None
        assert "Karim" in text
        assert "None" not in text


def _client(answer: httpx.Response, seen: list[httpx.Request]) -> GraphClient:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer

    return GraphClient("http://graph", "secret-" * 6, transport=httpx.MockTransport(handle))


def test_client_asks_the_v3_route_for_each_stage_limit_and_returns_typed_candidates() -> None:
    seen: list[httpx.Request] = []
    client = _client(httpx.Response(200, json=_wire()), seen)
    candidates = client.candidates(CID, dormant=3, cooling=2)
    assert [c.other_name for c in candidates] == ["Karim"]
    assert isinstance(candidates[0], RevivalCandidate)
    assert seen[0].url.path == f"/v3/consultants/{CID}/revival-candidates"
    assert dict(seen[0].url.params) == {"dormant": "3", "cooling": "2"}
    assert seen[0].headers["Authorization"].startswith("Bearer ")


def test_client_reads_unknown_as_nothing_5xx_as_retry_and_junk_as_a_contract_error() -> None:
    assert _client(httpx.Response(404), []).candidates(CID, dormant=3, cooling=2) == []
    with pytest.raises(GraphUnavailableError):
        _client(httpx.Response(503), []).candidates(CID, dormant=3, cooling=2)
    old_shape = _wire()
    old_shape["candidates"][0]["reasons"][1]["text"] = "Dernier échange : novembre 2024."
    with pytest.raises(GraphContractError, match="text"):
        _client(httpx.Response(200, json=old_shape), []).candidates(CID, dormant=3, cooling=2)
    with pytest.raises(GraphContractError):
        _client(httpx.Response(200, content=b"not json"), []).candidates(CID, dormant=3, cooling=2)


def test_client_batches_many_readers_unknown_get_nothing_failed_get_their_reason() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        asked = json.loads(request.content)["consultant_ids"]
        known = [c for c in asked if not c.endswith(("e", "f"))]
        answers = [{**_wire(), "consultant_id": c} for c in known]
        return httpx.Response(
            200,
            json={
                "at": "2026-11-23T09:00:00Z",
                "answers": answers,
                "unknown": [c for c in asked if c.endswith("f")],
                "failed": [{"consultant_id": c, "reason": "bad"} for c in asked if c.endswith("e")],
            },
        )

    client = GraphClient("http://graph", "secret-" * 6, transport=httpx.MockTransport(handle))
    ids = [f"00000000-0000-4000-8000-{n:012x}" for n in range(MAX_BATCH + 20)]
    found = client.candidates_of_many(ids, dormant=6, cooling=5)

    assert [len(json.loads(r.content)["consultant_ids"]) for r in seen] == [MAX_BATCH, 20]
    assert {r.url.path for r in seen} == {"/v3/revival-candidates"}
    assert {(json.loads(r.content)["dormant"], json.loads(r.content)["cooling"]) for r in seen} == {
        (6, 5)
    }
    assert list(found) == ids
    assert {
        c: v if isinstance(v, FailedReader) else [x.other_name for x in v] for c, v in found.items()
    } == {
        c: (
            FailedReader(consultant_id=c, reason="bad")
            if c.endswith("e")
            else []
            if c.endswith("f")
            else ["Karim"]
        )
        for c in ids
    }
    with pytest.raises(GraphUnavailableError):
        _client(httpx.Response(502), []).candidates_of_many(ids[:2], dormant=3, cooling=2)


class FakeGraph:
    """Answers what it was given and remembers what it was asked."""

    def __init__(self, answer: list[RevivalCandidate]) -> None:
        self.answer = answer
        self.asked: list[tuple[str, int, int]] = []

    def candidates(
        self, consultant_id: str, *, dormant: int, cooling: int, rested: bool = True
    ) -> list[RevivalCandidate]:
        self.asked.append((consultant_id, dormant, cooling))
        return self.answer

    def candidates_of_many(
        self, consultant_ids: list[str], *, dormant: int, cooling: int
    ) -> dict[str, list[RevivalCandidate]]:
        return {c: self.candidates(c, dormant=dormant, cooling=cooling) for c in consultant_ids}


class Unused:
    """A mailer, an event sink and a spread cap that composing a preview must not touch."""

    def send(
        self, message: EmailMessage, recipients: Sequence[str], *, raw: bytes | None = None
    ) -> None:
        raise AssertionError("composing sends nothing")

    def publish_many(self, events: list[tuple[str, bytes]]) -> list[bool]:
        raise AssertionError("composing publishes nothing")

    def reserve_in_order(
        self,
        week: str,
        reader_id: str,
        wanted: Sequence[tuple[str, str]],
        room: Mapping[str, int],
    ) -> list[bool | None]:
        raise AssertionError("a preview reserves nobody")

    def release(self, week: str, reader_id: str, person_ids: Iterable[str]) -> None:
        raise AssertionError("a preview reserves nobody")


def test_the_digest_asks_the_graph_for_its_own_limits_and_words_what_comes_back(
    tmp_path: Path,
) -> None:
    factory = session_factory(make_engine(f"sqlite:///{tmp_path / 'notifier.db'}"))
    with unit_of_work(factory) as session:
        session.add(
            RecipientRow(
                id=CID,
                name="Camille Martin",
                email="camille@example.org",
                locale="en",
                frequency="weekly",
                day_of_week="monday",
                unsubscribed=False,
                profile_revision=1,
                prefs_revision=1,
            )
        )
    graph = FakeGraph(RevivalCandidates.model_validate(_wire()).candidates)
    service = DigestService(
        factory=factory,
        graph=graph,
        mailer=Unused(),
        events=Unused(),
        spread=Unused(),
        signer=LinkSigner("secret-" * 6, ttl_s=3600),
        kinds=load_kinds(),
        public_url="https://braise.example.org",
        preferences_url="https://braise.example.org/preferences",
        mail_from="Braise <r@braise.example.org>",
        reply_to="e@braise.example.org",
        max_dormant=4,
        max_cooling=1,
    )
    digest = service.compose_for("2026-W48", CID)
    assert graph.asked == [(CID, 4, 1)]
    assert digest is not None
    assert [s.name for s in digest.dormant] == ["Karim"]
    assert digest.cooling == []
    karim = digest.dormant[0]
    # In the reader's language, tags included; who reached out to whom is never said.
    # The news is the congratulation's to say: it is not said twice.
    assert karim.reasons == [
        "Your link was at its strongest from January to March 2024, with the “Refonte SI” "
        "mission and 2 lunches.",
        "Your last exchange: a call, in November 2024.",
        "What you have in common: Python and sailing.",
        "Your horizons complement each other; Karim knows energy, and you surely have other "
        "worlds to share.",
    ]
    assert (karim.gesture_kind, "Kubernetes" in karim.gesture) == ("congratulate", True)
