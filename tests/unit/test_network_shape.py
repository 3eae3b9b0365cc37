"""The firm's picture names no one: ids become numbers drawn per answer, faded links go."""

import random
from datetime import UTC, datetime

from braise_graph.shape import anonymous_shape
from braise_graph.stages import Stage
from braise_shared.tags import Tag

AT = datetime(2026, 11, 29, tzinfo=UTC)
BANK, ENERGY = Tag(key="banque", label="Banque"), Tag(key="energie", label="Énergie")
SECTORS: dict[str, Tag | None] = {"p1": BANK, "p2": BANK, "p3": ENERGY, "p4": None}
LINKS: list[tuple[str, str, Stage]] = [
    ("p1", "p2", "active"),
    ("p1", "p3", "dormant"),
    ("p2", "p3", "faded"),
    ("p3", "p4", "cooling"),
]


def test_every_person_becomes_a_number_and_faded_links_are_left_out() -> None:
    shape = anonymous_shape(SECTORS, LINKS, at=AT, max_nodes=10, rng=random.Random(1))
    assert sorted(n.id for n in shape.nodes) == ["n0", "n1", "n2", "n3"]
    assert shape.consultants == 4
    sector = {n.id: n.sector for n in shape.nodes}
    seen = sorted(
        (sorted((str(sector[link.a]), str(sector[link.b]))), link.stage) for link in shape.links
    )
    expected = sorted(
        (sorted((str(SECTORS[a]), str(SECTORS[b]))), stage)
        for a, b, stage in LINKS
        if stage != "faded"
    )
    assert seen == expected
    assert "p1" not in shape.model_dump_json()


def test_each_pair_is_smaller_number_first_and_the_links_are_sorted() -> None:
    for seed in range(20):
        shape = anonymous_shape(SECTORS, LINKS, at=AT, max_nodes=10, rng=random.Random(seed))
        pairs = [(int(link.a[1:]), int(link.b[1:])) for link in shape.links]
        assert all(a < b for a, b in pairs)
        assert pairs == sorted(pairs)


def test_numbers_are_drawn_anew_so_two_answers_do_not_line_up() -> None:
    drawings = {
        tuple(
            (n.id, n.sector and n.sector.key)
            for n in anonymous_shape(
                SECTORS, LINKS, at=AT, max_nodes=10, rng=random.Random(seed)
            ).nodes
        )
        for seed in range(20)
    }
    assert len(drawings) > 1


def test_a_sample_keeps_only_the_links_between_people_drawn() -> None:
    shape = anonymous_shape(SECTORS, LINKS, at=AT, max_nodes=2, rng=random.Random(3))
    assert len(shape.nodes) == 2
    assert shape.consultants == 4
    drawn = {n.id for n in shape.nodes}
    assert all(link.a in drawn and link.b in drawn for link in shape.links)
