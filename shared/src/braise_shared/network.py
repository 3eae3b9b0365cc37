"""A consultant's own links, as the graph answers them (`GET /v1/consultants/{id}/links`)."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

LinkStage = Literal["nascent", "growing", "active", "cooling", "dormant", "faded"]


class ConsultantLink(BaseModel):
    """One link of a consultant: the other person, its strength and stage now, its history."""

    model_config = ConfigDict(frozen=True)

    other_id: str
    other_name: str
    strength: float
    stage: LinkStage
    peak: float
    peak_at: datetime
    first_at: datetime
    last_at: datetime
    count: int
    counts_by_kind: dict[str, int]
    initiated_by_me: int
    initiated_by_other: int
    reciprocity: float
