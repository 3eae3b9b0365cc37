"""The names of a link's stages, the one place they are written.

The graph derives a link's stage from its strength, peak and history
(`braise_graph.stages`: the thresholds); every service reads these names. A link is born
nascent, grows, is active, then cools and goes dormant when nobody tends it; a link that was
never strong and is now about nothing has faded.
"""

from typing import Literal, get_args

Stage = Literal["nascent", "growing", "active", "cooling", "dormant", "faded"]
STAGES: tuple[Stage, ...] = get_args(Stage)

# The stages the firm's picture draws: every one but faded.
LivingStage = Literal["nascent", "growing", "active", "cooling", "dormant"]
# The stages a digest proposes: links to rekindle (dormant) or to keep warm (cooling).
CandidateStage = Literal["dormant", "cooling"]
