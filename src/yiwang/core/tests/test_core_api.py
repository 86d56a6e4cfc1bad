"""The /api/v1/core/ endpoints: who may read what, masking, pagination, query counts, the calendar."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yiwang.core import calendar
from yiwang.core.models import AuditEvent
from yiwang.core.tests.factories import EnterpriseFactory, OrganizationFactory, PersonFactory
from yiwang.core.tests.world import build_world

pytestmark = pytest.mark.django_db

API = "/api/v1/core"


@pytest.fixture
def world():
    return build_world()


@pytest.fixture(autouse=True)
def _calendar(settings):
    settings.YIWANG_CALENDAR_REFRESH_SECONDS = None
    calendar.invalidate_calendar()
    yield
    calendar.invalidate_calendar()


def get(client, user, url, **params):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url, params)


# -- anonymous ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/regions",
        "/regions/tree",
        "/organizations",
        "/persons",
        "/enterprises",
        "/dictionaries/gender",
        "/calendar/workdays?start=2026-10-01&end=2026-10-10",
        "/calendar/deadline?working_days=1",
    ],
)
def test_anonymous_gets_401_envelope(client, path):
    response = client.get(API + path)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


# -- persons ------------------------------------------------------------------------------------


def test_persons_list_is_scoped_and_masked(client, world):
    body = get(client, world.east_officer, f"{API}/persons").json()
    assert body["count"] == 1
    [row] = body["items"]
    person = world.east_person
    assert row["uid"] == str(person.uid)
    assert row["id_number"] == person.id_number[:6] + "********" + person.id_number[-4:]
    assert row["phone"] == "138****8001"
    assert row["address"] == "示范市东城区****"
    assert row["birth_date"] is None and row["masked"] is True
    assert person.id_number not in str(body)


@pytest.mark.parametrize(
    ("who", "status", "visible"),
    [
        ("citizen", 200, ["east_person"]),
        ("other_citizen", 200, ["west_person"]),
        ("west_officer", 200, ["west_person"]),
        ("east_clerk", 403, None),
        ("agent", 403, None),
        ("admin", 200, ["east_person", "west_person"]),
    ],
)
def test_persons_list_per_persona(client, world, who, status, visible):
    response = get(client, getattr(world, who), f"{API}/persons")
    assert response.status_code == status
    if visible is None:
        assert response.json()["code"] == "permission_denied"
    else:
        assert [i["uid"] for i in response.json()["items"]] == [str(getattr(world, n).uid) for n in visible]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("citizen", 200),
        ("other_citizen", 404),
        ("west_officer", 404),
        ("east_clerk", 404),
        ("agent", 404),
        ("east_officer", 200),
    ],
)
def test_person_detail_per_persona(client, world, who, status):
    response = get(client, getattr(world, who), f"{API}/persons/{world.east_person.uid}")
    assert response.status_code == status
    if status == 404:
        assert response.json()["code"] == "person_not_found"
    else:
        assert response.json()["masked"] is True
        assert response.json()["phone"] == "138****8001"


def test_unmasking_needs_permission_and_reason_and_is_audited(client, world):
    url = f"{API}/persons/{world.east_person.uid}"
    denied = get(client, world.east_officer, url, unmask="true", reason="核对材料")
    assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"
    no_reason = get(client, world.unmasker, url, unmask="true")
    assert no_reason.status_code == 400 and no_reason.json()["code"] == "unmask_reason_required"
    assert "事由" in no_reason.json()["message"]
    assert not AuditEvent.objects.filter(action="core.pii_unmask").exists()
    ok = get(client, world.unmasker, url, unmask="true", reason="核对材料")
    assert ok.status_code == 200
    body = ok.json()
    assert (body["id_number"], body["phone"], body["masked"]) == (
        world.east_person.id_number,
        "13800138001",
        False,
    )
    assert body["birth_date"] == "1990-01-01"
    event = AuditEvent.objects.get(action="core.pii_unmask")
    assert (event.actor_id, event.object_id, event.data["reason"]) == (
        world.unmasker.pk,
        str(world.east_person.pk),
        "核对材料",
    )
    # the unmask permission does not widen the region scope
    other = get(
        client, world.unmasker, f"{API}/persons/{world.west_person.uid}", unmask="true", reason="核对材料"
    )
    assert other.status_code == 404
    assert AuditEvent.objects.filter(action="core.pii_unmask").count() == 1


def test_persons_list_query_count_does_not_grow(client, world):
    client.force_login(world.admin)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(f"{API}/persons").status_code == 200
        return len(context)

    count_queries()  # warm the actor cache (decision 0007)
    few = count_queries()
    for n in range(15):
        PersonFactory(region=world.east, name=f"居民{n}")
    assert count_queries() == few


def test_persons_pagination(client, world):
    for n in range(25):
        PersonFactory(region=world.east, name=f"居民{n}")
    body = get(client, world.east_officer, f"{API}/persons", page=2).json()
    assert body["count"] == 26 and len(body["items"]) == 6
    assert len(get(client, world.east_officer, f"{API}/persons", page_size=5).json()["items"]) == 5


# -- enterprises --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status", "visible"),
    [
        ("agent", 200, ["east_enterprise"]),
        ("east_officer", 200, ["east_enterprise"]),
        ("west_officer", 200, ["west_enterprise"]),
        ("citizen", 403, None),
        ("east_clerk", 403, None),
    ],
)
def test_enterprises_list_per_persona(client, world, who, status, visible):
    response = get(client, getattr(world, who), f"{API}/enterprises")
    assert response.status_code == status
    if visible is not None:
        assert [i["uid"] for i in response.json()["items"]] == [str(getattr(world, n).uid) for n in visible]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("agent", 200),
        ("east_officer", 200),
        ("west_officer", 404),
        ("citizen", 404),
        ("other_citizen", 404),
        ("east_clerk", 404),
    ],
)
def test_enterprise_detail_per_persona(client, world, who, status):
    response = get(client, getattr(world, who), f"{API}/enterprises/{world.east_enterprise.uid}")
    assert response.status_code == status
    if status == 200:
        body = response.json()
        assert (body["name"], body["legal_representative"], body["region_code"]) == (
            "东城科技有限公司",
            "王小东",
            "320102",
        )
        assert world.east_person.id_number not in str(body)


def test_enterprises_list_query_count_does_not_grow(client, world):
    client.force_login(world.admin)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(f"{API}/enterprises").status_code == 200
        return len(context)

    count_queries()  # warm the actor cache (decision 0007)
    few = count_queries()
    for n in range(10):
        EnterpriseFactory(region=world.west, legal_representative=PersonFactory(), name=f"企业{n}")
    assert count_queries() == few


# -- reference data -----------------------------------------------------------------------------


def test_regions_for_any_authenticated_user(client, world):
    body = get(client, world.agent, f"{API}/regions", parent="320100").json()
    assert body["count"] == 2
    assert body["items"][0] == {
        "code": "320102",
        "name": "东城区",
        "level": "district",
        "level_label": "区县",
        "parent_code": "320100",
    }
    assert (
        get(client, world.citizen, f"{API}/regions", level="street").json()["items"][0]["name"] == "东华街道"
    )
    bad = get(client, world.citizen, f"{API}/regions", level="planet")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_region_level")
    tree = get(client, world.citizen, f"{API}/regions/tree").json()
    assert tree[0]["code"] == "320100"
    assert [c["code"] for c in tree[0]["children"]] == ["320102", "320104"]
    assert tree[0]["children"][0]["children"][0]["code"] == "320102001"


def test_organizations_for_any_authenticated_user(client, world):
    body = get(client, world.other_citizen, f"{API}/organizations", region="320102").json()
    assert [o["name"] for o in body["items"]] == ["东城区民政局"]
    assert body["items"][0]["region_name"] == "东城区" and body["items"][0]["type_label"] == "政府部门"
    detail = get(client, world.citizen, f"{API}/organizations/{world.west_bureau.code}")
    assert detail.json()["uscc"] == world.west_bureau.uscc
    missing = get(client, world.citizen, f"{API}/organizations/nope")
    assert (missing.status_code, missing.json()["code"]) == (404, "organization_not_found")


def test_organizations_query_count_does_not_grow(client, world):
    client.force_login(world.citizen)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(f"{API}/organizations").status_code == 200
        return len(context)

    count_queries()  # warm the actor cache (decision 0007)
    few = count_queries()
    for n in range(10):
        OrganizationFactory(region=world.west, parent=world.west_bureau, name=f"科室{n}")
    assert count_queries() == few


# -- calendar -----------------------------------------------------------------------------------


def test_calendar_workdays_lists_holidays_and_makeup_days(client, world):
    body = get(client, world.citizen, f"{API}/calendar/workdays", start="2026-09-30", end="2026-10-11").json()
    kinds = {d["date"]: (d["kind"], d["is_workday"], d["name"]) for d in body["days"]}
    assert kinds["2026-09-30"] == ("workday", True, "")
    assert kinds["2026-10-01"] == ("holiday", False, "国庆节")
    assert kinds["2026-10-08"] == ("workday", True, "")
    assert kinds["2026-10-10"] == ("makeup_workday", True, "国庆节调休上班")
    assert kinds["2026-10-11"] == ("weekend", False, "")
    assert body["workdays"] == 4  # 09-30, 10-08, 10-09, 10-10


def test_calendar_workdays_rejects_bad_ranges(client, world):
    backwards = get(client, world.citizen, f"{API}/calendar/workdays", start="2026-10-10", end="2026-10-01")
    assert (backwards.status_code, backwards.json()["code"]) == (400, "invalid_date_range")
    too_long = get(client, world.citizen, f"{API}/calendar/workdays", start="2025-01-01", end="2026-12-31")
    assert (too_long.status_code, too_long.json()["code"]) == (400, "date_range_too_long")
    garbage = get(client, world.citizen, f"{API}/calendar/workdays", start="yesterday", end="2026-12-31")
    assert (garbage.status_code, garbage.json()["code"]) == (422, "validation_error")


def test_calendar_deadline(client, world):
    days = get(
        client, world.agent, f"{API}/calendar/deadline", start="2026-09-30T16:00:00+08:00", working_days=1
    ).json()
    assert days["deadline"] == "2026-10-08T17:30:00+08:00"
    naive = get(
        client, world.agent, f"{API}/calendar/deadline", start="2026-09-30T17:00:00", working_hours=1
    ).json()
    assert naive["deadline"] == "2026-10-08T09:30:00+08:00"
    assert naive["office_hours"] == ["09:00-12:00", "13:30-17:30"]
    utc = get(
        client, world.agent, f"{API}/calendar/deadline", start="2026-03-02T03:00:00Z", working_hours=2
    ).json()
    assert utc["deadline"] == "2026-03-02T14:30:00+08:00"  # 11:00 Beijing, across lunch
    both = get(client, world.agent, f"{API}/calendar/deadline", working_days=1, working_hours=1)
    neither = get(client, world.agent, f"{API}/calendar/deadline")
    assert both.json()["code"] == neither.json()["code"] == "deadline_unit_required"
    negative = get(client, world.agent, f"{API}/calendar/deadline", working_days=-1)
    assert negative.status_code == 422
