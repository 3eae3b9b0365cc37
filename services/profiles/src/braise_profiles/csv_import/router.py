"""The CSV import route: POST /v1/interactions/import."""

from typing import Annotated

from fastapi import APIRouter, File, Response, UploadFile

from braise_profiles.csv_import.schemas import ImportReport
from braise_profiles.csv_import.service import import_interactions_csv
from braise_profiles.deps import Caller, Settings, Write, require_admin
from braise_profiles.errors import InvalidError
from braise_profiles.http_errors import responses

router = APIRouter(tags=["interactions"])


@router.post(
    "/v1/interactions/import",
    response_model=ImportReport,
    responses=responses(400, 401, 403, 409, 413, 422, 429),
)
async def import_interactions(
    file: Annotated[UploadFile, File(description="CSV: kind, participants, occurred_at, ...")],
    caller: Caller,
    settings: Settings,
    write: Write,
) -> Response:
    """Import a CSV history: valid rows go in, each bad row is reported (staff only)."""
    require_admin(caller)
    raw = await file.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidError(("body", "file"), "the file is not UTF-8 text") from exc
    return write(
        {"file": text},
        lambda session: import_interactions_csv(
            session=session, text=text, max_rows=settings.max_bulk_items
        ),
    )
