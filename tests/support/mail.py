"""Read e-mail as it went over the wire: raw headers, DKIM against a known key, SpamAssassin."""

import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dkim

from braise_cli.stack.install import ensure_debian_packages, install_debian_packages
from braise_cli.stack.mailkey import DkimKeyFiles, dns_txt

# RFC 2369 / RFC 8058: one URI in angle brackets, as is (no encoded-word, no space inside).
LIST_UNSUBSCRIBE = re.compile(r"^<https?://[^>\s]+>$")


def raw_headers(raw: bytes, name: str) -> list[str]:
    """Return the unfolded values of a top-level header, exactly as the bytes spell them."""
    head = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    unfolded = re.sub(rb"\n[ \t]", b" ", head).decode("ascii")
    prefix = name.lower() + ":"
    lines = unfolded.split("\n")
    return [line[len(prefix) :].strip() for line in lines if line.lower().startswith(prefix)]


def raw_mails(maildir: Path) -> list[bytes]:
    """Return every message the SMTP sink received, as bytes, oldest first."""
    return [path.read_bytes() for path in sorted(maildir.glob("*.eml"))]


def dkim_dns(key: DkimKeyFiles) -> Callable[..., bytes | None]:
    """Return a DNS lookup for dkimpy that knows only this key's TXT record."""
    name = f"{key.selector}._domainkey.{key.domain}.".encode()
    record = dns_txt(key.private_key.read_bytes()).encode()

    def lookup(qname: bytes, timeout: float = 5) -> bytes | None:
        return record if qname == name else None

    return lookup


def dkim_verifies(raw: bytes, key: DkimKeyFiles) -> bool:
    """Tell whether the topmost DKIM signature verifies against this key."""
    return bool(dkim.verify(raw, dnsfunc=dkim_dns(key)))


@dataclass(frozen=True)
class SpamVerdict:
    """What SpamAssassin said of one message."""

    score: float
    status: str


def ensure_spamassassin() -> None:
    """Install Debian's SpamAssassin if missing, with the Perl DKIM module its DKIM plugin needs
    (a recommended package: without it, SpamAssassin scores signed mail as unsigned)."""
    ensure_debian_packages({"spamassassin": "spamassassin"})
    has_dkim = subprocess.run(["perl", "-MMail::DKIM", "-e", "1"], capture_output=True, check=False)
    if has_dkim.returncode != 0:
        install_debian_packages({"libmail-dkim-perl"})


def spam_verdicts(raws: list[bytes], workdir: Path) -> dict[str, SpamVerdict]:
    """Score messages with `spamassassin -L -t` (local tests only) in one run over an mbox;
    return the verdicts by Message-ID (SpamAssassin writes an mbox back in its own order)."""
    mbox = workdir / "digests.mbox"
    with mbox.open("wb") as f:
        for raw in raws:
            body = raw.replace(b"\r\n", b"\n")
            body = re.sub(rb"^(>*From )", rb">\1", body, flags=re.M)
            f.write(b"From braise@localhost Thu Jan  1 00:00:00 2026\n" + body + b"\n")
    result = subprocess.run(
        ["spamassassin", "-L", "-t", "--mbox", str(mbox)],
        capture_output=True,
        check=True,
        timeout=300,
    )
    verdicts = {}
    for message in re.split(rb"^From .*\n", result.stdout, flags=re.M):
        if not message.strip():
            continue
        [message_id] = raw_headers(message, "Message-ID")
        [status] = raw_headers(message, "X-Spam-Status")
        score = re.search(r"score=(-?[\d.]+)", status)
        assert score is not None, status
        verdicts[message_id] = SpamVerdict(float(score.group(1)), " ".join(status.split()))
    assert len(verdicts) == len(raws), result.stderr.decode(errors="replace")[-2000:]
    return verdicts
