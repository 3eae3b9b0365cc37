"""The firm's calendar, end to end: an event in Radicale → profiles' sync → the stream → the
graph's junction → the notifier's digest in the SMTP sink, opening on that occasion with its
calendar file; a cancelled occasion is never proposed."""

import email
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import httpx
import redis
from icalendar import Calendar

from braise_cli.stack import StackSettings
from braise_cli.stack.caldav import CaldavAccount
from braise_shared.stream import EVENTS_STREAM
from tests.support.calendars import document, event, new_collection
from tests.support.mail import raw_mails
from tests.support.notifier import parts
from tests.support.processes import wait_until
from tests.support.profiles import admin_headers

TITLE = "Petit-déjeuner du cabinet"
PLACE = "Café Pouchkine, 16 place de la Madeleine, 75008 Paris"
PEOPLE = {
    "reader": ("camille.martin@example.org", "Camille Martin"),
    "friend": ("karim.benali@example.org", "Karim Benali"),
    "closest": ("lea.dubois@example.org", "Léa Dubois"),
}


def _iso(days_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()


def _firm(profiles: httpx.Client) -> dict[str, str]:
    """Camille, with two dormant links: Karim, and Léa (the stronger, ranked first alone)."""
    items = [
        {"email": mail, "display_name": name, "city": "Paris", "day_of_week": "sunday"}
        for mail, name in PEOPLE.values()
    ]
    items[0]["day_of_week"] = "monday"
    response = profiles.post("/v1/consultants/bulk", json={"items": items})
    assert response.status_code == 201, response.text
    ids = {key: body["id"] for key, body in zip(PEOPLE, response.json(), strict=True)}
    history = [
        {"kind": kind, "participants": [ids["reader"], ids[who]], "occurred_at": _iso(days)}
        for who, kind, days in [
            ("friend", "mission_together", 640),
            ("friend", "lunch", 610),
            ("closest", "mission_together", 700),
            ("closest", "mission_together", 660),
            ("closest", "lunch", 630),
        ]
    ]
    assert profiles.post("/v1/interactions/bulk", json={"items": history}).status_code == 201
    return ids


def _caught_up(client: redis.Redis, at_least: int) -> None:
    def done() -> bool:
        groups = {g["name"]: g for g in client.xinfo_groups(EVENTS_STREAM)}
        return client.xlen(EVENTS_STREAM) >= at_least and all(
            name in groups and groups[name]["lag"] == 0 and groups[name]["pending"] == 0
            for name in (b"graph", b"notifier")
        )

    wait_until(done, timeout_s=90, what="the graph and the notifier to apply every event")


def _digest_to(braise: StackSettings, maildir: Path, address: str) -> EmailMessage:
    notifier = httpx.Client(
        base_url=f"http://127.0.0.1:{braise.notifier_port}", headers=admin_headers()
    )
    assert notifier.post("/v1/admin/periods/2026-W50/run").status_code == 200

    def sent() -> bool:
        states = notifier.get("/v1/admin/periods/2026-W50").json()["by_state"]
        return states.get("sent", 0) >= 1 and not {"planned", "sending"} & set(states)

    wait_until(sent, timeout_s=90, what="the period's digests")
    mails = [email.message_from_bytes(raw, policy=default_policy) for raw in raw_mails(maildir)]
    (mail,) = [m for m in mails if address in str(m["To"])]
    assert isinstance(mail, EmailMessage)
    return mail


def _register(braise: StackSettings, account: CaldavAccount, url: str) -> dict[str, object]:
    profiles = httpx.Client(
        base_url=f"http://127.0.0.1:{braise.profiles_port}", headers=admin_headers()
    )
    body = {
        "name": "Événements du cabinet",
        "source": "caldav",
        "url": url,
        "user": account.user,
        "password": account.password,
    }
    response = profiles.post("/v1/calendars", json=body)
    assert response.status_code in (200, 201), response.text
    synced: dict[str, object] = response.json()
    return synced


def _cards(mail: EmailMessage) -> list[str]:
    text = str(parts(mail)["text"]).replace("\u00a0", " ").replace("\u202f", " ")
    return text.split("\n* ")[1:]


def test_both_expected_at_a_breakfast_in_the_calendar_the_digest_opens_on_it(
    braise: StackSettings,
    caldav_account: CaldavAccount,
    redis_client: redis.Redis,
    maildir: Path,
) -> None:
    profiles = httpx.Client(
        base_url=f"http://127.0.0.1:{braise.profiles_port}", headers=admin_headers()
    )
    ids = _firm(profiles)
    _caught_up(redis_client, at_least=8)
    calendar = new_collection(caldav_account, "firm")
    starts = (datetime.now(UTC) + timedelta(days=10)).replace(
        hour=7, minute=30, second=0, microsecond=0
    )
    calendar.put(
        "breakfast",
        document(
            event(
                "breakfast-e2e@demo.braise",
                TITLE,
                starts,
                starts + timedelta(hours=1, minutes=30),
                location=PLACE,
                attendees=[PEOPLE["reader"][0], PEOPLE["friend"][0], "guest@outside.example"],
            )
        ),
    )
    synced = _register(braise, caldav_account, calendar.url)
    assert synced["scheduled"] == 1
    assert synced["error"] is None
    _caught_up(redis_client, at_least=9)

    mail = _digest_to(braise, maildir, PEOPLE["reader"][0])
    cards = _cards(mail)
    assert [card.splitlines()[0] for card in cards] == ["Karim Benali", "Léa Dubois"]
    assert TITLE in cards[0]
    assert "Paris" in cards[0]
    assert "tous les deux" in cards[0]
    # Léa lives in Paris too: she may be invited to it, never said to be expected there.
    assert "tous les deux" not in cards[1]
    assert ids["friend"] not in str(parts(mail)["text"])
    files = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
    assert len(files) == 1
    assert files[0].get_param("method") == "PUBLISH"
    (vevent,) = Calendar.from_ical(files[0].get_content()).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == TITLE
    assert vevent.decoded("DTSTART") == starts
    assert vevent.decoded("DTEND") == starts + timedelta(hours=1, minutes=30)
    assert "ATTENDEE" not in vevent
    assert "ORGANIZER" not in vevent
    assert "guest@outside.example" not in files[0].get_content()


def test_a_cancelled_breakfast_is_never_proposed(
    braise: StackSettings,
    caldav_account: CaldavAccount,
    redis_client: redis.Redis,
    maildir: Path,
) -> None:
    profiles = httpx.Client(
        base_url=f"http://127.0.0.1:{braise.profiles_port}", headers=admin_headers()
    )
    _firm(profiles)
    _caught_up(redis_client, at_least=8)
    calendar = new_collection(caldav_account, "firm")
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=10)
    calendar.put(
        "breakfast",
        document(
            event(
                "cancelled-e2e@demo.braise",
                TITLE,
                starts,
                starts + timedelta(hours=1),
                location=PLACE,
                attendees=[PEOPLE["reader"][0], PEOPLE["friend"][0]],
                status="CANCELLED",
            )
        ),
    )
    synced = _register(braise, caldav_account, calendar.url)
    assert synced["error"] is None
    assert synced["scheduled"] == 0

    mail = _digest_to(braise, maildir, PEOPLE["reader"][0])
    text = str(parts(mail)["text"])
    assert TITLE not in text
    assert "Petit-déjeuner" not in text
    assert not [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
