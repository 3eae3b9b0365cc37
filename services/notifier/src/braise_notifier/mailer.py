"""Send e-mail over SMTP, DKIM-signed when a key is configured, telling transient failures
(retry) from permanent ones (give up)."""

import logging
import os
import smtplib
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import parseaddr
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm

from braise_notifier.dkim_rsa import RsaSigner
from braise_shared.metrics import SMTP_SECONDS

log = logging.getLogger(__name__)

# How a digest is written on the wire. Bodies are 7-bit (quoted-printable or base64), so no
# relay re-encodes them and breaks the DKIM body hash. Headers set with `set_raw` are written
# as they are ("none"): List-Unsubscribe must carry `<https://...>` unfolded (RFC 2369, RFC 8058),
# and a token folded by the serializer would become an RFC 2047 encoded-word no client reads.
MAIL_POLICY = SMTP.clone(cte_type="7bit", refold_source="none")

# What the signature covers: whatever a reader or a mailbox provider acts upon (RFC 8058 §4
# wants both List-Unsubscribe headers signed; List-Id is what filters and providers sort by).
SIGNED_HEADERS = (
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "Reply-To",
    "MIME-Version",
    "Content-Type",
    "Content-Language",
    "List-Id",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "Auto-Submitted",
)
_SIGNED_LOWER = tuple(name.lower().encode() for name in SIGNED_HEADERS)


def sender_domain(mail_from: str) -> str:
    """Return the domain of a From header's address (`braise.local` when it has none)."""
    return parseaddr(mail_from)[1].rpartition("@")[2] or "braise.local"


class TransientMailError(RuntimeError):
    """The message was not accepted yet: a 4xx answer or no connection. Retry later."""


class PermanentMailError(RuntimeError):
    """The server refused the message for good (5xx). Do not retry."""


class UnsafeMessageError(PermanentMailError):
    """The serialized message holds a header line the code did not write: never sent."""


class DkimKeyError(ValueError):
    """The configured DKIM private key cannot be read or is not an RSA key in PEM form."""


@dataclass(frozen=True)
class DkimKey:
    """A DKIM signing identity: `selector._domainkey.domain` publishes its public half."""

    selector: str
    domain: str
    private_pem: bytes = field(repr=False)
    _signer: RsaSigner = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            signer = RsaSigner.from_pem(self.selector, self.domain, self.private_pem)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise DkimKeyError(f"DKIM key for {self.domain}: {exc}") from exc
        object.__setattr__(self, "_signer", signer)

    @classmethod
    def load(cls, *, selector: str, domain: str, path: Path) -> "DkimKey":
        """Read and check a PEM private key (PKCS#1 or PKCS#8), or raise DkimKeyError."""
        try:
            pem = path.read_bytes()
        except OSError as exc:
            raise DkimKeyError(f"DKIM key {path}: {exc}") from exc
        try:
            return cls(selector, domain, pem)
        except DkimKeyError as exc:
            raise DkimKeyError(f"DKIM key {path}: {exc.__cause__}") from exc

    def sign(self, raw: bytes) -> bytes:
        """Return the message with its DKIM-Signature header on top (relaxed/relaxed)."""
        return self._signer.header(raw, _SIGNED_LOWER) + raw


def wire_bytes(
    message: EmailMessage, dkim_key: DkimKey | None = None, *, raw: bytes | None = None
) -> bytes:
    """Return the message as it goes on the wire: CRLF lines, checked, signed when a key is
    given. Raise UnsafeMessageError when its header block is not the one the code wrote.
    `raw`: the message already written with `MAIL_POLICY`, checked and signed as it is."""
    if raw is None:
        raw = message.as_bytes(policy=MAIL_POLICY)
    check_header_block(raw, list(message.keys()))
    return dkim_key.sign(raw) if dkim_key is not None else raw


def check_header_block(raw: bytes, names: list[str]) -> None:
    """Refuse serialized bytes whose header block holds other header lines than `names`.

    A value the serializer decodes (an RFC 2047 encoded word, CVE-2024-6923) or any stray line
    break could start a line of its own: a header, or a blank line and a body of someone
    else's. Each line of the block must continue the one before (it starts with a space or a
    tab) or open one of the headers the code set, as many times as it set them.
    """
    head = raw.split(b"\r\n\r\n", 1)[0]
    opened = []
    for line in head.split(b"\r\n"):
        if b"\r" in line or b"\n" in line:
            raise UnsafeMessageError(f"a bare line break in a header line: {line[:80]!r}")
        if line[:1] in (b" ", b"\t"):
            continue
        opened.append(line.split(b":", 1)[0].decode("ascii", "replace").lower())
    wrote = sorted(n.lower() for n in names)
    if sorted(opened) != wrote:
        raise UnsafeMessageError(f"the header block holds {sorted(opened)}, the code wrote {wrote}")


class Mailer:
    """Sends over one SMTP connection per thread (per process under Celery's prefork pool),
    kept open from one message to the next, and closed by `close` (at worker shutdown).

    A kept connection the server has dropped meanwhile (an idle timeout, a restart) fails on
    its next message: that message is sent once more on a new connection, and only that
    one's failure counts. A connection opened before a fork is never used by the child.
    """

    def __init__(
        self, host: str, port: int, timeout_s: float = 20.0, dkim_key: DkimKey | None = None
    ) -> None:
        self.host = host
        self.port = port
        self.timeout_s = timeout_s
        self.dkim_key = dkim_key
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened: list[tuple[int, smtplib.SMTP]] = []

    def send(
        self, message: EmailMessage, recipients: Sequence[str], *, raw: bytes | None = None
    ) -> None:
        """Send message to these envelope recipients (never read from its headers); raise
        TransientMailError or PermanentMailError when not accepted. `raw`: as in `wire_bytes`."""
        raw = wire_bytes(message, self.dkim_key, raw=raw)
        sender = parseaddr(str(message["From"]))[1]
        try:
            with SMTP_SECONDS.time():
                refused = self._sendmail(sender, list(recipients), raw)
        except smtplib.SMTPRecipientsRefused as exc:
            raise _classify(exc.recipients) from exc
        except smtplib.SMTPResponseException as exc:
            raw_error = exc.smtp_error
            text = raw_error.decode(errors="replace") if isinstance(raw_error, bytes) else raw_error
            error = f"{exc.smtp_code} {text}"
            if 400 <= exc.smtp_code < 500:
                raise TransientMailError(error) from exc
            raise PermanentMailError(error) from exc
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as exc:
            raise TransientMailError(f"no SMTP connection: {exc}") from exc
        if refused:
            raise _classify(refused)

    def _sendmail(
        self, sender: str, recipients: list[str], raw: bytes
    ) -> dict[str, tuple[int, bytes]]:
        smtp, kept = self._connection()
        try:
            return smtp.sendmail(sender, recipients, raw)
        except Exception as exc:
            if not _dropped(exc):
                raise
            self._forget(smtp)
            if not kept:
                raise
            log.info("kept SMTP connection was dropped (%s): connecting again", exc)
        smtp, _ = self._connection()
        try:
            return smtp.sendmail(sender, recipients, raw)
        except Exception as exc:
            if _dropped(exc):
                self._forget(smtp)
            raise

    def _connection(self) -> tuple[smtplib.SMTP, bool]:
        """Return this thread's connection and whether it was kept from an earlier message."""
        held: tuple[int, smtplib.SMTP] | None = getattr(self._local, "held", None)
        if held is not None and held[0] == os.getpid() and held[1].sock is not None:
            return held[1], True
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
        self._local.held = (os.getpid(), smtp)
        with self._lock:
            self._opened.append((os.getpid(), smtp))
        return smtp, False

    def _forget(self, smtp: smtplib.SMTP) -> None:
        smtp.close()
        self._local.held = None
        with self._lock:
            self._opened = [(pid, s) for pid, s in self._opened if s is not smtp]

    def close(self) -> None:
        """Say QUIT on every connection this process opened, and close them."""
        with self._lock:
            mine = [s for pid, s in self._opened if pid == os.getpid()]
            self._opened = []
        for smtp in mine:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
        self._local = threading.local()


def _dropped(exc: Exception) -> bool:
    """Tell whether a failure means the connection is gone (the server closed it, or said
    421, "closing the transmission channel"), rather than a refusal of this message."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code == 421
    return isinstance(exc, (smtplib.SMTPServerDisconnected, OSError))


def _classify(recipients: dict[str, tuple[int, bytes]]) -> Exception:
    code, text = next(iter(recipients.values()))
    error = f"{code} {text.decode(errors='replace')}"
    return TransientMailError(error) if 400 <= code < 500 else PermanentMailError(error)
