"""The graph → notifier contract of the firm's picture: the shape of the network, no names.

Staff see how the firm's people are linked, not who knows whom. So nothing in this shape
names anyone: every node's id is a number drawn anew for each answer (`n0`, `n1`, …, in an
order shuffled per answer), and a node carries only the sector it is drawn in. Faded links
(never strong, now about nothing) are left out: the picture shows the living network.

Served by the graph at `GET /v1/shape` (staff or service token); the notifier passes it on to
the firm's view and to `/v1/dashboard` as it is.
"""

from pydantic import BaseModel, ConfigDict, Field

from braise_shared.events import UtcDateTime
from braise_shared.stages import LivingStage
from braise_shared.tags import Tag


class ShapeModel(BaseModel):
    """Base of the shape's models: frozen, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ShapeNode(ShapeModel):
    """One consultant, known only by a number that means nothing outside this answer."""

    id: str = Field(pattern=r"^n\d+$", description="Anonymous, drawn anew for each answer.")
    sector: Tag | None = Field(description="The first sector of the person's profile, if any.")


class ShapeLink(ShapeModel):
    """A link that has not faded, between two nodes of the same answer."""

    a: str = Field(pattern=r"^n\d+$")
    b: str = Field(pattern=r"^n\d+$")
    stage: LivingStage


class NetworkShape(ShapeModel):
    """The firm's network as a picture needs it: anonymous nodes, their sectors, living links."""

    at: UtcDateTime = Field(description="When the stages were read.")
    consultants: int = Field(ge=0, description="Consultants in the graph.")
    nodes: list[ShapeNode] = Field(
        description="The consultants drawn: every one, or a random sample of `max_nodes`."
    )
    links: list[ShapeLink] = Field(description="Living links between the nodes drawn.")
