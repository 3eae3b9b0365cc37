"""The stages of a link, derived at read time from its strength, peak and history."""

from dataclasses import dataclass

from braise_graph.config import DAY_S, GraphSettings
from braise_shared.stages import STAGES, Stage

__all__ = ["STAGES", "Stage", "StageRules", "stage_of"]


@dataclass(frozen=True)
class StageRules:
    """Thresholds of the stages (see docs/link-model.md)."""

    strong_peak: float
    active_min: float
    dormant_ratio: float
    cooling_ratio: float
    faded_below: float
    dormant_quiet_s: float
    cooling_quiet_s: float
    nascent_s: float
    nascent_max_count: int

    @classmethod
    def from_settings(cls, settings: GraphSettings) -> "StageRules":
        """Build the rules from the service's settings."""
        return cls(
            strong_peak=settings.strong_peak,
            active_min=settings.active_min,
            dormant_ratio=settings.dormant_ratio,
            cooling_ratio=settings.cooling_ratio,
            faded_below=settings.faded_below,
            dormant_quiet_s=settings.dormant_quiet_days * DAY_S,
            cooling_quiet_s=settings.cooling_quiet_days * DAY_S,
            nascent_s=settings.nascent_days * DAY_S,
            nascent_max_count=settings.nascent_max_count,
        )


def stage_of(
    rules: StageRules,
    *,
    strength: float,
    peak: float,
    first_at: float,
    last_at: float,
    count: int,
    now: float,
) -> Stage:
    """Return the stage of a link at time now.

    In order: dormant (was strong, now a small fraction of its peak, quiet for long);
    faded (never strong, now weak, quiet for long); nascent (young, few interactions, still
    weak);
    cooling (quiet for a while and well below its peak, or weak and quiet); active (strong
    enough); growing (weak but recently fed).
    """
    quiet = now - last_at
    was_strong = peak >= rules.strong_peak
    if was_strong and strength <= rules.dormant_ratio * peak and quiet >= rules.dormant_quiet_s:
        return "dormant"
    if not was_strong and strength < rules.faded_below and quiet >= rules.dormant_quiet_s:
        return "faded"
    young = now - first_at <= rules.nascent_s
    if young and count <= rules.nascent_max_count and strength < rules.active_min:
        return "nascent"
    if quiet >= rules.cooling_quiet_s and (
        strength < rules.cooling_ratio * peak or strength < rules.active_min
    ):
        return "cooling"
    if strength >= rules.active_min:
        return "active"
    return "growing"
