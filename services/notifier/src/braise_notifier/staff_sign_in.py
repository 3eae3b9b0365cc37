"""Staff sign-in by an e-mailed link: the limits on asking, the single-use link, and its mail.

The page only counts the request and enqueues `MAIL_TASK` for whatever address it was given;
the worker decides whether the address is staff's and mails the link. So the page does the
same work, and answers the same bytes, for every address and whatever the SMTP server does.
"""

import hashlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import urlencode

import redis

from braise_notifier.catalogs import texts
from braise_notifier.config import NotifierSettings
from braise_notifier.mailer import MAIL_POLICY, sender_domain
from braise_notifier.ports import MailSender
from braise_notifier.tokens import LinkClaims, LinkSigner, TokenError
from braise_shared.locales import DEFAULT_LOCALE

LINK_MAX_AGE_S = 15 * 60
MAIL_TASK = "braise.mail_staff_sign_in"
# Hashes only: Redis holds neither the links nor the addresses.
_LINK_KEY = "braise:staff-link:{}"
_COUNT_KEY = "braise:staff-sign-in:{}:{}:{}"

log = logging.getLogger(__name__)

# Hands an address to the worker (Celery in production); the page calls it for every address.
EnqueueSignIn = Callable[[str], object]


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class SignInLimits:
    """Fixed-window counts in Redis: requests per client, mails asked per address."""

    def __init__(self, client: redis.Redis, settings: NotifierSettings) -> None:
        self._client = client
        self._settings = settings

    @property
    def client_window_s(self) -> int:
        """Return how long a client waits, at most, once over its limit."""
        return self._settings.staff_sign_in_client_window_s

    def client_allowed(self, host: str) -> bool:
        """Count a request from this client; tell whether it is within its limit."""
        s = self._settings
        return self._count("client", host, s.staff_sign_in_client_window_s) <= (
            s.staff_sign_in_per_client
        )

    def address_allowed(self, address: str) -> bool:
        """Count a link asked for this address; tell whether it is within its limit."""
        s = self._settings
        return self._count("address", address, s.staff_sign_in_address_window_s) <= (
            s.staff_sign_in_per_address
        )

    def _count(self, kind: str, value: str, window_s: int) -> int:
        window = int(time.time() // window_s)
        key = _COUNT_KEY.format(kind, _digest(value), window)
        pipe = self._client.pipeline(transaction=True)
        pipe.incr(key)
        pipe.expire(key, window_s)
        count, _ = pipe.execute()
        return int(count)


def issue_link(signer: LinkSigner, client: redis.Redis, address: str) -> str:
    """Sign a staff link for address and record it as unused for its 15 minutes."""
    token = signer.sign(LinkClaims("staff", address))
    client.set(_LINK_KEY.format(_digest(token)), b"1", ex=LINK_MAX_AGE_S)
    return token


def consume_link(signer: LinkSigner, client: redis.Redis, token: str) -> LinkClaims:
    """Return the claims of an unused, unexpired staff link and use it up; or raise TokenError."""
    claims = signer.verify("staff", token, max_age_s=LINK_MAX_AGE_S)
    if not client.delete(_LINK_KEY.format(_digest(token))):
        raise TokenError("link already used")
    return claims


def is_staff(settings: NotifierSettings, address: str) -> bool:
    """Tell whether an address (normalised) may sign in to the firm's view."""
    return address in {e.strip().lower() for e in settings.staff_emails}


def sign_in_mail(settings: NotifierSettings, address: str, token: str) -> EmailMessage:
    """Return the mail that carries a staff member's sign-in link."""
    t = texts(DEFAULT_LOCALE)
    message = EmailMessage(policy=MAIL_POLICY)
    message["Message-ID"] = make_msgid("staff-sign-in", domain=sender_domain(settings.sender))
    message["Date"] = format_datetime(datetime.now(UTC))
    message["From"] = settings.sender
    message["To"] = address
    message["Subject"] = t.get("pages.staff.mail_subject")
    message["Auto-Submitted"] = "auto-generated"
    link = f"{settings.public_url.rstrip('/')}/pages/staff/open?{urlencode({'token': token})}"
    message.set_content(f"{t.get('pages.staff.mail_body')}\n{link}\n")
    message["Content-Language"] = DEFAULT_LOCALE  # after the body: set_content clears Content-*
    return message


def mail_sign_in_link(
    *,
    settings: NotifierSettings,
    signer: LinkSigner,
    links: redis.Redis,
    mailer: MailSender,
    address: str,
) -> bool:
    """Mail a fresh sign-in link when address is staff's; tell whether one was sent.

    Raises the mailer's TransientMailError or PermanentMailError when the server refuses."""
    if not is_staff(settings, address):
        return False
    token = issue_link(signer, links, address)
    mailer.send(sign_in_mail(settings, address, token), [address])
    return True
