"""The regions of 示范市: one city, 4 districts, 12 streets, 40 communities.

Codes are GB/T 2260-shaped but fictional: 32 is Jiangsu's province prefix and Jiangsu's
prefecture-level cities use 3201–3213, so 3299xx belongs to no real city (and neither does any
3299xxxxxxxx street or community code built under it). Streets extend the district code with
three digits (001–003) and communities extend the street code with three more, the way the
statistics division codes do. Boundaries are rough rectangles around 119.4°E 32.2°N so that maps
have something to draw; they are not surveyed shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from yiwang.core.models import Region
from yiwang.demo.records import Outcome, upsert

Box = tuple[float, float, float, float]  # west, south, east, north

CITY_CODE = "329900"
CITY_NAME = "示范市"

# District code → (name, [(street name, [community names])]).
DISTRICTS: dict[str, tuple[str, tuple[tuple[str, tuple[str, ...]], ...]]] = {
    "329902": (
        "东湖区",
        (
            ("湖滨街道", ("翠苑社区", "梅园社区", "桂花社区", "荷塘社区")),
            ("新华街道", ("新华社区", "文昌社区", "育才社区")),
            ("东湖街道", ("东湖社区", "望湖社区", "绿洲社区")),
        ),
    ),
    "329903": (
        "西山区",
        (
            ("西山街道", ("西山社区", "松林社区", "枫林社区", "竹园社区")),
            ("翠屏街道", ("翠屏社区", "锦绣社区", "阳光社区")),
            ("龙泉街道", ("龙泉社区", "清泉社区", "金山社区")),
        ),
    ),
    "329904": (
        "南港区",
        (
            ("南港街道", ("南港社区", "港湾社区", "渔港社区", "灯塔社区")),
            ("海港街道", ("海港社区", "海韵社区", "丽景社区")),
            ("滨江街道", ("滨江社区", "江畔社区", "春江社区")),
        ),
    ),
    "329905": (
        "北城区",
        (
            ("北城街道", ("北城社区", "北辰社区", "幸福社区", "友谊社区")),
            ("和平街道", ("和平社区", "民主社区", "团结社区")),
            ("长安街道", ("长安社区", "长乐社区", "永安社区")),
        ),
    ),
}

# Bounding boxes (west, south, east, north). 北城 lies across the north, 南港 along the river in the
# south, 西山 and 东湖 share the middle band.
CITY_BOX = (119.20, 32.00, 119.60, 32.40)
DISTRICT_BOXES: dict[str, Box] = {
    "329902": (119.40, 32.12, 119.60, 32.28),
    "329903": (119.20, 32.12, 119.40, 32.28),
    "329904": (119.20, 32.00, 119.60, 32.12),
    "329905": (119.20, 32.28, 119.60, 32.40),
}


@dataclass(frozen=True)
class RegionSpec:
    code: str
    name: str
    level: str
    parent_code: str | None
    box: Box

    @property
    def geometry(self) -> dict[str, Any]:
        return polygon(self.box)


def polygon(box: Box) -> dict[str, Any]:
    west, south, east, north = (round(v, 4) for v in box)
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def _slices(box: Box, n: int, *, vertical: bool) -> list[Box]:
    west, south, east, north = box
    if vertical:
        step = (east - west) / n
        return [(west + i * step, south, west + (i + 1) * step, north) for i in range(n)]
    step = (north - south) / n
    return [(west, north - (i + 1) * step, east, north - i * step) for i in range(n)]


def region_specs() -> list[RegionSpec]:
    """Every region, parents before children."""
    specs = [RegionSpec(CITY_CODE, CITY_NAME, Region.Level.CITY, None, CITY_BOX)]
    for district_code, (district_name, streets) in DISTRICTS.items():
        district_box = DISTRICT_BOXES[district_code]
        specs.append(RegionSpec(district_code, district_name, Region.Level.DISTRICT, CITY_CODE, district_box))
        for s_index, ((street_name, communities), street_box) in enumerate(
            zip(streets, _slices(district_box, len(streets), vertical=True), strict=True), start=1
        ):
            street_code = f"{district_code}{s_index:03d}"
            specs.append(RegionSpec(street_code, street_name, Region.Level.STREET, district_code, street_box))
            for c_index, (community_name, community_box) in enumerate(
                zip(communities, _slices(street_box, len(communities), vertical=False), strict=True), start=1
            ):
                specs.append(
                    RegionSpec(
                        f"{street_code}{c_index:03d}",
                        community_name,
                        Region.Level.COMMUNITY,
                        street_code,
                        community_box,
                    )
                )
    return specs


def community_codes() -> list[str]:
    return [spec.code for spec in region_specs() if spec.level == Region.Level.COMMUNITY]


def full_names() -> dict[str, str]:
    """Code → the name with its ancestors below the city, e.g. "东湖区湖滨街道翠苑社区"."""
    specs = region_specs()
    by_code = {spec.code: spec for spec in specs}
    names: dict[str, str] = {}
    for spec in specs:
        parent = by_code.get(spec.parent_code or "")
        prefix = names.get(parent.code, "") if parent is not None and parent.code != CITY_CODE else ""
        names[spec.code] = prefix + spec.name if spec.code != CITY_CODE else ""
    return names


def seed_regions() -> tuple[dict[str, Region], int]:
    """Create or update every region; returns (code → Region, how many rows were created)."""
    regions: dict[str, Region] = {}
    created = 0
    for spec in region_specs():
        region, outcome = upsert(
            Region,
            lookup={"code": spec.code},
            values={
                "name": spec.name,
                "level": spec.level,
                "parent": regions[spec.parent_code] if spec.parent_code else None,
                "geometry": spec.geometry,
            },
        )
        created += outcome is Outcome.CREATED
        regions[spec.code] = region
    return regions, created
