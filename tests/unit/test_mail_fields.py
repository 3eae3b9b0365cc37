"""The rules for what reaches a mail header: a person's name, and one bare e-mail address."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from braise_notifier.config import NotifierSettings
from braise_profiles.consultants.schemas import ConsultantIn, ConsultantPatch
from braise_shared.addresses import InvalidAddressError, normalize_address
from braise_shared.text import ForbiddenCharacterError, check_name

BIDI = [
    "\u061c",
    "\u200e",
    "\u200f",
    *map(chr, range(0x202A, 0x202F)),
    *map(chr, range(0x2066, 0x206A)),
]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
CONTROLS = [chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]]


@pytest.mark.parametrize("name", ["Ann=?utf-8?b?DQpCY2M6IHNweQ==?=", "Ann =?x", "Ann?= Martin"])
def test_a_name_with_either_half_of_an_encoded_word_is_refused(name: str) -> None:
    with pytest.raises(ForbiddenCharacterError, match="encoded word"):
        check_name(name)


@pytest.mark.parametrize("character", BIDI)
def test_a_name_with_a_bidi_control_is_refused_naming_it(character: str) -> None:
    with pytest.raises(
        ForbiddenCharacterError, match=f"bidi control character \\(U\\+{ord(character):04X}\\)"
    ):
        check_name(f"Ann{character}Martin")


@pytest.mark.parametrize("character", ZERO_WIDTH)
def test_a_name_with_a_zero_width_character_is_refused_naming_it(character: str) -> None:
    with pytest.raises(
        ForbiddenCharacterError, match=f"zero-width character \\(U\\+{ord(character):04X}\\)"
    ):
        check_name(f"Ann{character}Martin")


@pytest.mark.parametrize("character", CONTROLS)
def test_a_name_with_a_control_character_is_refused(character: str) -> None:
    with pytest.raises(ForbiddenCharacterError, match=f"U\\+{ord(character):04X}"):
        check_name(f"Ann{character}Martin")


@pytest.mark.parametrize(
    "name",
    ["Anne-Marie O'Brien", "Zoé Ngọc Ánh", "J. Dupont (Lyon)", "محمد علي", "李小龙", "A = B?"],
)
def test_real_names_pass_unchanged(name: str) -> None:
    assert check_name(name) == name


@given(
    st.text(
        alphabet=st.characters(
            codec="utf-8",
            exclude_categories=["Cc", "Zl", "Zp"],
            exclude_characters=[*BIDI, *ZERO_WIDTH, "=", "?"],
        )
    )
)
def test_names_without_the_forbidden_characters_pass(name: str) -> None:
    assert check_name(name) == name


@pytest.mark.parametrize(
    ("model", "body"),
    [
        (ConsultantIn, {"email": "ann@example.org", "display_name": "Ann\u202eX"}),
        (ConsultantPatch, {"display_name": "Ann=?utf-8?q?=0D=0A?="}),
    ],
)
def test_both_consultant_bodies_refuse_a_forging_name_naming_the_field(
    model: type[BaseModel], body: dict[str, str]
) -> None:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(body)
    [error] = caught.value.errors()
    assert error["loc"] == ("display_name",)


def test_the_city_keeps_its_own_one_line_rule() -> None:
    # A city goes into digest bodies only: '=?' is harmless there.
    body = {"email": "ann@example.org", "display_name": "Ann", "city": "Saint-Malo =?"}
    assert ConsultantIn.model_validate(body).city == "Saint-Malo =?"


@pytest.mark.parametrize(
    "address",
    [
        "r3>,<spy@evil.example",
        "a@b.c, d@e.f",
        "a@b.example,c@d.example",
        '"Ann" <a@b.example>',
        '"Ann"<a@b.example>',
        "<a@b.example>",
        "a@b.example\nBcc: x@y",
        "a b@example.org",
        "a@exa mple.org",
        '"a,b"@example.org',
        "a@[192.0.2.1]",
        "a@b.example\u202e",
        "",
    ],
)
def test_anything_but_one_bare_address_is_refused(address: str) -> None:
    with pytest.raises(InvalidAddressError, match="not an e-mail address"):
        normalize_address(address)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Camille.Martin@Example.ORG", "camille.martin@example.org"),
        (" camille@example.org ", "camille@example.org"),
        ("josé@exämple.fr", "josé@exämple.fr"),
        ("jose\u0301@exa\u0308mple.fr", "josé@exämple.fr"),
        ("用户@例子.广告", "用户@例子.广告"),
    ],
)
def test_an_address_is_kept_normalized(typed: str, kept: str) -> None:
    assert normalize_address(typed) == kept


def test_the_consultant_email_field_uses_the_address_rule() -> None:
    with pytest.raises(ValidationError) as caught:
        ConsultantIn.model_validate({"email": "r3>,<spy@evil.example", "display_name": "Ann"})
    [error] = caught.value.errors()
    assert error["loc"] == ("email",)
    assert error["msg"].startswith("Value error, not an e-mail address:")


@pytest.mark.parametrize(
    "address", ["r3>,<spy@evil.example", "a@b.c, d@e.f", '"Ann" <a@b.example>']
)
def test_the_notifier_refuses_a_staff_or_reply_address_that_is_not_one_address(
    address: str,
) -> None:
    with pytest.raises(
        ValidationError, match="BRAISE_NOTIFIER_STAFF_EMAILS: not an e-mail address"
    ):
        NotifierSettings(staff_emails=["equipe@firm.example", address])
    with pytest.raises(ValidationError, match="BRAISE_NOTIFIER_REPLY_TO: not an e-mail address"):
        NotifierSettings(reply_to=address)


def test_the_notifier_keeps_staff_addresses_normalized() -> None:
    settings = NotifierSettings(staff_emails=["Equipe@Firm.Example", "rh@firm.example"])
    assert settings.staff_emails == ["equipe@firm.example", "rh@firm.example"]
