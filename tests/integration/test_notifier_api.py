"""The notifier's HTTP app: one-click unsubscribe, suggestion links, admin preview and run."""

import base64
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urlparse

import pytest
import redis
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from braise_notifier.api import create_app
from braise_notifier.bootstrap import Notifier, build
from braise_notifier.catalogs import texts
from braise_notifier.compose import Reader, compose
from braise_notifier.config import NotifierSettings
from braise_notifier.db import DigestRow, RecipientRow
from braise_notifier.projections import project
from braise_notifier.render import build_email
from braise_notifier.tasks import make_celery
from braise_notifier.tokens import LinkClaims, LinkSigner, TokenError
from braise_shared.candidates import InviteGesture, RevivalCandidate
from braise_shared.interactions import load_kinds
from braise_shared.stream import EVENTS_STREAM
from braise_shared.taxonomy import load_taxonomy
from tests.support import events as ev
from tests.support.profiles import admin_headers, consultant_headers
from tests.support.servers import SessionServers
from tests.support.streams import entries


@pytest.fixture
def app(
    sql_url: str, servers: SessionServers, redis_client: redis.Redis
) -> Iterator[tuple[TestClient, Notifier, redis.Redis]]:
    settings = NotifierSettings(
        database_url=sql_url,
        redis_url=servers.endpoints.redis_url,
        broker_db=2,
    )
    broker = redis.Redis.from_url(settings.broker_url)
    broker.flushdb()
    notifier = build(settings)
    celery = make_celery(settings)
    application = create_app(
        notifier,
        enqueue_digests=lambda keys: celery.send_task("braise.send_digests", args=[keys]),
        enqueue_unsubscribe_sync=lambda c, link: celery.send_task(
            "braise.sync_unsubscribe", args=[c, link]
        ),
    )
    project(notifier.factory, [ev.profile(1, name="Camille Martin"), ev.profile(2, name="Karim")])
    with TestClient(application) as client:
        yield client, notifier, broker
    notifier.factory.kw["bind"].dispose()


def _queued(broker: redis.Redis) -> list[str]:
    return [json.loads(m)["headers"]["task"] for m in broker.lrange("celery", 0, -1)]


def _queued_args(broker: redis.Redis) -> list[list[object]]:
    """Return the positional arguments of every queued task (JSON bodies, base64 encoded)."""
    bodies = [json.loads(m)["body"] for m in broker.lrange("celery", 0, -1)]
    return [json.loads(base64.b64decode(body))[0] for body in bodies]


def _legacy(notifier: Notifier, purpose: str, payload: dict[str, str | None]) -> str:
    """Return a long itsdangerous token as digests carried before the short codes."""
    secret = notifier.settings.link_secret.get_secret_value()
    return str(URLSafeTimedSerializer(secret, salt=f"braise-link-{purpose}").dumps(payload))


@pytest.mark.parametrize("form", ["short", "long"])
def test_one_click_unsubscribe_stops_digests_and_tells_profiles(
    app: tuple[TestClient, Notifier, redis.Redis], form: str
) -> None:
    client, notifier, broker = app
    if form == "short":
        code = notifier.signer.sign(LinkClaims("unsubscribe", str(ev.cid(1)), None, "2026-W48"))
        url, params = f"/l/{code}", {}
    else:  # a link of a digest sent before the short codes, still in a mailbox
        token = _legacy(notifier, "unsubscribe", {"c": str(ev.cid(1)), "o": None, "p": "2026-W48"})
        url, params = "/v1/unsubscribe", {"token": token}

    page = client.get(url, params=params)
    assert page.status_code == 200
    assert "Me désabonner" in page.text
    assert f'action="{url}' in page.text
    with notifier.factory() as session:
        assert session.get(RecipientRow, str(ev.cid(1))).unsubscribed is False  # type: ignore[union-attr]

    # RFC 8058: a POST with List-Unsubscribe=One-Click, no login, no further step.
    done = client.post(url, params=params, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    with notifier.factory() as session:
        assert session.get(RecipientRow, str(ev.cid(1))).unsubscribed is True  # type: ignore[union-attr]
    assert _queued(broker) == ["braise.sync_unsubscribe"]


def _with_purpose(code: str, purpose_index: int) -> str:
    """Return code with its header's purpose changed, its MAC left as it was."""
    raw = bytearray(base64.urlsafe_b64decode(code + "=" * (-len(code) % 4)))
    raw[0] = (raw[0] & ~7) | purpose_index
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


def test_forged_expired_or_misused_links_are_refused_with_a_page(
    app: tuple[TestClient, Notifier, redis.Redis],
) -> None:
    client, notifier, broker = app
    never = notifier.signer.sign(LinkClaims("never", str(ev.cid(1)), str(ev.cid(2)), "2026-W48"))
    done = notifier.signer.sign(LinkClaims("done", str(ev.cid(1)), str(ev.cid(2)), "2026-W48"))
    unsubscribe = notifier.signer.sign(LinkClaims("unsubscribe", str(ev.cid(1)), None, "2026-W48"))
    # Signed one second more than the links' 30 days ago.
    signed_at = time.time() - 30 * 86_400 - 1
    late = LinkSigner(notifier.signer.secret, notifier.signer.ttl_s, clock=lambda: signed_at)
    expired_unsubscribe = late.sign(LinkClaims("unsubscribe", str(ev.cid(1)), None, "2026-W48"))
    expired_done = late.sign(LinkClaims("done", str(ev.cid(1)), str(ev.cid(2)), "2026-W48"))
    with pytest.raises(TokenError, match="expired"):
        notifier.signer.verify("unsubscribe", expired_unsubscribe)
    flipped = done[:20] + ("A" if done[20] != "A" else "B") + done[21:]
    for url in [
        f"/l/{_with_purpose(done, 3)}",  # a "done" code made to claim "never"
        f"/l/{_with_purpose(never, 0)}",  # a "never" code made to claim "unsubscribe"
        f"/l/{flipped}",
        f"/l/{done[:-1]}",
        f"/l/{done[:30]}",
        f"/l/{done}A",
        f"/l/{done[:-4]}!!!!",
        "/l/x",
        f"/l/{expired_unsubscribe}",
        f"/l/{expired_done}",
        f"/l/{_with_purpose(unsubscribe, 7)}",  # no purpose has that index
        f"/v1/unsubscribe?token={never}",  # a "never" code does not unsubscribe
        f"/v1/unsubscribe?token={never[:-3]}abc",
        f"/v1/unsubscribe?token={expired_unsubscribe}",
        f"/v1/feedback/done?token={expired_done}",
        f"/v1/feedback/done?token={never}",
        "/v1/feedback/never?token=not-a-token",
    ]:
        for method in ("GET", "POST"):
            response = client.request(method, url)
            assert response.status_code == 400, (method, url)
            assert "plus valable" in response.text
    with notifier.factory() as session:
        assert session.get(RecipientRow, str(ev.cid(1))).unsubscribed is False  # type: ignore[union-attr]
    assert _queued(broker) == []


@pytest.mark.parametrize("form", ["short", "long"])
def test_feedback_links_publish_one_event_per_click(
    app: tuple[TestClient, Notifier, redis.Redis], redis_client: redis.Redis, form: str
) -> None:
    client, notifier, _broker = app
    notifier.publisher.prepare()
    if form == "short":
        code = notifier.signer.sign(LinkClaims("done", str(ev.cid(1)), str(ev.cid(2)), "2026-W48"))
        url, params = f"/l/{code}", {}
    else:
        token = _legacy(
            notifier, "done", {"c": str(ev.cid(1)), "o": str(ev.cid(2)), "p": "2026-W48"}
        )
        url, params = "/v1/feedback/done", {"token": token}

    confirm = client.get(url, params=params)
    assert "Vous avez repris contact avec Karim\u202f?" in confirm.text
    assert f'action="{url}' in confirm.text
    assert entries(redis_client, EVENTS_STREAM) == []
    for _ in range(2):
        assert client.post(url, params=params).status_code == 200

    events = [json.loads(f[b"event"]) for _, f in entries(redis_client, EVENTS_STREAM)]
    assert [(e["type"], e["data"]["action"]) for e in events] == [("suggestion.feedback", "done")]
    assert events[0]["data"]["other_id"] == str(ev.cid(2))
    assert events[0]["data"]["period"] == "2026-W48"


def test_links_of_an_erased_reader_or_about_an_erased_person_open_and_record_nothing(
    app: tuple[TestClient, Notifier, redis.Redis], redis_client: redis.Redis
) -> None:
    client, notifier, broker = app
    notifier.publisher.prepare()
    project(notifier.factory, [ev.profile(3, name="Léa"), ev.erased(2), ev.erased(3)])
    urls = []
    for reader, other in [(1, 2), (3, 1)]:  # about someone erased; of a reader erased
        claims = (str(ev.cid(reader)), str(ev.cid(other)), "2026-W48")
        for purpose in ("done", "not_now", "never"):
            urls.append(f"/l/{notifier.signer.sign(LinkClaims(purpose, *claims))}")
            payload: dict[str, str | None] = {"c": claims[0], "o": claims[1], "p": claims[2]}
            urls.append(f"/v1/feedback/{purpose}?token={_legacy(notifier, purpose, payload)}")
    unsubscribe = notifier.signer.sign(LinkClaims("unsubscribe", str(ev.cid(3)), None, "2026-W48"))
    urls.append(f"/l/{unsubscribe}")
    for url in urls:
        for method in ("GET", "POST"):
            response = client.request(method, url)
            assert response.status_code == 400, (method, url)
            assert "plus valable" in response.text
    assert entries(redis_client, EVENTS_STREAM) == []
    assert _queued(broker) == []


def test_admin_runs_a_period_and_only_staff_may(
    app: tuple[TestClient, Notifier, redis.Redis],
) -> None:
    client, _notifier, broker = app
    assert client.post("/v1/admin/periods/2026-W48/run").status_code == 401
    forbidden = client.post("/v1/admin/periods/2026-W48/run", headers=consultant_headers(ev.cid(1)))
    assert forbidden.status_code == 403
    ran = client.post("/v1/admin/periods/2026-W48/run", headers=admin_headers())
    assert ran.json() == {"period": "2026-W48", "enqueued": 2}
    again = client.post("/v1/admin/periods/2026-W48/run", headers=admin_headers())
    assert again.json()["enqueued"] == 2  # still planned: their tasks may have been lost
    # Each run enqueues one batch holding both digests: their candidates come in one request.
    assert _queued(broker) == ["braise.send_digests"] * 2
    keys = [["2026-W48", str(ev.cid(n))] for n in (1, 2)]
    assert _queued_args(broker) == [[keys], [keys]]


def test_unsubscribe_link_in_a_rendered_digest_verifies(
    app: tuple[TestClient, Notifier, redis.Redis],
) -> None:
    _client, notifier, _broker = app

    candidate = RevivalCandidate(
        other_id=str(ev.cid(2)),
        other_name="Karim",
        stage="dormant",
        score=0.5,
        components={},
        strength=0.5,
        peak=12.0,
        last_at=datetime(2024, 6, 1, tzinfo=UTC),
        gesture=InviteGesture(),
        reasons=[],
    )
    digest = compose(
        Reader(str(ev.cid(1)), "Camille", "c@example.org", "fr"),
        "2026-W48",
        [candidate],
        texts=texts("fr"),
        kinds=load_kinds(),
        taxonomy=load_taxonomy(),
    )
    mail = build_email(
        digest,
        texts("fr"),
        signer=notifier.signer,
        public_url="https://braise.example.org",
        preferences_url="https://braise.example.org/preferences",
        mail_from="Braise <r@braise.example.org>",
        reply_to="e@braise.example.org",
    )
    url = urlparse(str(mail["List-Unsubscribe"]).strip("<>"))
    assert url.scheme == "https"
    assert url.path.startswith("/l/")
    code = url.path.removeprefix("/l/")
    assert len(code) == 42
    assert notifier.signer.verify("unsubscribe", code).consultant_id == str(ev.cid(1))


@pytest.mark.parametrize("label", ["not a period", "2026-W54", "2025-W53", "2026-13", "2026-W4"])
def test_a_period_label_that_names_no_week_or_month_is_refused_and_plans_nothing(
    app: tuple[TestClient, Notifier, redis.Redis], label: str
) -> None:
    client, notifier, broker = app
    for answer in (
        client.post(f"/v1/admin/periods/{label}/run", headers=admin_headers()),
        client.get(f"/v1/admin/periods/{label}", headers=admin_headers()),
    ):
        assert answer.status_code == 422
        assert answer.json()["detail"][0]["loc"] == ["path", "period"]
    with notifier.factory() as session:
        assert session.scalar(select(func.count()).select_from(DigestRow)) == 0
    assert _queued(broker) == []


@pytest.mark.parametrize("label", ["2026-W53", "2026-W01", "2026-11"])
def test_real_weeks_and_months_are_accepted(
    app: tuple[TestClient, Notifier, redis.Redis], label: str
) -> None:
    client, _notifier, _broker = app
    answer = client.get(f"/v1/admin/periods/{label}", headers=admin_headers())
    assert answer.status_code == 200
    assert answer.json() == {"period": label, "by_state": {}}
