"""Who may sign in to the local stack's firm's view."""

import pytest

from braise_cli.stack.servers import StackError
from braise_cli.stack.services import LOCAL_STAFF_EMAIL, local_staff_emails


def test_the_local_stack_lets_its_own_staff_address_in_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BRAISE_NOTIFIER_STAFF_EMAILS", raising=False)
    assert local_staff_emails() == [LOCAL_STAFF_EMAIL]
    monkeypatch.setenv("BRAISE_NOTIFIER_STAFF_EMAILS", '["rh@firm.example", "ops@firm.example"]')
    assert local_staff_emails() == ["rh@firm.example", "ops@firm.example"]


def test_a_staff_list_that_is_not_a_json_list_of_addresses_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for raw in ('"rh@firm.example"', "rh@firm.example", "[1]"):
        monkeypatch.setenv("BRAISE_NOTIFIER_STAFF_EMAILS", raw)
        with pytest.raises(StackError, match="JSON list"):
            local_staff_emails()
