"""The 实施清单 of 示范市: 120-odd service items of every item type, run by 17 city departments, the
district 市场监管 and 城管 bureaus and the street offices, each with its materials and application form.

The items are data: the YAML files in `yiwang/demo/catalog/` (format described at the top of
`catalog/shared.yaml`), read and checked by `catalog.loader`. This module places them at their
organisations (`item_rows`), builds their field values and JSON Schema forms, and writes them
(`seed_service_items`). An item is identified by its 实施编码 (organisation USCC + level digit +
基本编码, see `services.codes`) and version 1; the 基本编码 is built from the item type, a main-item
serial and a sub-item serial, so implementations of the same item at every district share it
(四级四同). A second run finds every item in place and changes nothing.

Legal bases cite real laws and regulations; addresses, phones and organisations are fictional
(area code 0599 is unassigned)."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from yiwang.core.models import Organization
from yiwang.demo.catalog.loader import (
    DEFAULT_VISITS,
    TYPE_DIGITS,
    FieldSpec,
    ItemSpec,
    MaterialSpec,
    catalog,
)
from yiwang.demo.geography import CITY_NAME, DISTRICTS
from yiwang.demo.organizations import district_slug
from yiwang.identity.actor import Actor

__all__ = [
    "CITY_CENTER_ADDRESS",
    "COMMON",
    "COMPLAINT_PHONE",
    "DEFAULT_VISITS",
    "ENTERPRISE_BASICS",
    "OFFICE_HOURS",
    "PERSON_BASICS",
    "TYPE_DIGITS",
    "CatalogSeedResult",
    "FieldSpec",
    "ItemRow",
    "ItemSpec",
    "MaterialSpec",
    "build_form",
    "catalogue_actions_available",
    "item_rows",
    "item_specs",
    "item_values",
    "material_values",
    "seed_service_items",
]

OFFICE_HOURS = "工作日 上午9:00—12:00，下午13:30—17:30（法定节假日除外）"
COMPLAINT_PHONE = "0599-12345"
CITY_CENTER_ADDRESS = f"{CITY_NAME}东湖区市民大道100号{CITY_NAME}政务服务中心"

# The shared parts of the catalogue files (catalog/shared.yaml), read once when this module loads.
COMMON: dict[str, MaterialSpec] = dict(catalog().materials)
PERSON_BASICS: tuple[FieldSpec, ...] = catalog().field_groups["person_basics"]
ENTERPRISE_BASICS: tuple[FieldSpec, ...] = catalog().field_groups["enterprise_basics"]


# -- forms ----------------------------------------------------------------------------------------

_PREFILL = {
    "applicant_name": "person.name",
    "id_number": "person.id_number",
    "phone": "person.phone",
    "address": "person.address",
    "enterprise_name": "enterprise.name",
    "uscc": "enterprise.uscc",
    "legal_representative": "enterprise.legal_representative",
    "contact_phone": "user.phone",
    "enterprise_address": "enterprise.address",
}
_WIDGETS = {
    "textarea": "textarea",
    "date": "date",
    "number": "number",
    "integer": "number",
    "select": "select",
    "radio": "radio",
    "region": "region",
    "phone": "phone",
    "id_number": "id_number",
    "uscc": "uscc",
    "checkbox": "checkbox",
    "file": "file",
}
_PLACEHOLDERS = {"id_number": "18 位公民身份号码", "uscc": "18 位统一社会信用代码", "phone": "11 位手机号码"}


def _property(spec: FieldSpec) -> dict[str, Any]:
    if spec.kind == "group":
        sub_schema, _ = _object(spec.children)
        return {"type": "array", "title": spec.title, "items": sub_schema, "maxItems": 50}
    prop: dict[str, Any] = {"title": spec.title}
    if spec.kind in ("number", "integer"):
        prop["type"] = spec.kind
        prop["minimum"] = 0
    elif spec.kind == "checkbox":
        prop["type"] = "boolean"
    else:
        prop["type"] = "string"
        if spec.kind == "date":
            prop["format"] = "date"
        elif spec.kind in ("select", "radio"):
            prop["enum"] = list(spec.choices)
        elif spec.kind == "textarea":
            prop["maxLength"] = 2000
        elif spec.kind not in ("file", "region"):
            prop["maxLength"] = 200
    return prop


def _hint(spec: FieldSpec) -> dict[str, Any]:
    hint: dict[str, Any] = {}
    if spec.kind in _WIDGETS:
        hint["ui:widget"] = _WIDGETS[spec.kind]
    if spec.name in _PREFILL:
        hint["ui:prefill"] = _PREFILL[spec.name]
    if spec.kind in _PLACEHOLDERS:
        hint["ui:placeholder"] = _PLACEHOLDERS[spec.kind]
    if spec.help:
        hint["ui:help"] = spec.help
    if spec.kind == "file":
        hint["ui:material"] = spec.material
    if spec.kind == "textarea":
        hint["ui:rows"] = 4
    if spec.kind == "group":
        _, sub_ui = _object(spec.children)
        sub_ui.pop("ui:order", None)
        hint = {"ui:addLabel": f"添加{spec.title}", "items": sub_ui}
    return hint


def _object(fields: Sequence[FieldSpec]) -> tuple[dict[str, Any], dict[str, Any]]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {f.name: _property(f) for f in fields},
        "required": [f.name for f in fields if f.required],
    }
    ui: dict[str, Any] = {"ui:order": [f.name for f in fields]}
    for spec in fields:
        hint = _hint(spec)
        if hint:
            ui[spec.name] = hint
    return schema, ui


def build_form(
    basics: Sequence[FieldSpec], extra: Sequence[FieldSpec]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The item's JSON Schema (Draft 2020-12) and UI hints: the subject's basics, then its own fields."""
    schema, ui = _object([*basics, *extra])
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
    return schema, ui


# -- items ----------------------------------------------------------------------------------------


def item_specs() -> tuple[ItemSpec, ...]:
    """Every item of the catalogue files, in file order (checked; see `catalog.loader`)."""
    return catalog().items


# -- resolution onto organisations ----------------------------------------------------------------


@dataclass(frozen=True)
class ItemRow:
    """One implementation: a spec at one organisation and level."""

    spec: ItemSpec
    organization_code: str
    level: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.organization_code, self.spec.basic_code)


def _district_codes() -> list[str]:
    return [district_slug(code) for code in DISTRICTS]


def item_rows() -> list[ItemRow]:
    """Every implementation: city items once, district items at each district, street items at each
    street office. Pure: depends on nothing stored."""
    rows: list[ItemRow] = []
    for spec in item_specs():
        if spec.department == "district-amr":
            rows += [ItemRow(spec, f"{d}-amr", "district") for d in _district_codes()]
        elif spec.department == "district-urban":
            rows += [ItemRow(spec, f"{d}-urban", "district") for d in _district_codes()]
        elif spec.department == "street":
            rows += [ItemRow(spec, f"{d}-s001", "street") for d in _district_codes()]
        else:
            rows.append(ItemRow(spec, spec.department, "city"))
    return rows


def _place(organization: Organization, level: str) -> str:
    if level == "city":
        return f"{CITY_CENTER_ADDRESS}（{organization.short_name or organization.name}综合窗口）"
    return f"{organization.address}（{organization.short_name or organization.name}便民服务窗口）"


def item_values(row: ItemRow, organization: Organization) -> dict[str, Any]:
    """The ServiceItem field values of one implementation (without codes, status and version)."""
    spec = row.spec
    basics = ENTERPRISE_BASICS if spec.subjects == ("enterprise",) else PERSON_BASICS
    schema, ui = build_form(basics, spec.fields)
    instant = spec.instant
    return {
        "name": spec.name,
        "item_type": spec.item_type,
        "level": row.level,
        "legal_basis": spec.legal_basis,
        "conditions": spec.conditions,
        "statutory_days": spec.statutory_days,
        "promised_days": spec.promised_days,
        "handling_kind": "instant" if instant else "committed",
        "is_charged": bool(spec.fee_standard),
        "fee_basis": spec.fee_basis,
        "fee_standard": spec.fee_standard or "不收费",
        "handling_form": "网上办理" if spec.online_depth == 4 else "窗口办理、网上办理",
        "online_depth": spec.online_depth,
        "site_visits": spec.visits,
        "served_subjects": list(spec.subjects),
        "themes": list(spec.themes),
        "keywords": spec.keywords,
        "place": _place(organization, row.level),
        "office_hours": OFFICE_HOURS,
        "consultation_phone": organization.phone,
        "complaint_phone": COMPLAINT_PHONE,
        "result_name": spec.result_name,
        "result_type": spec.result_type,
        "delivery_methods": spec.delivery,
        "process_description": spec.process
        or (
            "申请 → 受理（当场办结）"
            if instant
            else "申请 → 受理 / 补正 / 不予受理 → 审查 → 决定（准予 / 不予）→ 办结送达"
        ),
        "form_schema": schema,
        "form_ui": ui,
    }


def material_values(spec: MaterialSpec, index: int) -> dict[str, Any]:
    return {
        "code": spec.code,
        "name": spec.name,
        "requirement": spec.requirement,
        "condition": spec.condition,
        "source": spec.source,
        "licence_type_code": spec.licence_type_code,
        "data_resource_code": spec.data_resource_code,
        "formats": list(spec.formats),
        "max_size_mb": 10,
        "copies": spec.copies,
        "notes": spec.notes,
        "sort_order": (index + 1) * 10,
    }


# -- writer -----------------------------------------------------------------------------------------


@dataclass
class CatalogSeedResult:
    created: int = 0
    updated: int = 0
    total: int = 0
    via_actions: bool = True
    items: dict[tuple[str, str], Any] = field(default_factory=dict)  # ItemRow.key → ServiceItem


def catalogue_actions_available() -> bool:
    """True when the catalogue helper's actions (`item_create`, `material_add`, `item_publish`) exist."""
    try:
        module = importlib.import_module("yiwang.services.actions.catalogue")
    except ImportError:
        return False
    return all(
        callable(getattr(module, name, None)) for name in ("item_create", "material_add", "item_publish")
    )


def _create_with_actions(row: ItemRow, organization: Organization, values: dict[str, Any]) -> Any:
    from yiwang.services.actions import catalogue

    system = Actor.system()
    item = catalogue.item_create(
        actor=system, organization=organization, basic_code=row.spec.basic_code, **values
    )
    for index, material in enumerate(row.spec.materials):
        catalogue.material_add(actor=system, item=item, **material_values(material, index))
    return catalogue.item_publish(actor=system, item=item)


def _create_with_models(row: ItemRow, organization: Organization, values: dict[str, Any], code: str) -> Any:
    from yiwang.services.models import MaterialRequirement, ServiceItem

    item = ServiceItem.objects.create(
        basic_code=row.spec.basic_code,
        implementation_code=code,
        version=1,
        status=ServiceItem.Status.PUBLISHED,
        is_current=True,
        published_at=timezone.now(),
        organization=organization,
        region=organization.region,
        **values,
    )
    MaterialRequirement.objects.bulk_create(
        [MaterialRequirement(item=item, **material_values(m, i)) for i, m in enumerate(row.spec.materials)]
    )
    return item


def _refresh(item: Any, row: ItemRow, values: dict[str, Any]) -> bool:
    """Bring a stored demo item (version 1) back to the table's values; True when something changed.
    Demo data only: a real catalogue edit goes through `item_update` and makes a new version."""
    from yiwang.services.models import MaterialRequirement

    changed = [name for name, value in values.items() if getattr(item, name) != value]
    for name in changed:
        setattr(item, name, values[name])
    if changed:
        item.save(update_fields=[*changed, "updated_at"])
    stored = {m.code: m for m in item.materials.all()}
    for index, spec in enumerate(row.spec.materials):
        wanted = material_values(spec, index)
        material = stored.get(spec.code)
        if material is None:
            MaterialRequirement.objects.create(item=item, **wanted)
            changed.append(spec.code)
            continue
        differs = [k for k, v in wanted.items() if getattr(material, k) != v]
        if differs:
            for k in differs:
                setattr(material, k, wanted[k])
            material.save(update_fields=differs)
            changed.append(spec.code)
    return bool(changed)


def seed_service_items(
    organizations: dict[str, Organization], *, use_actions: bool | None = None
) -> CatalogSeedResult:
    """Create (through the catalogue actions when they exist, as the system) or refresh every item."""
    from yiwang.services import codes
    from yiwang.services.models import ServiceItem

    use_actions = catalogue_actions_available() if use_actions is None else use_actions
    result = CatalogSeedResult(via_actions=use_actions)
    rows = item_rows()
    wanted_codes = {}
    for row in rows:
        organization = organizations[row.organization_code]
        wanted_codes[row.key] = codes.implementation_code(
            organization_uscc=organization.uscc, level=row.level, basic_code=row.spec.basic_code
        )
    stored = {
        item.implementation_code: item
        for item in ServiceItem.objects.filter(implementation_code__in=wanted_codes.values(), version=1)
    }
    for row in rows:
        organization = organizations[row.organization_code]
        code = wanted_codes[row.key]
        values = item_values(row, organization)
        item = stored.get(code)
        if item is None:
            with transaction.atomic():
                if use_actions:
                    item = _create_with_actions(row, organization, values)
                else:
                    item = _create_with_models(row, organization, values, code)
            result.created += 1
        elif _refresh(item, row, values):
            result.updated += 1
        result.items[row.key] = item
    result.total = ServiceItem.objects.filter(
        implementation_code__in=wanted_codes.values(), is_current=True
    ).count()
    return result
