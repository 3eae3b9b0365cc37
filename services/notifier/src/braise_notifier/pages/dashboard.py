"""The firm's figures, one typed answer for the staff page and for `/v1/dashboard`.

Aggregates only: links per stage (now, and as recorded week after week), live links between
sectors (now) and touching each sector (week after week), digests per period, readers' answers
by gesture kind, the closed loop by gesture, stage and reason.
"""

import logging
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import func, select

from braise_notifier.bootstrap import Notifier
from braise_notifier.db import DigestRow
from braise_notifier.graph_client import GraphUnavailableError
from braise_notifier.history import NO_SECTOR, sector_history, weekly_history
from braise_notifier.pages.feedback import feedback_by_gesture
from braise_notifier.pages.loop import WINDOW, meetings_of, revival_rates, sent_suggestions
from braise_shared.shape import SectorLinks

log = logging.getLogger(__name__)


class RevivalFigure(BaseModel):
    """Of the suggestions of one kind whose window has closed, how many were followed by an
    interaction of the pair within the window."""

    key: str = Field(description="The gesture kind, stage or reason code.")
    suggestions: int = Field(ge=0, description="Suggestions behind the figure.")
    revived: int = Field(ge=0)
    rate: float = Field(ge=0, le=1, description="revived / suggestions (0 for none).")


class Revival(BaseModel):
    """The closed loop: did a suggested pair interact again within the window?"""

    window_weeks: int
    gesture: list[RevivalFigure]
    stage: list[RevivalFigure]
    reason: list[RevivalFigure] = Field(
        description="A suggestion counts once, under the reason that set it apart: a hook "
        "with its news kind (e.g. `hook.skill`), else novelty, shared, was_strong, last_seen."
    )


class GestureAnswers(BaseModel):
    """How readers answered the suggestions of one gesture kind (`?`: no longer in the ledger)."""

    gesture: str
    done: int = Field(ge=0)
    not_now: int = Field(ge=0)
    never: int = Field(ge=0)


class LinkWeek(BaseModel):
    """The graph's links per stage as recorded once in an ISO week."""

    week: str = Field(examples=["2026-W48"])
    recorded_at: datetime = Field(description="When the week's record was taken.")
    links_by_stage: dict[str, int]


class SectorWeek(BaseModel):
    """The live links touching each sector (by first sectors), as recorded once in a week;
    a link between two sectors counts in both, a link within one sector once."""

    week: str = Field(examples=["2026-W48"])
    links_by_sector: dict[str, int] = Field(
        description=f"Per sector key (`{NO_SECTOR!r}`: profiles without a sector)."
    )
    labels: dict[str, str] = Field(description="Each sector key's label, as recorded.")


class Dashboard(BaseModel):
    """The firm's view: aggregates only, no names."""

    links_by_stage: dict[str, int] | None = Field(
        description="Links per stage now (the page shows the weekly records instead, so that "
        "each figure has one count and one date); null while the graph does not answer."
    )
    history: list[LinkWeek] = Field(description="Links per stage, week after week, oldest first.")
    sector_history: list[SectorWeek] = Field(
        description="Live links touching each sector, the last 9 weeks recorded, oldest first."
    )
    digests_by_period: dict[str, dict[str, int]] = Field(
        description="Digests per period, by outcome (sent, empty, skipped, failed...)."
    )
    feedback_by_gesture: list[GestureAnswers]
    revival: Revival
    sectors: SectorLinks | None = Field(
        description="Live links between sectors now; null while the graph does not answer."
    )


def dashboard(notifier: Notifier, *, now: datetime) -> Dashboard:
    """Return the firm's figures as of now."""
    with notifier.factory() as session:
        rows = session.execute(
            select(DigestRow.period, DigestRow.state, func.count())
            .group_by(DigestRow.period, DigestRow.state)
            .order_by(DigestRow.period)
        ).all()
        rates = revival_rates(sent_suggestions(session), meetings_of(session), now=now)
        answers = feedback_by_gesture(session)
        history = weekly_history(session)
        sectors_weekly = sector_history(session)
    periods: dict[str, dict[str, int]] = {}
    for period, state, count in rows:
        periods.setdefault(str(period), {})[str(state)] = int(count)
    try:
        links_by_stage: dict[str, int] | None = notifier.graph.stats().links_by_stage
        sectors: SectorLinks | None = notifier.graph.sector_links()
    except GraphUnavailableError as exc:
        log.warning("the firm's view without the graph: %s", exc)
        links_by_stage, sectors = None, None  # the page still shows what the notifier knows
    return Dashboard(
        links_by_stage=links_by_stage,
        history=[LinkWeek(week=w, recorded_at=at, links_by_stage=s) for w, at, s in history],
        sector_history=[
            SectorWeek(
                week=w,
                links_by_sector={k: n for k, (_label, n) in kept.items()},
                labels={k: label for k, (label, _n) in kept.items()},
            )
            for w, kept in sectors_weekly
        ],
        digests_by_period=periods,
        feedback_by_gesture=[GestureAnswers(**vars(a)) for a in answers],
        revival=Revival(
            window_weeks=WINDOW.days // 7,
            **{
                by: [RevivalFigure(**vars(r), rate=r.rate) for r in figures]
                for by, figures in rates.items()
            },
        ),
        sectors=sectors,
    )
