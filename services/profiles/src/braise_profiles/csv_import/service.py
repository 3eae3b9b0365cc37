"""Import a history of interactions from CSV: valid rows go in, each bad row is reported.

Columns (header row required): `kind`, `participants`, `occurred_at`, and optionally
`initiator` and `note`. Participants are e-mail addresses or consultant ids separated by
`;` (an e-mail must be one address, `braise_shared.addresses`). `occurred_at` is an ISO 8601
date-time with its offset, or a date (read as noon UTC). A row is reported by the line it
starts on; only `note` may hold line breaks and tabs.
"""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from pydantic import ValidationError
from sqlalchemy.orm import Session

from braise_profiles.csv_import.reader import BadRow, Row, read_rows
from braise_profiles.csv_import.schemas import ImportReport, RejectedRow
from braise_profiles.directory import ids_by_email, known_consultants
from braise_profiles.errors import InvalidError
from braise_profiles.interactions.schemas import InteractionIn
from braise_profiles.interactions.service import record_interactions
from braise_shared.addresses import InvalidAddressError, normalize_address
from braise_shared.text import ForbiddenCharacterError, check_multi_line, check_single_line

REQUIRED_COLUMNS = ("kind", "participants", "occurred_at")
OPTIONAL_COLUMNS = ("initiator", "note")
# The one column whose text may span lines; every other cell is one line.
MULTI_LINE_COLUMNS = ("note",)


@dataclass(frozen=True)
class ParsedRow:
    """A CSV row that became a valid interaction, with its line number."""

    line: int
    interaction: InteractionIn


def _header(rows: Iterator[Row | BadRow]) -> list[str]:
    first = next(rows, None)
    if first is None:
        raise InvalidError(("body", "file"), "the CSV file is empty: a header row is required")
    if isinstance(first, BadRow):
        raise InvalidError(("body", "file"), f"CSV header (line {first.line}): {first.reason}")
    fields = [f.strip() for f in first.cells]
    missing = [c for c in REQUIRED_COLUMNS if c not in fields]
    if missing:
        raise InvalidError(("body", "file"), f"CSV header lacks column(s): {', '.join(missing)}")
    unknown = [f for f in fields if f not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise InvalidError(
            ("body", "file"), f"CSV header has unknown column(s): {', '.join(unknown)}"
        )
    return fields


def _check_cells(record: dict[str, str]) -> None:
    """Raise ForbiddenCharacterError, naming the column, for a control character in a cell."""
    for column, value in record.items():
        check = check_multi_line if column in MULTI_LINE_COLUMNS else check_single_line
        try:
            check(value)
        except ForbiddenCharacterError as exc:
            raise ForbiddenCharacterError(f"{column}: {exc}") from exc


def _records(text: str) -> list[tuple[int, dict[str, str]] | RejectedRow]:
    """Return each data row by column, or why it was rejected before any validation."""
    rows = read_rows(text)
    fields = _header(rows)
    found: list[tuple[int, dict[str, str]] | RejectedRow] = []
    for row in rows:
        if isinstance(row, BadRow):
            found.append(RejectedRow(line=row.line, reason=row.reason))
            continue
        if len(row.cells) > len(fields):
            found.append(
                RejectedRow(
                    line=row.line, reason=f"{len(row.cells)} cells, header has {len(fields)}"
                )
            )
            continue
        record = {f: v.strip() for f, v in zip(fields, row.cells, strict=False)}
        try:
            _check_cells(record)
        except ForbiddenCharacterError as exc:
            found.append(RejectedRow(line=row.line, reason=str(exc)))
            continue
        found.append((row.line, record))
    return found


def _occurred_at(raw: str) -> datetime | str:
    try:
        return datetime.combine(date.fromisoformat(raw), time(12), tzinfo=UTC)
    except ValueError:
        return raw


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        field = ".".join(str(p) for p in error["loc"]) or "row"
        parts.append(f"{field}: {error['msg']}")
    return "; ".join(parts)


def import_interactions_csv(*, session: Session, text: str, max_rows: int) -> ImportReport:
    """Record every valid row in one transaction and report the others by line."""
    records = _records(text)
    if len(records) > max_rows:
        raise InvalidError(("body", "file"), f"{len(records)} rows; at most {max_rows} per import")
    raw_rows = [r for r in records if not isinstance(r, RejectedRow)]
    rejected = [r for r in records if isinstance(r, RejectedRow)]
    references = {
        ref
        for _, row in raw_rows
        for ref in [*row.get("participants", "").split(";"), row.get("initiator", "")]
        if ref.strip()
    }
    ids_by_ref = _resolve(session, {r.strip() for r in references})
    accepted: list[ParsedRow] = []
    for line, row in raw_rows:
        refs = [r.strip() for r in row.get("participants", "").split(";") if r.strip()]
        initiator = row.get("initiator") or None
        malformed = _malformed_addresses(refs, initiator)
        if malformed:
            rejected.append(RejectedRow(line=line, reason=malformed))
            continue
        unknown = [r for r in refs if r not in ids_by_ref]
        if initiator and initiator not in ids_by_ref:
            unknown.append(initiator)
        if unknown:
            rejected.append(
                RejectedRow(
                    line=line, reason=f"participants: unknown consultant(s) {', '.join(unknown)}"
                )
            )
            continue
        try:
            interaction = InteractionIn.model_validate(
                {
                    "kind": row.get("kind", ""),
                    "participants": [ids_by_ref[r] for r in refs],
                    "occurred_at": _occurred_at(row.get("occurred_at", "")),
                    "initiator": ids_by_ref[initiator] if initiator else None,
                    "note": row.get("note") or None,
                }
            )
        except ValidationError as exc:
            rejected.append(RejectedRow(line=line, reason=_describe(exc)))
            continue
        accepted.append(ParsedRow(line, interaction))
    if accepted:
        record_interactions(session=session, items=[p.interaction for p in accepted])
    rejected.sort(key=lambda r: r.line)
    return ImportReport(accepted=len(accepted), rejected=rejected)


def _malformed_addresses(participants: list[str], initiator: str | None) -> str | None:
    """Return why a reference that looks like an e-mail is not one address, naming its column."""
    columns = [("participants", ref) for ref in participants]
    columns += [("initiator", initiator)] if initiator else []
    for column, ref in columns:
        if "@" not in ref:
            continue
        try:
            normalize_address(ref)
        except InvalidAddressError as exc:
            return f"{column}: {ref!r} is {exc}"
    return None


def _canonical(ref: str) -> str | None:
    """Return the lookup key of a reference: a normalized e-mail or a canonical id."""
    if "@" in ref:
        try:
            return normalize_address(ref)
        except InvalidAddressError:
            return None
    try:
        return str(uuid.UUID(ref))
    except ValueError:
        return None


def _resolve(session: Session, refs: set[str]) -> dict[str, uuid.UUID]:
    """Map each e-mail or id that names a registered consultant to their id."""
    keys = {ref: key for ref in refs if (key := _canonical(ref)) is not None}
    emails = sorted({k for k in keys.values() if "@" in k})
    ids = sorted({uuid.UUID(k) for k in keys.values() if "@" not in k})
    found: dict[str, uuid.UUID] = dict(ids_by_email(session, emails))
    found.update({str(cid): cid for cid in known_consultants(session, ids)})
    return {ref: found[key] for ref, key in keys.items() if key in found}
