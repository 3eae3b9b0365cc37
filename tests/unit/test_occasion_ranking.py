"""The firm's occasions in the ranking: junction points first, invitations to what exists.

docs/link-model.md, "Junction points" and "Invitations to what exists".
"""

from dataclasses import replace

from braise_graph.occasions import Occasion, invitable, junction, occasion_changes
from braise_graph.ranking import News, Person, has_junction, rank
from braise_shared.candidates import (
    HookReason,
    InviteGesture,
    JunctionReason,
    NoveltyReason,
)
from braise_shared.events import OccasionScheduledV1, OccasionWithdrawnV1
from tests.support import events as ev
from tests.support.oracle import DAY_S
from tests.unit.test_ranking_rules import NOW, RULES, _link, _person

HORIZON = 42 * DAY_S
ME = "me"


def _occasion(
    oid: str,
    in_days: float,
    attendees: set[str],
    *,
    city: str | None = "Paris",
    online: bool = False,
    declined: frozenset[str] = frozenset(),
) -> Occasion:
    starts = NOW + in_days * DAY_S
    return Occasion(
        id=oid,
        title=f"Petit-déjeuner {oid}",
        starts_at=starts,
        ends_at=starts + 5400,
        place=None if online else "Café Pouchkine",
        city=None if online else city,
        online=online,
        attendees=frozenset(attendees),
        declined=declined,
    )


def _people() -> tuple[Person, Person, Person]:
    me = replace(_person(ME, sector=["Finance"]), city="Paris")
    plain = replace(_person("plain", sector=["Énergie"]), city="Lyon")
    novel = replace(
        _person("novel", sector=["Aéronautique", "Santé", "Luxe"], skill=["Rust"]), city="Lyon"
    )
    return me, plain, novel


def test_the_junction_is_the_soonest_upcoming_occasion_both_attend() -> None:
    occasions = [
        _occasion("later", 20, {ME, "b"}),
        _occasion("sooner", 10, {ME, "b"}),
        _occasion("only_me", 5, {ME}),
        _occasion("past", -1, {ME, "b"}),
        _occasion("too_far", 50, {ME, "b"}),
    ]
    met = junction(ME, "b", occasions, now=NOW, horizon_s=HORIZON)
    assert met is not None
    assert met.id == "sooner"
    assert junction(ME, "c", occasions, now=NOW, horizon_s=HORIZON) is None


def test_an_invitation_names_an_occasion_online_or_in_the_shared_city_only() -> None:
    lyon = _occasion("lyon", 3, set(), city="Lyon")
    paris = _occasion("paris", 8, set(), city="PARIS ")
    online = _occasion("online", 12, set(), online=True)
    both = [lyon, paris, online]
    found = invitable(ME, "b", "Paris", both, now=NOW, horizon_s=HORIZON)
    assert found is not None
    assert found.id == "paris"
    found = invitable(ME, "b", None, both, now=NOW, horizon_s=HORIZON)
    assert found is not None
    assert found.id == "online"
    assert invitable(ME, "b", None, [lyon, paris], now=NOW, horizon_s=HORIZON) is None
    assert invitable(ME, "b", "Paris", [], now=NOW, horizon_s=HORIZON) is None


def test_no_invitation_to_what_either_declined_or_the_other_already_attends() -> None:
    i_declined = _occasion("i_declined", 2, set(), declined=frozenset({ME}))
    they_declined = _occasion("they_declined", 3, set(), declined=frozenset({"b"}))
    they_attend = _occasion("they_attend", 4, {"b"})
    i_attend = _occasion("i_attend", 5, {ME})
    later = _occasion("later", 6, set(), online=True)
    occasions = [i_declined, they_declined, they_attend, i_attend, later]
    found = invitable(ME, "b", "Paris", occasions, now=NOW, horizon_s=HORIZON)
    assert found is not None
    assert found.id == "i_attend"  # the reader may bring them along to what they attend
    found = invitable(ME, "b", "Paris", [*occasions[:3], later], now=NOW, horizon_s=HORIZON)
    assert found is not None
    assert found.id == "later"
    assert invitable(ME, "b", "Paris", occasions[:3], now=NOW, horizon_s=HORIZON) is None
    # Someone else's answer changes nothing for another pair.
    found = invitable(ME, "c", "Paris", occasions, now=NOW, horizon_s=HORIZON)
    assert found is not None
    assert found.id == "they_declined"


def test_a_junction_ranks_above_novelty_and_fresh_news_within_its_stage() -> None:
    me, plain, novel = _people()
    news = [News("skill", "Kubernetes", NOW - 3 * DAY_S)]
    links = [
        _link(plain, peak=4.0),
        _link(novel, peak=20.0, news=news),
        _link(_person("cool"), stage="cooling", peak=20.0),
    ]
    without = rank(me, links, now=NOW, rules=RULES, seed="w")
    assert [c.link.other.id for c in without] == ["novel", "plain", "cool"]
    occasions = (_occasion("breakfast", 10, {ME, "plain", "cool"}),)
    ranked = rank(me, links, now=NOW, rules=RULES, seed="w", occasions=occasions)
    assert [c.link.other.id for c in ranked] == ["plain", "novel", "cool"]
    first = ranked[0]
    assert isinstance(first.reasons[0], JunctionReason)
    assert first.reasons[0].params.occasion.occasion_id == "breakfast"
    assert isinstance(first.gesture, InviteGesture)
    assert first.gesture.params.occasion == first.reasons[0].params.occasion
    assert any(isinstance(r, (HookReason, NoveltyReason)) for r in ranked[1].reasons)
    assert not has_junction(ranked[1])
    cooling = ranked[2]
    assert has_junction(cooling)
    assert cooling.link.stage == "cooling"


def test_without_an_occasion_no_candidate_names_one() -> None:
    me, plain, novel = _people()
    links = [_link(plain), _link(novel), _link(replace(_person("p"), city="Paris"))]
    for seed in ("2026-W01", "2026-W02", "2026-W03", "2026-W04", "2026-W05", "2026-W06"):
        for c in rank(me, links, now=NOW, rules=RULES, seed=seed):
            assert not has_junction(c)
            if isinstance(c.gesture, InviteGesture):
                assert c.gesture.params.occasion is None


def test_an_invite_names_the_soonest_occasion_both_can_attend() -> None:
    me = replace(_person(ME), city="Paris")
    other = replace(_person("o"), city="paris")
    occasions = (
        _occasion("lyon", 2, set(), city="Lyon"),
        _occasion("paris", 9, set()),
        _occasion("online", 15, set(), online=True),
    )
    invites = [
        c.gesture
        for seed in (f"2026-W{n:02d}" for n in range(1, 30))
        for c in rank(me, [_link(other)], now=NOW, rules=RULES, seed=seed, occasions=occasions)
        if isinstance(c.gesture, InviteGesture)
    ]
    assert invites, "no week chose an invitation"
    for gesture in invites:
        assert gesture.params.occasion is not None
        assert gesture.params.occasion.occasion_id == "paris"
        assert gesture.params.city == "paris"


def test_only_the_newest_revision_of_an_occasion_counts_in_a_batch() -> None:
    t = NOW + 10 * DAY_S
    events: list[OccasionScheduledV1 | OccasionWithdrawnV1] = [
        ev.occasion(1, t, [1, 2], revision=2),
        ev.occasion(1, t, [1, 2, 3], revision=1),
        ev.occasion(2, t, [1, 2, 3], revision=1),
        ev.withdrawn(2, 1),
        ev.occasion(3, t, [1, 2, 3], online=True),
    ]
    changes = occasion_changes(events, owns=lambda _: True, erased={str(ev.cid(3))})
    by_id = {c.id: c for c in changes}
    first = by_id[str(ev.oid(1))]
    assert (first.revision, first.attendees) == (2, (str(ev.cid(1)), str(ev.cid(2))))
    assert by_id[str(ev.oid(2))].withdrawn  # same revision: the withdrawal wins
    online = by_id[str(ev.oid(3))]
    assert online.online
    assert online.city is None
    assert str(ev.cid(3)) not in online.attendees  # erased
    assert occasion_changes(events, owns=lambda _: False, erased=set()) == []
