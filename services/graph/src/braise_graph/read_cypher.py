"""The graph reader's Cypher (named constants, parameters only: Neo4j plans each once)."""

from typing import LiteralString

# Consultants' links; the people at their other end are read next, only those needed.
LINKS_OF: LiteralString = """
UNWIND $ids AS id
MATCH (me:Consultant {id: id})-[r:LINK]-(other:Consultant)
OPTIONAL MATCH (me)-[s:SUGGESTED]->(other)
RETURN id AS me_id, other.id AS other_id, r {.*} AS link, startNode(r) = me AS me_is_a,
       s.last_at AS suggested_at, coalesce(s.count, 0) AS suggested_count,
       coalesce(s.declined, false) AS declined, s.not_now_at AS not_now_at
"""

# The people a consultant said never to (not undone since), the most recent first.
DECLINED_BY: LiteralString = """
MATCH (me:Consultant {id: $id})
OPTIONAL MATCH (me)-[s:SUGGESTED]->(other:Consultant)
WHERE s.declined
RETURN me.id AS me, other.id AS other_id, other.name AS other_name, s.declined_at AS at
ORDER BY coalesce(s.declined_at, 0.0) DESC, other.name
"""

# Which of the pairs given already know each other: any link between them, whatever its stage.
LINKED_PAIRS: LiteralString = """
UNWIND $pairs AS pair
MATCH (a:Consultant {id: pair[0]})-[:LINK]-(b:Consultant {id: pair[1]})
RETURN DISTINCT a.id AS a, b.id AS b
"""

# The occasions that start after $now and by $until, with their attendees' ids and those of
# who declined, soonest first.
UPCOMING_OCCASIONS: LiteralString = """
MATCH (o:Occasion)
WHERE o.starts_at > $now AND o.starts_at <= $until AND NOT coalesce(o.withdrawn, false)
RETURN o {.*} AS props,
       COLLECT { MATCH (c:Consultant)-[:ATTENDS]->(o) RETURN c.id } AS attendees,
       COLLECT { MATCH (d:Consultant)-[:DECLINED]->(o) RETURN d.id } AS declined
ORDER BY o.starts_at, o.id
"""

# Everything a ranking of these consultants reads, in one query answering one record: the
# firm's upcoming occasions (as UPCOMING_OCCASIONS), then each consultant's node and links with
# the people at their other ends. A link certainly faded is left out here: never strong, quiet
# for long, and weak even by a bound its exact strength cannot exceed (the stored value, or the
# decayed one with a margin far above the rounding of exp); the reader tells the rest exactly.
RANKING_READ: LiteralString = """
CALL {
  MATCH (o:Occasion)
  WHERE o.starts_at > $now AND o.starts_at <= $until AND NOT coalesce(o.withdrawn, false)
  WITH o ORDER BY o.starts_at, o.id
  RETURN collect([o {.*}, COLLECT { MATCH (c:Consultant)-[:ATTENDS]->(o) RETURN c.id },
                  COLLECT { MATCH (d:Consultant)-[:DECLINED]->(o) RETURN d.id }]) AS occasions
}
CALL {
  UNWIND $ids AS id
  MATCH (me:Consultant {id: id})
  RETURN collect([me {.*}, COLLECT {
    MATCH (me)-[r:LINK]-(other:Consultant)
    WHERE r.s_ref IS NOT NULL AND NOT (
      r.peak < $strong_peak AND $now - r.last_at >= $quiet_s AND (r.s_ref < $faded_below
        OR r.s_ref * exp(-$rate * ($now - r.t_ref)) < $faded_below * 0.999999))
    OPTIONAL MATCH (me)-[s:SUGGESTED]->(other)
    RETURN {link: r {.*}, me_is_a: startNode(r) = me, other: other {.*},
            suggested_at: s.last_at, suggested_count: coalesce(s.count, 0),
            declined: coalesce(s.declined, false), not_now_at: s.not_now_at}
  }]) AS readers
}
RETURN occasions, readers
"""

PEOPLE: LiteralString = """
UNWIND $ids AS id
MATCH (c:Consultant {id: id})
RETURN c {.*} AS props
"""

ALL_LINKS: LiteralString = """
MATCH (a:Consultant)-[r:LINK]->(b:Consultant)
RETURN a.id AS a, b.id AS b, r.s_ref AS s_ref, r.t_ref AS t_ref, r.peak AS peak,
       r.peak_at AS peak_at, r.first_at AS first_at, r.last_at AS last_at, r.count AS count
"""

COUNTS: LiteralString = """
CALL { MATCH (c:Consultant) RETURN count(c) AS consultants }
CALL { OPTIONAL MATCH (w:Watermark) RETURN sum(coalesce(w.events_applied, 0)) AS counted }
CALL { OPTIONAL MATCH (s:GraphStats {id: 'graph'}) RETURN coalesce(s.events_applied, 0) AS before }
RETURN consultants, counted + before AS applied
"""
