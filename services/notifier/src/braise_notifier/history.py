"""Network health over time: the graph's links per stage, and the live links touching each
sector, kept once per ISO week.

The beat asks every hour (`braise.record_link_week`); the first answer of a week is kept and
the later ones change nothing, so a beat that was down a few hours still records its week.
"""

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from braise_notifier.db import LinkWeekRow, SectorWeekRow, insert_new, unit_of_work
from braise_shared.shape import SectorLinks

WEEKS_SHOWN = 26
# The sector records compared for thinning: the latest and up to 8 weeks before it.
SECTOR_WEEKS = 9
NO_SECTOR = ""  # the key kept for the profiles without a sector
# A sector (or the profiles without one) of fewer people than this could point at someone:
# the firm's view never shows it alone, but folded with the others under OTHER_SECTORS.
MIN_SECTOR_PEOPLE = 5
OTHER_SECTORS = "*others*"  # the key of those folded together (no tag key has asterisks)


def small_sectors(found: SectorLinks) -> set[str | None]:
    """Return the sector keys (None: no sector) of fewer than MIN_SECTOR_PEOPLE people."""
    return {
        s.sector.key if s.sector else None for s in found.sectors if s.people < MIN_SECTOR_PEOPLE
    }


def sector_counts(found: SectorLinks) -> dict[str, tuple[str, int]]:
    """Return the live links touching each sector as a week keeps them (key: (label, links)),
    the small sectors together under OTHER_SECTORS (a link within them counts once)."""
    small = small_sectors(found)
    labels = {s.sector.key: s.sector.label for s in found.sectors if s.sector}

    def key_of(key: str | None) -> str:
        return OTHER_SECTORS if key in small else (key or NO_SECTOR)

    counts = {key_of(s.sector.key if s.sector else None): 0 for s in found.sectors}
    for p in found.pairs:
        a, b = key_of(p.a), key_of(p.b)
        counts[a] = counts.get(a, 0) + p.links
        if b != a:
            counts[b] = counts.get(b, 0) + p.links
    return {k: (labels.get(k, ""), n) for k, n in counts.items()}


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
) -> list[tuple[str, datetime, dict[str, int]]]:
    """Return the last weeks kept, oldest first, each with when it was recorded and its links
    per stage."""
    recent = list(
        session.scalars(
            select(LinkWeekRow.week).distinct().order_by(LinkWeekRow.week.desc()).limit(weeks)
        )
    )
    by_week: dict[str, dict[str, int]] = {week: {} for week in sorted(recent)}
    recorded: dict[str, datetime] = {}
    rows = session.execute(
        select(
            LinkWeekRow.week, LinkWeekRow.stage, LinkWeekRow.links, LinkWeekRow.recorded_at
        ).where(LinkWeekRow.week.in_(recent))
    )
    for week, stage, links, at in rows:
        by_week[week][stage] = links
        recorded[week] = min(at, recorded.get(week, at))
    return [(week, recorded[week], stages) for week, stages in by_week.items()]


def sector_week_recorded(factory: sessionmaker[Session], week: str) -> bool:
    """Tell whether the live links per sector of week are kept already."""
    with factory() as session:
        found = session.scalar(
            select(SectorWeekRow.week).where(SectorWeekRow.week == week).limit(1)
        )
    return found is not None


def record_sector_week(
    factory: sessionmaker[Session],
    week: str,
    links_by_sector: Mapping[str, tuple[str, int]],
    *,
    at: datetime,
) -> bool:
    """Keep the live links touching each sector (key: (label, links)) unless that week is kept
    already; tell if it was new."""
    if sector_week_recorded(factory, week) or not links_by_sector:
        return False
    with unit_of_work(factory) as session:
        rows: list[dict[str, object]] = [
            {"week": week, "sector": key, "label": label, "links": int(n), "recorded_at": at}
            for key, (label, n) in links_by_sector.items()
        ]
        session.execute(insert_new(session, SectorWeekRow, rows))
    return True


def sector_history(
    session: Session, *, weeks: int = SECTOR_WEEKS
) -> list[tuple[str, dict[str, tuple[str, int]]]]:
    """Return the last weeks of sector records, oldest first: per sector key, its label and
    the live links touching it."""
    recent = list(
        session.scalars(
            select(SectorWeekRow.week).distinct().order_by(SectorWeekRow.week.desc()).limit(weeks)
        )
    )
    by_week: dict[str, dict[str, tuple[str, int]]] = {week: {} for week in sorted(recent)}
    rows = session.execute(
        select(
            SectorWeekRow.week, SectorWeekRow.sector, SectorWeekRow.label, SectorWeekRow.links
        ).where(SectorWeekRow.week.in_(recent))
    )
    for week, sector, label, links in rows:
        by_week[week][sector] = (label, links)
    return list(by_week.items())
