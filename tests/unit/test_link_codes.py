"""The digest's short link codes: what they hold, how short they are, what they refuse."""

import base64
import re
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from braise_notifier.tokens import PURPOSES, LinkClaims, LinkSigner, TokenError
from tests.support.digests import PUBLIC_URL, sample_digests, sample_email

SECRET = "secret-" * 6
SIGNED_AT = 1_800_000_000
A, B = "6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b", "0b9a8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d"
URL = re.compile(r"https?://\S+")


def _signer(at: float = SIGNED_AT, ttl_s: int = 30 * 86_400) -> LinkSigner:
    return LinkSigner(SECRET, ttl_s=ttl_s, clock=lambda: at)


@pytest.mark.parametrize(
    ("claims", "length"),
    [
        (LinkClaims("done", A, B, "2026-W48"), 63),
        (LinkClaims("not_now", A, B, "2026-11"), 63),
        (LinkClaims("never", A, B, "2026-W01"), 63),
        (LinkClaims("unsubscribe", A, None, "2026-W48"), 42),
        (LinkClaims("preferences", A, None, "2026-W48"), 42),
        (LinkClaims("network", A), 39),
        (LinkClaims("staff", "staff@firm.example"), 43),
        (LinkClaims("done", "c-1", "c-2", "preview"), 39),  # not UUIDs, not a period: text
    ],
)
def test_a_code_round_trips_and_its_length_is_fixed_by_what_it_holds(
    claims: LinkClaims, length: int
) -> None:
    code = _signer().sign(claims)
    assert len(code) == length
    assert re.fullmatch(r"[A-Za-z0-9_-]+", code)
    assert _signer().purpose_of(code) == claims.purpose
    assert _signer().verify(claims.purpose, code) == claims


@given(
    purpose=st.sampled_from(PURPOSES),
    consultant=st.uuids(),
    other=st.none() | st.uuids(),
    period=st.none()
    | st.builds(lambda y, w: f"{y}-W{w:02d}", st.integers(2000, 2511), st.integers(1, 53))
    | st.builds(lambda y, m: f"{y}-{m:02d}", st.integers(2000, 2511), st.integers(1, 12)),
    at=st.integers(0, 2**32 - 1),
)
def test_any_claims_round_trip(
    purpose: str,
    consultant: uuid.UUID,
    other: uuid.UUID | None,
    period: str | None,
    at: int,
) -> None:
    claims = LinkClaims(purpose, str(consultant), other and str(other), period)  # type: ignore[arg-type]
    signer = LinkSigner(SECRET, ttl_s=0, clock=lambda: at)
    assert signer.verify(claims.purpose, signer.sign(claims)) == claims


def test_a_code_made_for_one_purpose_is_refused_for_every_other() -> None:
    for purpose in PURPOSES:
        code = _signer().sign(LinkClaims(purpose, A, B, "2026-W48"))
        for other in PURPOSES:
            if other != purpose:
                with pytest.raises(TokenError, match=r"^invalid link$"):
                    _signer().verify(other, code)


def test_a_header_rewritten_to_claim_another_purpose_is_refused() -> None:
    code = _signer().sign(LinkClaims("done", A, B, "2026-W48"))
    raw = bytearray(base64.urlsafe_b64decode(code + "=" * (-len(code) % 4)))
    raw[0] = (raw[0] & ~7) | PURPOSES.index("never")
    forged = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    assert _signer().purpose_of(forged) == "never"
    with pytest.raises(TokenError, match=r"^invalid link$"):
        _signer().verify("never", forged)


def test_every_single_character_change_and_every_truncation_is_refused() -> None:
    code = _signer().sign(LinkClaims("done", A, B, "2026-W48"))
    for i, char in enumerate(code):
        for replacement in {"A", "B", "_"} - {char}:
            with pytest.raises(TokenError, match=r"^invalid link$"):
                _signer().verify("done", code[:i] + replacement + code[i + 1 :])
    for end in range(len(code)):
        with pytest.raises(TokenError, match=r"^invalid link$"):
            _signer().verify("done", code[:end])
    for extra in ("A", "AAAA", "=", "!"):
        with pytest.raises(TokenError, match=r"^invalid link$"):
            _signer().verify("done", code + extra)


def test_a_code_signed_with_another_secret_is_refused() -> None:
    code = LinkSigner("another-secret-" * 3, ttl_s=3600).sign(LinkClaims("done", A, B, "2026-W48"))
    with pytest.raises(TokenError, match=r"^invalid link$"):
        _signer().verify("done", code)


@pytest.mark.parametrize(("age_s", "valid"), [(0, True), (86_400, True), (86_401, False)])
def test_a_code_expires_one_ttl_after_it_was_signed_to_the_second(age_s: int, valid: bool) -> None:
    code = _signer().sign(LinkClaims("unsubscribe", A, None, "2026-W48"))
    late = _signer(at=SIGNED_AT + age_s, ttl_s=86_400)
    if valid:
        assert late.verify("unsubscribe", code).consultant_id == A
    else:
        with pytest.raises(TokenError, match=r"^link expired$"):
            late.verify("unsubscribe", code)


@pytest.mark.parametrize("name", ["fr-full", "en-full"])
def test_the_text_part_of_a_digest_carries_short_links(name: str) -> None:
    text = sample_email(sample_digests()[name]).get_body(("plain",)).get_content()  # type: ignore[union-attr]
    urls = URL.findall(text)
    codes = [u.removeprefix(f"{PUBLIC_URL}/l/") for u in urls if u.startswith(f"{PUBLIC_URL}/l/")]
    assert len(codes) == 3 * 5 + 1  # done, not now, never for five people; unsubscribe
    assert max(len(code) for code in codes) == 63  # the long tokens were 104 to 107 here
    assert max(len(url) for url in urls) == len(PUBLIC_URL) + len("/l/") + 63
    # Three links per person: the URLs' share of the text part was 53-57 % with the long
    # tokens; 41-44 % now (the words, not the links, are most of the part).
    assert sum(len(url) for url in urls) / len(text) < 0.45
