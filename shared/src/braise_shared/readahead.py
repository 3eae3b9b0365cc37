"""Read the next batch in the background while the current one is handled."""

import contextlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

T = TypeVar("T")


class ReadAhead(Generic[T]):
    """At most one read running ahead, in one background thread."""

    def __init__(self) -> None:
        self._reader = ThreadPoolExecutor(1, "read-ahead")
        self._next: Future[T] | None = None

    def start(self, read: Callable[[], T]) -> None:
        """Start reading the next batch."""
        self._next = self._reader.submit(read)

    def take(self) -> T | None:
        """Return what was read ahead (None if nothing was), raising what the read raised."""
        if self._next is None:
            return None
        read, self._next = self._next, None
        return read.result()

    def drop(self) -> bool:
        """Forget what was read ahead, once the read ended; tell whether there was any."""
        if self._next is None:
            return False
        with contextlib.suppress(Exception):  # what was read is read again, errors recur then
            self._next.result()
        self._next = None
        return True

    def close(self) -> None:
        """Forget what was read ahead and stop the thread."""
        self.drop()
        self._reader.shutdown(wait=True)
