"""The link-strength model computed straight from its definition: the reference for tests.

    s(t) = Σ_i w_i · exp(-λ (t - t_i))   over the distinct interactions of the pair,

with a group of n participants giving each pair w / (n - 1). No incremental state, no
ordering: whatever the store does, it must agree with this.
"""

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations


@dataclass(frozen=True)
class OracleInteraction:
    """One interaction as the oracle sees it."""

    event_id: str
    participants: tuple[str, ...]
    t: float
    weight: float


def strengths(
    interactions: Iterable[OracleInteraction],
    *,
    at: float,
    rate: float,
    erased: frozenset[str] = frozenset(),
) -> dict[tuple[str, str], float]:
    """Return every pair's strength at time at (pairs as sorted id tuples)."""
    distinct = {i.event_id: i for i in interactions}
    total: dict[tuple[str, str], float] = defaultdict(float)
    for interaction in distinct.values():
        people = sorted(interaction.participants)
        share = interaction.weight / (len(people) - 1)
        for a, b in combinations(people, 2):
            if a in erased or b in erased:
                continue
            total[(a, b)] += share * math.exp(-rate * (at - interaction.t))
    return dict(total)


def peak(interactions: Iterable[OracleInteraction], pair: tuple[str, str], rate: float) -> float:
    """Return the highest strength the pair ever had (reached right after an interaction)."""
    mine = sorted(
        {i.event_id: i for i in interactions if set(pair) <= set(i.participants)}.values(),
        key=lambda i: i.t,
    )
    return max(
        (
            sum(
                j.weight / (len(j.participants) - 1) * math.exp(-rate * (i.t - j.t))
                for j in mine
                if j.t <= i.t
            )
            for i in mine
        ),
        default=0.0,
    )
