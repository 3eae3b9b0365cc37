"""The link-strength model: exponential decay, folded incrementally, order-independent.

    s(t) = Σ_i w_i · exp(-λ (t - t_i))

kept as (s_ref, t_ref): an event at t ≥ t_ref decays the stored value to t and adds w; a late
event (t < t_ref) adds its weight decayed to t_ref. Both give the same s(t) for any order.
`links.fold_link` is the fold of a link, as a reference; the store folds in Neo4j
(`cypher.APPLY_LINKS`), and a property test holds the two equal.
"""

import math
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations


def epoch_s(when: datetime) -> float:
    """Return a time as epoch seconds, the unit every rule of the model takes."""
    return float(when.timestamp())


@dataclass(frozen=True)
class Strength:
    """A link's strength as stored: value s_ref at time t_ref, and the peak seen so far."""

    s_ref: float
    t_ref: float
    peak: float
    peak_at: float


def add_interaction(state: Strength | None, *, t: float, w: float, rate: float) -> Strength:
    """Fold one interaction of weight w at time t (seconds) into the link's strength."""
    if state is None:
        return Strength(s_ref=w, t_ref=t, peak=w, peak_at=t)
    if t >= state.t_ref:
        s = state.s_ref * math.exp(-rate * (t - state.t_ref)) + w
        if s > state.peak:
            return Strength(s_ref=s, t_ref=t, peak=s, peak_at=t)
        return Strength(s_ref=s, t_ref=t, peak=state.peak, peak_at=state.peak_at)
    s = state.s_ref + w * math.exp(-rate * (state.t_ref - t))
    peak, peak_at = late_peak(state, t=t, w=w, rate=rate, s_new=s)
    return Strength(s_ref=s, t_ref=state.t_ref, peak=peak, peak_at=peak_at)


def late_peak(
    state: Strength, *, t: float, w: float, rate: float, s_new: float
) -> tuple[float, float]:
    """Return the peak after a late interaction (t < t_ref), without the link's history.

    The candidates: the old peak, raised by the late weight if it came after it; the value
    at t itself, at least w plus what was left of the old peak; the new stored value. Exact
    when interactions arrive in time order (the live case); otherwise a lower bound of the
    true peak that is never below the current strength.
    """
    if state.peak_at >= t:
        raised = state.peak + w * math.exp(-rate * (state.peak_at - t))
        at_t = w
    else:
        raised = state.peak
        at_t = w + state.peak * math.exp(-rate * (t - state.peak_at))
    return max((raised, state.peak_at), (at_t, t), (s_new, state.t_ref))


def strength_at(state: Strength, t: float, rate: float) -> float:
    """Return the strength at time t; before t_ref the stored value is returned undecayed."""
    return state.s_ref * math.exp(-rate * max(0.0, t - state.t_ref))


def pair_weights(participants: list[str], weight: float) -> list[tuple[str, str, float]]:
    """Return each unordered pair of a group, smaller id first, with weight w / (n - 1)."""
    people = sorted(set(participants))
    if len(people) < 2:
        return []
    share = weight / (len(people) - 1)
    return [(a, b, share) for a, b in combinations(people, 2)]
