"""Read a CSV text row by row, so one badly quoted row is reported instead of eating the next.

Python's csv module, left to itself, reads an unclosed quote as a field that runs on over
the following lines, silently merging rows (two lines per row when every row has a stray
quote: a 50,001-line file read as 25,000 rows). Here each row is read on its own, strictly:
a row whose quotes do not close properly is reported with its line and reason, and reading
starts again on the next line. A quoted field may still span lines (a note over two lines).
"""

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

# No row a valid import needs is longer (500 e-mail participants and a 2,000-character note
# fit); it is also the csv module's own field limit, so that limit is never what stops a row.
MAX_ROW_CHARS = 131_072


@dataclass(frozen=True)
class Row:
    """The cells of one CSV row and the line it starts on (the header is line 1)."""

    line: int
    cells: list[str]


@dataclass(frozen=True)
class BadRow:
    """A row that could not be read as CSV, and why."""

    line: int
    reason: str


class _Window:
    """The lines from one row's start on, up to MAX_ROW_CHARS characters in all."""

    def __init__(self, lines: Sequence[str], start: int) -> None:
        self.lines = lines
        self.next = start
        self.chars = 0
        self.cut = False

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self.next >= len(self.lines):
            raise StopIteration
        line = self.lines[self.next]
        if self.chars + len(line) > MAX_ROW_CHARS:
            self.cut = True
            raise StopIteration
        self.chars += len(line)
        self.next += 1
        return line


def read_rows(text: str) -> Iterator[Row | BadRow]:
    """Yield every non-blank row of text with its line, or the reason it could not be read."""
    # newline="": line ends stay as they are, so quoted line breaks reach the cell intact.
    lines = io.StringIO(text, newline="").readlines()
    start = 0
    while start < len(lines):
        window = _Window(lines, start)
        reader = csv.reader(window, strict=True)
        try:
            cells = next(reader)
        except StopIteration:
            if not window.cut:
                return
            yield BadRow(start + 1, f"row longer than {MAX_ROW_CHARS} characters")
            start += 1
            continue
        except csv.Error as exc:
            yield BadRow(start + 1, _why(exc, cut=window.cut))
            start += 1
            continue
        if cells:
            yield Row(start + 1, cells)
        start += reader.line_num


def _why(exc: csv.Error, *, cut: bool) -> str:
    if cut:
        return f"row longer than {MAX_ROW_CHARS} characters, or a quote never closed"
    if "unexpected end of data" in str(exc):
        return "a quote opened on this row is never closed"
    return f"badly quoted row: {exc}"
