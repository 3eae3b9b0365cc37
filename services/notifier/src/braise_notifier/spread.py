"""The spread cap, in one place: to how many readers one person may be proposed in a week.

Digests are composed by several worker processes at once, so the cap is a reservation taken
before composing, atomically in Redis: one set per (ISO week, proposed person) holds the ids
of the readers whose digest proposes that person. A reader joins only while the set is
smaller than the cap; joining again is a no-op, so a retried or re-taken digest keeps its
place. A digest that ends without being sent (empty, failed, skipped, retried later), or a
suggestion dropped while composing, gives its places back. Sets expire after two weeks.
"""

from collections.abc import Iterable, Sequence
from typing import LiteralString

import redis

from braise_notifier.ports import ProposalReservations
from braise_shared.candidates import RevivalCandidate

KEY_PREFIX = "braise:spread"
KEEP_S = 14 * 86_400

# KEYS[1] the (week, person) set; ARGV reader, cap, seconds to keep. 1: reserved, 0: full.
RESERVE: LiteralString = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then
  return 1
end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
"""


def reserve_best(
    cap: ProposalReservations,
    week: str,
    reader_id: str,
    candidates: Sequence[RevivalCandidate],
    room: dict[str, int],
    held: list[str],
) -> tuple[list[RevivalCandidate], list[str]]:
    """Reserve, in order, the candidates of each stage while `room` has places for that stage
    and the cap lets this reader have them; add each reserved person to `held`. Return those
    chosen, and the people the cap turned away."""
    chosen, full = [], []
    for candidate in candidates:
        if room[candidate.stage] == 0:
            continue
        if cap.reserve(week, reader_id, candidate.other_id):
            held.append(candidate.other_id)
            chosen.append(candidate)
            room[candidate.stage] -= 1
        else:
            full.append(candidate.other_id)
    return chosen, full


class SpreadCap:
    """Reserves proposals of a person to readers, at most `cap` readers per person and week."""

    def __init__(self, client: "redis.Redis", *, cap: int, keep_s: int = KEEP_S) -> None:
        if cap < 1:
            raise ValueError("the spread cap is at least 1")
        self.client = client
        self.cap = cap
        self.keep_s = keep_s
        self._reserve = client.register_script(RESERVE)

    @staticmethod
    def key(week: str, person_id: str) -> str:
        """Return the Redis key of the readers a person is proposed to in a week."""
        return f"{KEY_PREFIX}:{week}:{person_id}"

    def reserve(self, week: str, reader_id: str, person_id: str) -> bool:
        """Reserve proposing person to reader this week; False when the cap is reached."""
        result = self._reserve(
            keys=[self.key(week, person_id)], args=[reader_id, self.cap, self.keep_s]
        )
        return bool(result)

    def release(self, week: str, reader_id: str, person_ids: Iterable[str]) -> None:
        """Give back the reader's places in these people's sets (not proposed after all)."""
        with self.client.pipeline(transaction=False) as pipe:
            for person_id in person_ids:
                pipe.srem(self.key(week, person_id), reader_id)
            pipe.execute()

    def forget(self, person_id: str) -> None:
        """Drop an erased person's sets, and their place as a reader in everyone else's."""
        suffix = f":{person_id}".encode()
        with self.client.pipeline(transaction=False) as pipe:
            for key in self.client.scan_iter(match=f"{KEY_PREFIX}:*", count=1000):
                if key.endswith(suffix):
                    pipe.delete(key)
                else:
                    pipe.srem(key, person_id)
            pipe.execute()

    def readers_of(self, week: str, person_id: str) -> set[str]:
        """Return the readers a person is reserved for this week (for operators and tests)."""
        members = self.client.smembers(self.key(week, person_id))
        return {m.decode() if isinstance(m, bytes) else str(m) for m in members}
