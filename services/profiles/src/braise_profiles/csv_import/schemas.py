"""What the CSV import answers."""

from pydantic import BaseModel


class RejectedRow(BaseModel):
    """A CSV row that was not imported, and why."""

    line: int
    reason: str


class ImportReport(BaseModel):
    """The outcome of a CSV import: the valid rows went in, the others are listed."""

    accepted: int
    rejected: list[RejectedRow]
