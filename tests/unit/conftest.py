"""Fixtures of the unit tests."""

import time
from collections.abc import Iterator

import pytest


@pytest.fixture
def far_east() -> Iterator[None]:
    """Run with the process's local zone at UTC+14, where the date is rarely the UTC one."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "Pacific/Kiritimati")
        time.tzset()
        yield
    time.tzset()
