"""Who may record what: the pair rule that keeps a consultant token to its own links.

A consultant token records only a pair: itself and one other participant, with itself as the
initiator or no initiator. So everything it records moves exactly one link, and that link is
its own. A group interaction (three or more people) moves every pair of its participants, so
it is recorded by staff (or a service), who keep full rights: one consultant cannot strengthen
a link between two other people, nor claim that someone else reached out.
"""

import uuid

from braise_profiles.errors import ForbiddenError
from braise_profiles.interactions.schemas import InteractionIn
from braise_shared.auth import Principal


def check_pair_rule(
    principal: Principal, interaction: InteractionIn, *, at: tuple[str | int, ...] = ("body",)
) -> None:
    """Refuse, naming the field, what a consultant token may not record; staff pass."""
    if principal.is_admin:
        return
    me = uuid.UUID(principal.subject)
    if me not in interaction.participants:
        raise ForbiddenError(
            (*at, "participants"), "a consultant token records only interactions it takes part in"
        )
    if len(interaction.participants) != 2:
        raise ForbiddenError(
            (*at, "participants"),
            "a consultant token records a pair (itself and one other); "
            "group interactions are recorded by staff",
        )
    if interaction.initiator not in (None, me):
        raise ForbiddenError(
            (*at, "initiator"), "a consultant token may name only itself as the initiator"
        )
