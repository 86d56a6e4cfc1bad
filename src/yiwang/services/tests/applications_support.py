"""Builders shared by the application tests: a small city, a published item, applicants and staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from yiwang.core import identifiers
from yiwang.core.models import Organization, Region
from yiwang.core.tests.factories import EnterpriseFactory, OrganizationFactory, RegionFactory
from yiwang.identity.actor import Actor
from yiwang.identity.models import DataScope, EnterpriseAuthorization, User
from yiwang.identity.tests.factories import CitizenFactory, UserFactory, make_staff
from yiwang.services import permissions as perms
from yiwang.services.tests.factories import ServiceItemFactory
from yiwang.workflow.actions import definitions_load

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
HANDLING = [
    perms.VIEW_APPLICATION,
    perms.ACCEPT_APPLICATION,
    perms.REVIEW_APPLICATION,
    perms.DECIDE_APPLICATION,
]


def pdf(name: str = "证明.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def png(name: str = "照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG_BYTES, content_type="image/png")


def valid_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "operator_name": "玄武区小王餐馆",
        "legal_person": "王小明",
        "id_number": identifiers.id_number("320102", date(1990, 5, 17), 11),
        "phone": "13912345678",
        "address": "玄武区中山路 1 号",
        "area": 56.5,
        "category": "restaurant",
        "staff": [{"name": "王小明", "id_number": identifiers.id_number("320102", date(1990, 5, 17), 11)}],
    }
    data.update(overrides)
    return data


@dataclass
class World:
    city: Region
    district: Region
    street: Region
    community: Region
    market: Organization
    other: Organization
    item: Any
    citizen: User
    other_citizen: User
    clerk: User
    other_clerk: User
    viewer_without_perm: User

    def actor(self, user: User) -> Actor:
        return Actor.for_user(user)


def build_world(**item_fields: Any) -> World:
    definitions_load(actor=Actor.system())
    city = RegionFactory(code="320100", name="示范市", level=Region.Level.CITY)
    district = RegionFactory(code="320102", name="玄武区", parent=city)
    street = RegionFactory(code="320102001", name="梅园新村街道", level=Region.Level.STREET, parent=district)
    community = RegionFactory(
        code="320102001001", name="长江路社区", level=Region.Level.COMMUNITY, parent=street
    )
    government = OrganizationFactory(name="示范市人民政府", region=city, type=Organization.Type.GOVERNMENT)
    market = OrganizationFactory(name="玄武区市场监督管理局", region=district, parent=government)
    other_district = RegionFactory(code="320104", name="秦淮区", parent=city)
    other = OrganizationFactory(name="秦淮区市场监督管理局", region=other_district, parent=government)
    for org in (government, market, other):
        org.refresh_from_db()
    item = ServiceItemFactory(organization=market, **item_fields)
    citizen = CitizenFactory(display_name="王小明")
    citizen.person.address = "玄武区中山路 1 号"
    citizen.person.save()
    return World(
        city=city,
        district=district,
        street=street,
        community=community,
        market=market,
        other=other,
        item=item,
        citizen=citizen,
        other_citizen=CitizenFactory(display_name="李四"),
        clerk=make_staff(market, permissions=HANDLING, display_name="窗口张"),
        other_clerk=make_staff(other, permissions=HANDLING, display_name="秦淮李"),
        viewer_without_perm=make_staff(market, permissions=["core.view_file"], display_name="无权限"),
    )


def enterprise_agent(world: World) -> tuple[User, Any]:
    enterprise = EnterpriseFactory(region=world.district)
    agent = UserFactory(kind=User.Kind.ENTERPRISE, display_name="企业经办人")
    EnterpriseAuthorization.objects.create(user=agent, enterprise=enterprise, valid_from=date(2020, 1, 1))
    return agent, enterprise


__all__ = ["DataScope", "World", "build_world", "enterprise_agent", "pdf", "png", "valid_data"]
