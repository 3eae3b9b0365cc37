"""Send e-mail over SMTP, telling transient failures (retry) from permanent ones (give up)."""

import smtplib
from email.message import EmailMessage


class TransientMailError(RuntimeError):
    """The message was not accepted yet: a 4xx answer or no connection. Retry later."""


class PermanentMailError(RuntimeError):
    """The server refused the message for good (5xx). Do not retry."""


class Mailer:
    """One SMTP connection per message: simple, and nothing half-open survives a failure."""

    def __init__(self, host: str, port: int, timeout_s: float = 20.0) -> None:
        self.host = host
        self.port = port
        self.timeout_s = timeout_s

    def send(self, message: EmailMessage) -> None:
        """Send message; raise TransientMailError or PermanentMailError when not accepted."""
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
                refused = smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise _classify(exc.recipients) from exc
        except smtplib.SMTPResponseException as exc:
            raw = exc.smtp_error
            text = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
            error = f"{exc.smtp_code} {text}"
            if 400 <= exc.smtp_code < 500:
                raise TransientMailError(error) from exc
            raise PermanentMailError(error) from exc
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as exc:
            raise TransientMailError(f"no SMTP connection: {exc}") from exc
        if refused:
            raise _classify(refused)


def _classify(recipients: dict[str, tuple[int, bytes]]) -> Exception:
    code, text = next(iter(recipients.values()))
    error = f"{code} {text.decode(errors='replace')}"
    return TransientMailError(error) if 400 <= code < 500 else PermanentMailError(error)
