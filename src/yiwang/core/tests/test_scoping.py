"""The scoped manager (`core.scoping`): `Model.objects.for_actor(actor, *permissions, also=…)`."""

from __future__ import annotations

import pytest
from django.db.models import Q

from yiwang.core.models import Person
from yiwang.core.tests.factories import OrganizationFactory, PersonFactory, RegionFactory
from yiwang.identity.actor import Actor
from yiwang.identity.models import DataScope
from yiwang.identity.tests.factories import UserFactory, make_staff

pytestmark = pytest.mark.django_db

SEE = "core.view_person"
OTHER = "core.view_enterprise"


@pytest.fixture
def people():
    city = RegionFactory(code="320100", name="示范市")
    east, west = RegionFactory(code="320102", parent=city), RegionFactory(code="320104", parent=city)
    return {"east": PersonFactory(region=east), "west": PersonFactory(region=west), "regions": (east, west)}


def _seen(actor, *permissions, also=None) -> set:
    return set(Person.objects.for_actor(actor, *permissions, also=also).values_list("pk", flat=True))


def test_a_region_grant_sees_its_region_and_nothing_else(people):
    east_office = OrganizationFactory(region=people["regions"][0])
    actor = Actor.for_user(make_staff(east_office, permissions=[SEE], scope=DataScope.REGION))
    assert _seen(actor, SEE) == {people["east"].pk}
    assert _seen(actor, OTHER) == set()  # a permission it does not hold reaches nothing


def test_a_city_wide_grant_for_one_permission_is_not_lost_when_another_reaches_nothing(people):
    """Regression: OR-ing an empty Q (every row) into a narrower one used to drop it."""
    actor = Actor.for_user(make_staff(OrganizationFactory(), permissions=[SEE], scope=DataScope.ALL))
    assert _seen(actor, OTHER, SEE) == {people["east"].pk, people["west"].pk}
    assert _seen(Actor.for_user(UserFactory(is_superuser=True)), OTHER) == {
        people["east"].pk,
        people["west"].pk,
    }


def test_also_adds_what_is_the_actors_own(people):
    citizen = Actor.for_user(UserFactory())
    assert _seen(citizen, SEE) == set()
    assert _seen(citizen, SEE, also=Q(pk=people["west"].pk)) == {people["west"].pk}
