"""What one consumer takes of a batch (`share_of`): its slots' pieces, past each watermark.

Pieces that add up (links, suggestions, the count of events applied) need the slot and an
entry past its watermark; pieces that keep the newest value (feedback, missions, nodes) need
only the slot; erasures go to every consumer.
"""

import uuid

from braise_graph.partition import SLOTS, EntryId, Partition, pair_slot, slot_of
from braise_graph.share import Feedback, Suggestion, Watermarks, share_of
from braise_shared.events import Event
from braise_shared.interactions import load_kinds
from tests.support import events as ev

T0 = 1_700_000_000.0
KINDS = load_kinds()


def _id(n: int) -> str:
    return str(ev.cid(n))


def _batch(*events: Event) -> list[tuple[EntryId, Event]]:
    return [((5, n), e) for n, e in enumerate(events, start=1)]


def _owner(slot: int, count: int) -> Partition:
    return Partition(slot % count, count)


def test_suggestions_are_one_row_per_proposed_person_sorted_by_reader_then_person() -> None:
    later = ev.digest_sent(2, [4, 3], T0 + 60)
    first = ev.digest_sent(1, [4, 2, 3], T0)
    share = share_of(_batch(later, first), Watermarks(Partition()), kinds=KINDS)
    assert share.suggestions == [
        Suggestion(_id(1), _id(2), T0),
        Suggestion(_id(1), _id(3), T0),
        Suggestion(_id(1), _id(4), T0),
        Suggestion(_id(2), _id(3), T0 + 60),
        Suggestion(_id(2), _id(4), T0 + 60),
    ]


def test_a_suggestion_is_taken_by_its_pairs_owner_once_past_the_pairs_watermark() -> None:
    digest = ev.digest_sent(4, [5, 1], T0)
    # (1, 4) falls in 1's slot, (4, 5) in 4's: different partitions of two.
    assert pair_slot(_id(1), _id(4)) % 2 != pair_slot(_id(4), _id(5)) % 2
    owner_of_1_4 = _owner(pair_slot(_id(1), _id(4)), 2)
    share = share_of(_batch(digest), Watermarks(owner_of_1_4), kinds=KINDS)
    assert share.suggestions == [Suggestion(_id(4), _id(1), T0)]

    slot = pair_slot(_id(1), _id(4))
    applied = Watermarks(owner_of_1_4, {slot: (5, 1)})
    assert share_of(_batch(digest), applied, kinds=KINDS).suggestions == []
    not_yet = Watermarks(owner_of_1_4, {slot: (5, 0)})
    assert share_of(_batch(digest), not_yet, kinds=KINDS).suggestions == [
        Suggestion(_id(4), _id(1), T0)
    ]


def test_suggestions_naming_someone_erased_are_left_out() -> None:
    digest = ev.digest_sent(1, [2, 3, 4], T0)
    erasure = ev.erased(3)
    share = share_of(_batch(digest, erasure), Watermarks(Partition()), kinds=KINDS)
    assert [s.other for s in share.suggestions] == [_id(2), _id(4)]
    before = share_of(_batch(digest), Watermarks(Partition()), kinds=KINDS, erased={_id(4)})
    assert [s.other for s in before.suggestions] == [_id(2), _id(3)]
    reader_gone = share_of(_batch(digest), Watermarks(Partition()), kinds=KINDS, erased={_id(1)})
    assert reader_gone.suggestions == []


def test_feedback_is_one_row_per_click_sorted_and_kept_whatever_the_watermark() -> None:
    never = ev.feedback(3, 1, "never", T0 + 60)
    not_now = ev.feedback(1, 2, "not_now", T0)
    marks = Watermarks(Partition(), dict.fromkeys(range(SLOTS), (9, 9)))  # everything applied
    share = share_of(_batch(never, not_now), marks, kinds=KINDS)
    assert share.feedback == [
        Feedback(_id(1), _id(2), not_now_at=T0),
        Feedback(_id(3), _id(1), never_at=T0 + 60),
    ]
    assert share.links == []  # not_now and never are no interactions


def test_feedback_goes_to_its_pairs_owner_and_never_names_someone_erased() -> None:
    mine = ev.feedback(4, 5, "not_now", T0)
    theirs = ev.feedback(1, 4, "never", T0)
    owner = _owner(pair_slot(_id(4), _id(5)), 2)
    # Another partition's click first: it is passed over, not the end of the batch.
    share = share_of(_batch(theirs, mine), Watermarks(owner), kinds=KINDS)
    assert share.feedback == [Feedback(_id(4), _id(5), not_now_at=T0)]
    assert share_of(_batch(mine), Watermarks(owner), kinds=KINDS, erased={_id(5)}).feedback == []
    assert share_of(_batch(mine), Watermarks(owner), kinds=KINDS, erased={_id(4)}).feedback == []
    erased_in_batch = share_of(_batch(mine, ev.erased(4)), Watermarks(owner), kinds=KINDS)
    assert erased_in_batch.feedback == []
    after_an_erased_one = share_of(
        _batch(mine, theirs), Watermarks(owner), kinds=KINDS, erased={_id(5)}
    )
    assert after_an_erased_one.feedback == []


def test_an_event_delivered_twice_in_a_batch_counts_once_at_its_first_entry() -> None:
    lunch = ev.interaction([1, 2], T0)
    twice = [((5, 1), lunch), ((5, 2), lunch)]
    share = share_of(twice, Watermarks(Partition()), kinds=KINDS)
    [link] = share.links
    assert link.count == 1
    assert share.events_applied == 1
    # Its first entry is the one the watermark is compared with: applied already.
    marks = Watermarks(
        Partition(), {pair_slot(_id(1), _id(2)): (5, 1), slot_of(str(lunch.id)): (5, 1)}
    )
    again = share_of(twice, marks, kinds=KINDS)
    assert again.links == []
    assert again.events_applied == 0


def test_each_new_event_is_counted_in_its_own_ids_slot_by_that_slots_owner() -> None:
    events = [ev.interaction([1, 2], T0 + n) for n in range(12)]
    slots = [slot_of(str(e.id)) for e in events]
    counts = [0] * SLOTS
    for slot in slots:
        counts[slot] += 1
    assert share_of(_batch(*events), Watermarks(Partition()), kinds=KINDS).counted == counts
    halves = [share_of(_batch(*events), Watermarks(Partition(i, 2)), kinds=KINDS) for i in (0, 1)]
    for i, half in enumerate(halves):
        assert half.counted == [c if s % 2 == i else 0 for s, c in enumerate(counts)]
    assert sum(h.events_applied for h in halves) == len(events)

    # Two events whose ids fall in one slot: the slot applied the first already, not the second.
    first, second = (ev.interaction([1, 2], T0, event_id=i) for i in _ids_in_one_slot(2))
    marks = Watermarks(Partition(), {slot_of(str(first.id)): (5, 1)})
    assert share_of(_batch(first, second), marks, kinds=KINDS).events_applied == 1


def _ids_in_one_slot(count: int) -> list[uuid.UUID]:
    ids = (uuid.UUID(int=n) for n in range(1000, 2000))
    slot = slot_of(str(uuid.UUID(int=1000)))
    return [i for i in ids if slot_of(str(i)) == slot][:count]


def test_missions_and_node_changes_go_to_the_owner_of_the_consultants_slot() -> None:
    mission = ev.interaction([1, 4], T0, kind="mission_together", note="Migration SAP")
    profiles = [ev.profile(1), ev.profile(4)]
    for count in (1, 2):
        for index in range(count):
            partition = Partition(index, count)
            share = share_of(_batch(mission, *profiles), Watermarks(partition), kinds=KINDS)
            owned = [p for p in (_id(1), _id(4)) if partition.owns(slot_of(p))]
            assert sorted(share.missions) == owned
            for person in owned:
                assert (share.missions[person].at, share.missions[person].note) == (
                    T0,
                    "Migration SAP",
                )
            assert [n.consultant_id for n in share.nodes] == owned


def test_erasures_go_to_every_partition_and_their_people_leave_every_piece() -> None:
    batch = _batch(
        ev.interaction([1, 2, 4], T0, kind="mission_together", note="Audit"),
        ev.erased(2),
        ev.profile(2),
    )
    for index in (0, 1):
        share = share_of(batch, Watermarks(Partition(index, 2)), kinds=KINDS)
        assert share.erasures == {_id(2)}
        assert all(_id(2) not in (d.a, d.b) for d in share.links)
        assert _id(2) not in share.missions
    whole = share_of(batch, Watermarks(Partition()), kinds=KINDS)
    assert [(d.a, d.b) for d in whole.links] == [(_id(1), _id(4))]
    assert sorted(whole.missions) == [_id(1), _id(4)]
    before = share_of(batch, Watermarks(Partition()), kinds=KINDS, erased={_id(4)})
    assert before.links == []
    assert sorted(before.missions) == [_id(1)]


def test_a_done_click_updates_the_link_for_its_pairs_owner_once() -> None:
    done = ev.feedback(4, 5, "done", T0)  # a suggestion acted upon: a rekindled interaction
    slot = pair_slot(_id(4), _id(5))
    owner = _owner(slot, 2)
    share = share_of(_batch(done), Watermarks(owner), kinds=KINDS)
    [delta] = share.links
    assert (delta.a, delta.b, delta.kind_counts) == (_id(4), _id(5), {"rekindled": 1})
    assert (delta.init_a, delta.init_b) == (1, 0)  # the reader initiated it
    assert share.feedback == []
    other = Partition(1 - owner.index, 2)
    assert share_of(_batch(done), Watermarks(other), kinds=KINDS).links == []
    applied = Watermarks(owner, {slot: (5, 1)})
    assert share_of(_batch(done), applied, kinds=KINDS).links == []


def test_a_done_click_naming_someone_erased_is_passed_over_not_the_end_of_the_batch() -> None:
    clicks = _batch(ev.feedback(1, 2, "done", T0), ev.feedback(4, 5, "done", T0))
    share = share_of(clicks, Watermarks(Partition()), kinds=KINDS, erased={_id(2)})
    assert [(d.a, d.b) for d in share.links] == [(_id(4), _id(5))]


def test_a_done_click_another_partition_owns_is_passed_over_not_the_end_of_the_batch() -> None:
    theirs, mine = ev.feedback(1, 4, "done", T0), ev.feedback(4, 5, "done", T0)
    owner = _owner(pair_slot(_id(4), _id(5)), 2)
    assert not owner.owns(pair_slot(_id(1), _id(4)))
    share = share_of(_batch(theirs, mine), Watermarks(owner), kinds=KINDS)
    assert [(d.a, d.b) for d in share.links] == [(_id(4), _id(5))]


def test_clicks_on_one_pair_fold_into_one_row_keeping_each_actions_latest_time() -> None:
    # Within one batch, in stream order: a late "never" older than the first one, then an
    # undo, then "not now" twice, the older last. Each action keeps its latest time.
    share = share_of(
        _batch(
            ev.feedback(1, 2, "never", T0 + 60),
            ev.feedback(1, 2, "never", T0),
            ev.undo_never(1, 2, T0 + 30),
            ev.feedback(1, 2, "not_now", T0 + 90),
            ev.feedback(1, 2, "not_now", T0 + 10),
        ),
        Watermarks(Partition()),
        kinds=KINDS,
    )
    assert share.feedback == [
        Feedback(_id(1), _id(2), not_now_at=T0 + 90, never_at=T0 + 60, undo_never_at=T0 + 30)
    ]
    assert share.feedback[0].row() == {
        "me": _id(1),
        "other": _id(2),
        "not_now_at": T0 + 90,
        "never_at": T0 + 60,
        "undo_never_at": T0 + 30,
    }
