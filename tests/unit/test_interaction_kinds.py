"""The kinds file: what it must say, and the error that names what it lacks."""

import pytest

from braise_shared.interactions import UnknownKindError, load_kinds, parse_kinds

NAMED_BY_CODE = "".join(
    f'[kinds.{name}]\nweight = 1\nlabel_fr = "{name}"\nlabel_en = "{name}"\n'
    for name in ("mission_together", "rekindled", "event")
)
GOOD = NAMED_BY_CODE + '[kinds.lunch]\nweight = 3\nlabel_fr = "un déjeuner"\nlabel_en = "a lunch"\n'


def test_the_bundled_kinds_name_what_the_code_names() -> None:
    kinds = load_kinds()
    assert {"mission_together", "rekindled", "event", "meeting", "lunch"} <= set(kinds.names())
    assert kinds.get("lunch").label("en") == "a lunch"
    assert kinds.get("lunch").weight == 3.0


def test_an_unknown_kind_names_the_known_ones() -> None:
    with pytest.raises(UnknownKindError, match="known: event, lunch, mission_together"):
        parse_kinds(GOOD, "k.toml").get("dinner")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "k.toml: no \\[kinds"),
        (GOOD.replace("weight = 3", "weight = 0"), "kinds.lunch.weight must be a positive number"),
        (GOOD.replace("weight = 3", 'weight = "3"'), "kinds.lunch.weight must be a positive"),
        (GOOD.replace("weight = 3", "weight = true"), "kinds.lunch.weight must be a positive"),
        (GOOD.replace('"un déjeuner"', '""'), "kinds.lunch.label_fr must be a non-empty string"),
        (GOOD.replace('label_en = "a lunch"\n', ""), "kinds.lunch.label_en must be a non-empty"),
        (GOOD.replace("[kinds.rekindled]", "[kinds.catch_up]"), "\\[kinds.rekindled\\] missing"),
    ],
)
def test_a_kinds_file_that_says_too_little_is_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_kinds(text, "k.toml")
