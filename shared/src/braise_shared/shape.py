"""The graph → notifier contracts of the firm's view: the network's shape and its live links
between sectors, no names.

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


# The stages a link is "live" in: someone tends it now (dormant and faded links are asleep).
LIVE_STAGES: tuple[LivingStage, ...] = ("nascent", "growing", "active", "cooling")


class SectorPeople(ShapeModel):
    """A sector (the first of each profile) and how many consultants have it first."""

    sector: Tag | None = Field(description="None: the profiles without a sector.")
    people: int = Field(ge=0)


class SectorPair(ShapeModel):
    """How many live links join people of two sectors (keys in order, `None` sorted first;
    `a == b` within one sector)."""

    a: str | None
    b: str | None
    links: int = Field(ge=1)


class SectorLinks(ShapeModel):
    """Live links between sectors: counts only, no person. Served at `GET /v1/sector-links`."""

    at: UtcDateTime = Field(description="When the stages were read.")
    live_stages: list[LivingStage] = Field(description="The stages counted as live.")
    sectors: list[SectorPeople] = Field(description="Every sector, most people first.")
    pairs: list[SectorPair] = Field(description="Every pair of sectors joined by a live link.")

    def touching(self) -> dict[str | None, int]:
        """Return, per sector key, the live links with at least one end in it (a link within
        one sector counts once)."""
        out: dict[str | None, int] = {s.sector.key if s.sector else None: 0 for s in self.sectors}
        for p in self.pairs:
            out[p.a] = out.get(p.a, 0) + p.links
            if p.b != p.a:
                out[p.b] = out.get(p.b, 0) + p.links
        return out
