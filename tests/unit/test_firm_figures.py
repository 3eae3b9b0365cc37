"""The firm's figures the notifier keeps itself: answers by gesture, links per stage weekly,
and what the page draws from them."""

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from braise_notifier.db import DigestRow, ErasedRow, make_engine, session_factory, unit_of_work
from braise_notifier.history import record_week, weekly_history
from braise_notifier.pages.dashboard import LinkWeek
from braise_notifier.pages.feedback import Answers, feedback_by_gesture
from braise_notifier.pages.picture import OTHER, PALETTE, drawing, sector_colours, weekly_chart
from braise_notifier.projections import project
from braise_shared.events import SuggestionFeedbackV2, SuggestionFeedbackWithUndo
from braise_shared.shape import NetworkShape, ShapeLink, ShapeNode
from braise_shared.tags import Tag
from braise_shared.taxonomy import load_taxonomy
from tests.support import events as ev

T0 = datetime(2026, 9, 7, 8, tzinfo=UTC)


def _factory(tmp_path: Path) -> sessionmaker[Session]:
    return session_factory(make_engine(f"sqlite:///{tmp_path / 'n.db'}"))


def _answer(reader: int, other: int, action: str, period: str = "2026-W37") -> SuggestionFeedbackV2:
    data = SuggestionFeedbackWithUndo.model_validate(
        {
            "consultant_id": ev.cid(reader),
            "other_id": ev.cid(other),
            "action": action,
            "period": period,
        }
    )
    return SuggestionFeedbackV2(id=uuid.uuid4(), occurred_at=T0, producer="test", data=data)


def _digest(factory: sessionmaker[Session], reader: int, proposed: dict[int, str]) -> None:
    suggestions = [
        {"consultant_id": str(ev.cid(o)), "stage": "dormant", "gesture": g}
        for o, g in proposed.items()
    ]
    with unit_of_work(factory) as session:
        session.add(
            DigestRow(
                period="2026-W37",
                consultant_id=str(ev.cid(reader)),
                state="sent",
                sent_at=T0,
                suggestions=json.dumps(suggestions),
                created_at=T0,
            )
        )


def test_answers_count_by_the_gesture_their_digest_proposed_and_a_replay_adds_nothing(
    tmp_path: Path,
) -> None:
    factory = _factory(tmp_path)
    _digest(factory, 1, {2: "invite", 3: "share", 4: "invite"})
    answers = [_answer(1, 2, "done"), _answer(1, 3, "never"), _answer(1, 4, "not_now")]
    project(factory, answers)
    project(factory, [*answers, _answer(1, 9, "done")])  # replayed, and one unknown
    with factory() as session:
        assert feedback_by_gesture(session) == [
            Answers("?", 1, 0, 0),
            Answers("invite", 1, 1, 0),
            Answers("share", 0, 0, 1),
        ]


def test_an_erased_persons_answers_are_forgotten_and_never_recorded_again(tmp_path: Path) -> None:
    factory = _factory(tmp_path)
    _digest(factory, 1, {2: "invite", 3: "share"})
    project(factory, [_answer(1, 2, "done"), _answer(1, 3, "done")])
    with unit_of_work(factory) as session:  # the directory keeps erased ids
        session.add(ErasedRow(id=str(ev.cid(2))))
    project(factory, [ev.erased(2), _answer(1, 2, "never", period="2026-W38")])
    with factory() as session:
        assert feedback_by_gesture(session) == [Answers("share", 1, 0, 0)]


def test_a_week_is_recorded_once_and_the_history_runs_oldest_first(tmp_path: Path) -> None:
    factory = _factory(tmp_path)
    assert record_week(factory, "2026-W47", {"active": 3, "dormant": 1}, at=T0)
    assert not record_week(factory, "2026-W47", {"active": 99, "dormant": 99}, at=T0)
    assert record_week(factory, "2026-W45", {"active": 1, "dormant": 2}, at=T0)
    assert record_week(factory, "2026-W48", {"active": 4, "dormant": 0}, at=T0)
    with factory() as session:
        assert weekly_history(session) == [
            ("2026-W45", {"active": 1, "dormant": 2}),
            ("2026-W47", {"active": 3, "dormant": 1}),
            ("2026-W48", {"active": 4, "dormant": 0}),
        ]
        assert [w for w, _ in weekly_history(session, weeks=2)] == ["2026-W47", "2026-W48"]


def test_the_biggest_sectors_get_a_colour_each_and_the_rest_share_grey() -> None:
    sectors = [Tag(key=f"s{i:02d}", label=f"S{i}") for i in range(len(PALETTE) + 2)]
    nodes = [ShapeNode(id=f"n{i}", sector=s) for i, s in enumerate(sectors)]
    nodes += [ShapeNode(id=f"n{len(nodes) + i}", sector=sectors[-1]) for i in range(3)]
    nodes.append(ShapeNode(id=f"n{len(nodes)}", sector=None))
    shape = NetworkShape(
        at=T0,
        consultants=len(nodes),
        nodes=nodes,
        links=[ShapeLink(a="n0", b="n1", stage="active")],
    )
    legend = sector_colours(shape, load_taxonomy(), locale="fr", other_label="Autres")
    assert legend[0].key == sectors[-1].key
    assert legend[0].people == 4
    assert [s.colour for s in legend[:-1]] == list(PALETTE)
    assert (legend[-1].key, legend[-1].colour, legend[-1].people) == (None, OTHER, 3)
    drawn = drawing(shape, legend)
    colour = {n["id"]: n["colour"] for n in drawn["nodes"]}
    assert colour[f"n{len(sectors) - 1}"] == PALETTE[0]
    assert colour[f"n{len(nodes) - 1}"] == OTHER
    assert drawn["links"] == [{"a": "n0", "b": "n1", "stage": "active"}]


def test_the_weekly_chart_puts_the_highest_count_at_the_top_and_time_left_to_right() -> None:
    weeks = [
        LinkWeek(week="2026-W46", links_by_stage={"active": 2, "dormant": 8, "faded": 500}),
        LinkWeek(week="2026-W47", links_by_stage={"active": 4, "dormant": 6, "faded": 600}),
    ]
    assert weekly_chart([]) is None
    assert weekly_chart(weeks[:1]) is None  # one point makes no line
    chart = weekly_chart(weeks)
    assert chart is not None
    assert chart.top == 8  # faded links are not on the chart
    dormant = next(line for line in chart.lines if line.stage == "dormant")
    (x0, y0), (x1, y1) = dormant.points
    assert x0 < x1
    assert y0 == chart.margin  # 8 of 8: the top
    assert y1 > y0
    assert (chart.first, chart.last) == ("2026-W46", "2026-W47")
