"""The per-request actor cache (decision 0007): a request's grants come from the cache, keyed by
the `grants_version` the database changes whenever anything they are built from changes.

Every change below goes through a path that bypasses signals (queryset updates, m2m through
rows, bulk creation), as an import, the admin or a data migration would: the triggers, not the
application code, must notice it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from yiwang.core.models import Organization, Region
from yiwang.core.tests.factories import EnterpriseFactory, OrganizationFactory, RegionFactory
from yiwang.identity.actor import Actor
from yiwang.identity.models import DataScope, EnterpriseAuthorization, Membership, Role, User
from yiwang.identity.tests.factories import UserFactory, make_staff

pytestmark = pytest.mark.django_db

PERM = "services.view_application"


def fresh(user: User) -> User:
    """The account as a new request reads it."""
    return User.objects.get(pk=user.pk)


def request_actor(user: User) -> Actor:
    return Actor.for_request_user(fresh(user))


@pytest.fixture
def staff():
    return make_staff(permissions=[PERM], role_code="cache-test-role")


def test_an_unchanged_account_is_served_from_the_cache(staff, django_assert_num_queries):
    first = request_actor(staff)
    user = fresh(staff)
    with django_assert_num_queries(0):
        again = Actor.for_request_user(user)
    assert again.grants == first.grants and again.has_perm(PERM)


def test_a_new_membership_is_seen_at_once(staff):
    user = UserFactory(kind=User.Kind.STAFF)
    assert not request_actor(user).has_perm(PERM)
    Membership.objects.bulk_create([Membership(user=user, organization=OrganizationFactory())])
    Membership.objects.get(user=user).roles.add(Role.objects.get(code="cache-test-role"))
    assert request_actor(user).has_perm(PERM)


def test_a_role_removed_from_a_membership_is_gone_at_once(staff):
    assert request_actor(staff).has_perm(PERM)
    Membership.objects.get(user=staff).roles.clear()
    assert not request_actor(staff).has_perm(PERM)


def test_a_deleted_membership_is_gone_at_once(staff):
    assert request_actor(staff).has_perm(PERM)
    Membership.objects.filter(user=staff).delete()
    assert request_actor(staff).grants == []


def test_a_role_s_permissions_and_scope_changed_in_bulk_are_seen_at_once(staff):
    assert request_actor(staff).grants[0].scope == DataScope.DEPARTMENT
    Role.objects.filter(code="cache-test-role").update(permissions=["other.perm"], data_scope=DataScope.ALL)
    actor = request_actor(staff)
    assert not actor.has_perm(PERM)
    assert actor.grants[0].scope == DataScope.ALL


def test_a_department_moved_to_another_region_or_subtree_is_seen_at_once(staff):
    membership = Membership.objects.select_related("organization").get(user=staff)
    region = RegionFactory()
    Organization.objects.filter(pk=membership.organization_id).update(region=region)
    assert request_actor(staff).grants[0].region_path == fresh_region(region).path
    Organization.objects.filter(pk=membership.organization_id).update(path="/9/8/")
    assert request_actor(staff).grants[0].organization_path == "/9/8/"


def test_a_region_path_change_is_seen_at_once(staff):
    organization = Membership.objects.get(user=staff).organization
    assert request_actor(staff).grants[0].region_path != "/77/66/"
    Region.objects.filter(pk=organization.region_id).update(path="/77/66/")
    assert request_actor(staff).grants[0].region_path == "/77/66/"


def test_a_department_s_name_does_not_empty_the_cache(staff):
    before = fresh(staff).grants_version
    Organization.objects.filter(memberships__user=staff).update(name="改名后的部门")
    assert fresh(staff).grants_version == before


def test_enterprise_authorisations_granted_and_revoked_are_seen_at_once():
    user = UserFactory(kind=User.Kind.ENTERPRISE)
    enterprise = EnterpriseFactory()
    assert request_actor(user).enterprise_ids == frozenset()
    EnterpriseAuthorization.objects.bulk_create(
        [EnterpriseAuthorization(user=user, enterprise=enterprise, valid_from=timezone.localdate())]
    )
    assert request_actor(user).enterprise_ids == {enterprise.pk}
    EnterpriseAuthorization.objects.filter(user=user).update(revoked_at=timezone.now())
    assert request_actor(user).enterprise_ids == frozenset()


def test_an_authorisation_that_starts_tomorrow_takes_effect_tomorrow_despite_the_cache(monkeypatch):
    user = UserFactory(kind=User.Kind.ENTERPRISE)
    enterprise = EnterpriseFactory()
    tomorrow = timezone.localdate() + timedelta(days=1)
    EnterpriseAuthorization.objects.create(user=user, enterprise=enterprise, valid_from=tomorrow)
    assert request_actor(user).enterprise_ids == frozenset()  # cached today, without it
    monkeypatch.setattr(timezone, "localdate", lambda *args: tomorrow)
    assert request_actor(user).enterprise_ids == {enterprise.pk}


def test_saving_an_account_read_before_a_change_does_not_bring_back_the_old_grants(staff):
    stale = fresh(staff)
    assert Actor.for_request_user(stale).has_perm(PERM)
    Membership.objects.filter(user=staff).delete()
    stale.display_name = "改名"
    stale.save()  # would write the version it read, naming the cache entry with the old grants
    assert fresh(staff).display_name == "改名"
    assert not request_actor(staff).has_perm(PERM)


def test_a_revoked_role_is_refused_by_the_api_on_the_next_request(client, staff):
    client.force_login(staff)
    url = "/api/v1/services/staff/applications"
    assert client.get(url).status_code == 200
    Membership.objects.get(user=staff).roles.clear()
    assert client.get(url).status_code == 403


def fresh_region(region: Region) -> Region:
    return Region.objects.get(pk=region.pk)
