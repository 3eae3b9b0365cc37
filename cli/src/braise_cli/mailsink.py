"""A local SMTP sink: accepts every message and stores it as an .eml file anyone can open.

Run: python -m braise_cli.mailsink --port 1025 --maildir var/mail [--faults]

With --faults (tests only) some recipient addresses misbehave on purpose, so the notifier's
retries can be tested against a real SMTP conversation:
  tempfailN-...@...  answers 451 to the first N attempts for that address, then accepts;
  reject-...@...     answers 550 (a permanent refusal);
  slowN-...@...      waits N seconds before answering RCPT;
  slowdataN-...@...  stores the message, then waits N seconds before its 250: a client
                     killed meanwhile had its message accepted without hearing it.
"""

import argparse
import asyncio
import os
import re
import signal
import uuid
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

_TEMPFAIL = re.compile(r"^tempfail(\d+)-")
_SLOW = re.compile(r"^slow(\d+)-")
_SLOW_DATA = re.compile(r"^slowdata(\d+)-")


class EmlWriter:
    """aiosmtpd handler that writes each accepted message to its own file, atomically."""

    def __init__(self, maildir: Path, *, faults: bool = False) -> None:
        self.maildir = maildir
        self.faults = faults
        self.attempts: dict[str, int] = {}
        maildir.mkdir(parents=True, exist_ok=True)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        """Accept the recipient, or misbehave as its address asks when faults are on."""
        if self.faults:
            local = address.split("@", 1)[0].lower()
            if local.startswith("reject-"):
                return "550 5.1.1 Mailbox unavailable (test fault)"
            if match := _SLOW.match(local):
                await asyncio.sleep(int(match.group(1)))
            if match := _TEMPFAIL.match(local):
                seen = self.attempts.get(address, 0) + 1
                self.attempts[address] = seen
                if seen <= int(match.group(1)):
                    return "451 4.3.0 Try again later (test fault)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        """Store the message with the envelope's sender and recipients, and the client's
        address (which tells one connection from another), as headers."""
        content = envelope.original_content or b""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        name = f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        host, port = session.peer[:2] if isinstance(session.peer, tuple) else (session.peer, "")
        header = (
            f"X-Sink-Mail-From: {envelope.mail_from}\r\n"
            f"X-Sink-Rcpt-To: {', '.join(envelope.rcpt_tos)}\r\n"
            f"X-Sink-Peer: {host}:{port}\r\n"
        ).encode()
        tmp = self.maildir / f".{name}.tmp"
        tmp.write_bytes(header + content)
        os.replace(tmp, self.maildir / name)
        if self.faults:
            for address in envelope.rcpt_tos:
                if match := _SLOW_DATA.match(address.split("@", 1)[0].lower()):
                    await asyncio.sleep(int(match.group(1)))
        return "250 Message accepted for delivery"


def main() -> None:
    """Serve until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--maildir", type=Path, default=Path("var/mail"))
    parser.add_argument("--faults", action="store_true", help="misbehave for test addresses")
    args = parser.parse_args()

    handler = EmlWriter(args.maildir, faults=args.faults)
    controller = Controller(handler, hostname=args.host, port=args.port)
    controller.start()
    print(f"mail sink on {args.host}:{args.port}, writing to {args.maildir}", flush=True)

    async def wait_for_signal() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()

    try:
        asyncio.run(wait_for_signal())
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
