"""The notifier's recipients follow profile events; erasure forgets the person, ledger included."""

from datetime import UTC, date, datetime

from sqlalchemy import select

from braise_notifier.db import DigestRow, RecipientRow, make_engine, session_factory, unit_of_work
from braise_notifier.projections import project
from tests.support import events as ev


def test_revisions_decide_and_erasure_is_final(sql_url: str) -> None:
    engine = make_engine(sql_url)
    factory = session_factory(engine)
    cid = str(ev.cid(1))
    project(
        factory,
        [ev.profile(1, name="Camille"), ev.preferences(1, 3, suggestable=True, locale="en")],
    )
    project(factory, [ev.profile(1, revision=2, name="Camille Martin", locale="fr")])
    with factory() as session:
        row = session.get(RecipientRow, cid)
        assert row is not None
        assert (row.name, row.locale) == ("Camille Martin", "en")  # preferences of revision 3 win

    with unit_of_work(factory) as session:
        session.add(
            DigestRow(
                period="2026-W48",
                consultant_id=cid,
                state="sent",
                attempts=1,
                created_at=datetime.now(UTC),
                event_published=True,
            )
        )
    project(factory, [ev.erased(1)])
    project(factory, [ev.profile(1, revision=9, name="Camille")])  # late: must not return

    with factory() as session:
        assert session.get(RecipientRow, cid) is None
        assert session.scalars(select(DigestRow)).all() == []
    engine.dispose()


def test_the_end_of_a_break_is_kept_from_preference_events_whatever_the_profile_says(
    sql_url: str,
) -> None:
    engine = make_engine(sql_url)
    factory = session_factory(engine)
    cid = str(ev.cid(1))
    until = date(2026, 12, 14)

    def resume_on() -> date | None:
        with factory() as session:
            row = session.get(RecipientRow, cid)
            assert row is not None
            return row.resume_on

    project(factory, [ev.profile(1, name="Camille"), ev.break_until(1, 2, until)])
    assert resume_on() == until
    # A later profile (it does not carry the break) leaves it.
    project(factory, [ev.profile(1, revision=3, name="Camille Martin")])
    assert resume_on() == until
    project(factory, [ev.break_until(1, 2, None)])  # replayed or late: older, ignored
    assert resume_on() == until
    # Preferences at a newer revision without a break say there is none (a v1 change is read
    # so too: v1 was published before breaks existed, and profiles publishes v2 only).
    project(factory, [ev.preferences(1, 4, suggestable=True)])
    assert resume_on() is None
    project(factory, [ev.break_until(1, 4, until)])  # the same revision: already applied
    assert resume_on() is None
    project(factory, [ev.break_until(1, 5, None)])  # ended
    assert resume_on() is None
    engine.dispose()
