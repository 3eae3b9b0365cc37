"""The graph store's Cypher: schema and writes (named constants, parameters only).

Pairs are canonical (smaller id first, relationship from a to b) and rows are sorted by pair
and slots by number, so concurrent writers take locks in the same order.
"""

from typing import LiteralString

SCHEMA: tuple[LiteralString, ...] = (
    "CREATE CONSTRAINT consultant_id IF NOT EXISTS FOR (c:Consultant) REQUIRE c.id IS UNIQUE",
    "CREATE CONSTRAINT erased_id IF NOT EXISTS FOR (e:Erased) REQUIRE e.id IS UNIQUE",
    "CREATE CONSTRAINT watermark_slot IF NOT EXISTS FOR (w:Watermark) REQUIRE w.slot IS UNIQUE",
    "CREATE CONSTRAINT occasion_id IF NOT EXISTS FOR (o:Occasion) REQUIRE o.id IS UNIQUE",
    "CREATE INDEX occasion_starts_at IF NOT EXISTS FOR (o:Occasion) ON (o.starts_at)",
)

# One statement per batch for what most batches hold (interactions): lock the partition's
# slots and check that none has applied this batch yet (`$fresh_from`: the batch's first
# entry), fold every pair's delta into its link (appending to its log: the times and kinds of
# its interactions, the times and notes of its missions), record the latest missions, and move
# the watermarks. If a slot has applied part of the batch already (a redelivery) it returns no
# row and writes nothing; the store then reads the watermarks and writes only the rest.
# Erased people are left out of the rows beforehand (`share.share_of`).
#
# The fold is `links.fold_link`'s, step by step for the strength and peak (in-order step,
# or late step with the peak's lower bound `model.late_peak`), summed for the rest; a
# property test holds the two equal. `[v IN [expr] | ...][0]` names an intermediate value.
APPLY_LINKS: LiteralString = """
CALL () {
  UNWIND $slots AS slot
  MERGE (w:Watermark {slot: slot})
  // A direct dependency: Cypher takes the node's write lock before reading the value, so a
  // second writer of the slot waits here until the first one has committed.
  SET w.applied_to = coalesce(w.applied_to, [0, 0])
  RETURN collect(w) AS marks
}
WITH marks WHERE all(w IN marks WHERE w.applied_to < $fresh_from)
CALL () {
  UNWIND $links AS row
  MERGE (a:Consultant {id: row.a})
  ON CREATE SET a.placeholder = true, a.suggestable = true, a.locale = 'fr'
  MERGE (b:Consultant {id: row.b})
  ON CREATE SET b.placeholder = true, b.suggestable = true, b.locale = 'fr'
  MERGE (a)-[r:LINK]->(b)
  WITH r, row, coalesce(r.kinds, []) AS held_kinds,
    reduce(s = CASE WHEN r.s_ref IS NULL THEN null ELSE [r.s_ref, r.t_ref, r.peak, r.peak_at] END,
           step IN row.steps |
      CASE
        WHEN s IS NULL THEN [step[1], step[0], step[1], step[0]]
        WHEN step[0] >= s[1] THEN
          [v IN [s[0] * exp(-$rate * (step[0] - s[1])) + step[1]] |
            CASE WHEN v > s[2] THEN [v, step[0], v, step[0]] ELSE [v, step[0], s[2], s[3]] END][0]
        ELSE
          [v IN [s[0] + step[1] * exp(-$rate * (s[1] - step[0]))] |
            [v, s[1]] + reduce(
              best = CASE WHEN s[3] >= step[0]
                          THEN [s[2] + step[1] * exp(-$rate * (s[3] - step[0])), s[3]]
                          ELSE [s[2], s[3]] END,
              c IN [[CASE WHEN s[3] >= step[0] THEN step[1]
                          ELSE step[1] + s[2] * exp(-$rate * (step[0] - s[3])) END, step[0]],
                    [v, s[1]]] |
              CASE WHEN c[0] > best[0] OR (c[0] = best[0] AND c[1] > best[1])
                   THEN c ELSE best END)][0]
      END) AS s
  WITH r, row, s, held_kinds + [k IN row.kinds WHERE NOT k IN held_kinds] AS kinds
  SET r.s_ref = s[0], r.t_ref = s[1], r.peak = s[2], r.peak_at = s[3],
      r.first_at = CASE WHEN r.first_at < row.first_at THEN r.first_at ELSE row.first_at END,
      r.last_at = CASE WHEN r.last_at > row.last_at THEN r.last_at ELSE row.last_at END,
      r.count = coalesce(r.count, 0) + row.count,
      r.kind_counts = [i IN range(0, size(kinds) - 1) |
                       coalesce(r.kind_counts[i], 0) + coalesce(row.kind_counts[kinds[i]], 0)],
      r.kinds = kinds,
      r.init_a = coalesce(r.init_a, 0) + row.init_a,
      r.init_b = coalesce(r.init_b, 0) + row.init_b,
      r.last_mission_note = CASE WHEN row.mission_at >= coalesce(r.last_mission_at, row.mission_at)
                                 THEN row.mission_note ELSE r.last_mission_note END,
      r.last_mission_at = CASE WHEN row.mission_at >= coalesce(r.last_mission_at, row.mission_at)
                               THEN row.mission_at ELSE r.last_mission_at END,
      r.log_t = coalesce(r.log_t, []) + row.log_t,
      r.log_k = coalesce(r.log_k, []) + row.log_k,
      r.mission_t = coalesce(r.mission_t, []) + row.mission_t,
      r.mission_notes = coalesce(r.mission_notes, []) + row.mission_notes
}
CALL () {
  UNWIND $missions AS row
  MERGE (c:Consultant {id: row.id})
  ON CREATE SET c.placeholder = true, c.suggestable = true, c.locale = 'fr'
  WITH c, row WHERE coalesce(c.last_mission_at, -1.0) < row.at
  SET c.last_mission_at = row.at, c.last_mission_note = row.note
}
CALL (marks) {
  UNWIND marks AS w
  SET w.applied_to = CASE WHEN w.applied_to < $last THEN $last ELSE w.applied_to END,
      w.events_applied = coalesce(w.events_applied, 0) + $counted[w.slot]
}
RETURN size(marks) AS slots
"""

# The watermarks of the given slots, read after APPLY_LINKS locked them in this transaction.
READ_WATERMARKS: LiteralString = """
MATCH (w:Watermark) WHERE w.slot IN $slots
RETURN w.slot AS slot, w.applied_to AS applied_to
"""

ALL_WATERMARKS: LiteralString = """
MATCH (w:Watermark)
RETURN w.slot AS slot, w.applied_to AS applied_to
"""

# A graph fed before watermarks existed: every slot starts where the stream group stands.
SEED_WATERMARKS: LiteralString = """
OPTIONAL MATCH (any:Watermark)
WITH count(any) AS existing WHERE existing = 0
UNWIND $slots AS slot
CREATE (:Watermark {slot: slot, applied_to: $applied_to, events_applied: 0})
RETURN count(*) AS seeded
"""

ERASED: LiteralString = "MATCH (e:Erased) RETURN e.id AS id"

# Writing a property takes the node's write lock: read-modify-write is safe under concurrency.
LOCK_AND_READ_CONSULTANTS: LiteralString = """
UNWIND $ids AS id
WITH id WHERE NOT EXISTS { MATCH (:Erased {id: id}) }
MERGE (c:Consultant {id: id})
SET c.locked = true
RETURN c {.*} AS props
"""

WRITE_CONSULTANTS: LiteralString = """
UNWIND $rows AS row
MATCH (c:Consultant {id: row.id})
SET c += row.props
REMOVE c.locked, c.placeholder
"""

ERASE: LiteralString = """
UNWIND $ids AS id
MERGE (:Erased {id: id})
WITH id
OPTIONAL MATCH (c:Consultant {id: id})
DETACH DELETE c
"""

RECORD_SUGGESTIONS: LiteralString = """
UNWIND $rows AS row
MATCH (me:Consultant {id: row.me}), (other:Consultant {id: row.other})
MERGE (me)-[s:SUGGESTED]->(other)
SET s.count = coalesce(s.count, 0) + 1,
    s.last_at = CASE WHEN coalesce(s.last_at, -1.0) < row.at THEN row.at ELSE s.last_at END
"""

# One row per pair with the latest time of each action in the batch (share.Feedback). "never"
# and its undo each keep their latest time; the later of the two decides `declined`, so any
# order or replay of the same clicks gives the same answer. A pair declined before these
# times were kept (declined, no declined_at) stays so until an undo.
RECORD_FEEDBACK: LiteralString = """
UNWIND $rows AS row
MATCH (me:Consultant {id: row.me}), (other:Consultant {id: row.other})
MERGE (me)-[s:SUGGESTED]->(other)
WITH s, row,
     CASE WHEN row.never_at > coalesce(s.declined_at, -1.0)
          THEN row.never_at ELSE s.declined_at END AS declined_at,
     CASE WHEN row.undo_never_at > coalesce(s.undeclined_at, -1.0)
          THEN row.undo_never_at ELSE s.undeclined_at END AS undeclined_at
SET s.declined_at = declined_at,
    s.undeclined_at = undeclined_at,
    s.declined = CASE WHEN declined_at IS NULL
                      THEN coalesce(s.declined, false) AND undeclined_at IS NULL
                      ELSE undeclined_at IS NULL OR declined_at > undeclined_at END,
    s.not_now_at = CASE WHEN row.not_now_at > coalesce(s.not_now_at, -1.0)
                        THEN row.not_now_at ELSE s.not_now_at END
"""

# What the exactly-once scheme before watermarks left: one node per event, and a counter.
FED_BEFORE_WATERMARKS: LiteralString = """
RETURN NOT EXISTS { MATCH (:Watermark) }
       AND (EXISTS { MATCH (:GraphStats) } OR EXISTS { MATCH (:AppliedEvent) }) AS fed
"""

FORGET_APPLIED_EVENTS: LiteralString = """
MATCH (e:AppliedEvent)
WITH e LIMIT $limit
DELETE e
RETURN count(*) AS deleted
"""

# The newest revision of each occasion of the batch (`occasions.occasion_changes`): a row
# whose revision is not above the one held changes nothing (a replay, an older event). A new
# revision replaces the properties, the whole attendee set (ATTENDS: who accepted) and the
# whole set of who declined (DECLINED: never invited to it); a withdrawal keeps a tombstone
# (id, revision, its times, when it changed) without title, place, attendees or decliners.
# People erased before are left out of the rows beforehand, and never brought back here
# either; an erasure later removes the person with their ATTENDS and DECLINED.
APPLY_OCCASIONS: LiteralString = """
UNWIND $rows AS row
MERGE (o:Occasion {id: row.id})
WITH o, row WHERE coalesce(o.revision, 0) < row.revision
SET o.revision = row.revision, o.changed_at = row.at, o.withdrawn = row.withdrawn,
    o.title = row.title, o.starts_at = coalesce(row.starts_at, o.starts_at),
    o.ends_at = coalesce(row.ends_at, o.ends_at),
    o.place = row.place, o.city = row.city, o.online = row.online, o.all_day = row.all_day
WITH o, row
CALL (o) {
  MATCH (:Consultant)-[a:ATTENDS|DECLINED]->(o)
  DELETE a
}
CALL (o, row) {
  UNWIND row.attendees AS cid
  WITH o, cid WHERE NOT EXISTS { MATCH (:Erased {id: cid}) }
  MERGE (c:Consultant {id: cid})
  ON CREATE SET c.placeholder = true, c.suggestable = true, c.locale = 'fr'
  MERGE (c)-[:ATTENDS]->(o)
}
CALL (o, row) {
  UNWIND row.declined AS cid
  WITH o, cid WHERE NOT EXISTS { MATCH (:Erased {id: cid}) }
  MERGE (c:Consultant {id: cid})
  ON CREATE SET c.placeholder = true, c.suggestable = true, c.locale = 'fr'
  MERGE (c)-[:DECLINED]->(o)
}
"""

# Past occasions are never proposed: those that ended before $before go, with their
# attendances (a tombstone of an occasion never seen scheduled: when it was withdrawn).
PRUNE_OCCASIONS: LiteralString = """
MATCH (o:Occasion)
WHERE coalesce(o.ends_at, o.changed_at) < $before
DETACH DELETE o
"""
