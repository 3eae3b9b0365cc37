"""A digest as it goes on the wire: unfolded List-Unsubscribe, 7-bit body, DKIM signature."""

import re
from email import message_from_bytes
from email.header import decode_header, make_header
from email.policy import default
from pathlib import Path

import pytest
from pydantic import ValidationError

from braise_cli.stack.mailkey import dns_txt, ensure_dkim_key
from braise_notifier.bootstrap import dkim_key
from braise_notifier.config import NotifierSettings
from braise_notifier.mailer import DkimKey, DkimKeyError, wire_bytes
from tests.support.digests import sample_digests, sample_email
from tests.support.mail import LIST_UNSUBSCRIBE, dkim_verifies, raw_headers

DIGESTS = sample_digests()


@pytest.mark.parametrize("name", sorted(DIGESTS))
def test_list_unsubscribe_is_one_plain_uri_in_the_raw_bytes(name: str) -> None:
    raw = wire_bytes(sample_email(DIGESTS[name]))

    [value] = raw_headers(raw, "List-Unsubscribe")
    assert LIST_UNSUBSCRIBE.match(value), value
    assert re.fullmatch(r"<https://braise\.example\.org/l/[A-Za-z0-9_-]{42}>", value), value
    # Long enough that a folding serializer would have folded or encoded the line.
    assert len(f"List-Unsubscribe: {value}") > 78
    assert re.search(rb"^List-Unsubscribe: <https://[^\r\n]+>\r\n", raw, re.M)
    assert raw_headers(raw, "List-Unsubscribe-Post") == ["List-Unsubscribe=One-Click"]


def test_the_wire_form_is_7_bit_with_crlf_lines_and_folded_other_headers() -> None:
    raw = wire_bytes(sample_email(DIGESTS["fr-full"]))

    assert raw.isascii()  # quoted-printable or base64 bodies: no relay re-encodes them
    assert b"\n" not in raw.replace(b"\r\n", b"")
    head = raw.split(b"\r\n\r\n", 1)[0]
    long_lines = [
        line for line in head.split(b"\r\n") if len(line) > 78 and b"List-Unsubscribe" not in line
    ]
    assert long_lines == []
    encoded_words = re.findall(rb"=\?[^?]+\?[qQbB]\?[^?]*\?=", head)
    assert encoded_words  # the subject and names with accents
    assert max(len(word) for word in encoded_words) <= 75  # RFC 2047


def test_dkim_signature_verifies_against_the_published_key_and_breaks_on_tampering(
    tmp_path: Path,
) -> None:
    files = ensure_dkim_key(tmp_path / "dkim")
    key = DkimKey.load(selector=files.selector, domain=files.domain, path=files.private_key)
    raw = wire_bytes(sample_email(DIGESTS["en-full"]), key)

    assert raw.startswith(b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;")
    [signature] = raw_headers(raw, "DKIM-Signature")
    signed = re.search(r"h=([^;]+);", signature)
    assert signed is not None
    assert {
        "list-unsubscribe",
        "list-unsubscribe-post",
        "list-id",
        "content-language",
        "from",
        "subject",
    } <= {h.strip() for h in signed.group(1).split(":")}
    assert dkim_verifies(raw, files)
    assert not dkim_verifies(raw.replace(b"Camille", b"Camilla"), files)
    assert not dkim_verifies(raw.replace(b"/l/", b"/l/x"), files)
    assert not dkim_verifies(raw.replace(b"<digests.", b"<news."), files)
    assert not dkim_verifies(raw.replace(b"Content-Language: en", b"Content-Language: fr"), files)


FIRM_SENDER = NotifierSettings(firm_name="Cabinet Dupont").sender


@pytest.mark.parametrize(("name", "language"), [("fr-full", "fr"), ("en-cooling-only", "en")])
def test_a_digest_is_from_the_firm_in_its_language_on_its_list(name: str, language: str) -> None:
    raw = wire_bytes(sample_email(DIGESTS[name], mail_from=FIRM_SENDER))

    assert raw_headers(raw, "From") == ['"Cabinet Dupont (Braise)" <reseau@braise.example.org>']
    assert raw_headers(raw, "Content-Language") == [language]
    assert raw_headers(raw, "List-Id") == ['"Cabinet Dupont (Braise)" <digests.braise.example.org>']
    parsed = message_from_bytes(raw, policy=default)
    [sender] = parsed["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (
        "Cabinet Dupont (Braise)",
        "reseau@braise.example.org",
    )


def test_a_firm_name_with_accents_and_specials_is_encoded_not_spliced() -> None:
    sender = NotifierSettings(firm_name="Cabinet Dupré & Fils").sender
    raw = wire_bytes(sample_email(DIGESTS["fr-full"], mail_from=sender))

    assert raw.isascii()
    parsed = message_from_bytes(raw, policy=default)
    [address] = parsed["From"].addresses
    assert (address.display_name, address.addr_spec) == (
        "Cabinet Dupré & Fils (Braise)",
        "reseau@braise.example.org",
    )
    [list_id] = raw_headers(raw, "List-Id")
    assert list_id.endswith(" <digests.braise.example.org>")
    assert str(make_header(decode_header(list_id))) == (
        "Cabinet Dupré & Fils (Braise) <digests.braise.example.org>"
    )


def test_without_a_firm_name_the_sender_is_mail_from_as_set() -> None:
    assert NotifierSettings().sender == "Braise <reseau@braise.example.org>"
    unnamed = NotifierSettings(mail_from="reseau@braise.example.org", firm_name="Cabinet Dupont")
    assert unnamed.sender == "Cabinet Dupont <reseau@braise.example.org>"


def test_the_local_key_is_made_once_and_its_record_is_published_beside_it(
    tmp_path: Path,
) -> None:
    first = ensure_dkim_key(tmp_path)
    pem = first.private_key.read_bytes()
    again = ensure_dkim_key(tmp_path)

    assert again.private_key.read_bytes() == pem
    assert first.private_key.stat().st_mode & 0o077 == 0
    record = first.dns_record.read_text()
    assert record.startswith("braise-local._domainkey.braise.example.org. IN TXT (")
    strings = re.findall(r'"([^"]*)"', record)
    assert all(len(s) <= 255 for s in strings)
    assert "".join(strings) == dns_txt(pem)


def test_digests_are_signed_only_when_selector_domain_and_key_are_all_set(
    tmp_path: Path,
) -> None:
    files = ensure_dkim_key(tmp_path)
    assert dkim_key(NotifierSettings()) is None
    signing = NotifierSettings(
        dkim_selector="s1",
        dkim_domain="braise.example.org",
        dkim_private_key_path=files.private_key,
    )
    key = dkim_key(signing)
    assert key is not None
    assert (key.selector, key.domain) == ("s1", "braise.example.org")
    with pytest.raises(ValidationError, match="or none"):
        NotifierSettings(dkim_selector="s1", dkim_domain="braise.example.org")
    with pytest.raises(ValidationError, match="does not cover"):
        NotifierSettings(
            dkim_selector="s1", dkim_domain="other.example", dkim_private_key_path=files.private_key
        )
    # A signature for the parent domain covers a sender of a subdomain (DMARC, relaxed).
    NotifierSettings(
        mail_from="Braise <reseau@mail.braise.example.org>",
        dkim_selector="s1",
        dkim_domain="braise.example.org",
        dkim_private_key_path=files.private_key,
    )


def test_an_unreadable_or_foreign_key_stops_the_notifier_at_start(tmp_path: Path) -> None:
    not_a_key = tmp_path / "key.pem"
    not_a_key.write_text("hello")
    for path in (not_a_key, tmp_path / "missing.pem"):
        with pytest.raises(DkimKeyError, match=str(path)):
            DkimKey.load(selector="s1", domain="braise.example.org", path=path)
