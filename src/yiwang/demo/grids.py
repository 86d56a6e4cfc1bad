"""The grids (网格) of 示范市: each community's rectangle cut 2×2 into four grids, 160 in all.

Grid N of a community is numbered in reading order from the north-west (1 north-west, 2 north-east,
3 south-west, 4 south-east); its code is the community code plus the two-digit number and its name
"<社区名>第N网格". The quarters share the community's edges exactly, so every point of a community lies
in one of its grids."""

from __future__ import annotations

from dataclasses import dataclass

from yiwang.core.models import Grid, Region
from yiwang.demo.geography import Box, RegionSpec, polygon, region_specs
from yiwang.demo.records import Outcome, upsert

GRIDS_PER_COMMUNITY = 4


@dataclass(frozen=True)
class GridSeedResult:
    created: int
    total: int


@dataclass(frozen=True)
class GridSpec:
    code: str
    name: str
    community_code: str
    box: Box


def quarters(box: Box) -> list[Box]:
    """The four quarters of a box in reading order from the north-west."""
    west, south, east, north = box
    middle_lon, middle_lat = (west + east) / 2, (south + north) / 2
    return [
        (west, middle_lat, middle_lon, north),
        (middle_lon, middle_lat, east, north),
        (west, south, middle_lon, middle_lat),
        (middle_lon, south, east, middle_lat),
    ]


def grid_specs() -> list[GridSpec]:
    communities: list[RegionSpec] = [s for s in region_specs() if s.level == Region.Level.COMMUNITY]
    return [
        GridSpec(f"{community.code}{n:02d}", f"{community.name}第{n}网格", community.code, box)
        for community in communities
        for n, box in enumerate(quarters(community.box), start=1)
    ]


def seed_grids() -> GridSeedResult:
    """Create or update every grid; the communities must be seeded already (`geography.seed_regions`)."""
    specs = grid_specs()
    communities = Region.objects.in_bulk(sorted({spec.community_code for spec in specs}), field_name="code")
    created = 0
    for spec in specs:
        _grid, outcome = upsert(
            Grid,
            lookup={"code": spec.code},
            values={
                "name": spec.name,
                "community": communities[spec.community_code],
                "geometry": polygon(spec.box),
                "is_active": True,
            },
        )
        created += outcome is Outcome.CREATED
    total = Grid.objects.filter(code__in=[spec.code for spec in specs]).count()
    return GridSeedResult(created=created, total=total)
