"""The firm's network as a picture: anonymous nodes coloured by sector, living links only.

Ids are replaced by numbers drawn anew for each answer, in a shuffled order, so two answers
cannot be lined up and no answer can be joined with anything that names people.
"""

import random
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import LiteralString

from neo4j import READ_ACCESS, Driver

from braise_graph.stages import Stage
from braise_shared.shape import (
    LIVE_STAGES,
    NetworkShape,
    SectorLinks,
    SectorPair,
    SectorPeople,
    ShapeLink,
    ShapeNode,
)
from braise_shared.tags import Tag

SECTORS: LiteralString = """
MATCH (c:Consultant)
RETURN c.id AS id, c.sectors[0] AS key, c.sector_labels[0] AS label
"""

MAX_NODES = 5000


def sectors_of(driver: Driver) -> dict[str, Tag | None]:
    """Return every consultant's id and first sector (None for a profile without one)."""
    with driver.session(default_access_mode=READ_ACCESS) as session:
        return {
            r["id"]: Tag(key=r["key"], label=r["label"] or r["key"]) if r["key"] else None
            for r in session.run(SECTORS)
        }


def anonymous_shape(
    sectors: dict[str, Tag | None],
    links: Iterable[tuple[str, str, Stage]],
    *,
    at: datetime,
    max_nodes: int,
    rng: random.Random,
) -> NetworkShape:
    """Return the shape of the network with every id replaced by a number drawn by rng.

    At most max_nodes people are drawn (a uniform sample when there are more), with the
    living links between them; faded links are left out.
    """
    ids = list(sectors)
    rng.shuffle(ids)
    drawn = ids[:max_nodes]
    index = {person: i for i, person in enumerate(drawn)}
    # Each pair smaller number first, and sorted: the stored order (smaller id first) is lost.
    pairs = sorted(
        (*sorted((index[a], index[b])), stage)
        for a, b, stage in links
        if stage != "faded" and a in index and b in index
    )
    return NetworkShape(
        at=at,
        consultants=len(ids),
        nodes=[ShapeNode(id=f"n{i}", sector=sectors[p]) for i, p in enumerate(drawn)],
        links=[ShapeLink(a=f"n{x}", b=f"n{y}", stage=stage) for x, y, stage in pairs],
    )


def sector_links(
    sectors: dict[str, Tag | None], links: Iterable[tuple[str, str, Stage]], *, at: datetime
) -> SectorLinks:
    """Count the live links between (and within) sectors, by each person's first sector."""
    people = Counter(t.key if t else None for t in sectors.values())
    tags = {t.key: t for t in sectors.values() if t}
    pairs: Counter[tuple[str | None, str | None]] = Counter()
    for a, b, stage in links:
        if stage not in LIVE_STAGES or a not in sectors or b not in sectors:
            continue
        ends = sorted((_key(sectors[a]), _key(sectors[b])), key=lambda k: (k is not None, k or ""))
        pairs[(ends[0], ends[1])] += 1
    order = sorted(people, key=lambda k: (-people[k], k is None, k or ""))
    return SectorLinks(
        at=at,
        live_stages=list(LIVE_STAGES),
        sectors=[SectorPeople(sector=tags.get(k) if k else None, people=people[k]) for k in order],
        pairs=[SectorPair(a=a, b=b, links=n) for (a, b), n in sorted(pairs.items(), key=_pair_key)],
    )


def _key(tag: Tag | None) -> str | None:
    return tag.key if tag else None


def _pair_key(item: tuple[tuple[str | None, str | None], int]) -> tuple[str, str]:
    (a, b), _n = item
    return (a or "", b or "")
