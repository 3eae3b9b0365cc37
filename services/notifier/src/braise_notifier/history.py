"""Network health over time: the graph's links per stage, kept once per ISO week.

The beat asks every hour (`braise.record_link_week`); the first answer of a week is kept and
the later ones change nothing, so a beat that was down a few hours still records its week.
"""

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from braise_notifier.db import LinkWeekRow, insert_new, unit_of_work

WEEKS_SHOWN = 26


def week_recorded(factory: sessionmaker[Session], week: str) -> bool:
    """Tell whether the links per stage of week are kept already."""
    with factory() as session:
        found = session.scalar(select(LinkWeekRow.week).where(LinkWeekRow.week == week).limit(1))
    return found is not None


def record_week(
    factory: sessionmaker[Session], week: str, links_by_stage: Mapping[str, int], *, at: datetime
) -> bool:
    """Keep the links per stage of week unless that week is kept already; tell if it was new."""
    if week_recorded(factory, week):
        return False
    with unit_of_work(factory) as session:
        rows: list[dict[str, object]] = [
            {"week": week, "stage": stage, "links": int(n), "recorded_at": at}
            for stage, n in links_by_stage.items()
        ]
        # Two beats racing on the same week: the unique key keeps the first rows.
        session.execute(insert_new(session, LinkWeekRow, rows))
    return True


def weekly_history(
    session: Session, *, weeks: int = WEEKS_SHOWN
) -> list[tuple[str, dict[str, int]]]:
    """Return the last weeks kept, oldest first, each with its links per stage."""
    recent = list(
        session.scalars(
            select(LinkWeekRow.week).distinct().order_by(LinkWeekRow.week.desc()).limit(weeks)
        )
    )
    by_week: dict[str, dict[str, int]] = {week: {} for week in sorted(recent)}
    rows = session.execute(
        select(LinkWeekRow.week, LinkWeekRow.stage, LinkWeekRow.links).where(
            LinkWeekRow.week.in_(recent)
        )
    )
    for week, stage, links in rows:
        by_week[week][stage] = links
    return list(by_week.items())
