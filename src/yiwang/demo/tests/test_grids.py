"""The demo city's grids: four per community, tiling it exactly, seeded idempotently, and found by
point location (core.geography) where the map says they are.

The regions and grids are seeded once for this module inside a transaction rolled back afterwards."""

from __future__ import annotations

from collections import Counter

import pytest
import shapely.geometry
from django.db import transaction
from django.db.models import Max

from yiwang.core import geography as kernel_geography
from yiwang.core.models import Grid, Region
from yiwang.demo import geography, grids


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        geography.seed_regions()
        yield grids.seed_grids()
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_every_community_is_cut_into_four_grids(seeded):
    assert seeded == grids.GridSeedResult(created=160, total=160)
    stored = list(Grid.objects.select_related("community"))
    assert len(stored) == 160
    assert Counter(grid.community.code for grid in stored) == dict.fromkeys(geography.community_codes(), 4)
    for grid in stored:
        n = int(grid.code[-2:])
        assert grid.code == f"{grid.community.code}{n:02d}" and 1 <= n <= 4
        assert grid.name == f"{grid.community.name}第{n}网格"
        assert grid.is_active
    first = Grid.objects.get(code="32990200100101")
    assert (first.name, first.community.name) == ("翠苑社区第1网格", "翠苑社区")


def test_the_grids_tile_their_community_exactly(seeded):
    for community in Region.objects.filter(level=Region.Level.COMMUNITY).prefetch_related("grids"):
        outline = shapely.geometry.shape(community.geometry)
        pieces = [shapely.geometry.shape(grid.geometry) for grid in community.grids.all()]
        assert all(outline.covers(piece) for piece in pieces), community.code
        assert sum(piece.area for piece in pieces) == pytest.approx(outline.area, rel=1e-9), community.code
        assert shapely.union_all(pieces).symmetric_difference(outline).area == pytest.approx(0, abs=1e-12)


def test_seeding_again_changes_nothing(seeded):
    stamp = Grid.objects.aggregate(latest=Max("updated_at"))["latest"]

    again = grids.seed_grids()

    assert again == grids.GridSeedResult(created=0, total=160)
    assert Grid.objects.aggregate(latest=Max("updated_at"))["latest"] == stamp


def test_a_point_in_a_grid_resolves_to_its_community_and_grid(seeded):
    location = kernel_geography.locate(119.4167, 32.27)  # the centre of 翠苑社区's north-west quarter

    assert location is not None
    assert (location.region.code, location.region.name) == ("329902001001", "翠苑社区")
    assert (location.grid.code, location.grid.name) == ("32990200100101", "翠苑社区第1网格")


def test_a_point_in_another_district_resolves_there(seeded):
    location = kernel_geography.locate(119.31, 32.21)

    assert location is not None
    assert location.region.name == "锦绣社区"
    assert location.region.parent.parent.name == "西山区"
    assert location.grid.name == "锦绣社区第2网格"


@pytest.mark.parametrize("point", [(119.7, 32.2), (119.4, 31.9), (116.4, 39.9)])
def test_a_point_outside_the_city_is_nowhere(seeded, point):
    assert kernel_geography.locate(*point) is None


def test_the_maps_have_one_feature_per_region_and_grid(seeded):
    communities = kernel_geography.region_geojson(Region.Level.COMMUNITY)["features"]
    all_grids = kernel_geography.grid_geojson()["features"]
    east_lake = Region.objects.get(code="329902")

    assert len(communities) == 40 and len(all_grids) == 160
    assert communities[0]["properties"] == {"code": "329902001001", "name": "翠苑社区"}
    assert all_grids[0]["properties"] == {"code": "32990200100101", "name": "翠苑社区第1网格"}
    assert len(kernel_geography.grid_geojson(within=east_lake)["features"]) == 40
    assert len(kernel_geography.region_geojson(Region.Level.DISTRICT)["features"]) == 4
