"""Who applies what: the graph's slots, and the share of them each consumer process owns (pure).

Every consultant node falls in the slot its id hashes to (one of `SLOTS`), and every link and
suggestion in the slot of its pair's smaller id: the link's start node. Creating links takes
locks on both nodes' relationship groups; with start nodes shared by no two consumers, they
seldom deadlock on each other (6 deadlocks instead of about a hundred in the 200,000-event
benchmark with 2 consumers).

Consumer `index` of `count` owns the slots `s` with `s % count == index`, and each slot keeps
its own watermark in Neo4j: the last stream entry applied to it. Slots, not processes, carry
the watermarks, so changing the number of processes moves whole slots with their watermarks
and nothing is applied twice or skipped (docs/link-model.md, "Exactly once").
"""

import zlib
from dataclasses import dataclass

# Divisible by 1, 2, 3, 4, 6, 8 and 12: those process counts get equal shares.
SLOTS = 24

# A stream entry id, as the numbers Redis compares: (milliseconds, sequence).
EntryId = tuple[int, int]

# Before any entry: a slot with no watermark has applied nothing.
NOTHING_APPLIED: EntryId = (0, 0)


def slot_of(key: str) -> int:
    """Return the slot of a consultant id (the same in every process and on every machine)."""
    return zlib.crc32(key.encode()) % SLOTS


def pair_slot(a: str, b: str) -> int:
    """Return the slot of an undirected pair: its smaller id's (the link's start node)."""
    return slot_of(a if a < b else b)


def parse_entry_id(raw: bytes | str) -> EntryId:
    """Return a stream entry id ("1700000000000-3") as the numbers it orders by."""
    text = raw.decode() if isinstance(raw, bytes) else raw
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


def format_entry_id(entry: EntryId) -> str:
    """Return an entry id as Redis writes it."""
    return f"{entry[0]}-{entry[1]}"


@dataclass(frozen=True)
class Partition:
    """Consumer `index` of `count`: the slots it applies."""

    index: int = 0
    count: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.count <= SLOTS:
            raise ValueError(f"partitions must be between 1 and {SLOTS}, not {self.count}")
        if not 0 <= self.index < self.count:
            raise ValueError(f"partition index {self.index} is not in 0..{self.count - 1}")

    @property
    def slots(self) -> tuple[int, ...]:
        """Return the slots this partition owns, in order (the order their locks are taken)."""
        return tuple(s for s in range(SLOTS) if s % self.count == self.index)

    def owns(self, slot: int) -> bool:
        """Tell whether this partition applies what falls in the slot."""
        return slot % self.count == self.index

    def __str__(self) -> str:
        return f"{self.index} of {self.count}"
