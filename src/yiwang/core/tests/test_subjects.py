"""Regions, organisations, persons and enterprises: masking, scoped selectors and audited actions."""

from __future__ import annotations

from datetime import date

import pytest

from yiwang.core import actions, identifiers, masking, selectors
from yiwang.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from yiwang.core.models import AuditEvent, Organization, Person, Region
from yiwang.core.tests.factories import PersonFactory
from yiwang.core.tests.world import build_world
from yiwang.identity.actor import Actor
from yiwang.identity.models import DataScope
from yiwang.identity.tests.factories import make_staff


def actor(user) -> Actor:
    return Actor.for_user(user)


@pytest.fixture
def world(db):
    return build_world()


# -- masking ------------------------------------------------------------------------------------


def test_masking():
    assert masking.mask_id_number("11010519491231002X") == "110105********002X"
    assert masking.mask_phone("13800138001") == "138****8001"
    assert masking.mask_name("张三") == "张*"
    assert masking.mask_name("欧阳娜娜") == "欧***"
    assert masking.mask_id_number("") == masking.mask_phone("") == ""
    assert masking.mask_id_number("12345") == "1****"


# -- persons ------------------------------------------------------------------------------------


def test_staff_see_persons_of_their_region_subtree(world):
    seen = list(selectors.persons_list(actor=actor(world.east_officer)))
    assert seen == [world.east_person]  # lives in a street below the officer's district
    assert list(selectors.persons_list(actor=actor(world.west_officer))) == [world.west_person]
    assert set(selectors.persons_list(actor=actor(world.admin))) == {world.east_person, world.west_person}


def test_a_citizen_sees_only_themselves(world):
    assert list(selectors.persons_list(actor=actor(world.citizen))) == [world.east_person]
    assert selectors.person_get(actor=actor(world.citizen), uid=world.east_person.uid) == world.east_person
    with pytest.raises(NotFound) as missing:
        selectors.person_get(actor=actor(world.citizen), uid=world.west_person.uid)
    assert missing.value.code == "person_not_found"


def test_staff_without_permission_or_of_another_region_see_no_person(world):
    with pytest.raises(PermissionDenied):
        selectors.persons_list(actor=actor(world.east_clerk))
    with pytest.raises(PermissionDenied):
        selectors.persons_list(actor=actor(world.agent))
    with pytest.raises(NotFound):
        selectors.person_get(actor=actor(world.west_officer), uid=world.east_person.uid)
    with pytest.raises(PermissionDenied):
        selectors.persons_list(actor=Actor.for_user(None))


def test_department_scope_does_not_open_persons(world):
    department_only = make_staff(
        world.east_bureau, permissions=["core.view_person"], scope=DataScope.DEPARTMENT
    )
    assert list(selectors.persons_list(actor=actor(department_only))) == []


def test_person_search_by_name_fragment_or_exact_identifier(world):
    officer = actor(world.admin)
    assert list(selectors.persons_list(actor=officer, search="小东")) == [world.east_person]
    assert list(selectors.persons_list(actor=officer, search=world.west_person.id_number)) == [
        world.west_person
    ]
    assert list(selectors.persons_list(actor=officer, search="13800138001")) == [world.east_person]
    assert list(selectors.persons_list(actor=officer, search=world.west_person.id_number[:6])) == []
    assert list(selectors.persons_list(actor=officer, region="320104")) == [world.west_person]


def test_persons_list_has_no_n_plus_one(world, django_assert_num_queries):
    officer = actor(world.east_officer)
    for n in range(5):
        PersonFactory(region=world.east, name=f"东城居民{n}")
    with django_assert_num_queries(1):
        rows = list(selectors.persons_list(actor=officer))
        assert [p.region.code for p in rows] == ["320102001"] + ["320102"] * 5


# -- enterprises --------------------------------------------------------------------------------


def test_enterprise_scoping(world):
    assert list(selectors.enterprises_list(actor=actor(world.east_officer))) == [world.east_enterprise]
    assert list(selectors.enterprises_list(actor=actor(world.agent))) == [world.east_enterprise]
    with pytest.raises(PermissionDenied):
        selectors.enterprises_list(actor=actor(world.citizen))
    with pytest.raises(PermissionDenied):
        selectors.enterprises_list(actor=actor(world.east_clerk))
    with pytest.raises(NotFound):
        selectors.enterprise_get(actor=actor(world.agent), uid=world.west_enterprise.uid)
    with pytest.raises(NotFound):
        selectors.enterprise_get(actor=actor(world.west_officer), uid=world.east_enterprise.uid)
    got = selectors.enterprise_get(actor=actor(world.east_officer), uid=world.east_enterprise.uid)
    assert got.legal_representative == world.east_person


def test_enterprises_list_has_no_n_plus_one(world, django_assert_num_queries):
    admin = actor(world.admin)
    with django_assert_num_queries(1):
        rows = list(selectors.enterprises_list(actor=admin))
        assert [(e.region.code, e.legal_representative and e.legal_representative.name) for e in rows] == [
            ("320102", "王小东"),
            ("320104", None),
        ]


# -- regions and organisations ------------------------------------------------------------------


def test_regions_filter_and_tree(world):
    reader = actor(world.citizen)
    assert [r.code for r in selectors.regions_list(actor=reader, parent="320100")] == ["320102", "320104"]
    assert [r.code for r in selectors.regions_list(actor=reader, level="street")] == ["320102001"]
    with pytest.raises(InvalidInput) as bad:
        selectors.regions_list(actor=reader, level="province")
    assert bad.value.code == "invalid_region_level"
    with pytest.raises(NotFound):
        selectors.regions_list(actor=reader, parent="999999")
    tree = selectors.region_tree(actor=reader)
    assert [(n.code, [c.code for c in n.children]) for n in tree] == [("320100", ["320102", "320104"])]
    assert tree[0].children[0].children[0].name == "东华街道"
    assert [n.code for n in selectors.region_tree(actor=reader, root="320102")] == ["320102"]
    shallow = selectors.region_tree(actor=reader, max_level="district")
    assert shallow[0].children[0].children == []


def test_region_tree_is_one_query(world, django_assert_num_queries):
    reader = actor(world.citizen)
    with django_assert_num_queries(1):
        selectors.region_tree(actor=reader)


def test_organizations_filter(world, django_assert_num_queries):
    reader = actor(world.other_citizen)
    with django_assert_num_queries(2):  # the region lookup, then the list with its relations
        rows = list(selectors.organizations_list(actor=reader, region="320100"))
        assert [(o.name, o.region.name) for o in rows] == [
            ("东城区民政局", "东城区"),
            ("西城区民政局", "西城区"),
        ]
    assert list(selectors.organizations_list(actor=reader, search="西城")) == [world.west_bureau]
    assert list(selectors.organizations_list(actor=reader, search=world.east_bureau.uscc)) == [
        world.east_bureau
    ]
    with pytest.raises(InvalidInput):
        selectors.organizations_list(actor=reader, type="bank")


# -- actions ------------------------------------------------------------------------------------


@pytest.fixture
def registrar(world):
    return actor(
        make_staff(
            world.east_bureau,
            permissions=["core.manage_person", "core.manage_enterprise"],
            scope=DataScope.REGION,
        )
    )


def test_person_create_derives_birth_and_gender_and_audits_masked(world, registrar):
    number = identifiers.id_number("320102", date(1985, 6, 15), 37)  # odd sequence digit → male
    person = actions.person_create(
        actor=registrar, id_number=number, name="赵东升", phone="13700137000", region="320102"
    )
    assert person.birth_date == date(1985, 6, 15)
    expected_gender = Person.Gender.MALE if int(number[16]) % 2 else Person.Gender.FEMALE
    assert person.gender == expected_gender
    event = AuditEvent.objects.get(action="core.person_create")
    assert event.object_id == str(person.pk)
    assert event.data["id_number"] == masking.mask_id_number(number)
    assert number not in str(event.data) and "赵东升" not in event.summary


def test_person_create_rejects_bad_input_in_chinese(world, registrar):
    bad_check = world.east_person.id_number[:-1] + ("0" if world.east_person.id_number[-1] != "0" else "1")
    with pytest.raises(InvalidInput) as exc:
        actions.person_create(actor=registrar, id_number=bad_check, name="某人", region="320102")
    assert exc.value.code == "invalid_id_number" and "校验位" in exc.value.message
    with pytest.raises(InvalidInput) as phone:
        actions.person_create(
            actor=registrar,
            id_number=identifiers.id_number("320102", date(1990, 2, 2), 5),
            name="某人",
            phone="12345",
            region="320102",
        )
    assert "手机号码" in phone.value.message
    with pytest.raises(Conflict) as dup:
        actions.person_create(
            actor=registrar, id_number=world.east_person.id_number, name="重复", region="320102"
        )
    assert dup.value.code == "person_exists"
    assert Person.objects.count() == 2
    assert not AuditEvent.objects.exists()


def test_person_create_is_limited_to_the_region_scope(world, registrar):
    number = identifiers.id_number("320104", date(1991, 3, 3), 8)
    with pytest.raises(PermissionDenied) as exc:
        actions.person_create(actor=registrar, id_number=number, name="西城人", region="320104")
    assert exc.value.code == "out_of_scope"
    with pytest.raises(PermissionDenied):
        actions.person_create(
            actor=actor(world.east_officer), id_number=number, name="西城人", region="320102"
        )
    assert not Person.objects.filter(id_number=number).exists()


def test_person_update(world, registrar):
    person = actions.person_update(
        actor=registrar, uid=world.east_person.uid, phone="13600136000", address="新地址"
    )
    assert (person.phone, person.address) == ("13600136000", "新地址")
    assert AuditEvent.objects.get(action="core.person_update").data["fields"] == ["address", "phone"]
    with pytest.raises(NotFound):
        actions.person_update(actor=registrar, uid=world.west_person.uid, phone="13600136000")
    with pytest.raises(InvalidInput) as field:
        actions.person_update(actor=registrar, uid=world.east_person.uid, id_number="x")
    assert field.value.code == "field_not_editable"
    with pytest.raises(PermissionDenied):
        actions.person_update(actor=registrar, uid=world.east_person.uid, region="320104")
    world.east_person.refresh_from_db()
    assert world.east_person.region == world.east_street


def test_enterprise_create(world, registrar):
    code = identifiers.uscc_code("320102", 777)
    enterprise = actions.enterprise_create(
        actor=registrar,
        uscc=code.lower(),
        name="东城新材料有限公司",
        region="320102",
        legal_representative=world.east_person.uid,
    )
    assert enterprise.uscc == code and enterprise.legal_representative == world.east_person
    assert AuditEvent.objects.filter(action="core.enterprise_create", object_id=str(enterprise.pk)).exists()
    with pytest.raises(InvalidInput) as bad:
        actions.enterprise_create(
            actor=registrar, uscc=code[:-1] + ("0" if code[-1] != "0" else "1"), name="x", region="320102"
        )
    assert bad.value.code == "invalid_uscc" and "校验位" in bad.value.message
    with pytest.raises(Conflict):
        actions.enterprise_create(actor=registrar, uscc=code, name="重复", region="320102")


def test_region_and_organization_create(world):
    manager = actor(make_staff(world.east_bureau, permissions=["core.manage_master_data"]))
    street = actions.region_create(
        actor=manager, code="320104002", name="西湖街道", level="street", parent="320104"
    )
    assert street.path == f"{world.west.path}{street.pk}/"
    with pytest.raises(InvalidInput) as prefix:
        actions.region_create(
            actor=manager, code="320102003", name="错挂街道", level="street", parent="320104"
        )
    assert prefix.value.code == "invalid_region_code"
    with pytest.raises(InvalidInput) as level:
        actions.region_create(actor=manager, code="320105", name="x", level="city", parent="320100")
    assert level.value.code == "invalid_region_level"
    with pytest.raises(InvalidInput) as code:
        actions.region_create(actor=manager, code="32A1", name="x", level="street", parent="320104")
    assert "区划代码" in code.value.message
    org = actions.organization_create(
        actor=manager,
        code="west-street-office",
        name="西湖街道办事处",
        uscc=identifiers.uscc_code("320104", 99, authority="1"),
        region="320104002",
        type=Organization.Type.STREET_OFFICE,
    )
    assert org.region == street
    assert (
        AuditEvent.objects.filter(action__in=["core.region_create", "core.organization_create"]).count() == 2
    )
    with pytest.raises(PermissionDenied):
        actions.region_create(
            actor=actor(world.east_officer), code="320104003", name="x", level="street", parent="320104"
        )
    assert not Region.objects.filter(code="320104003").exists()


def test_pii_unmask_needs_permission_and_reason(world):
    person = world.east_person
    with pytest.raises(PermissionDenied):
        actions.pii_unmask(
            actor=actor(world.east_officer), obj=person, reason="核对身份", fields=["id_number"]
        )
    with pytest.raises(InvalidInput) as reason:
        actions.pii_unmask(actor=actor(world.unmasker), obj=person, reason=" ", fields=["id_number"])
    assert reason.value.code == "unmask_reason_required"
    assert not AuditEvent.objects.exists()
    actions.pii_unmask(actor=actor(world.unmasker), obj=person, reason="核对身份", fields=["id_number"])
    event = AuditEvent.objects.get(action="core.pii_unmask")
    assert event.data == {"reason": "核对身份", "fields": ["id_number"]}
    assert event.actor_id == world.unmasker.pk
