"""One digest per reader per week, whatever the rhythm: a change takes effect from the next
period. The planner runs on its real SQL ledger (SQLite), hour after hour as beat runs it."""

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from braise_notifier.db import DigestRow, RecipientRow, make_engine, session_factory, unit_of_work
from braise_notifier.planning import due_today, plan
from braise_notifier.projections import project
from braise_notifier.schedule import DAYS
from tests.support import events as ev

TZ = "Europe/Paris"
READER = str(ev.cid(1))
FIRST = date(2026, 11, 2)  # a Monday
RHYTHMS = ("weekly", "biweekly", "monthly")


@pytest.fixture(scope="module")
def factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker[Session]]:
    path: Path = tmp_path_factory.mktemp("rhythm") / "notifier.db"
    engine = make_engine(f"sqlite:///{path}")
    factory = session_factory(engine)
    project(factory, [ev.profile(1)])
    yield factory
    engine.dispose()


def _set_rhythm(factory: sessionmaker[Session], frequency: str, day_of_week: str) -> None:
    with unit_of_work(factory) as session:
        row = session.get(RecipientRow, READER)
        assert row is not None
        row.frequency, row.day_of_week = frequency, day_of_week


def _plan_hours(factory: sessionmaker[Session], day: date) -> None:
    """Plan as beat does, at 9:00 and 15:00 of a day (twice: planning is hourly)."""
    for hour in (9, 15):
        now = datetime.combine(day, time(hour), tzinfo=ZoneInfo(TZ)).astimezone(UTC)
        plan(factory, due_today(factory, day, timezone=TZ), now=now)


def _weeks(factory: sessionmaker[Session]) -> Counter[str]:
    with factory() as session:
        created = session.scalars(
            select(DigestRow.created_at).where(DigestRow.consultant_id == READER)
        ).all()
    return Counter(
        "{}-W{:02d}".format(*c.astimezone(ZoneInfo(TZ)).isocalendar()[:2]) for c in created
    )


def test_a_weekly_reader_turned_monthly_the_same_day_gets_one_digest(
    factory: sessionmaker[Session],
) -> None:
    with unit_of_work(factory) as session:
        session.execute(delete(DigestRow))
    monday = date(2026, 12, 7)  # the first Monday of December: weekly and monthly both due
    _set_rhythm(factory, "weekly", "monday")
    _plan_hours(factory, monday)
    _set_rhythm(factory, "monthly", "monday")
    _plan_hours(factory, monday)
    with factory() as session:
        periods = session.scalars(select(DigestRow.period)).all()
    assert periods == ["2026-W50"]
    # The new rhythm from the next period on: January's first Monday.
    for n in range(1, 35):
        _plan_hours(factory, monday + timedelta(days=n))
    with factory() as session:
        assert sorted(session.scalars(select(DigestRow.period))) == ["2026-W50", "2027-01"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    switches=st.lists(
        st.tuples(st.integers(0, 90), st.sampled_from(RHYTHMS), st.sampled_from(DAYS)),
        min_size=1,
        max_size=6,
    )
)
def test_switching_rhythm_never_plans_two_digests_in_one_week(
    factory: sessionmaker[Session], switches: list[tuple[int, str, str]]
) -> None:
    with unit_of_work(factory) as session:
        session.execute(delete(DigestRow))
    changes = {offset: (frequency, day) for offset, frequency, day in switches}
    _set_rhythm(factory, "weekly", "monday")
    for n in range(92):
        day = FIRST + timedelta(days=n)
        _plan_hours(factory, day)  # before the change: the old rhythm's digest of the day
        if n in changes:
            _set_rhythm(factory, *changes[n])
            _plan_hours(factory, day)
    weeks = _weeks(factory)
    assert weeks, "a reader with a rhythm got no digest in 13 weeks"
    assert max(weeks.values()) == 1, weeks
