"""The DKIM signer: dkimpy's canonicalization, OpenSSL's RSA; dkimpy's verifier agrees."""

from email.message import EmailMessage
from pathlib import Path

import dkim
import pytest
from dkim.canonicalization import Relaxed
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from braise_cli.stack.mailkey import DkimKeyFiles, ensure_dkim_key
from braise_notifier.dkim_rsa import RsaSigner, relaxed_body, split_message
from braise_notifier.mailer import MAIL_POLICY, SIGNED_HEADERS
from tests.support.mail import dkim_verifies

INCLUDE = tuple(name.lower().encode() for name in SIGNED_HEADERS)


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> DkimKeyFiles:
    return ensure_dkim_key(tmp_path_factory.mktemp("dkim"))


def _signer(files: DkimKeyFiles) -> RsaSigner:
    return RsaSigner.from_pem(files.selector, files.domain, files.private_key.read_bytes())


def _message(subject: str, body: str) -> bytes:
    message = EmailMessage()
    message["From"] = "Braise <reseau@braise.example.org>"
    message["To"] = "camille@example.org"
    message["Subject"] = subject
    message.set_content(body)
    return message.as_bytes(policy=MAIL_POLICY)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    subject=st.text(st.characters(blacklist_categories=["Cc", "Cs", "Zl", "Zp"]), max_size=200),
    body=st.text(st.characters(blacklist_categories=["Cs"]), max_size=500),
)
def test_what_it_signs_dkimpy_verifies_and_a_change_breaks(
    key: DkimKeyFiles, subject: str, body: str
) -> None:
    raw = _message(subject, body)
    signed = _signer(key).header(raw, INCLUDE) + raw
    assert dkim_verifies(signed, key)
    assert not dkim_verifies(signed.replace(b"camille@", b"camilla@"), key)


def test_it_signs_what_dkimpy_signs_the_same_way(key: DkimKeyFiles) -> None:
    raw = _message("Des nouvelles de Sofia", "Bonjour Camille,\n" + "une ligne assez longue " * 9)
    ours = _signer(key).header(raw, INCLUDE, now=1_800_000_000)
    theirs = dkim.sign(
        raw,
        key.selector.encode(),
        key.domain.encode(),
        key.private_key.read_bytes(),
        canonicalize=(b"relaxed", b"relaxed"),
        include_headers=list(INCLUDE),
    )
    ours_tags = dkim.parse_tag_value(ours.split(b":", 1)[1].replace(b"\r\n", b""))
    theirs_tags = dkim.parse_tag_value(theirs.split(b":", 1)[1].replace(b"\r\n", b""))
    for tag in (b"v", b"a", b"c", b"d", b"s", b"h", b"bh"):
        assert ours_tags[tag] == theirs_tags[tag]
    assert ours_tags[b"t"] == b"1800000000"


def test_a_key_that_is_not_rsa_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(ValueError, match="not an RSA key"):
        RsaSigner.from_pem("s1", "braise.example.org", pem)


_LINES = st.lists(st.text(alphabet="ab \t=", max_size=12).map(str.encode), max_size=8).map(
    lambda lines: b"\r\n".join(lines)
)


@settings(max_examples=400, deadline=None)
@given(body=_LINES, end=st.sampled_from([b"", b"\r\n", b"\r\n\r\n", b" \r\n\t\r\n"]))
def test_the_relaxed_body_is_the_one_dkimpy_writes(body: bytes, end: bytes) -> None:
    # Runs of spaces and tabs anywhere, at line ends, empty lines at the end: the faster
    # canonicalization gives dkimpy's bytes, so the body hash is the one a verifier computes.
    assert relaxed_body(body + end) == Relaxed.canonicalize_body(body + end)


@settings(max_examples=200, deadline=None)
@given(
    head=st.lists(st.sampled_from([b"A: 1", b"B:  x\t y", b" folded", b"\tmore"]), max_size=5),
    body=st.text(alphabet="ab \r\n", max_size=40).map(str.encode),
)
def test_a_message_is_split_as_dkimpy_splits_it(head: list[bytes], body: bytes) -> None:
    # CRLF everywhere takes the short way; a bare LF or CR anywhere, dkimpy's own parse.
    raw = b"\r\n".join([b"From: a@b.example", *[h for h in head if not h[:1].isspace()]])
    raw += b"\r\n\r\n" + body
    assert split_message(raw) == tuple(dkim.rfc822_parse(raw))
