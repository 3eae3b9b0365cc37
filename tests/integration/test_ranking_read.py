"""The ranking's one read (`GraphReader.ranking_read`) against the real Neo4j: it leaves out,
in Cypher, links that are certainly faded, and must give the very links the reader's own
stages give, even at the thresholds (strength a hair above or below `faded_below`, quiet
exactly `dormant_quiet_days`, peak exactly `strong_peak`, a reference time after now)."""

import math
import random
import time
from typing import Any

from neo4j import Driver

from braise_graph.reads import GraphReader
from tests.support import events as ev
from tests.support.graph import as_entries, graph_settings, new_store
from tests.support.servers import SessionServers

DAY = 86_400.0
NOW = time.time()

WRITE_LINKS = """
UNWIND $rows AS row
MATCH (a:Consultant {id: row.a}), (b:Consultant {id: row.b})
CREATE (a)-[r:LINK]->(b)
SET r = row.props
"""


def _link(rnd: random.Random, settings: Any, rate: float) -> dict[str, Any]:
    """Return a link's stored properties, most of them on a threshold of the faded stage."""
    quiet_s = settings.dormant_quiet_days * DAY
    last_at = NOW - rnd.choice([quiet_s, quiet_s - 1.0, quiet_s + 1.0, rnd.uniform(0, 700 * DAY)])
    t_ref = rnd.choice([last_at, NOW + 5 * DAY, NOW - rnd.uniform(0, 700 * DAY)])
    # A stored value whose decay lands within a few ulps to a millionth of faded_below.
    at_now = settings.faded_below * (1 + rnd.choice([0.0, 1e-15, -1e-15, 1e-7, -1e-7, 0.5, -0.5]))
    s_ref = at_now / math.exp(-rate * max(0.0, NOW - t_ref))
    peak = rnd.choice([settings.strong_peak, math.nextafter(settings.strong_peak, 0), 2.0, 20.0])
    return {
        "s_ref": s_ref,
        "t_ref": t_ref,
        "peak": max(peak, s_ref),
        "peak_at": t_ref,
        "first_at": last_at - 300 * DAY,
        "last_at": last_at,
        "count": rnd.randint(1, 30),
        "kinds": ["lunch"],
        "kind_counts": [1],
        "init_a": 1,
        "init_b": 0,
    }


def test_the_one_read_gives_the_links_the_stages_give_even_at_the_thresholds(
    neo4j_driver: Driver, servers: SessionServers
) -> None:
    settings = graph_settings(servers)
    reader = GraphReader(neo4j_driver, settings)
    new_store(neo4j_driver).apply_entries(as_entries([ev.profile(n) for n in range(1, 402)]))
    rnd = random.Random(24)
    me = str(ev.cid(1))
    rows = [
        {"a": me, "b": str(ev.cid(n)), "props": _link(rnd, settings, settings.decay_rate)}
        for n in range(2, 402)
    ]
    neo4j_driver.execute_query(WRITE_LINKS, rows=rows)

    expected = [v.facts for v in reader.links(me, now=NOW) if v.facts.stage != "faded"]
    read = reader.ranking_read([me, me, str(ev.cid(999))], now=NOW)

    assert list(read.inputs) == [me]
    assert read.inputs[me][1] == expected
    stages = {v.facts.stage for v in reader.links(me, now=NOW)}
    assert {"faded", "cooling", "dormant"} <= stages  # the thresholds were crossed both ways
    assert 50 < len(expected) < 350
