"""Factories for the catalogue: a published, current service item with three materials and a real form.

`ServiceItemFactory()` gives 食品经营许可-like data: a published current version (v1) with
- materials: 营业执照 (from the e-licence source), 经营场所使用证明 (required upload), 委托书 (conditional);
- a JSON Schema form (text, number, date, select, ID number, phone, a repeating group of staff) and
  matching UI hints (see `yiwang.core.forms.schema` for the UI hint format).

`ServiceItemFactory(materials=False)` skips the materials; `DraftServiceItemFactory()` is an unpublished
draft. Codes are valid GB/T 39554 shapes for the item's organisation (see `yiwang.services.codes`)."""

from __future__ import annotations

import copy
from typing import Any

import factory
from django.utils import timezone

from yiwang.core.tests.factories import OrganizationFactory
from yiwang.services import codes
from yiwang.services.models import ItemLevel, MaterialRequirement, ServiceItem

FORM_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "title": "食品经营许可申请书",
    "properties": {
        "operator_name": {"type": "string", "title": "经营者名称", "minLength": 1, "maxLength": 100},
        "legal_person": {"type": "string", "title": "法定代表人（负责人）", "minLength": 1, "maxLength": 50},
        "id_number": {"type": "string", "title": "身份证号码", "minLength": 18, "maxLength": 18},
        "phone": {"type": "string", "title": "联系电话", "pattern": "^1[3-9]\\d{9}$"},
        "address": {"type": "string", "title": "经营场所", "minLength": 1, "maxLength": 200},
        "area": {"type": "number", "title": "经营场所面积（平方米）", "minimum": 1, "maximum": 100000},
        "opening_date": {"type": "string", "title": "拟开业日期", "format": "date"},
        "category": {
            "type": "string",
            "title": "主体业态",
            "enum": ["canteen", "restaurant", "retail"],
        },
        "staff": {
            "type": "array",
            "title": "从业人员",
            "minItems": 1,
            "maxItems": 20,
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "title": "姓名", "minLength": 1, "maxLength": 50},
                    "id_number": {"type": "string", "title": "身份证号码", "minLength": 18, "maxLength": 18},
                    "health_certificate": {"type": "string", "title": "健康证号", "maxLength": 50},
                },
                "required": ["name", "id_number"],
            },
        },
    },
    "required": [
        "operator_name",
        "legal_person",
        "id_number",
        "phone",
        "address",
        "area",
        "category",
        "staff",
    ],
}

FORM_UI: dict[str, Any] = {
    "ui:order": [
        "operator_name",
        "legal_person",
        "id_number",
        "phone",
        "address",
        "area",
        "opening_date",
        "category",
        "staff",
    ],
    "operator_name": {"ui:widget": "text", "ui:prefill": "enterprise.name"},
    "legal_person": {"ui:widget": "text", "ui:prefill": "person.name"},
    "id_number": {"ui:widget": "id_number", "ui:prefill": "person.id_number"},
    "phone": {"ui:widget": "phone", "ui:prefill": "person.phone"},
    "address": {"ui:widget": "textarea", "ui:placeholder": "省市区街道门牌号"},
    "area": {"ui:widget": "number"},
    "opening_date": {"ui:widget": "date"},
    "category": {"ui:widget": "select", "ui:enumNames": ["单位食堂", "餐饮服务", "食品销售"]},
    "staff": {
        "ui:addLabel": "添加从业人员",
        "items": {"id_number": {"ui:widget": "id_number"}, "name": {"ui:widget": "text"}},
    },
}


def form_schema() -> dict[str, Any]:
    return copy.deepcopy(FORM_SCHEMA)


def form_ui() -> dict[str, Any]:
    return copy.deepcopy(FORM_UI)


class ServiceItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceItem
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    region = factory.LazyAttribute(lambda o: o.organization.region)
    level = ItemLevel.CITY
    basic_code = factory.Sequence(lambda n: f"00{1720 + n:05d}00500")
    implementation_code = factory.LazyAttribute(
        lambda o: codes.implementation_code(
            organization_uscc=o.organization.uscc, level=o.level, basic_code=o.basic_code
        )
    )
    version = 1
    status = ServiceItem.Status.PUBLISHED
    is_current = True
    published_at = factory.LazyFunction(timezone.now)
    name = factory.Sequence(lambda n: f"食品经营许可（新办）{n}" if n else "食品经营许可（新办）")
    item_type = "licensing"
    legal_basis = "《中华人民共和国食品安全法》第三十五条；《食品经营许可和备案管理办法》"
    conditions = "1. 具有与经营的食品品种、数量相适应的经营场所；2. 有食品安全管理人员和管理制度。"
    statutory_days = 20
    promised_days = 5
    handling_kind = ServiceItem.HandlingKind.COMMITTED
    is_charged = False
    handling_form = "窗口办理、网上办理"
    online_depth = 3
    site_visits = 1
    served_subjects = factory.LazyFunction(lambda: ["enterprise", "person"])
    themes = factory.LazyFunction(lambda: ["operation", "startup"])
    keywords = "餐饮 饭店 开餐馆 小吃店 食品销售"
    place = "示范市政务服务中心二楼 12 号窗口"
    office_hours = "工作日 9:00–12:00，13:30–17:00"
    consultation_phone = "025-12345678"
    complaint_phone = "12345"
    result_name = "食品经营许可证"
    result_type = "证照"
    delivery_methods = "窗口领取、邮政快递、电子证照"
    process_description = "申请 → 受理 → 审查 → 决定 → 办结"
    form_schema = factory.LazyFunction(form_schema)
    form_ui = factory.LazyFunction(form_ui)

    @factory.post_generation
    def materials(obj, create, extracted, **kwargs):
        """`materials=False` skips the three standard materials."""
        if not create or extracted is False:
            return
        MaterialRequirementFactory(
            item=obj,
            code="business_licence",
            name="营业执照",
            source=MaterialRequirement.Source.LICENCE,
            licence_type_code="business_licence",
            formats=[],
            sort_order=1,
        )
        MaterialRequirementFactory(
            item=obj,
            code="premises_proof",
            name="经营场所使用证明",
            notes="房屋产权证明或租赁合同",
            sort_order=2,
        )
        MaterialRequirementFactory(
            item=obj,
            code="power_of_attorney",
            name="委托书及受托人身份证明",
            requirement=MaterialRequirement.Requirement.CONDITIONAL,
            condition="委托他人代为办理的",
            sort_order=3,
        )


class DraftServiceItemFactory(ServiceItemFactory):
    status = ServiceItem.Status.DRAFT
    is_current = False
    published_at = None


class MaterialRequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MaterialRequirement

    item = factory.SubFactory(DraftServiceItemFactory, materials=False)
    code = factory.Sequence(lambda n: f"material-{n}")
    name = factory.Sequence(lambda n: f"申请材料{n}")
    requirement = MaterialRequirement.Requirement.REQUIRED
    source = MaterialRequirement.Source.UPLOAD
    formats = factory.LazyFunction(lambda: ["pdf", "jpg", "png"])
    max_size_mb = 10
    copies = 1
