"""The spread cap in memory, with the Redis one's contract (`braise_notifier.spread`)."""

import threading
from collections.abc import Iterable, Mapping, Sequence


class FakeSpread:
    """Holds, per (week, person), the readers a person is proposed to; at most `cap` of them.

    Safe for threads: the ledger's tests race several deliveries of one digest.
    """

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.readers: dict[tuple[str, str], set[str]] = {}
        self._lock = threading.Lock()

    def reserve_in_order(
        self,
        week: str,
        reader_id: str,
        wanted: Sequence[tuple[str, str]],
        room: Mapping[str, int],
    ) -> list[bool | None]:
        """Reserve each (person, stage) in order while its stage has room, as one step."""
        left = dict(room)
        answers: list[bool | None] = []
        with self._lock:
            for person_id, stage in wanted:
                if left.get(stage, 0) <= 0:
                    answers.append(None)
                    continue
                held = self.readers.setdefault((week, person_id), set())
                granted = reader_id in held or len(held) < self.cap
                if granted:
                    held.add(reader_id)
                    left[stage] -= 1
                answers.append(granted)
        return answers

    def release(self, week: str, reader_id: str, person_ids: Iterable[str]) -> None:
        """Give back the reader's places in these people's sets."""
        with self._lock:
            for person_id in person_ids:
                self.readers.get((week, person_id), set()).discard(reader_id)

    def of(self, week: str, person_id: str) -> set[str]:
        """Return the readers a person is reserved for this week."""
        return self.readers.get((week, person_id), set())
