"""Staff sign-in under test: the form as a browser fills it, the broker's queue read as the
Celery worker reads it, and an outbox in place of the SMTP server."""

import base64
import json
import re
from collections.abc import Sequence
from email.message import EmailMessage

import httpx2
import redis
from fastapi.testclient import TestClient

from braise_notifier.config import NotifierSettings
from braise_notifier.ports import MailSender
from braise_notifier.staff_sign_in import MAIL_TASK, mail_sign_in_link
from tests.support.pages import PagesUnderTest

QUEUE = "celery"  # Celery's default queue: a Redis list in the broker's database


class Outbox:
    """A mailer that keeps what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    def send(
        self, message: EmailMessage, recipients: Sequence[str], *, raw: bytes | None = None
    ) -> None:
        self.sent.append(message)


def ask_for_link(
    pages: PagesUnderTest, address: str, client: TestClient | None = None
) -> httpx2.Response:
    """Open the sign-in form and post an address with the form's CSRF token (if it has one)."""
    browser = client or pages.client
    form = browser.get("/pages/staff")
    found = re.search(r'name="csrf" value="([^"]+)"', form.text)
    data = {"email": address} | ({"csrf": found[1]} if found else {})
    return browser.post("/pages/staff", data=data)


def _broker(settings: NotifierSettings) -> "redis.Redis":
    return redis.Redis.from_url(settings.broker_url)


def empty_the_queue(settings: NotifierSettings) -> None:
    """Forget every task waiting in the broker."""
    with _broker(settings) as broker:
        broker.delete(QUEUE)


def queued_sign_ins(settings: NotifierSettings) -> list[str]:
    """Return the addresses of the sign-in tasks waiting in the broker, oldest first."""
    with _broker(settings) as broker:
        raw = broker.lrange(QUEUE, 0, -1)
    addresses = []
    for entry in reversed(raw):  # kombu pushes on the left, the worker pops on the right
        message = json.loads(entry)
        if message["headers"]["task"] == MAIL_TASK:
            args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
            addresses.append(args[0])
    return addresses


def run_the_worker(pages: PagesUnderTest, mailer: MailSender) -> list[str]:
    """Run the sign-in tasks waiting in the broker, as the worker would; return their addresses."""
    addresses = queued_sign_ins(pages.notifier.settings)
    empty_the_queue(pages.notifier.settings)
    for address in addresses:
        mail_staff_link(pages, mailer, address)
    return addresses


def mail_staff_link(pages: PagesUnderTest, mailer: MailSender, address: str) -> bool:
    """Do what the sign-in task does for one address."""
    n = pages.notifier
    return mail_sign_in_link(
        settings=n.settings,
        signer=n.signer,
        links=n.publisher.client,
        mailer=mailer,
        address=address,
    )


def link_in(message: EmailMessage) -> str:
    """Return the path of the sign-in link a mail carries."""
    found = re.search(r"http\S+/pages/staff/open\?token=\S+", message.get_content())
    assert found, message.get_content()
    return "/pages/staff/open?" + found.group(0).split("?", 1)[1]
