"""The firm's figures the notifier keeps itself: answers by gesture, links per stage weekly,
and what the page draws from them."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from braise_notifier.db import DigestRow, ErasedRow, make_engine, session_factory, unit_of_work
from braise_notifier.history import (
    MIN_SECTOR_PEOPLE,
    OTHER_SECTORS,
    record_sector_week,
    record_week,
    sector_counts,
    sector_history,
    weekly_history,
)
from braise_notifier.pages.feedback import Answers, answers_by_gesture, feedback_by_gesture
from braise_notifier.pages.picture import (
    MAX_SECTORS,
    SectorChange,
    sector_matrix,
    stage_shares,
    thinning,
)
from braise_notifier.projections import project
from braise_shared.events import SuggestionFeedbackV2, SuggestionFeedbackWithUndo
from braise_shared.shape import SectorLinks, SectorPair, SectorPeople
from braise_shared.tags import Tag
from braise_shared.taxonomy import load_taxonomy
from tests.support import events as ev

T0 = datetime(2026, 9, 7, 8, tzinfo=UTC)


def _factory(tmp_path: Path) -> sessionmaker[Session]:
    return session_factory(make_engine(f"sqlite:///{tmp_path / 'n.db'}"))


def _answer(
    reader: int, other: int, action: str, period: str = "2026-W37", at: datetime = T0
) -> SuggestionFeedbackV2:
    data = SuggestionFeedbackWithUndo.model_validate(
        {
            "consultant_id": ev.cid(reader),
            "other_id": ev.cid(other),
            "action": action,
            "period": period,
        }
    )
    return SuggestionFeedbackV2(id=uuid.uuid4(), occurred_at=at, producer="test", data=data)


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


def test_a_never_counts_only_while_it_stands_the_latest_of_never_and_undo_decides(
    tmp_path: Path,
) -> None:
    factory = _factory(tmp_path)
    _digest(factory, 1, {2: "share", 3: "share", 4: "invite"})
    day = timedelta(days=1)
    project(
        factory,
        [
            _answer(1, 2, "never"),  # undone the next week: withdrawn
            _answer(1, 2, "undo_never", period="2026-W38", at=T0 + 7 * day),
            _answer(1, 3, "never"),  # undone, then said again: stands once
            _answer(1, 3, "undo_never", period="2026-W38", at=T0 + 7 * day),
            _answer(1, 3, "never", period="2026-W39", at=T0 + 14 * day),
            _answer(1, 4, "never"),  # never undone
        ],
    )
    with factory() as session:
        assert feedback_by_gesture(session) == [
            Answers("?", 0, 0, 1),  # the W39 never: no digest of W39 proposed person 3
            Answers("invite", 0, 0, 1),
        ]


def test_the_standing_answer_is_the_latest_whatever_order_the_rows_come_in() -> None:
    gestures = {("W1", "r", "a"): "share", ("W1", "r", "b"): "share"}
    later = T0 + timedelta(hours=1)
    rows = [
        ("W2", "r", "a", "undo_never", later),
        ("W1", "r", "a", "never", T0),
        ("W1", "r", "b", "never", later),
        ("W1", "r", "b", "undo_never", T0),
        ("W1", "r", "a", "done", T0),
    ]
    assert answers_by_gesture(rows, gestures) == [Answers("share", 1, 0, 1)]
    assert answers_by_gesture(list(reversed(rows)), gestures) == [Answers("share", 1, 0, 1)]
    tie = [("W1", "r", "a", "never", T0), ("W1", "r", "a", "undo_never", T0)]
    assert answers_by_gesture(tie, gestures) == []  # an undo at the same moment withdraws it


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
            ("2026-W45", T0, {"active": 1, "dormant": 2}),
            ("2026-W47", T0, {"active": 3, "dormant": 1}),
            ("2026-W48", T0, {"active": 4, "dormant": 0}),
        ]
        assert [w for w, _, _ in weekly_history(session, weeks=2)] == ["2026-W47", "2026-W48"]


def test_sector_weeks_are_recorded_once_and_read_oldest_first(tmp_path: Path) -> None:
    factory = _factory(tmp_path)
    assert record_sector_week(factory, "2026-W47", {"banque": ("Banque", 5), "": ("", 1)}, at=T0)
    assert not record_sector_week(factory, "2026-W47", {"banque": ("Banque", 99)}, at=T0)
    assert not record_sector_week(factory, "2026-W48", {}, at=T0)  # nothing to keep
    assert record_sector_week(factory, "2026-W40", {"banque": ("Banque", 7)}, at=T0)
    with factory() as session:
        assert sector_history(session) == [
            ("2026-W40", {"banque": ("Banque", 7)}),
            ("2026-W47", {"banque": ("Banque", 5), "": ("", 1)}),
        ]


def _sectors(
    people: dict[str | None, int], pairs: list[tuple[str | None, str | None, int]]
) -> SectorLinks:
    return SectorLinks(
        at=T0,
        live_stages=["nascent", "growing", "active", "cooling"],
        sectors=[
            SectorPeople(sector=Tag(key=k, label=k.title()) if k else None, people=n)
            for k, n in people.items()
        ],
        pairs=[SectorPair(a=a, b=b, links=n) for a, b, n in pairs],
    )


def test_the_matrix_is_symmetric_counts_each_link_once_and_folds_the_small_sectors() -> None:
    people: dict[str | None, int] = {f"s{i:02d}": 20 - i for i in range(MAX_SECTORS + 2)}
    people[None] = 1
    pairs: list[tuple[str | None, str | None, int]] = [
        ("s00", "s00", 6),
        ("s00", "s01", 4),
        (None, "s11", 2),  # both folded: one square, within the others
        ("s10", "s00", 3),  # a folded sector with a kept one
    ]
    matrix = sector_matrix(
        _sectors(people, pairs), load_taxonomy(), locale="fr", others="Autres", none="Aucun"
    )
    assert len(matrix.labels) == MAX_SECTORS + 1
    assert matrix.labels[0] == "S00"
    assert matrix.labels[-1] == "Autres"
    assert matrix.people[-1] == people["s10"] + people["s11"] + 1
    counts = [[c.links for c in row] for row in matrix.rows]
    assert counts[0][0] == 6
    assert counts[0][1] == counts[1][0] == 4
    assert counts[-1][-1] == 2
    assert counts[0][-1] == counts[-1][0] == 3
    assert matrix.total == 15  # each link once, though the matrix shows a crossing twice
    assert matrix.strongest[:2] == [("S00", "S00", 6), ("S00", "S01", 4)]
    assert matrix.rows[0][0].background != matrix.rows[0][2].background  # 6 and 0 differ
    assert matrix.rows[0][2].background == "#ffffff"


def test_profiles_without_a_sector_have_their_own_row_when_no_sector_is_folded() -> None:
    matrix = sector_matrix(
        _sectors({"banque": 8, None: 6}, [(None, "banque", 1)]),
        load_taxonomy(),
        locale="fr",
        others="Autres",
        none="Aucun",
    )
    assert matrix.labels[-1] == "Aucun"
    assert [[c.links for c in row] for row in matrix.rows] == [[0, 1], [1, 0]]


def test_a_sector_of_fewer_than_five_people_is_folded_into_the_others() -> None:
    assert MIN_SECTOR_PEOPLE == 5
    people: dict[str | None, int] = {"banque": 9, "energie": 5, "sante": 4, "luxe": 1}
    pairs: list[tuple[str | None, str | None, int]] = [
        ("banque", "sante", 2),
        ("luxe", "sante", 1),  # within the small ones: counted once
        ("banque", "energie", 3),
    ]
    found = _sectors(people, pairs)
    matrix = sector_matrix(found, load_taxonomy(), locale="fr", others="Autres", none="Aucun")
    assert matrix.labels == ["Banque", "Énergie", "Autres"]
    assert matrix.people == [9, 5, 5]
    counts = [[c.links for c in row] for row in matrix.rows]
    assert counts == [[0, 3, 2], [3, 0, 0], [2, 0, 1]]
    # The weekly record behind the thinning table folds them the same way.
    assert sector_counts(found) == {
        "banque": ("Banque", 5),
        "energie": ("Energie", 3),
        OTHER_SECTORS: ("", 3),
    }


def test_stage_shares_leave_faded_links_apart_and_add_up_to_100() -> None:
    [week] = stage_shares(
        [("2026-W48", "2026-11-30", {"nascent": 1, "active": 1, "dormant": 1, "faded": 900})]
    )
    assert (week.living, week.faded) == (3, 900)
    percents = {s.stage: s.percent for s in week.shares}
    assert sum(percents.values()) == 100
    assert sorted(percents.values()) == [0, 0, 33, 33, 34]
    assert "faded" not in percents


def test_thinning_names_the_sectors_that_lost_most_between_the_first_and_last_record() -> None:
    weeks = [
        ("2026-W40", {"a": ("A", 10), "b": ("B", 4), "c": ("C", 5)}),
        ("2026-W44", {"a": ("A", 1), "b": ("B", 1), "c": ("C", 1)}),  # between: not compared
        ("2026-W48", {"a": ("A", 7), "b": ("B", 4), "d": ("D", 9)}),
    ]
    found = thinning(weeks)
    assert found is not None
    assert (found.since, found.until) == ("2026-W40", "2026-W48")
    assert found.sectors == [SectorChange("C", 5, 0), SectorChange("A", 10, 7)]
    assert thinning(weeks[:1]) is None
