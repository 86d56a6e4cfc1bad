"""Fixtures of the catalogue tests: a city, a market regulator with a sub-office, staff of each kind.

Import the fixtures into a test module with `from yiwang.services.tests.catalogue_support import *`
(pytest picks up fixtures from the module's namespace)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from yiwang.core.models import Organization, Region
from yiwang.core.tests.factories import OrganizationFactory, RegionFactory
from yiwang.identity.actor import Actor
from yiwang.identity.models import DataScope, User
from yiwang.identity.tests.factories import CitizenFactory, make_staff
from yiwang.services.permissions import MANAGE_CATALOG, VIEW_STATISTICS
from yiwang.workflow.actions import definitions_load

__all__ = ["World", "world"]


@dataclass
class World:
    city: Region
    market: Organization
    market_office: Organization  # a sub-office of the market regulator
    health: Organization  # another department
    catalog_admin: User  # manage_catalog over the market regulator's tree
    office_admin: User  # manage_catalog over the sub-office only
    health_admin: User  # manage_catalog in another department
    clerk: User  # staff of the market regulator without the permission
    citizen: User

    def actor(self, user: User | None) -> Actor:
        return Actor.for_user(user)


@pytest.fixture
def world(db) -> World:
    definitions_load(actor=Actor.system())
    city = RegionFactory(code="320100", name="示范市", level=Region.Level.CITY)
    market = OrganizationFactory(code="scjg", name="示范市市场监督管理局", region=city)
    office = OrganizationFactory(code="scjg-xw", name="玄武市场监管分局", region=city, parent=market)
    health = OrganizationFactory(code="wjw", name="示范市卫生健康委员会", region=city)
    return World(
        city=city,
        market=market,
        market_office=office,
        health=health,
        catalog_admin=make_staff(market, permissions=[MANAGE_CATALOG], scope=DataScope.DEPARTMENT_TREE),
        office_admin=make_staff(office, permissions=[MANAGE_CATALOG], scope=DataScope.DEPARTMENT),
        health_admin=make_staff(health, permissions=[MANAGE_CATALOG], scope=DataScope.DEPARTMENT),
        clerk=make_staff(market, permissions=[VIEW_STATISTICS], scope=DataScope.DEPARTMENT),
        citizen=CitizenFactory(),
    )
