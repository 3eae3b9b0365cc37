"""Revival candidates (/v3): one consultant's, or many consultants' in one request."""

import uuid
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response

from braise_graph.revival import revival_batch
from braise_graph.routes.deps import Reader, errors, moment, not_found
from braise_shared.bearer import Caller, acting_for, refusal
from braise_shared.candidates import (
    MAX_PER_STAGE,
    CandidatesBatch,
    CandidatesRequest,
    RevivalCandidates,
)
from braise_shared.events import UtcDateTime

router = APIRouter()


@router.get(
    "/v3/consultants/{consultant_id}/revival-candidates",
    response_model=RevivalCandidates,
    responses=errors(401, 403, 404, 500),
)
def revival_candidates(
    consultant_id: uuid.UUID,
    caller: Caller,
    reader: Reader,
    dormant: Annotated[
        int, Query(ge=0, le=MAX_PER_STAGE, description="Dormant candidates, at most.")
    ],
    cooling: Annotated[
        int, Query(ge=0, le=MAX_PER_STAGE, description="Cooling candidates, at most.")
    ],
    at: UtcDateTime | None = None,
    rested: Annotated[
        bool,
        Query(
            description="Leave out people suggested within the fatigue window (a digest); "
            "false: show them too (a page the consultant opened)."
        ),
    ] = True,
) -> Response:
    """Rank the dormant links worth rekindling, then the cooling ones, with reasons as facts.

    The caller says how many of each stage it wants (the notifier: what a digest holds).
    A consultant whose candidates cannot be ranked or written (data the contract refuses)
    gets a 500 naming the reason; no one else is affected.
    """
    cid = acting_for(caller, consultant_id)
    batch = revival_batch(
        reader, [cid], now=moment(at), dormant=dormant, cooling=cooling, rested=rested
    )
    if batch.unknown:
        raise not_found(cid)
    if batch.failed:
        reason = f"candidates of {cid} cannot be ranked: {batch.failed[0].reason}"
        raise HTTPException(
            500, detail=refusal(["path", "consultant_id"], reason, "candidates_failed")
        )
    # Built and validated already: written as is, not validated again on the way out.
    return Response(batch.answers[0].model_dump_json(), media_type="application/json")


@router.post(
    "/v3/revival-candidates",
    response_model=CandidatesBatch,
    responses=errors(400, 401, 403),
)
def revival_candidates_of_many(body: CandidatesRequest, caller: Caller, reader: Reader) -> Response:
    """Rank the revival candidates of many consultants in one request, each answered as
    the single route answers it; the ids the graph does not know are listed apart, and so
    are the consultants it could not answer for (`failed`, with the reason).

    At most `MAX_BATCH` ids (422 naming `consultant_ids` beyond); a consultant token may
    ask only for itself.
    """
    ids = list(
        dict.fromkeys(
            acting_for(caller, c, ["body", "consultant_ids"]) for c in body.consultant_ids
        )
    )
    batch = revival_batch(
        reader, ids, now=moment(body.at), dormant=body.dormant, cooling=body.cooling
    )
    return Response(batch.model_dump_json(), media_type="application/json")
