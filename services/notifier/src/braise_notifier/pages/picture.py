"""What the firm's view draws: the network's colours by sector, and the weekly chart.

Pure: the page's template and `static/firm.js` only place what these functions computed.
"""

from collections import Counter
from dataclasses import dataclass
from typing import Any

from braise_notifier.pages.dashboard import LinkWeek
from braise_shared.shape import NetworkShape
from braise_shared.taxonomy import Taxonomy

# Distinct for most colour blindness (Okabe and Ito's eight, then three more), on white.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
    "#8C564B",
    "#7F7F00",
    "#9467BD",
)
OTHER = "#B0B0B0"
# The stages the chart draws, each with its colour; faded links are in the table only.
CHART_STAGES = {
    "active": "#2E7D32",
    "growing": "#0072B2",
    "nascent": "#56B4E9",
    "cooling": "#E69F00",
    "dormant": "#7A2E0E",
}
CHART_W, CHART_H, MARGIN = 640, 220, 36


@dataclass(frozen=True)
class SectorColour:
    """One entry of the legend: a sector's words, its colour and how many people it has."""

    key: str | None
    label: str
    colour: str
    people: int


def sector_colours(
    shape: NetworkShape, taxonomy: Taxonomy, *, locale: str, other_label: str
) -> list[SectorColour]:
    """Give the most common sectors a colour each, biggest first; the rest share grey."""
    people = Counter(n.sector.key if n.sector else None for n in shape.nodes)
    tags = {n.sector.key: n.sector for n in shape.nodes if n.sector}
    named = sorted((k for k in people if k is not None), key=lambda k: (-people[k], k))
    legend = [
        SectorColour(key, taxonomy.label(tags[key], locale), colour, people[key])
        for key, colour in zip(named, PALETTE, strict=False)
    ]
    rest = sum(people.values()) - sum(s.people for s in legend)
    if rest:
        legend.append(SectorColour(None, other_label, OTHER, rest))
    return legend


def drawing(shape: NetworkShape, legend: list[SectorColour]) -> dict[str, Any]:
    """Return what `static/firm.js` draws: nodes with their colour, links with their stage."""
    colour: dict[str | None, str] = {s.key: s.colour for s in legend if s.key is not None}
    return {
        "nodes": [
            {"id": n.id, "colour": colour.get(n.sector.key if n.sector else None, OTHER)}
            for n in shape.nodes
        ],
        "links": [{"a": link.a, "b": link.b, "stage": link.stage} for link in shape.links],
    }


@dataclass(frozen=True)
class Line:
    """One stage's line on the weekly chart: its points as SVG coordinates."""

    stage: str
    colour: str
    points: list[tuple[float, float]]


@dataclass(frozen=True)
class Chart:
    """The weekly chart: one line per stage, the y axis's top value, the weeks at each end."""

    lines: list[Line]
    top: int
    first: str
    last: str
    width: int = CHART_W
    height: int = CHART_H
    margin: int = MARGIN


def weekly_chart(history: list[LinkWeek]) -> Chart | None:
    """Place the links per stage of each week on a chart; None before a second week (a line
    needs two points: the table shows the first week alone)."""
    if len(history) < 2:
        return None
    top = max((w.links_by_stage.get(s, 0) for w in history for s in CHART_STAGES), default=0) or 1
    span = len(history) - 1
    plot_w, plot_h = CHART_W - 2 * MARGIN, CHART_H - 2 * MARGIN

    def point(i: int, n: int) -> tuple[float, float]:
        x = MARGIN + plot_w * i / span
        return round(x, 1), round(MARGIN + plot_h * (1 - n / top), 1)

    lines = [
        Line(
            stage, colour, [point(i, w.links_by_stage.get(stage, 0)) for i, w in enumerate(history)]
        )
        for stage, colour in CHART_STAGES.items()
    ]
    return Chart(lines, top, history[0].week, history[-1].week)
