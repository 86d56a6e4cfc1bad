"""A small city for 12345 tests: the hotline centre, three bureaus in two districts, a three-level
派单目录 with district rules and a 协办, and staff in the seeded roles."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db.models import Count, F

from yiwang.core.models import Organization, Region
from yiwang.core.tests.factories import OrganizationFactory, RegionFactory
from yiwang.hotline import tallies
from yiwang.hotline.models import DispatchCatalog, TicketCategory, TicketParty
from yiwang.identity.actor import Actor
from yiwang.identity.models import DataScope, User
from yiwang.identity.tests.factories import CitizenFactory
from yiwang.workflow.actions import definitions_load
from yiwang.workflow.tests.factories import staff


@dataclass
class HotlineCity:
    regions: dict[str, Region]
    orgs: dict[str, Organization]
    categories: dict[str, TicketCategory]
    users: dict[str, User]

    def actor(self, name: str) -> Actor:
        return Actor.for_user(self.users[name])


def category(code: str, name: str, parent: TicketCategory | None = None, **extra: Any) -> TicketCategory:
    node = TicketCategory.objects.create(code=code, name=name, parent=parent, **extra)
    if parent is not None and parent.is_leaf:
        TicketCategory.objects.filter(pk=parent.pk).update(is_leaf=False)
        parent.is_leaf = False
    node.refresh_from_db()
    return node


@pytest.fixture
def hotline_city(db, settings) -> Iterator[HotlineCity]:
    """The city; at the end of the test the monthly counts must equal a recount of the tickets,
    whatever the test did to them (hotline.tallies follows every write)."""
    definitions_load(actor=Actor.system())
    city = RegionFactory(code="329900", name="示范市", level=Region.Level.CITY)
    east = RegionFactory(code="329902", name="东湖区", parent=city)
    west = RegionFactory(code="329903", name="西山区", parent=city)
    street = RegionFactory(code="329902001", name="湖滨街道", parent=east, level=Region.Level.STREET)
    government = OrganizationFactory(code="city-gov", name="示范市人民政府", region=city)
    orgs = {
        "center": OrganizationFactory(
            code="city-12345", name="示范市12345热线中心", short_name="12345", region=city, parent=government
        ),
        "urban": OrganizationFactory(
            code="city-urban", name="示范市城市管理局", short_name="市城管局", region=city, parent=government
        ),
        "eco": OrganizationFactory(
            code="city-eco",
            name="示范市生态环境局",
            short_name="市生态环境局",
            region=city,
            parent=government,
        ),
        "hrss": OrganizationFactory(
            code="city-hrss",
            name="示范市人力资源和社会保障局",
            short_name="市人社局",
            region=city,
            parent=government,
        ),
        "east_urban": OrganizationFactory(
            code="d02-urban",
            name="东湖区城市管理局",
            short_name="东湖区城管局",
            region=east,
            parent=government,
        ),
    }
    for org in orgs.values():
        org.refresh_from_db()
    settings.HOTLINE_CENTER = "city-12345"
    appearance = category("appearance", "市容环境")
    vending = category("appearance.street_vending", "占道经营", appearance)
    noise = category("environment", "生态环境")
    construction = category("environment.construction_noise", "施工噪声", noise)
    labour = category("labour", "劳动社保")
    wages = category("labour.unpaid_wages", "拖欠工资", labour, complexity="complex")
    DispatchCatalog.objects.create(category=vending, organization=orgs["urban"])
    DispatchCatalog.objects.create(category=vending, region=east, organization=orgs["east_urban"])
    DispatchCatalog.objects.create(category=construction, organization=orgs["urban"])
    DispatchCatalog.objects.create(
        category=construction, organization=orgs["eco"], role=DispatchCatalog.Role.ASSIST
    )
    DispatchCatalog.objects.create(category=labour, organization=orgs["hrss"])
    users = {
        "agent": staff(orgs["center"], roles=["hotline_agent"], name="话务员小吴", scope=DataScope.ALL),
        "dispatcher": staff(
            orgs["center"], roles=["hotline_dispatcher"], name="派单员老郑", scope=DataScope.ALL
        ),
        "urban": staff(orgs["urban"], roles=["handling_officer"], name="城管承办人"),
        "east_urban": staff(orgs["east_urban"], roles=["handling_officer"], name="东湖城管承办人"),
        "eco": staff(orgs["eco"], roles=["handling_officer"], name="环境承办人"),
        "hrss": staff(orgs["hrss"], roles=["handling_officer"], name="人社承办人"),
        "citizen": CitizenFactory(display_name="王小明", phone="13800000001"),
        "other_citizen": CitizenFactory(display_name="李四", phone="13800000002"),
    }
    yield HotlineCity(
        regions={"city": city, "east": east, "west": west, "street": street},
        orgs=orgs,
        categories={
            "vending": vending,
            "construction": construction,
            "wages": wages,
            "appearance": appearance,
        },
        users=users,
    )
    assert tallies.differences() == [], "热线月度计数与工单不一致"
    # A ticket's current 主办 is its one lead party not returned (selectors.statistics relies on it).
    leads = TicketParty.objects.filter(role=TicketParty.Role.LEAD, returned=False)
    assert not leads.exclude(organization=F("ticket__organization")).exists(), (
        "主办承办单位与工单主办单位不一致"
    )
    assert not leads.values("ticket").annotate(n=Count("pk")).filter(n__gt=1).exists(), "一件工单有两个主办"
