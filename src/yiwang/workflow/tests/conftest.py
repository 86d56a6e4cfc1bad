"""Fixtures for workflow tests: the shipped definitions, a small city of departments and citizens."""

from __future__ import annotations

import pytest

from yiwang.core.models import Organization, Region
from yiwang.core.tests.factories import OrganizationFactory, PersonFactory, RegionFactory
from yiwang.identity.actor import Actor
from yiwang.identity.tests.factories import CitizenFactory
from yiwang.workflow.actions import definitions_load


@pytest.fixture
def definitions(db):
    return {d.code: d for d in definitions_load(actor=Actor.system())}


@pytest.fixture
def city(db):
    """A city region with two districts; a 政务服务中心 and two bureaus in district A, one in B."""
    city_region = RegionFactory(code="320100", name="示范市", level=Region.Level.CITY)
    district_a = RegionFactory(code="320102", name="玄武区", parent=city_region)
    district_b = RegionFactory(code="320104", name="秦淮区", parent=city_region)
    government = OrganizationFactory(
        name="示范市人民政府", region=city_region, type=Organization.Type.GOVERNMENT
    )
    center = OrganizationFactory(name="玄武区政务服务中心", region=district_a, parent=government)
    market = OrganizationFactory(name="玄武区市场监督管理局", region=district_a, parent=government)
    housing = OrganizationFactory(name="玄武区住房和城乡建设局", region=district_a, parent=government)
    other = OrganizationFactory(name="秦淮区市场监督管理局", region=district_b, parent=government)
    hotline = OrganizationFactory(name="示范市12345热线中心", region=city_region, parent=government)
    for org in (government, center, market, housing, other, hotline):
        org.refresh_from_db()
    return {
        "city": city_region,
        "district_a": district_a,
        "district_b": district_b,
        "government": government,
        "center": center,
        "market": market,
        "housing": housing,
        "other": other,
        "hotline": hotline,
    }


@pytest.fixture
def citizen(db):
    return CitizenFactory(display_name="王小明")


@pytest.fixture
def other_citizen(db):
    return CitizenFactory(display_name="李四")


@pytest.fixture
def subject(db):
    """Any saved domain object to attach instances to."""
    return PersonFactory()
