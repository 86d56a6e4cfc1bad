"""Point location and map outlines (core.geography), and the Grid model's boundary checks.

The kernel's own small map (the demo city's 160 grids are located in demo/tests/test_grids.py):

    118.0        118.5        119.0                     120.0
 33.0 +------------+------------+-------------------------+
      | grid …0101 |            |                         |
 32.5 +------------+  street A1 |                         |
      | grid …0102 |            |       district B        |
 32.0 +------------+------------+   (no streets drawn)    |
      |  district A (no street) |                         |
 31.0 +-------------------------+-------------------------+
      community A1a = the two grids; the city is the whole box."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse

from yiwang.core import geography, permissions
from yiwang.core.errors import InvalidInput
from yiwang.core.models import AuditEvent, Grid, Region
from yiwang.identity.tests.factories import UserFactory, make_staff

pytestmark = pytest.mark.django_db


def box(west: float, south: float, east: float, north: float) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


NORTH_GRID = box(118.0, 32.5, 118.5, 33.0)
SOUTH_GRID = box(118.0, 32.0, 118.5, 32.5)


@pytest.fixture
def city():
    def region(code, name, level, parent, geometry):
        return Region.objects.create(code=code, name=name, level=level, parent=parent, geometry=geometry)

    city = region("320100", "测试市", Region.Level.CITY, None, box(118.0, 31.0, 120.0, 33.0))
    district_a = region("320102", "甲区", Region.Level.DISTRICT, city, box(118.0, 31.0, 119.0, 33.0))
    district_b = region("320104", "乙区", Region.Level.DISTRICT, city, box(119.0, 31.0, 120.0, 33.0))
    street = region("320102001", "甲一街道", Region.Level.STREET, district_a, box(118.0, 32.0, 119.0, 33.0))
    community = region(
        "320102001001", "甲一社区", Region.Level.COMMUNITY, street, box(118.0, 32.0, 118.5, 33.0)
    )
    north = Grid.objects.create(
        code="32010200100101", name="甲一社区第1网格", community=community, geometry=NORTH_GRID
    )
    south = Grid.objects.create(
        code="32010200100102", name="甲一社区第2网格", community=community, geometry=SOUTH_GRID
    )
    return {
        "city": city,
        "district_a": district_a,
        "district_b": district_b,
        "street": street,
        "community": community,
        "north": north,
        "south": south,
    }


# -- locate ------------------------------------------------------------------------------------


def test_a_point_in_a_grid_resolves_to_its_community_and_grid(city):
    location = geography.locate(118.25, 32.75)

    assert location == geography.Location(region=city["community"], grid=city["north"])
    assert location.region.name == "甲一社区" and location.grid.code == "32010200100101"


def test_a_point_falls_back_to_the_deepest_region_drawn(city):
    assert geography.locate(119.5, 31.5) == geography.Location(region=city["district_b"], grid=None)
    assert geography.locate(118.5, 31.5) == geography.Location(region=city["district_a"], grid=None)
    assert geography.locate(118.75, 32.5) == geography.Location(region=city["street"], grid=None)


def test_a_point_on_a_shared_edge_resolves_the_same_way_every_time(city):
    # 32.5 is the edge between the two grids: the lower code wins.
    assert geography.locate(118.25, 32.5).grid == city["north"]
    # 119.0 is the edge between the districts.
    assert geography.locate(119.0, 31.5).region == city["district_a"]


@pytest.mark.parametrize("point", [(121.0, 32.0), (117.99, 32.5), (119.0, 33.01), (0.0, 0.0)])
def test_a_point_outside_the_city_is_nowhere(city, point):
    assert geography.locate(*point) is None


def test_nothing_is_located_without_regions(db):
    assert geography.locate(118.25, 32.75) is None


@pytest.mark.parametrize(
    "point",
    [
        (180.5, 32.0),
        (-181, 32.0),
        (118.0, 90.01),
        (118.0, -91),
        (float("nan"), 32.0),
        (118.0, float("inf")),
        ("118.0", 32.0),
        (True, 32.0),
        (None, 32.0),
    ],
)
def test_bad_coordinates_are_refused(city, point):
    with pytest.raises(InvalidInput) as refused:
        geography.locate(*point)

    assert refused.value.code == "geography_point_invalid"
    assert refused.value.message.startswith("经纬度")


def test_swapped_coordinates_get_a_hint(city):
    with pytest.raises(InvalidInput) as refused:
        geography.locate(32.75, 118.25)

    assert refused.value.message == (
        "经纬度超出范围：经度应在 -180～180 之间，纬度应在 -90～90 之间（收到经度 32.75，纬度 118.25），"
        "请确认经纬度是否填反"
    )


# -- the cache follows the data ----------------------------------------------------------------


def test_a_repeated_lookup_reuses_the_shapes(city, django_assert_num_queries):
    geography.locate(118.25, 32.75)

    # Two stamp reads (regions, grids) and the grid with its community; no rebuild.
    with django_assert_num_queries(3):
        assert geography.locate(118.25, 32.25).grid == city["south"]


def test_a_changed_grid_boundary_is_seen_at_once(city):
    assert geography.locate(118.25, 32.75).grid == city["north"]
    north, south = city["north"], city["south"]

    north.geometry, south.geometry = SOUTH_GRID, NORTH_GRID
    north.save()
    south.save()

    assert geography.locate(118.25, 32.75).grid == south
    assert geography.locate(118.25, 32.25).grid == north


def test_an_edit_stamped_before_the_latest_one_is_seen(city):
    """What a count plus max(updated_at) would miss: an edit that commits after a later-stamped one."""
    north, south = city["north"], city["south"]
    assert south.updated_at > north.updated_at
    assert geography.locate(118.25, 32.75).grid == north

    Grid.objects.filter(pk=north.pk).update(
        geometry=box(119.0, 31.0, 119.5, 31.5), updated_at=north.updated_at + timedelta(microseconds=1)
    )

    assert geography.locate(118.25, 32.75) == geography.Location(region=city["community"], grid=None)


def test_deactivated_deleted_and_added_rows_are_seen(city):
    north = city["north"]
    north.is_active = False
    north.save()
    assert geography.locate(118.25, 32.75) == geography.Location(region=city["community"], grid=None)

    north.delete()
    city["south"].delete()
    assert geography.locate(118.25, 32.25) == geography.Location(region=city["community"], grid=None)

    community_b = Region.objects.create(
        code="320104001001",
        name="乙一社区",
        level=Region.Level.COMMUNITY,
        parent=city["district_b"],
        geometry=box(119.0, 31.0, 119.5, 31.5),
    )
    assert geography.locate(119.25, 31.25) == geography.Location(region=community_b, grid=None)


def test_a_grid_without_a_community_boundary_names_its_community(city):
    community = city["community"]
    community.geometry = None
    community.save()

    assert geography.locate(118.25, 32.75) == geography.Location(region=community, grid=city["north"])
    assert geography.locate(118.75, 32.75) == geography.Location(region=city["street"], grid=None)


def test_an_unusable_region_boundary_is_left_out_not_fatal(city):
    Region.objects.filter(pk=city["street"].pk).update(
        geometry={"type": "Polygon", "coordinates": [[[118.0, 32.0], [119.0]]]},
        updated_at=city["street"].updated_at + timedelta(seconds=1),
    )

    assert geography.locate(118.75, 32.75) == geography.Location(region=city["district_a"], grid=None)
    assert geography.locate(118.25, 32.75).grid == city["north"]


# -- GeoJSON for maps --------------------------------------------------------------------------


def test_region_geojson_has_one_feature_per_region_of_the_level(city):
    collection = geography.region_geojson(Region.Level.DISTRICT)

    assert collection == {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": box(118.0, 31.0, 119.0, 33.0),
                "properties": {"code": "320102", "name": "甲区"},
            },
            {
                "type": "Feature",
                "geometry": box(119.0, 31.0, 120.0, 33.0),
                "properties": {"code": "320104", "name": "乙区"},
            },
        ],
    }


def test_region_geojson_within_a_region_and_without_boundaries(city):
    city["street"].geometry = None
    city["street"].save()

    assert geography.region_geojson("street")["features"] == []
    within_a = geography.region_geojson("community", within=city["district_a"])
    assert [f["properties"] for f in within_a["features"]] == [{"code": "320102001001", "name": "甲一社区"}]
    assert geography.region_geojson("community", within=city["district_b"])["features"] == []


def test_region_geojson_refuses_an_unknown_level(city):
    with pytest.raises(InvalidInput) as refused:
        geography.region_geojson("grid")

    assert refused.value.code == "geography_level_invalid"
    assert refused.value.message == "区划层级应为以下之一：city、district、street、community"


def test_grid_geojson_has_one_feature_per_active_grid(city):
    collection = geography.grid_geojson()

    assert collection["type"] == "FeatureCollection"
    assert [(f["properties"], f["geometry"]) for f in collection["features"]] == [
        ({"code": "32010200100101", "name": "甲一社区第1网格"}, NORTH_GRID),
        ({"code": "32010200100102", "name": "甲一社区第2网格"}, SOUTH_GRID),
    ]
    city["south"].is_active = False
    city["south"].save()
    assert [f["properties"]["code"] for f in geography.grid_geojson()["features"]] == ["32010200100101"]
    assert (
        geography.grid_geojson(within=city["district_a"])["features"][0]["properties"]["name"]
        == "甲一社区第1网格"
    )
    assert geography.grid_geojson(within=city["district_b"]) == {"type": "FeatureCollection", "features": []}


# -- the model ---------------------------------------------------------------------------------


def _grid(city, geometry, community=None) -> Grid:
    return Grid(
        code="32010200100103",
        name="甲一社区第3网格",
        community=community or city["community"],
        geometry=geometry,
    )


def test_a_valid_grid_passes_full_clean(city):
    _grid(city, box(118.0, 32.0, 118.25, 32.25)).full_clean()


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        (
            {"type": "Circle", "coordinates": [118, 32]},
            "边界应为 GeoJSON 几何对象（如 Polygon、MultiPolygon）",
        ),
        ({"type": "Point", "coordinates": [118, 32]}, "网格边界应为面（GeoJSON Polygon 或 MultiPolygon）"),
        (
            {"type": "Polygon", "coordinates": [[[118, 32], [119]]]},
            "网格边界坐标格式不正确，应为 [经度, 纬度] 组成的闭合环",
        ),
        (
            {"type": "Polygon", "coordinates": [[[118, 32], [119, 33], [119, 32], [118, 33], [118, 32]]]},
            "网格边界不是有效的多边形（环应闭合且边不自相交）",
        ),
        (box(32.0, 118.0, 33.0, 119.0), "网格边界坐标超出经纬度范围（经度 -180～180，纬度 -90～90）"),
    ],
    ids=["not-geojson", "point", "broken-ring", "self-intersecting", "swapped"],
)
def test_a_grid_with_an_unusable_boundary_is_refused(city, geometry, message):
    with pytest.raises(ValidationError) as refused:
        _grid(city, geometry).full_clean()

    assert refused.value.message_dict == {"geometry": [message]}


def test_a_grid_without_a_boundary_is_refused(city):
    with pytest.raises(ValidationError) as refused:
        _grid(city, None).full_clean()

    assert list(refused.value.message_dict) == ["geometry"]


def test_a_grid_belongs_to_a_community(city):
    with pytest.raises(ValidationError) as refused:
        _grid(city, box(118.0, 32.0, 118.25, 32.25), community=city["street"]).full_clean()

    assert refused.value.message_dict == {"community": ["网格只能划在社区/村之下"]}


# -- the admin ---------------------------------------------------------------------------------


def test_a_grid_added_in_the_admin_is_audited_and_located_at_once(city, client):
    staff = UserFactory(is_staff=True, is_superuser=True, kind="staff")
    client.force_login(staff)
    south = city["south"]
    south.is_active = False
    south.save()
    assert geography.locate(118.2, 32.2) == geography.Location(region=city["community"], grid=None)
    form = {
        "code": "32010200100103",
        "name": "甲一社区第3网格",
        "community": city["street"].pk,
        "geometry": json.dumps(box(118.0, 32.0, 118.25, 32.25)),
        "is_active": "on",
    }

    refused = client.post(reverse("admin:core_grid_add"), form)
    added = client.post(reverse("admin:core_grid_add"), {**form, "community": city["community"].pk})

    # Only communities are offered: a street is refused by the form.
    assert refused.status_code == 200 and "选择一个有效的选项" in refused.content.decode()
    assert added.status_code == 302
    grid = Grid.objects.get(code="32010200100103")
    event = AuditEvent.objects.get(action="core.admin_create")
    assert (event.object_type, event.object_id, event.actor_id) == ("core.grid", str(grid.pk), staff.pk)
    assert geography.locate(118.2, 32.2) == geography.Location(region=city["community"], grid=grid)


def test_the_admin_needs_the_master_data_permission_to_add_a_grid(city, client):
    """Django's own add permission is not enough: the named 主数据 permission decides."""
    staff = make_staff(permissions=[permissions.VIEW_AUDIT], is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["add_grid", "view_grid"]))
    client.force_login(staff)
    assert client.get(reverse("admin:core_grid_add")).status_code == 403

    allowed = make_staff(permissions=[permissions.MANAGE_MASTER_DATA], is_staff=True)
    allowed.user_permissions.add(*Permission.objects.filter(codename__in=["add_grid", "view_grid"]))
    client.force_login(allowed)
    assert client.get(reverse("admin:core_grid_add")).status_code == 200
