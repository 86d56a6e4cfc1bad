"""Fixtures for the web shell: the shipped process definitions and a small city with items in flight."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from yiwang.core.calendar import invalidate_calendar
from yiwang.core.models import Organization, Region
from yiwang.core.tests.factories import OrganizationFactory, PersonFactory, RegionFactory
from yiwang.identity.actor import Actor
from yiwang.identity.models import DataScope, Membership, Role, User
from yiwang.identity.tests.factories import CitizenFactory, UserFactory

TZ = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def staff_with_roles(organization, *roles, scope=DataScope.DEPARTMENT, name="", username=None):
    fields = {"kind": User.Kind.STAFF, "display_name": name}
    if username:
        fields["username"] = username
    user = UserFactory(**fields)
    membership = Membership.objects.create(user=user, organization=organization)
    for code in roles:
        role, _ = Role.objects.get_or_create(code=code, defaults={"name": code, "data_scope": scope})
        membership.roles.add(role)
    return user


def start_item(organization, title, *, owner=None, now=None):
    from yiwang.workflow.actions import instance_start

    return instance_start(
        actor=Actor.system(),
        definition_code="yiwang_tongban",
        obj=PersonFactory(),
        organization=organization,
        title=title,
        owner=owner,
        now=now,
    )


@pytest.fixture(autouse=True)
def _fresh_calendar():
    invalidate_calendar()
    yield
    invalidate_calendar()


@pytest.fixture
def definitions(db):
    from yiwang.workflow.actions import definitions_load

    return {d.code: d for d in definitions_load(actor=Actor.system())}


@pytest.fixture
def city(db):
    city_region = RegionFactory(code="320100", name="示范市", level=Region.Level.CITY)
    district_a = RegionFactory(code="320102", name="玄武区", parent=city_region)
    district_b = RegionFactory(code="320104", name="秦淮区", parent=city_region)
    government = OrganizationFactory(
        name="示范市人民政府", region=city_region, type=Organization.Type.GOVERNMENT
    )
    center = OrganizationFactory(name="玄武区政务服务中心", region=district_a, parent=government)
    other = OrganizationFactory(name="秦淮区政务服务中心", region=district_b, parent=government)
    for org in (government, center, other):
        org.refresh_from_db()
    return {"government": government, "center": center, "other": other}


@pytest.fixture
def clerk(city):
    return staff_with_roles(city["center"], "window_clerk", name="窗口小周", username="clerk")


@pytest.fixture
def citizen(db):
    return CitizenFactory(display_name="王小明", username="wangxm")
