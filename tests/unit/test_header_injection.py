"""No data can write a header line: a name that reads as an encoded word, a bidi override or a
line break stays inside its header, and any serialized digest whose header block is not the
one the code wrote is refused before it is signed (issue 23, item 1)."""

import base64
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest

from braise_cli.stack.mailkey import ensure_dkim_key
from braise_notifier.catalogs import texts
from braise_notifier.compose import Reader, compose
from braise_notifier.mailer import MAIL_POLICY, DkimKey, UnsafeMessageError, wire_bytes
from braise_shared.interactions import load_kinds
from braise_shared.taxonomy import load_taxonomy
from tests.support.digests import PERIOD, sample_digests, sample_email, sample_people
from tests.support.mail import dkim_verifies

FORGED = base64.b64encode(
    b"\r\nContent-Type: text/html\r\n\r\n<a href='https://evil.example/reset'>Reset password</a>"
).decode()
HOSTILE_NAMES = [
    f"Ann=?utf-8?b?{FORGED}?= Martin",
    "Ann =?utf-8?q?=0D=0ABcc:_spy@evil.example?= Martin",
    "Ann\u202eevil\u202c Martin",
    "Ann\u200b\u2066Martin",
]


def _digest_to(name: str) -> EmailMessage:
    reader = Reader("00000000-0000-4000-8000-000000000099", name, "ann@example.org", "fr")
    digest = compose(
        reader,
        PERIOD,
        sample_people(),
        texts=texts("fr"),
        kinds=load_kinds(),
        taxonomy=load_taxonomy(),
    )
    return sample_email(digest)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_name_never_writes_a_header_line_and_dkim_still_verifies(
    name: str, tmp_path: Path
) -> None:
    files = ensure_dkim_key(tmp_path / "dkim")
    key = DkimKey.load(selector=files.selector, domain=files.domain, path=files.private_key)
    message = _digest_to(name)
    raw = wire_bytes(message, key)

    head = raw.split(b"\r\n\r\n", 1)[0]
    opened = [
        line.split(b":", 1)[0].decode().lower()
        for line in head.split(b"\r\n")
        if line[:1] not in (b" ", b"\t")
    ]
    assert sorted(opened) == sorted(["dkim-signature", *(k.lower() for k in message)])
    assert b"evil.example" not in raw.split(b"\r\n\r\n", 1)[1]  # no body of the name's
    parsed = message_from_bytes(raw, policy=default)
    assert parsed["Subject"].startswith(name.split(" ")[0])  # the name, as typed, in its header
    assert parsed.get_all("Bcc") is None
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed["To"].addresses[0].addr_spec == "ann@example.org"
    assert dkim_verifies(raw, files)


def test_bytes_whose_header_block_is_not_the_codes_are_refused_before_signing() -> None:
    message = sample_email(sample_digests()["en-full"])
    raw = message.as_bytes(policy=MAIL_POLICY)
    forged = raw.replace(b"\r\nSubject: ", b"\r\nBcc: spy@evil.example\r\nSubject: ", 1)

    class Serialized(EmailMessage):
        def as_bytes(self, unixfrom: bool = False, policy: object = None) -> bytes:
            return forged

    sneaky = Serialized(policy=MAIL_POLICY)
    for name, value in message.items():
        sneaky[name] = value
    with pytest.raises(UnsafeMessageError, match="bcc"):
        wire_bytes(sneaky)
