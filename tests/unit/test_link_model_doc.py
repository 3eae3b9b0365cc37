"""docs/link-model.md states every setting of the model with its real default."""

import re
from pathlib import Path

import pytest

from braise_graph.config import GraphSettings

DOC = (Path(__file__).resolve().parents[2] / "docs" / "link-model.md").read_text(encoding="utf-8")
DOCUMENTED = [
    "half_life_days",
    "strong_peak",
    "active_min",
    "dormant_ratio",
    "cooling_ratio",
    "faded_below",
    "dormant_quiet_days",
    "cooling_quiet_days",
    "nascent_days",
    "nascent_max_count",
    "fatigue_days",
    "hook_days",
    "occasion_horizon_days",
    "batch_size",
    "partitions",
    "neo4j_retry_s",
]


@pytest.mark.parametrize("name", DOCUMENTED)
def test_documented_default_is_the_real_default(name: str) -> None:
    row = re.search(rf"^\| `{name}` \| ([^|]+) \|", DOC, re.MULTILINE)
    assert row is not None, f"{name} missing from the settings table"
    default = GraphSettings.model_fields[name].default
    assert float(row.group(1)) == pytest.approx(float(default))
