"""Point location (落点定位) and map outlines over the regions' and grids' GeoJSON boundaries.

`locate(longitude, latitude)` answers "which community (else street, else district) and which grid
is this point in", for 12345 tickets (an address plus an optional point) and 一网统管 incidents.
`region_geojson` / `grid_geojson` give FeatureCollections with `code` and `name` properties, the
shape ECharts `registerMap` takes for maps of tickets or incidents by region or grid.

Caching: parsing every boundary with shapely and building the search trees costs far more than a
lookup, so the trees are kept per process and rebuilt when the boundary data changes. The cache key
is the list of (id, updated_at) of every region and every grid, read in one query per table on each
call. This is safe because:
- the key comes from the very rows the shapes are built from: a rebuild loads id, updated_at and
  geometry in one query per table and takes its key from those rows, so a cached key always
  describes exactly the shapes held with it (a change committed between the check and the rebuild
  gives a newer key, and the next call simply finds the key equal);
- every `save()` stamps `updated_at` (auto_now), and inserts and deletes change the id list, so any
  edit through the ORM (the admin, the demo seed, actions) changes the key, whichever order
  concurrent transactions commit in. A count plus max(updated_at) would miss an edit that commits
  after a later-stamped one; comparing every row's stamp does not. It is still cheap: with 5,000
  grids the two reads take about 3.5 ms on SQLite, against about 200 ms for a rebuild.
The one way around it is a write that skips `save()` (`QuerySet.update`, raw SQL) or a clock that
stands still: such a write of a boundary must set a new `updated_at` too."""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import shapely
import shapely.errors
import shapely.geometry
from django.db.models import CharField
from django.db.models.functions import Cast
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from yiwang.core.errors import InvalidInput
from yiwang.core.models import Grid, Region

logger = logging.getLogger(__name__)

_DEPTH = {
    Region.Level.CITY: 0,
    Region.Level.DISTRICT: 1,
    Region.Level.STREET: 2,
    Region.Level.COMMUNITY: 3,
}

# (id, updated_at as the database's text) of every row of a table, in id order. The text form is
# compared as it comes: converting thousands of datetimes costs more than the query itself.
_Stamps = tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class Location:
    """Where a point lies: the deepest region containing it and the active grid it falls in, if any."""

    region: Region
    grid: Grid | None


@dataclass(frozen=True)
class _Area:
    pk: int
    code: str
    depth: int  # regions: 0 city … 3 community; grids: 4
    community_id: int | None  # grids only


@dataclass(frozen=True)
class _Layer:
    """Shapes of one table in an STRtree; `areas[i]` describes the tree's i-th geometry."""

    tree: STRtree
    areas: tuple[_Area, ...]

    def covering(self, point: BaseGeometry) -> list[_Area]:
        """The areas whose shape contains the point or has it on its boundary, deepest first, then
        by code, so a point on a shared edge resolves the same way every time."""
        hits = [self.areas[int(i)] for i in self.tree.query(point, predicate="intersects")]
        return sorted(hits, key=lambda area: (-area.depth, area.code))


@dataclass(frozen=True)
class _Index:
    key: tuple[_Stamps, _Stamps]
    regions: _Layer
    grids: _Layer


_lock = threading.Lock()
_index: _Index | None = None


def locate(longitude: float, latitude: float) -> Location | None:
    """The community (else street, else district, else city) containing the point and its grid; None
    when no region of the city contains it. When a community is found, only its own grids are
    considered; when only a grid covers the point (its community has no boundary), the grid's
    community is the region. Inactive grids are ignored."""
    region, grid_area = _areas_at(_current_index(), longitude, latitude)
    # A row deleted since the trees were read is simply not found (the next call rebuilds them).
    grid = Grid.objects.select_related("community").filter(pk=grid_area.pk).first() if grid_area else None
    if grid is not None:
        return Location(region=grid.community, grid=grid)
    found = Region.objects.filter(pk=region.pk).first() if region is not None else None
    return Location(region=found, grid=None) if found is not None else None


def grids_at(points: Iterable[tuple[float, float]]) -> list[int | None]:
    """The id of the grid `locate` finds for each (longitude, latitude), from one read of the trees
    and no query per point (for bulk writers)."""
    index = _current_index()
    return [(grid.pk if (grid := _areas_at(index, lon, lat)[1]) else None) for lon, lat in points]


def _areas_at(index: _Index, longitude: float, latitude: float) -> tuple[_Area | None, _Area | None]:
    """The deepest region containing the point and its grid (`locate`'s rule)."""
    point = shapely.geometry.Point(_coordinate(longitude, latitude))
    regions = index.regions.covering(point)
    region = regions[0] if regions else None
    grids = index.grids.covering(point)
    if region is not None and region.depth == _DEPTH[Region.Level.COMMUNITY]:
        grids = [grid for grid in grids if grid.community_id == region.pk]
    return region, (grids[0] if grids else None)


def region_geojson(level: str, *, within: Region | None = None) -> dict[str, Any]:
    """The regions of one level (within `within`'s subtree, itself included) that have a boundary."""
    if level not in Region.Level.values:
        choices = "、".join(Region.Level.values)
        raise InvalidInput(f"区划层级应为以下之一：{choices}", code="geography_level_invalid")
    regions = Region.objects.filter(level=level, geometry__isnull=False)
    if within is not None:
        regions = regions.filter(path__startswith=within.path)
    return _collection(regions.order_by("code").values_list("code", "name", "geometry"))


def grid_geojson(*, within: Region | None = None) -> dict[str, Any]:
    """The active grids (within `within`'s subtree)."""
    grids = Grid.objects.filter(is_active=True)
    if within is not None:
        grids = grids.filter(community__path__startswith=within.path)
    return _collection(grids.order_by("code").values_list("code", "name", "geometry"))


def _collection(rows: Iterable[tuple[str, str, Any]]) -> dict[str, Any]:
    features = [
        {"type": "Feature", "geometry": geometry, "properties": {"code": code, "name": name}}
        for code, name, geometry in rows
        if geometry
    ]
    return {"type": "FeatureCollection", "features": features}


def _coordinate(longitude: Any, latitude: Any) -> tuple[float, float]:
    """(longitude, latitude) as floats, or InvalidInput saying what is wrong in Chinese."""
    for value in (longitude, latitude):
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            raise InvalidInput("经纬度应为数字", code="geography_point_invalid")
    lon, lat = float(longitude), float(latitude)
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        hint = "，请确认经纬度是否填反" if abs(lat) > 90 and abs(lon) <= 90 else ""
        raise InvalidInput(
            f"经纬度超出范围：经度应在 -180～180 之间，纬度应在 -90～90 之间（收到经度 {longitude}，"
            f"纬度 {latitude}）{hint}",
            code="geography_point_invalid",
        )
    return lon, lat


def _stamp_text() -> Cast:
    return Cast("updated_at", output_field=CharField())


def _stamps(model: type[Region] | type[Grid]) -> _Stamps:
    return tuple(model.objects.order_by("pk").values_list("pk", _stamp_text()))


def _current_index() -> _Index:
    """The cached trees if the rows they were built from are unchanged, else freshly built ones."""
    global _index
    key = (_stamps(Region), _stamps(Grid))
    index = _index
    if index is not None and index.key == key:
        return index
    with _lock:
        index = _index
        if index is None or index.key != key:
            index = _build()
            _index = index
        return index


def _build() -> _Index:
    region_rows = list(
        Region.objects.order_by("pk").values_list("pk", _stamp_text(), "code", "level", "geometry")
    )
    grid_rows = list(
        Grid.objects.order_by("pk").values_list(
            "pk", _stamp_text(), "code", "community_id", "is_active", "geometry"
        )
    )
    regions = [
        (_Area(pk, code, _DEPTH[level], None), geometry)
        for pk, _stamp, code, level, geometry in region_rows
        if level in _DEPTH
    ]
    grids = [
        (_Area(pk, code, len(_DEPTH), community_id), geometry)
        for pk, _stamp, code, community_id, active, geometry in grid_rows
        if active
    ]
    key = (
        tuple((row[0], row[1]) for row in region_rows),
        tuple((row[0], row[1]) for row in grid_rows),
    )
    return _Index(key=key, regions=_layer(regions), grids=_layer(grids))


def _layer(items: list[tuple[_Area, Any]]) -> _Layer:
    areas: list[_Area] = []
    shapes: list[BaseGeometry] = []
    for area, geometry in items:
        shape = _shape(area, geometry)
        if shape is not None:
            areas.append(area)
            shapes.append(shape)
    shapely.prepare(shapes)  # the tree's predicate tests then run on prepared geometries
    return _Layer(tree=STRtree(shapes), areas=tuple(areas))


def _shape(area: _Area, geometry: Any) -> BaseGeometry | None:
    """The polygon(s) of a boundary, or None for no boundary or one shapely cannot use (regions'
    boundaries are only checked to be GeoJSON-shaped; one bad row must not stop location)."""
    if not geometry:
        return None
    try:
        shape = shapely.geometry.shape(geometry)
    except (TypeError, ValueError, IndexError, KeyError, AttributeError, shapely.errors.ShapelyError):
        logger.warning("Boundary of %s is not usable GeoJSON; it is left out of point location", area.code)
        return None
    if shape.is_empty or shape.geom_type not in ("Polygon", "MultiPolygon"):
        return None
    return shape
