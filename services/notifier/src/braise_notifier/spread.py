"""The spread cap, in one place: to how many readers one person may be proposed in a week.

Digests are composed by several worker processes at once, so the cap is a reservation taken
before composing, atomically in Redis: one set per (ISO week, proposed person) holds the ids
of the readers whose digest proposes that person. A reader joins only while the set is
smaller than the cap; joining again is a no-op, so a retried or re-taken digest keeps its
place. A digest that ends without being sent (empty, failed, skipped, retried later), or a
suggestion dropped while composing, gives its places back. Sets expire after two weeks.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import LiteralString

import redis

from braise_notifier.ports import ProposalReservations
from braise_shared.candidates import RevivalCandidate

KEY_PREFIX = "braise:spread"
KEEP_S = 14 * 86_400

# A reader's candidates in order, in one call: KEYS their (week, person) sets; ARGV reader,
# cap, seconds to keep, the number of stages, (stage, room) pairs, then each key's stage. A
# reader already in a set keeps their place; one joins only while the set is under the cap.
# Per key: 1 reserved, 0 full, -1 not asked (no room left for its stage).
RESERVE_IN_ORDER: LiteralString = """
local reader, cap, keep = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local stages = tonumber(ARGV[4])
local room = {}
for i = 1, stages do
  room[ARGV[3 + 2 * i]] = tonumber(ARGV[4 + 2 * i])
end
local base = 4 + 2 * stages
local out = {}
for i = 1, #KEYS do
  local stage = ARGV[base + i]
  if (room[stage] or 0) <= 0 then
    out[i] = -1
  elseif redis.call('SISMEMBER', KEYS[i], reader) == 1 then
    out[i] = 1
    room[stage] = room[stage] - 1
  elseif redis.call('SCARD', KEYS[i]) >= cap then
    out[i] = 0
  else
    redis.call('SADD', KEYS[i], reader)
    redis.call('EXPIRE', KEYS[i], keep)
    out[i] = 1
    room[stage] = room[stage] - 1
  end
end
return out
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
    and the cap lets this reader have them (one round trip); add each reserved person to
    `held`. Return those chosen, and the people the cap turned away."""
    if not candidates:
        return [], []
    granted = cap.reserve_in_order(
        week, reader_id, [(c.other_id, c.stage) for c in candidates], room
    )
    chosen, full = [], []
    for candidate, answer in zip(candidates, granted, strict=True):
        if answer is True:
            held.append(candidate.other_id)
            chosen.append(candidate)
        elif answer is False:
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
        self._reserve_in_order = client.register_script(RESERVE_IN_ORDER)

    @staticmethod
    def key(week: str, person_id: str) -> str:
        """Return the Redis key of the readers a person is proposed to in a week."""
        return f"{KEY_PREFIX}:{week}:{person_id}"

    def reserve(self, week: str, reader_id: str, person_id: str) -> bool:
        """Reserve proposing one person to reader this week; False when the cap is reached."""
        return self.reserve_in_order(week, reader_id, [(person_id, "")], {"": 1}) == [True]

    def reserve_in_order(
        self,
        week: str,
        reader_id: str,
        wanted: Sequence[tuple[str, str]],
        room: Mapping[str, int],
    ) -> list[bool | None]:
        """Reserve, in order, each (person, stage) while its stage has room (at once, in one
        script); per person: True reserved, False the cap is reached, None not asked."""
        args: list[str | int] = [reader_id, self.cap, self.keep_s, len(room)]
        for stage, places in room.items():
            args += [stage, places]
        args += [stage for _, stage in wanted]
        answers = self._reserve_in_order(
            keys=[self.key(week, person) for person, _ in wanted], args=args
        )
        return [None if a == -1 else bool(a) for a in answers]

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
