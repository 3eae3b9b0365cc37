"""What the CSV import answers."""

from pydantic import BaseModel, Field


class RejectedRow(BaseModel):
    """A CSV row that was not imported, and why."""

    line: int = Field(description="The line the row starts on (the header is line 1).")
    reason: str = Field(description="Why, naming the column at fault when there is one.")


class ImportReport(BaseModel):
    """The outcome of a CSV import: the valid rows went in, the others are listed."""

    accepted: int
    rejected: list[RejectedRow]
