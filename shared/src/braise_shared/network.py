"""A consultant's own links, as the graph answers them (`GET /v1/consultants/{id}/links`)."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from braise_shared.stages import Stage


class ConsultantLink(BaseModel):
    """One link of a consultant: the other person, its strength and stage now, its history."""

    model_config = ConfigDict(frozen=True)

    other_id: str
    other_name: str
    strength: float
    stage: Stage
    peak: float
    peak_at: datetime
    first_at: datetime
    last_at: datetime
    count: int
    counts_by_kind: dict[str, int]
    initiated_by_me: int
    initiated_by_other: int
    reciprocity: float
