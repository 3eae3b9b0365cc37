"""What the firm's view shows at a glance, computed once for the page's template to place.

Pure: the live links between sectors as a heat table, the share of each stage week after week,
and the sectors whose live links fell most between two weekly records.
"""

from dataclasses import dataclass

from braise_notifier.history import OTHER_SECTORS, small_sectors
from braise_shared.shape import SectorLinks
from braise_shared.stages import STAGES
from braise_shared.taxonomy import Taxonomy

MAX_SECTORS = 10  # the matrix's rows and columns; the smaller sectors share one
OTHERS = OTHER_SECTORS  # the key of that shared row (with every sector of too few people)
# The heat table's shades, lightest first, each with a text colour that reads on it (WCAG AA).
SHADES = (
    ("#ffffff", "#2b2b2b"),
    ("#fbe3d4", "#2b2b2b"),
    ("#f5bfa0", "#2b2b2b"),
    ("#e08a5c", "#1a1a1a"),
    ("#a3400f", "#ffffff"),
)
# The stages whose share the weekly bars show: every one but faded (most links, saying little).
SHARE_STAGES = tuple(s for s in STAGES if s != "faded")
STAGE_COLOURS = {
    "nascent": "#56B4E9",
    "growing": "#0072B2",
    "active": "#2E7D32",
    "cooling": "#E69F00",
    "dormant": "#7A2E0E",
}


@dataclass(frozen=True)
class Cell:
    """One square of the heat table: its count and its shade."""

    links: int
    background: str
    colour: str


@dataclass(frozen=True)
class Matrix:
    """Live links between sectors: rows and columns in the same order, biggest sectors first."""

    labels: list[str]
    people: list[int]
    rows: list[list[Cell]]
    total: int
    strongest: list[tuple[str, str, int]]  # the pairs of sectors with most live links


def sector_matrix(
    found: SectorLinks, taxonomy: Taxonomy, *, locale: str, others: str, none: str
) -> Matrix:
    """Return the heat table of live links: the MAX_SECTORS biggest sectors of at least
    `history.MIN_SECTOR_PEOPLE` people, the rest in one (a smaller sector could point at
    someone)."""
    keys = [s.sector.key if s.sector else None for s in found.sectors]
    small = small_sectors(found)
    kept = [k for k in keys if k is not None and k not in small][:MAX_SECTORS]
    rest = [k for k in keys if k not in kept]
    order: list[str | None] = [*kept, OTHERS] if rest else list(kept)
    tags = {s.sector.key: s.sector for s in found.sectors if s.sector}
    labels = [taxonomy.label(tags[k], locale) for k in kept]
    if rest:
        labels.append(none if rest == [None] else others)

    def row_of(key: str | None) -> str | None:
        return key if key in kept else OTHERS

    people = [0] * len(order)
    for s in found.sectors:
        people[order.index(row_of(s.sector.key if s.sector else None))] += s.people
    counts = [[0] * len(order) for _ in order]
    for p in found.pairs:
        i, j = order.index(row_of(p.a)), order.index(row_of(p.b))
        counts[i][j] += p.links
        if i != j:
            counts[j][i] += p.links
    top = max((n for row in counts for n in row), default=0)
    rows = [[_cell(n, top) for n in row] for row in counts]
    pairs = sorted(
        (
            (counts[i][j], labels[i], labels[j])
            for i in range(len(order))
            for j in range(i, len(order))
        ),
        key=lambda x: (-x[0], x[1], x[2]),
    )
    strongest = [(a, b, n) for n, a, b in pairs[:5] if n > 0]
    return Matrix(labels, people, rows, sum(p.links for p in found.pairs), strongest)


def _cell(n: int, top: int) -> Cell:
    shade = 0 if n == 0 else 1 + min(len(SHADES) - 2, (len(SHADES) - 1) * (n - 1) // max(top, 1))
    background, colour = SHADES[shade]
    return Cell(n, background, colour)


@dataclass(frozen=True)
class Share:
    """One stage's part of a week's links that have not faded."""

    stage: str
    links: int
    percent: int
    colour: str


@dataclass(frozen=True)
class WeekShares:
    """A week's record: links not faded, each stage's share, and the faded links beside."""

    week: str
    recorded_on: str
    living: int
    faded: int
    shares: list[Share]


def stage_shares(weeks: list[tuple[str, str, dict[str, int]]]) -> list[WeekShares]:
    """Return each week's (week, day recorded, links per stage) as shares of the links that
    have not faded; percentages are rounded so that each week's add up to 100."""
    out = []
    for week, day, stages in weeks:
        living = sum(stages.get(s, 0) for s in SHARE_STAGES)
        percents = _round_to_100([stages.get(s, 0) for s in SHARE_STAGES], living)
        shares = [
            Share(s, stages.get(s, 0), p, STAGE_COLOURS[s])
            for s, p in zip(SHARE_STAGES, percents, strict=True)
        ]
        out.append(WeekShares(week, day, living, stages.get("faded", 0), shares))
    return out


def _round_to_100(counts: list[int], total: int) -> list[int]:
    """Round shares to whole percents that add up to 100 (largest remainders first)."""
    if total == 0:
        return [0] * len(counts)
    exact = [100 * n / total for n in counts]
    floors = [int(x) for x in exact]
    by_remainder = sorted(range(len(counts)), key=lambda i: floors[i] - exact[i])
    for i in by_remainder[: 100 - sum(floors)]:
        floors[i] += 1
    return floors


@dataclass(frozen=True)
class SectorChange:
    """A sector's live links in two weekly records."""

    label: str
    before: int
    after: int

    @property
    def fall(self) -> int:
        """Return how many live links the sector lost (negative: gained)."""
        return self.before - self.after


@dataclass(frozen=True)
class Thinning:
    """The sectors whose live links fell most from one weekly record to a later one."""

    since: str
    until: str
    sectors: list[SectorChange]


def thinning(
    weeks: list[tuple[str, dict[str, tuple[str, int]]]], *, shown: int = 5
) -> Thinning | None:
    """Compare the latest sector record with the oldest one given (up to 8 weeks before);
    return the sectors that lost live links, most lost first. None before two records."""
    if len(weeks) < 2:
        return None
    (since, before), (until, after) = weeks[0], weeks[-1]
    changes = [
        SectorChange((after.get(key) or before[key])[0], before[key][1], after.get(key, ("", 0))[1])
        for key in before
    ]
    fell = sorted((c for c in changes if c.fall > 0), key=lambda c: (-c.fall, c.label))
    return Thinning(since, until, fell[:shown])
