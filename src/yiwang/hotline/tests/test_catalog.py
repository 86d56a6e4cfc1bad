"""The 派单目录 and the time-limit rules: loaded whole or not at all, configurable, audited."""

from __future__ import annotations

import pytest

from yiwang.core.errors import InvalidInput, PermissionDenied
from yiwang.core.models import AuditEvent
from yiwang.hotline.actions.catalog import catalog_load, service_level_set
from yiwang.hotline.actions.tickets import dispatch_plan, ticket_register
from yiwang.hotline.models import DispatchCatalog, TicketCategory
from yiwang.identity.actor import Actor
from yiwang.workflow.tests.factories import at

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system()


def test_a_catalogue_with_an_unknown_department_is_refused_whole(hotline_city):
    before = (TicketCategory.objects.count(), DispatchCatalog.objects.count())
    with pytest.raises(InvalidInput) as error:
        catalog_load(
            actor=SYSTEM,
            categories=[
                {"code": "water", "name": "供水"},
                {"code": "water.outage", "name": "停水", "parent": "water"},
            ],
            assignments=[{"category": "water.outage", "region": None, "lead": "no-such-bureau"}],
        )
    assert error.value.code == "hotline_catalog_invalid"
    assert "no-such-bureau" in error.value.message
    assert (TicketCategory.objects.count(), DispatchCatalog.objects.count()) == before


def test_a_loaded_catalogue_marks_leaves_and_replaces_the_assignments_it_names(hotline_city):
    city = hotline_city
    result = catalog_load(
        actor=SYSTEM,
        categories=[
            {"code": "water", "name": "供水"},
            {"code": "water.outage", "name": "停水", "parent": "water"},
        ],
        assignments=[
            {"category": "water.outage", "region": "329902", "lead": "d02-urban", "assists": ["city-eco"]}
        ],
    )
    assert result.assignments == 2
    water, outage = TicketCategory.objects.get(code="water"), TicketCategory.objects.get(code="water.outage")
    assert (water.is_leaf, outage.is_leaf) == (False, True)
    assert dispatch_plan(outage, city.regions["street"]) == (city.orgs["east_urban"], [city.orgs["eco"]])
    assert dispatch_plan(outage, city.regions["west"]) == (None, [])
    assert AuditEvent.objects.filter(action="hotline.catalog_load").count() == 1


def test_a_configured_rule_sets_the_time_limit_of_new_tickets(hotline_city):
    city = hotline_city
    with pytest.raises(PermissionDenied):
        service_level_set(actor=city.actor("agent"), urgency="normal", handling_sla={"working_days": 3})
    service_level_set(
        actor=SYSTEM,
        urgency="normal",
        handling_sla={"working_days": 3},
        category=city.categories["appearance"],
    )
    ticket = ticket_register(
        actor=city.actor("agent"),
        kind="complaint",
        content="占道经营",
        category=city.categories["vending"],
        now=at("2026-11-06 16:00"),
    )
    # The parent's rule applies to the leaf: 3 working days after Friday → Wednesday 11-11, close of office.
    assert ticket.due_at == at("2026-11-11 17:30")
    with pytest.raises(InvalidInput):
        service_level_set(actor=SYSTEM, urgency="normal", handling_sla={"weeks": 1})


def test_the_catalogue_admin_needs_the_named_permission(client, hotline_city):
    from django.contrib.auth.models import Permission

    from yiwang.identity.tests.factories import UserFactory, make_staff

    keeper = UserFactory(is_staff=True, is_superuser=True, kind="staff")
    # Django's own model right is not enough without the named permission.
    other = make_staff(hotline_city.orgs["center"], permissions=["hotline.view_ticket"], is_staff=True)
    other.user_permissions.add(Permission.objects.get(codename="view_dispatchcatalog"))
    client.force_login(other)
    assert client.get("/admin/hotline/dispatchcatalog/").status_code == 403
    client.force_login(keeper)
    page = client.get("/admin/hotline/dispatchcatalog/")
    assert page.status_code == 200 and "东湖区城市管理局" in page.content.decode()
