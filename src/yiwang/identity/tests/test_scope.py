"""Data scopes: `Actor.scope_q` / `scoped` / `can_reach` against real rows.

Target model: `core.StoredFile` (owner = uploading user, organization = owning department,
region reached through `organization__region`). Region and organisation ids are chosen so that one
path is a textual prefix of another ("/7001/" vs "/70011/"), which a careless prefix filter leaks."""

from __future__ import annotations

import itertools

import pytest

from yiwang.core.models import Organization, Region, StoredFile
from yiwang.core.tests.factories import OrganizationFactory, RegionFactory
from yiwang.identity.actor import Actor, scoped
from yiwang.identity.models import DataScope, Membership
from yiwang.identity.tests.factories import RoleFactory, UserFactory, make_staff

pytestmark = pytest.mark.django_db

PERM = "core.view_file"
_counter = itertools.count()


class City:
    """city ─┬─ district 7001 (D1) ─ street 70012 (S1)
             └─ district 70011 (D2)      ← "/…/7001/" is a textual prefix of "/…/70011/"

    organisations: bureau A (7001, in D1) ─ office A1 (70011, in S1) ─ team A11 (in D2)
                   bureau B (7002, in D2)"""

    def __init__(self) -> None:
        self.city = RegionFactory(pk=7000, code="320100", level=Region.Level.CITY, name="示范市")
        self.d1 = RegionFactory(pk=7001, code="320102", parent=self.city, name="一区")
        self.d2 = RegionFactory(pk=70011, code="320103", parent=self.city, name="二区")
        self.s1 = RegionFactory(
            pk=70012, code="320102001", parent=self.d1, level=Region.Level.STREET, name="一街道"
        )
        self.a = OrganizationFactory(pk=7001, region=self.d1, name="A局")
        self.a1 = OrganizationFactory(pk=70011, region=self.s1, parent=self.a, name="A局一科")
        self.a11 = OrganizationFactory(region=self.d2, parent=self.a1, name="A局一科一组")
        self.b = OrganizationFactory(pk=7002, region=self.d2, name="B局")
        self.owner = UserFactory(username="owner")
        self.other = UserFactory(username="other")
        self.f_a = _file(self.a, self.owner)
        self.f_a1 = _file(self.a1, self.other)
        self.f_a11 = _file(self.a11, None)
        self.f_b = _file(self.b, self.owner)
        self.f_loose = _file(None, self.other)  # no department at all
        self.files = [self.f_a, self.f_a1, self.f_a11, self.f_b, self.f_loose]


def _file(organization: Organization | None, owner) -> StoredFile:
    n = next(_counter)
    return StoredFile.objects.create(
        name=f"材料{n}.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
        sm3="0" * 64,
        storage_key=f"test/scope/{n}",
        owner=owner,
        organization=organization,
    )


def _visible(actor: Actor, **lookups) -> set[int]:
    lookups = {"organization": "organization", "region": "organization__region", "owner": "owner", **lookups}
    return set(scoped(StoredFile.objects.all(), actor, PERM, **lookups).values_list("pk", flat=True))


def _reachable(actor: Actor, files: list[StoredFile]) -> set[int]:
    return {
        f.pk
        for f in files
        if actor.can_reach(
            PERM,
            organization_id=f.organization_id,
            organization_path=f.organization.path if f.organization else "",
            region_path=f.organization.region.path if f.organization else "",
            owner_id=f.owner_id,
        )
    }


@pytest.fixture
def city() -> City:
    return City()


def _actor(user) -> Actor:
    return Actor.for_user(user)


def test_paths_are_materialised_as_expected(city):
    assert city.a.path == "/7001/"
    assert city.a1.path == "/7001/70011/"
    assert city.b.path == "/7002/"
    assert city.d1.path == "/7000/7001/"
    assert city.d2.path == "/7000/70011/"
    assert city.s1.path == "/7000/7001/70012/"


def test_self_scope_sees_only_own_rows(city):
    inspector = make_staff(city.a, permissions=[PERM], scope=DataScope.SELF)
    mine = _file(city.b, inspector)
    actor = _actor(inspector)

    assert _visible(actor) == {mine.pk}
    assert _reachable(actor, [*city.files, mine]) == {mine.pk}


def test_self_scope_without_owner_lookup_sees_nothing(city):
    inspector = make_staff(city.a, permissions=[PERM], scope=DataScope.SELF)
    _file(city.a, inspector)

    assert _visible(_actor(inspector), owner=None) == set()


def test_department_scope_sees_own_department_only(city):
    clerk = make_staff(city.a, permissions=[PERM], scope=DataScope.DEPARTMENT)
    actor = _actor(clerk)

    assert _visible(actor) == {city.f_a.pk}
    assert _reachable(actor, city.files) == {city.f_a.pk}


def test_department_scope_of_a_child_department_does_not_see_the_parent(city):
    clerk = make_staff(city.a1, permissions=[PERM], scope=DataScope.DEPARTMENT)

    assert _visible(_actor(clerk)) == {city.f_a1.pk}


def test_department_tree_scope_sees_department_and_all_descendants(city):
    head = make_staff(city.a, permissions=[PERM], scope=DataScope.DEPARTMENT_TREE)
    actor = _actor(head)

    expected = {city.f_a.pk, city.f_a1.pk, city.f_a11.pk}
    assert _visible(actor) == expected
    assert _reachable(actor, city.files) == expected


def test_department_tree_scope_does_not_leak_to_a_prefix_sibling(city):
    # "/7001/" must not match "/70011/…": give bureau 70011 a root org of its own.
    lookalike_region = RegionFactory(code="320104", parent=city.city)
    lookalike = OrganizationFactory(pk=700111, region=lookalike_region, name="形似局")
    lookalike_file = _file(lookalike, None)
    head = make_staff(city.a, permissions=[PERM], scope=DataScope.DEPARTMENT_TREE)

    assert lookalike.path == "/700111/"
    assert lookalike_file.pk not in _visible(_actor(head))


def test_department_tree_scope_from_the_middle_of_the_tree(city):
    head = make_staff(city.a1, permissions=[PERM], scope=DataScope.DEPARTMENT_TREE)
    actor = _actor(head)

    assert _visible(actor) == {city.f_a1.pk, city.f_a11.pk}
    assert _reachable(actor, city.files) == {city.f_a1.pk, city.f_a11.pk}


def test_region_scope_sees_rows_of_departments_in_the_region_and_below(city):
    # Member of A (region D1): sees A (D1) and A1 (street S1 under D1); not A11 or B (D2).
    supervisor = make_staff(city.a, permissions=[PERM], scope=DataScope.REGION)
    actor = _actor(supervisor)

    assert _visible(actor) == {city.f_a.pk, city.f_a1.pk}
    assert _reachable(actor, city.files) == {city.f_a.pk, city.f_a1.pk}


def test_region_scope_does_not_leak_to_a_prefix_region(city):
    # D1 path "/7000/7001/" is a textual prefix of D2 path "/7000/70011/".
    supervisor = make_staff(city.a, permissions=[PERM], scope=DataScope.REGION)

    assert city.f_b.pk not in _visible(_actor(supervisor))
    assert city.f_a11.pk not in _visible(_actor(supervisor))


def test_region_scope_at_city_level_sees_every_department(city):
    city_hall = OrganizationFactory(region=city.city, name="市政府")
    commander = make_staff(city_hall, permissions=[PERM], scope=DataScope.REGION)

    assert _visible(_actor(commander)) == {city.f_a.pk, city.f_a1.pk, city.f_a11.pk, city.f_b.pk}


def test_region_scope_without_region_lookup_sees_nothing(city):
    supervisor = make_staff(city.a, permissions=[PERM], scope=DataScope.REGION)

    assert _visible(_actor(supervisor), region=None) == set()


def test_all_scope_sees_everything_including_rows_without_department(city):
    leader = make_staff(city.b, permissions=[PERM], scope=DataScope.ALL)
    actor = _actor(leader)

    every = {f.pk for f in city.files}
    assert _visible(actor) == every
    assert _reachable(actor, city.files) == every
    assert actor.scope_q(PERM) == actor.scope_q(PERM, organization=None, region=None)


def test_scope_applies_only_to_the_named_permission(city):
    clerk = make_staff(city.a, permissions=["core.other_permission"], scope=DataScope.ALL)
    actor = _actor(clerk)

    assert _visible(actor) == set()
    assert _reachable(actor, city.files) == set()
    assert not actor.has_perm(PERM)


def test_anonymous_and_plain_citizen_see_nothing(city):
    assert _visible(Actor.for_user(None)) == set()
    assert _visible(_actor(city.owner)) == set()  # owns files, but holds no role granting PERM


def test_superuser_sees_everything(city):
    root = UserFactory(is_superuser=True)

    assert _visible(_actor(root)) == {f.pk for f in city.files}


def test_system_actor_sees_everything(city):
    actor = Actor.system()

    assert actor.has_perm(PERM)
    assert _visible(actor) == {f.pk for f in city.files}


def test_grants_in_several_departments_are_united(city):
    user = make_staff(city.a, permissions=[PERM], scope=DataScope.DEPARTMENT)
    other_role = RoleFactory(permissions=[PERM], data_scope=DataScope.SELF)
    Membership.objects.create(user=user, organization=city.b, is_primary=False).roles.add(other_role)
    own_file = _file(None, user)
    actor = _actor(user)

    assert _visible(actor) == {city.f_a.pk, own_file.pk}
    assert actor.organization_ids == frozenset({city.a.pk, city.b.pk})


def test_widest_grant_wins_when_one_role_has_all(city):
    user = make_staff(city.a, permissions=[PERM], scope=DataScope.DEPARTMENT)
    Membership.objects.get(user=user).roles.add(RoleFactory(permissions=[PERM], data_scope=DataScope.ALL))

    assert _visible(_actor(user)) == {f.pk for f in city.files}


def test_a_role_without_the_permission_does_not_widen_another(city):
    user = make_staff(city.a, permissions=[PERM], scope=DataScope.DEPARTMENT)
    Membership.objects.get(user=user).roles.add(
        RoleFactory(permissions=["hotline.view_ticket"], data_scope=DataScope.ALL)
    )

    assert _visible(_actor(user)) == {city.f_a.pk}


@pytest.mark.parametrize("scope", [s.value for s in DataScope])
def test_queryset_and_in_memory_checks_agree(city, scope):
    user = make_staff(city.a1, permissions=[PERM], scope=scope)
    _file(city.b, user)
    actor = _actor(user)
    files = list(StoredFile.objects.select_related("organization__region"))

    assert _visible(actor) == _reachable(actor, files)


def test_scope_query_is_a_single_query(city, django_assert_num_queries):
    actor = _actor(make_staff(city.a, permissions=[PERM], scope=DataScope.DEPARTMENT_TREE))

    with django_assert_num_queries(1):
        rows = list(scoped(StoredFile.objects.all(), actor, PERM, region="organization__region"))

    assert len(rows) == 3
