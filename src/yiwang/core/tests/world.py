"""A small city for subject and API tests: two districts, staff with and without permissions in
each, two citizens and an enterprise agent. Built fresh by `build_world()` inside a db test."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from yiwang.core.models import Enterprise, Organization, Person, Region
from yiwang.core.tests.factories import EnterpriseFactory, OrganizationFactory, PersonFactory, RegionFactory
from yiwang.identity.models import DataScope, EnterpriseAuthorization, User
from yiwang.identity.tests.factories import CitizenFactory, UserFactory, make_staff

VIEW = ["core.view_person", "core.view_enterprise"]


@dataclass
class World:
    city: Region
    east: Region  # district with a street below
    east_street: Region
    west: Region
    east_bureau: Organization
    west_bureau: Organization
    east_person: Person  # lives in a street of the east district
    west_person: Person
    east_enterprise: Enterprise
    west_enterprise: Enterprise
    east_officer: User  # view_person + view_enterprise, region scope, east district
    west_officer: User  # same, west district
    east_clerk: User  # east district, no subject permissions
    unmasker: User  # east district, view + unmask
    citizen: User  # account of east_person
    other_citizen: User  # account of west_person
    agent: User  # enterprise agent for east_enterprise
    admin: User  # superuser


def build_world() -> World:
    city = RegionFactory(code="320100", name="示范市", level=Region.Level.CITY)
    east = RegionFactory(code="320102", name="东城区", level=Region.Level.DISTRICT, parent=city)
    east_street = RegionFactory(code="320102001", name="东华街道", level=Region.Level.STREET, parent=east)
    west = RegionFactory(code="320104", name="西城区", level=Region.Level.DISTRICT, parent=city)
    east_bureau = OrganizationFactory(name="东城区民政局", region=east)
    west_bureau = OrganizationFactory(name="西城区民政局", region=west)
    east_person = PersonFactory(
        name="王小东",
        phone="13800138001",
        address="示范市东城区东华街道幸福路1号",
        region=east_street,
        birth_date=date(1990, 1, 1),
    )
    west_person = PersonFactory(name="李小西", phone="13900139002", region=west)
    east_enterprise = EnterpriseFactory(
        name="东城科技有限公司", region=east, legal_representative=east_person
    )
    west_enterprise = EnterpriseFactory(name="西城贸易有限公司", region=west)
    east_officer = make_staff(east_bureau, permissions=VIEW, scope=DataScope.REGION)
    west_officer = make_staff(west_bureau, permissions=VIEW, scope=DataScope.REGION)
    east_clerk = make_staff(east_bureau, permissions=["workflow.view_instance"], scope=DataScope.REGION)
    unmasker = make_staff(east_bureau, permissions=[*VIEW, "core.unmask_pii"], scope=DataScope.REGION)
    citizen = CitizenFactory(person=east_person)
    other_citizen = CitizenFactory(person=west_person)
    agent = UserFactory(kind=User.Kind.ENTERPRISE)
    EnterpriseAuthorization.objects.create(
        user=agent, enterprise=east_enterprise, valid_from=timezone.localdate()
    )
    admin = UserFactory(kind=User.Kind.STAFF, is_staff=True, is_superuser=True)
    return World(
        city,
        east,
        east_street,
        west,
        east_bureau,
        west_bureau,
        east_person,
        west_person,
        east_enterprise,
        west_enterprise,
        east_officer,
        west_officer,
        east_clerk,
        unmasker,
        citizen,
        other_citizen,
        agent,
        admin,
    )
