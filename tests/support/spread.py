"""The spread cap in memory, with the Redis one's contract (`braise_notifier.spread`)."""

import threading
from collections.abc import Iterable


class FakeSpread:
    """Holds, per (week, person), the readers a person is proposed to; at most `cap` of them.

    Safe for threads: the ledger's tests race several deliveries of one digest.
    """

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.readers: dict[tuple[str, str], set[str]] = {}
        self._lock = threading.Lock()

    def reserve(self, week: str, reader_id: str, person_id: str) -> bool:
        """Reserve person for reader this week; False when the cap is reached."""
        with self._lock:
            held = self.readers.setdefault((week, person_id), set())
            if reader_id not in held and len(held) >= self.cap:
                return False
            held.add(reader_id)
            return True

    def release(self, week: str, reader_id: str, person_ids: Iterable[str]) -> None:
        """Give back the reader's places in these people's sets."""
        with self._lock:
            for person_id in person_ids:
                self.readers.get((week, person_id), set()).discard(reader_id)

    def of(self, week: str, person_id: str) -> set[str]:
        """Return the readers a person is reserved for this week."""
        return self.readers.get((week, person_id), set())
