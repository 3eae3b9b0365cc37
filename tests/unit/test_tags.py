"""Affinity tags: one key however people spell them."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from braise_shared.tags import InvalidTagError, make_tag, make_tags, tag_key


@pytest.mark.parametrize(
    "spelling", ["Data Science", "data science ", "data-science", "DATA_SCIENCE", " data   science"]
)
def test_spellings_of_data_science_share_one_key(spelling: str) -> None:
    assert tag_key(spelling) == "data science"


def test_accents_are_folded_in_the_key_but_kept_in_the_label() -> None:
    tag = make_tag("  Économie   circulaire ")
    assert tag.key == "economie circulaire"
    assert tag.label == "Économie circulaire"
    assert tag_key("economie-circulaire") == tag.key


def test_programming_language_signs_survive() -> None:
    assert tag_key("C++") == "c++"
    assert tag_key("C#") == "c#"
    assert tag_key("C++") != tag_key("C#")


@pytest.mark.parametrize("raw", ["", "   ", "---", "!!!"])
def test_tag_empty_once_normalized_is_refused(raw: str) -> None:
    with pytest.raises(InvalidTagError, match="empty"):
        make_tag(raw)


def test_overlong_tag_is_refused() -> None:
    with pytest.raises(InvalidTagError, match="longer than"):
        make_tag("x" * 61)


def test_make_tags_merges_spellings_keeping_the_first_label() -> None:
    tags = make_tags(["Python", "python ", "Data-Science", "data science"])
    assert [(t.key, t.label) for t in tags] == [
        ("data science", "Data-Science"),
        ("python", "Python"),
    ]


@given(st.text(min_size=1, max_size=40))
def test_key_is_idempotent(raw: str) -> None:
    once = tag_key(raw)
    assert tag_key(once) == once
