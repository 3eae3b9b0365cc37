"""Why the graph could not answer for a reader: named without the values it refused."""

import pytest
from pydantic import ValidationError

from braise_graph.revival import reason_of
from braise_shared.tags import Tag


def test_a_validation_error_is_named_by_its_field_and_rule_without_the_value() -> None:
    with pytest.raises(ValidationError) as refused:
        Tag(key="refonte si", label="Refonte SI\nChez Martine Dupont")

    reason = reason_of(refused.value)

    assert reason == (
        "ValidationError (Tag): label: Value error, must not contain a control character (U+000A)"
    )


def test_another_error_is_named_by_its_type_and_message() -> None:
    assert reason_of(KeyError("locale")) == "KeyError: 'locale'"
