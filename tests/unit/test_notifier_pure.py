"""Notifier logic without servers: periods and signed links."""

from datetime import date, timedelta

import pytest

from braise_notifier.schedule import current_period, paused_on
from braise_notifier.tokens import LinkClaims, LinkSigner, TokenError


@pytest.mark.parametrize(
    ("day", "frequency", "weekday", "period"),
    [
        (date(2026, 11, 23), "weekly", "monday", "2026-W48"),
        (date(2026, 11, 24), "weekly", "monday", None),
        (date(2026, 11, 23), "biweekly", "monday", "2026-W48"),
        (date(2026, 11, 30), "biweekly", "monday", None),  # week 49 is odd
        (date(2026, 11, 2), "monthly", "monday", "2026-11"),
        (date(2026, 11, 9), "monthly", "monday", None),
        (date(2026, 11, 23), "paused", "monday", None),
    ],
)
def test_current_period(day: date, frequency: str, weekday: str, period: str | None) -> None:
    assert current_period(day, frequency=frequency, day_of_week=weekday) == period


def test_link_tokens_verify_and_forged_or_misused_ones_are_refused() -> None:
    signer = LinkSigner("secret-" * 6, ttl_s=3600)
    claims = LinkClaims("done", "c-1", "c-2", "2026-W48")
    token = signer.sign(claims)
    assert signer.verify("done", token) == claims
    with pytest.raises(TokenError, match="invalid"):
        signer.verify("never", token)  # made for another purpose
    with pytest.raises(TokenError, match="invalid"):
        signer.verify("done", token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1])
    with pytest.raises(TokenError, match="invalid"):
        LinkSigner("another-secret-" * 3, ttl_s=3600).verify("done", token)
    # Expiry, on both sides of the TTL: tests/unit/test_notifier_boundaries.py.


@pytest.mark.parametrize(
    ("day", "resume_on", "period"),
    [
        (date(2026, 11, 23), date(2026, 11, 30), None),  # their Monday, within the break
        (date(2026, 11, 30), date(2026, 11, 30), "2026-W49"),  # the day it ends: sent again
        (date(2026, 11, 23), date(2026, 11, 24), None),  # ends the next day: not yet
        (date(2026, 11, 23), date(2026, 11, 23), "2026-W48"),
        (date(2026, 11, 23), date(2026, 11, 2), "2026-W48"),  # a break long over
        (date(2026, 11, 23), None, "2026-W48"),
    ],
)
def test_nothing_is_due_during_a_break_and_the_rhythm_resumes_on_its_last_day(
    day: date, resume_on: date | None, period: str | None
) -> None:
    assert (
        current_period(day, frequency="weekly", day_of_week="monday", resume_on=resume_on) == period
    )
    assert paused_on(day, resume_on) == (period is None)


def test_a_break_ending_on_an_odd_week_resumes_biweekly_digests_on_the_next_even_one() -> None:
    resume_on = date(2026, 11, 30)  # week 49: biweekly digests go out on even weeks
    due = [
        d
        for d in (date(2026, 11, 23) + timedelta(days=n) for n in range(21))
        if current_period(d, frequency="biweekly", day_of_week="monday", resume_on=resume_on)
    ]
    assert due == [date(2026, 12, 7)]
