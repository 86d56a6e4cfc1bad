"""Catalogue actions: create, versioned update, publish rules, materials on drafts, permissions, audit."""

from __future__ import annotations

import pytest
from django.utils import timezone

from yiwang.core.errors import Conflict, InvalidInput, PermissionDenied
from yiwang.core.models import AuditEvent
from yiwang.identity.actor import Actor
from yiwang.services import codes
from yiwang.services.actions.catalogue import (
    item_create,
    item_publish,
    item_update,
    material_add,
    material_remove,
    material_update,
)
from yiwang.services.models import Application, MaterialRequirement, ServiceItem
from yiwang.services.selectors.applications import item_for_application, item_materials
from yiwang.services.selectors.catalogue import guide_for, item_get_current, item_get_version, item_versions
from yiwang.services.tests.catalogue_support import *  # noqa: F403
from yiwang.services.tests.factories import ServiceItemFactory, form_schema, form_ui


def _fields(world, **overrides):
    fields = {
        "organization": world.market,
        "basic_code": "000172005000",
        "level": "city",
        "name": "食品经营许可（新办）",
        "item_type": "licensing",
        "statutory_days": 20,
        "promised_days": 5,
        "online_depth": 3,
        "site_visits": 1,
        "served_subjects": ["enterprise"],
        "themes": ["operation"],
        "keywords": "餐饮 开餐馆",
        "form_schema": form_schema(),
        "form_ui": form_ui(),
    }
    fields.update(overrides)
    return fields


def test_create_makes_a_draft_with_derived_code_and_audit(world):
    actor = Actor.for_user(world.catalog_admin)
    item = item_create(actor=actor, **_fields(world))
    assert item.status == ServiceItem.Status.DRAFT and not item.is_current and item.version == 1
    assert item.implementation_code == f"{world.market.uscc}3000172005000"
    assert item.region == world.city
    event = AuditEvent.objects.get(action="services.item_create")
    assert event.object_id == str(item.pk) and event.actor == world.catalog_admin


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("catalog_admin", True),
        ("office_admin", False),
        ("health_admin", False),
        ("clerk", False),
        ("citizen", False),
    ],
)
def test_create_permission_matrix(world, who, allowed):
    actor = Actor.for_user(getattr(world, who))
    if allowed:
        item_create(actor=actor, **_fields(world))
        assert ServiceItem.objects.count() == 1
    else:
        with pytest.raises(PermissionDenied) as exc:
            item_create(actor=actor, **_fields(world))
        assert exc.value.code == "catalog_forbidden"
        assert ServiceItem.objects.count() == 0
        assert not AuditEvent.objects.filter(action__startswith="services.").exists()


def test_anonymous_cannot_create(world):
    with pytest.raises(PermissionDenied):
        item_create(actor=Actor.for_user(None), **_fields(world))


def test_tree_scope_reaches_the_sub_office(world):
    item = item_create(
        actor=Actor.for_user(world.catalog_admin), **_fields(world, organization=world.market_office)
    )
    assert item.organization == world.market_office


def test_create_refuses_bad_values_in_chinese(world):
    actor = Actor.for_user(world.catalog_admin)
    with pytest.raises(InvalidInput) as exc:
        item_create(actor=actor, **_fields(world, online_depth=4, site_visits=1, promised_days=30))
    assert exc.value.code == "catalog_item_invalid"
    fields = {d["field"] for d in exc.value.details}
    assert {"site_visits", "promised_days"} <= fields
    assert "全程网办" in exc.value.message or "共" in exc.value.message
    with pytest.raises(InvalidInput) as exc:
        item_create(actor=actor, **_fields(world), popularity=5)
    assert exc.value.code == "catalog_field_unknown"
    assert ServiceItem.objects.count() == 0


def test_create_refuses_a_taken_code(world):
    actor = Actor.for_user(world.catalog_admin)
    item_create(actor=actor, **_fields(world))
    with pytest.raises(Conflict) as exc:
        item_create(actor=actor, **_fields(world))
    assert exc.value.code == "catalog_code_exists"


def test_publish_makes_current_and_editing_creates_a_new_version(world):
    actor = Actor.for_user(world.catalog_admin)
    v1 = item_publish(actor=actor, item=item_create(actor=actor, **_fields(world)))
    assert v1.is_current and v1.status == ServiceItem.Status.PUBLISHED and v1.published_at
    v2 = item_update(actor=actor, item=v1, name="食品经营许可（新办，2027 版）", promised_days=3)
    assert (v2.version, v2.status, v2.is_current) == (2, ServiceItem.Status.DRAFT, False)
    v1.refresh_from_db()
    assert v1.is_current and v1.name == "食品经营许可（新办）"  # the published version is untouched
    assert item_get_current(v1.implementation_code).pk == v1.pk
    # editing again reuses the open draft
    again = item_update(actor=actor, item=v1, keywords="饭店")
    assert again.pk == v2.pk and ServiceItem.objects.count() == 2
    item_publish(actor=actor, item=v2)
    v1.refresh_from_db()
    assert not v1.is_current and v1.status == ServiceItem.Status.PUBLISHED
    current = item_get_current(v1.implementation_code)
    assert (current.pk, current.promised_days, current.keywords) == (v2.pk, 3, "饭店")
    assert [v.version for v in item_versions(v1.implementation_code)] == [2, 1]
    actions = list(
        AuditEvent.objects.filter(action__startswith="services.")
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == [
        "services.item_create",
        "services.item_publish",
        "services.item_update",
        "services.item_update",
        "services.item_publish",
    ]


def test_new_version_copies_materials_and_old_version_keeps_its_own(world):
    actor = Actor.for_user(world.catalog_admin)
    v1 = ServiceItemFactory(organization=world.market)
    v2 = item_update(actor=actor, item=v1, name="新名称")
    assert sorted(v2.materials.values_list("code", flat=True)) == sorted(
        v1.materials.values_list("code", flat=True)
    )
    material_remove(actor=actor, material=v2.materials.get(code="power_of_attorney"))
    material_update(actor=actor, material=v2.materials.get(code="premises_proof"), name="场所证明")
    material_add(actor=actor, item=v2, code="health_cert", name="从业人员健康证明")
    assert v1.materials.count() == 3 and v1.materials.get(code="premises_proof").name == "经营场所使用证明"
    assert set(v2.materials.values_list("code", flat=True)) == {
        "business_licence",
        "premises_proof",
        "health_cert",
    }


def test_an_application_keeps_the_version_it_was_filed_under(world):
    actor = Actor.for_user(world.catalog_admin)
    v1 = ServiceItemFactory(organization=world.market, name="食品经营许可")
    application = Application.objects.create(
        item=v1,
        applicant=world.citizen,
        organization=world.market,
        region=world.city,
        status=Application.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    v2 = item_update(actor=actor, item=v1, name="食品经营许可（新版）")
    material_remove(actor=actor, material=v2.materials.get(code="premises_proof"))
    item_publish(actor=actor, item=v2)
    application.refresh_from_db()
    assert application.item_id == v1.pk
    old = item_get_version(v1.implementation_code, 1)
    assert old.name == "食品经营许可" and len(guide_for(old).materials) == 3
    assert item_get_current(v1.implementation_code).name == "食品经营许可（新版）"


def test_materials_change_only_on_drafts(world):
    actor = Actor.for_user(world.catalog_admin)
    item = ServiceItemFactory(organization=world.market)
    with pytest.raises(Conflict) as exc:
        material_add(actor=actor, item=item, code="x", name="某材料")
    assert exc.value.code == "catalog_not_draft"
    with pytest.raises(Conflict):
        material_remove(actor=actor, material=item.materials.first())
    with pytest.raises(Conflict):
        material_update(actor=actor, material=item.materials.first(), name="改")
    assert item.materials.count() == 3


def test_material_rules_and_permission(world):
    actor = Actor.for_user(world.catalog_admin)
    draft = item_create(actor=actor, **_fields(world))
    with pytest.raises(InvalidInput) as exc:
        material_add(
            actor=actor, item=draft, code="lic", name="营业执照", source=MaterialRequirement.Source.LICENCE
        )
    assert exc.value.code == "catalog_material_invalid" and "电子证照类型" in exc.value.message
    with pytest.raises(InvalidInput):
        material_add(
            actor=actor,
            item=draft,
            code="c",
            name="委托书",
            requirement=MaterialRequirement.Requirement.CONDITIONAL,
        )
    with pytest.raises(PermissionDenied):
        material_add(actor=Actor.for_user(world.health_admin), item=draft, code="a", name="甲")
    material_add(actor=actor, item=draft, code="a", name="甲")
    with pytest.raises(Conflict) as exc:
        material_add(actor=actor, item=draft, code="a", name="乙")
    assert exc.value.code == "catalog_material_exists"
    assert list(draft.materials.values_list("name", flat=True)) == ["甲"]


def test_publish_validates_everything(world):
    actor = Actor.for_user(world.catalog_admin)
    bad_ui = form_ui()
    bad_ui["opening_date"] = {"ui:widget": "id_number", "ui:prefill": "person.shoe_size"}
    bad_ui["nonexistent"] = {"ui:widget": "text"}
    draft = item_create(
        actor=actor,
        **_fields(
            world,
            item_type="no_such_type",
            served_subjects=[],
            basic_code="12345",
            implementation_code="ABC",
            form_ui=bad_ui,
            is_charged=True,
        ),
    )
    with pytest.raises(InvalidInput) as exc:
        item_publish(actor=actor, item=draft)
    assert exc.value.code == "catalog_publish_invalid"
    fields = [d["field"] for d in exc.value.details]
    for field in ("item_type", "served_subjects", "implementation_code", "form_schema", "fee_standard"):
        assert field in fields, field
    messages = " ".join(d["message"] for d in exc.value.details)
    assert "nonexistent" in messages and "person.shoe_size" in messages
    draft.refresh_from_db()
    assert draft.status == ServiceItem.Status.DRAFT and not draft.is_current


def test_publish_refuses_an_invalid_json_schema(world):
    actor = Actor.for_user(world.catalog_admin)
    draft = item_create(
        actor=actor, **_fields(world, form_schema={"type": "object", "properties": 3}, form_ui={})
    )
    with pytest.raises(InvalidInput) as exc:
        item_publish(actor=actor, item=draft)
    assert any("Draft 2020-12" in d["message"] for d in exc.value.details)


def test_code_must_agree_with_organisation_and_level(world):
    actor = Actor.for_user(world.catalog_admin)
    wrong = codes.implementation_code(
        organization_uscc=world.health.uscc, level="district", basic_code="000172005000"
    )
    draft = item_create(actor=actor, **_fields(world, implementation_code=wrong))
    with pytest.raises(InvalidInput) as exc:
        item_publish(actor=actor, item=draft)
    messages = [d["message"] for d in exc.value.details]
    assert any("统一社会信用代码" in m for m in messages) and any("层级代码" in m for m in messages)


def test_publish_twice_and_other_department(world):
    actor = Actor.for_user(world.catalog_admin)
    item = ServiceItemFactory(organization=world.market)
    with pytest.raises(Conflict):
        item_publish(actor=actor, item=item)
    draft = item_update(actor=actor, item=item, name="新")
    with pytest.raises(PermissionDenied):
        item_publish(actor=Actor.for_user(world.health_admin), item=draft)
    with pytest.raises(PermissionDenied):
        item_update(actor=Actor.for_user(world.health_admin), item=item, name="乱改")
    draft.refresh_from_db()
    assert draft.status == ServiceItem.Status.DRAFT and draft.name == "新"


def test_old_versions_and_identity_are_fixed(world):
    actor = Actor.for_user(world.catalog_admin)
    v1 = ServiceItemFactory(organization=world.market)
    v2 = item_update(actor=actor, item=v1, name="新")
    with pytest.raises(InvalidInput) as exc:
        item_update(actor=actor, item=v2, basic_code="000172005001")
    assert exc.value.code == "catalog_identity_fixed"
    item_publish(actor=actor, item=v2)
    v1.refresh_from_db()
    with pytest.raises(Conflict) as exc:
        item_update(actor=actor, item=v1, name="旧版本")
    assert exc.value.code == "catalog_version_outdated"


def test_a_current_version_is_read_live_and_its_snapshot_follows_its_materials(
    world, django_assert_num_queries
):
    """Which version is current is asked every time (one narrow query); its content is a cached
    snapshot that a change to one of its materials replaces."""
    actor = Actor.for_user(world.catalog_admin)
    v1 = ServiceItemFactory(organization=world.market)
    code = v1.implementation_code
    assert item_for_application(code).pk == v1.pk
    expected = [m.code for m in v1.materials.order_by("sort_order", "pk")]
    with django_assert_num_queries(1):
        cached = item_for_application(code)
        assert [m.code for m in item_materials(cached)] == expected
        assert cached.organization.name == world.market.name
    before = len(item_materials(cached))
    MaterialRequirement.objects.create(item=v1, code="extra", name="补充材料", sort_order=99)
    assert [m.code for m in item_materials(item_for_application(code))][before:] == ["extra"]
    v2 = item_update(actor=actor, item=v1, name="新版名称")
    item_publish(actor=actor, item=v2)
    assert item_for_application(code).name == "新版名称"
