"""The digest schedule and the link tokens, probed on both sides of each threshold.

The documented defaults (docs/notifier.md) are written here: planning from 08:00, firm time
zone Europe/Paris, links valid 30 days. Time is set, never waited for.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from braise_notifier.config import NotifierSettings
from braise_notifier.schedule import (
    current_period,
    local_today,
    parse_period,
    planning_day,
    week_period,
)
from braise_notifier.tokens import LinkClaims, LinkSigner, TokenError

SEND_HOUR = 8
TIMEZONE = "Europe/Paris"
LINK_TTL_S = 30 * 24 * 3600
DEFAULTS = NotifierSettings()


def _planning_day(now: datetime) -> date | None:
    return planning_day(now, timezone=DEFAULTS.timezone, send_hour=DEFAULTS.send_hour)


def test_the_documented_schedule_is_the_default() -> None:
    assert (DEFAULTS.send_hour, DEFAULTS.timezone) == (SEND_HOUR, TIMEZONE)
    assert DEFAULTS.link_ttl_days * 24 * 3600 == LINK_TTL_S


@pytest.mark.parametrize(
    ("now", "day"),
    [
        # Winter: Paris is UTC+1, 08:00 there is 07:00 UTC.
        (datetime(2026, 11, 23, 6, 59, 59, 999999, tzinfo=UTC), None),
        (datetime(2026, 11, 23, 7, 0, tzinfo=UTC), date(2026, 11, 23)),
        # Summer: UTC+2.
        (datetime(2026, 6, 22, 5, 59, 59, tzinfo=UTC), None),
        (datetime(2026, 6, 22, 6, 0, tzinfo=UTC), date(2026, 6, 22)),
        # Late evening in UTC is already tomorrow in Paris, before its send hour.
        (datetime(2026, 11, 22, 23, 30, tzinfo=UTC), None),
        (datetime(2026, 11, 22, 22, 59, tzinfo=UTC), date(2026, 11, 22)),
    ],
)
def test_planning_starts_at_the_send_hour_of_the_firm(now: datetime, day: date | None) -> None:
    assert _planning_day(now) == day


def test_today_is_the_firm_s_date() -> None:
    assert local_today(datetime(2026, 11, 22, 23, 30, tzinfo=UTC), TIMEZONE) == date(2026, 11, 23)
    assert local_today(datetime(2026, 11, 22, 22, 59, tzinfo=UTC), TIMEZONE) == date(2026, 11, 22)


@pytest.mark.parametrize(
    ("day", "frequency", "weekday", "period"),
    [
        # monthly: the first of their day in the month, the 1st to the 7th.
        (date(2026, 6, 1), "monthly", "monday", "2026-06"),
        (date(2026, 12, 7), "monthly", "monday", "2026-12"),
        (date(2026, 6, 8), "monthly", "monday", None),
        # biweekly: even ISO weeks (24 is even, 23 odd).
        (date(2026, 6, 8), "biweekly", "monday", "2026-W24"),
        (date(2026, 6, 1), "biweekly", "monday", None),
        (date(2026, 12, 7), "biweekly", "monday", "2026-W50"),
        (date(2026, 6, 29), "biweekly", "monday", None),  # week 27
        # weekly: their day only; the ISO week, zero-padded, of the ISO year.
        (date(2027, 2, 1), "weekly", "monday", "2027-W05"),
        (date(2027, 2, 1), "weekly", "sunday", None),
        (date(2027, 1, 1), "weekly", "friday", "2026-W53"),
        (date(2027, 1, 3), "weekly", "sunday", "2026-W53"),
        (date(2027, 1, 4), "weekly", "monday", "2027-W01"),
        (date(2026, 6, 8), "paused", "monday", None),
    ],
)
def test_period_on_each_side_of_each_rule(
    day: date, frequency: str, weekday: str, period: str | None
) -> None:
    assert current_period(day, frequency=frequency, day_of_week=weekday) == period


@pytest.mark.parametrize(
    "label",
    ["2026-W48", "2026-W01", "2026-W53", "2020-W53", "2026-11", "2026-01", "2026-12"],
)
def test_a_real_week_or_month_is_a_period(label: str) -> None:
    assert parse_period(label) == label


@pytest.mark.parametrize(
    "label",
    [
        "2025-W53",  # 2025 has 52 ISO weeks, 2026 and 2020 have 53
        "2026-W54",
        "2026-W00",
        "2026-W4",
        "2026-W048",
        "2026W048",
        "2026-13",
        "2026-00",
        "2026-1",
        "2026/11",
        "26-11-01",
        "",
    ],
)
def test_anything_else_is_refused_saying_what_a_period_is(label: str) -> None:
    with pytest.raises(ValueError, match=r"is not an ISO week \(2026-W48\) or a month \(2026-11\)"):
        parse_period(label)


def test_every_day_of_the_week_is_named() -> None:
    week = [date(2026, 11, 23 + i) for i in range(7)]  # Monday to Sunday
    names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    for day, name in zip(week, names, strict=True):
        assert current_period(day, frequency="weekly", day_of_week=name) == week_period(day)
        others = [n for n in names if n != name]
        assert all(current_period(day, frequency="weekly", day_of_week=n) is None for n in others)


def test_an_unknown_frequency_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'hourly'"):
        current_period(date(2026, 11, 23), frequency="hourly", day_of_week="monday")


class _Clock:
    """A settable clock for the link signer (epoch seconds)."""

    def __init__(self, at: int) -> None:
        self.at = at

    def __call__(self) -> float:
        return float(self.at)


@contextmanager
def _legacy_clock(at: int) -> Iterator[None]:
    """Make the itsdangerous clock (the long tokens of earlier digests) read `at`."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda _self: at)
        yield


SIGNED_AT = 1_800_000_000
SECRET = "secret-" * 6
CLAIMS = LinkClaims("done", "c-1", "c-2", "2026-W48")


@pytest.mark.parametrize(
    ("age_s", "valid"),
    [(0, True), (LINK_TTL_S, True), (LINK_TTL_S + 1, False)],
)
def test_a_link_is_valid_for_its_ttl_and_expired_after(age_s: int, valid: bool) -> None:
    clock = _Clock(SIGNED_AT)
    signer = LinkSigner(SECRET, ttl_s=DEFAULTS.link_ttl_days * 24 * 3600, clock=clock)
    token = signer.sign(CLAIMS)
    clock.at = SIGNED_AT + age_s
    if valid:
        assert signer.verify("done", token) == CLAIMS
    else:
        with pytest.raises(TokenError, match=r"^link expired$"):
            signer.verify("done", token)


@pytest.mark.parametrize(
    ("age_s", "valid"),
    [(0, True), (LINK_TTL_S, True), (LINK_TTL_S + 1, False)],
)
def test_a_long_token_of_an_earlier_digest_is_valid_for_its_ttl_and_expired_after(
    age_s: int, valid: bool
) -> None:
    legacy = URLSafeTimedSerializer(SECRET, salt="braise-link-done")
    with _legacy_clock(SIGNED_AT):
        token = str(legacy.dumps({"c": "c-1", "o": "c-2", "p": "2026-W48"}))
    signer = LinkSigner(SECRET, ttl_s=DEFAULTS.link_ttl_days * 24 * 3600)
    with _legacy_clock(SIGNED_AT + age_s):
        if valid:
            assert signer.verify("done", token) == CLAIMS
        else:
            with pytest.raises(TokenError, match=r"^link expired$"):
                signer.verify("done", token)
        with pytest.raises(TokenError, match=r"^invalid link$"):
            signer.verify("never", token)


def test_a_shorter_max_age_overrides_the_ttl() -> None:
    clock = _Clock(SIGNED_AT)
    signer = LinkSigner(SECRET, ttl_s=3600, clock=clock)
    token = signer.sign(CLAIMS)
    clock.at = SIGNED_AT + 60
    assert signer.verify("done", token, max_age_s=60) == CLAIMS
    with pytest.raises(TokenError, match=r"^link expired$"):
        signer.verify("done", token, max_age_s=59)


def test_claims_without_other_or_period_round_trip() -> None:
    signer = LinkSigner(SECRET, ttl_s=3600, clock=_Clock(SIGNED_AT))
    claims = LinkClaims("unsubscribe", "c-1")
    assert signer.verify("unsubscribe", signer.sign(claims)) == claims


@pytest.mark.parametrize("payload", [["c-1"], {"o": "c-2"}, {"c": 7}, "c-1"])
def test_a_well_signed_token_without_a_consultant_is_refused(payload: object) -> None:
    # Signed with the right secret and salt, but not claims this code ever made.
    forged = URLSafeTimedSerializer(SECRET, salt="braise-link-done").dumps(payload)
    with pytest.raises(TokenError, match=r"^invalid link$"):
        LinkSigner(SECRET, ttl_s=3600).verify("done", str(forged))


def test_each_purpose_signs_with_its_own_key() -> None:
    signer = LinkSigner(SECRET, ttl_s=3600, clock=_Clock(SIGNED_AT))
    tokens = {purpose: signer.sign(LinkClaims(purpose, "c-1")) for purpose in ("done", "never")}
    assert tokens["done"] != tokens["never"]
    with pytest.raises(TokenError, match=r"^invalid link$"):
        signer.verify("never", tokens["done"])
