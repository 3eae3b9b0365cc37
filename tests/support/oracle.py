"""The link model computed straight from its definition and the documented defaults.

    s(t) = Σ_i w_i · exp(-λ (t - t_i))   over the distinct interactions of the pair,

with a group of n participants giving each pair w / (n - 1). No incremental state, no
ordering: whatever the store does, it must agree with this.

Nothing here is read from the code under test. The half-life, the thresholds, the windows
and the weights are written as `docs/link-model.md` states them, and λ is derived from the
half-life here: a test that compares the code with this oracle fails when the code's own
constants drift (a rate of 1/H instead of ln 2/H, a window of 4 days instead of 28).
"""

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

DAY_S = 24 * 60 * 60.0

# docs/link-model.md, "Settings and defaults".
HALF_LIFE_DAYS = 90.0
STRONG_PEAK = 8.0
ACTIVE_MIN = 3.0
DORMANT_RATIO = 0.15
COOLING_RATIO = 0.5
FADED_BELOW = 1.0
DORMANT_QUIET_DAYS = 120.0
COOLING_QUIET_DAYS = 30.0
NASCENT_DAYS = 60.0
NASCENT_MAX_COUNT = 2
FATIGUE_DAYS = 28.0
NOT_NOW_DAYS = 2 * FATIGUE_DAYS  # "not now": not for twice the fatigue window
HOOK_DAYS = 120.0
SPREAD_CAP = 3
SPREAD_PERIOD_DAYS = 7.0

# docs/link-model.md, "Weights".
WEIGHTS = {
    "mission_together": 10.0,
    "introduction": 4.0,
    "help_given": 4.0,
    "meeting": 3.0,
    "lunch": 3.0,
    "event": 3.0,
    "call": 2.0,
    "rekindled": 2.0,
    "article_shared": 1.0,
    "message": 0.5,
}

# λ per second: the strength halves every half-life.
RATE = math.log(2) / (HALF_LIFE_DAYS * DAY_S)


def decayed(w: float, elapsed_s: float) -> float:
    """Return what a weight w is worth elapsed_s seconds later (2 ** -(elapsed / H))."""
    return w * math.pow(2.0, -elapsed_s / (HALF_LIFE_DAYS * DAY_S))


def days_to_fall_to(fraction: float) -> float:
    """Return how many days a lone weight takes to fall to this fraction of itself."""
    return HALF_LIFE_DAYS * math.log2(1 / fraction)


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
            total[(a, b)] += decayed(share, at - interaction.t)
    return dict(total)


def peak(interactions: Iterable[OracleInteraction], pair: tuple[str, str]) -> float:
    """Return the highest strength the pair ever had (reached right after an interaction)."""
    mine = sorted(
        {i.event_id: i for i in interactions if set(pair) <= set(i.participants)}.values(),
        key=lambda i: i.t,
    )
    return max(
        (
            sum(
                decayed(j.weight / (len(j.participants) - 1), i.t - j.t) for j in mine if j.t <= i.t
            )
            for i in mine
        ),
        default=0.0,
    )
