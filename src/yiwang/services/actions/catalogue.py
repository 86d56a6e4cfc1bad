"""Writes on the catalogue (事项目录): items (draft → published, versioned) and their materials.

A published version never changes: editing it (`item_update`) creates the next version as a draft,
copying its materials, and the published version stays current until the draft is published
(`item_publish`), which flips the previous version's `is_current` off. Only drafts take material
changes. Every write needs `services.manage_catalog` within the item's organisation (the actor's
data scope: own department or department tree), is audited, and fails with a Chinese message and a
stable code (`catalog_*`)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput, PermissionDenied
from yiwang.core.models import Organization
from yiwang.identity.actor import Actor
from yiwang.services import codes
from yiwang.services.models import MaterialRequirement, ServiceItem
from yiwang.services.permissions import can_manage_catalog as can_manage
from yiwang.services.rules import (
    Problem,
    material_problems,
    publish_problems,
    storable_problems,
)
from yiwang.services.search import invalidate_search_index

ITEM_FIELDS = frozenset(
    {
        "basic_code",
        "implementation_code",
        "name",
        "item_type",
        "organization",
        "level",
        "region",
        "legal_basis",
        "conditions",
        "statutory_days",
        "promised_days",
        "handling_kind",
        "is_charged",
        "fee_basis",
        "fee_standard",
        "handling_form",
        "online_depth",
        "site_visits",
        "served_subjects",
        "themes",
        "keywords",
        "place",
        "office_hours",
        "consultation_phone",
        "complaint_phone",
        "result_name",
        "result_type",
        "result_sample",
        "delivery_methods",
        "process_description",
        "process_definition_code",
        "form_schema",
        "form_ui",
    }
)
# The identity of an implementation: fixed once a version has been published.
IDENTITY_FIELDS = frozenset({"basic_code", "implementation_code", "organization", "level"})
MATERIAL_FIELDS = frozenset(
    {
        "code",
        "name",
        "requirement",
        "condition",
        "source",
        "licence_type_code",
        "data_resource_code",
        "formats",
        "max_size_mb",
        "copies",
        "sample",
        "notes",
        "sort_order",
    }
)


# -- permission ---------------------------------------------------------------------------------


def require_manage(actor: Actor, organization: Organization) -> None:
    if not actor.is_authenticated and not actor.is_system:
        raise PermissionDenied("请先登录", code="catalog_forbidden")
    if not can_manage(actor, organization):
        raise PermissionDenied(f"您没有维护「{organization.name}」事项目录的权限", code="catalog_forbidden")


# -- validation ---------------------------------------------------------------------------------


def _invalid(problems: list[Problem], *, code: str = "catalog_item_invalid") -> InvalidInput:
    first = problems[0].message
    more = f"（共 {len(problems)} 处问题）" if len(problems) > 1 else ""
    return InvalidInput(f"事项信息有误：{first}{more}", code=code, details=[p.as_dict() for p in problems])


def _check_fields(fields: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise InvalidInput(
            f"不能设置字段：{'、'.join(unknown)}", code="catalog_field_unknown", details=unknown
        )


def _apply(item: ServiceItem, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(item, name, value)
    if "organization" in fields and "region" not in fields:
        item.region = item.organization.region


# -- items --------------------------------------------------------------------------------------


def item_create(*, actor: Actor, **fields: Any) -> ServiceItem:
    """A new implementation (version 1) as a draft. `organization` is required; `region` defaults to
    the organisation's and `implementation_code` is derived from organisation, level and basic code."""
    _check_fields(fields, ITEM_FIELDS)
    organization = fields.get("organization")
    if not isinstance(organization, Organization):
        raise InvalidInput("请指定实施主体", code="catalog_organization_required")
    require_manage(actor, organization)
    item = ServiceItem(version=1, status=ServiceItem.Status.DRAFT, is_current=False)
    _apply(item, fields)
    if not item.implementation_code and item.basic_code and item.level in codes.LEVEL_DIGITS:
        item.implementation_code = codes.implementation_code(
            organization_uscc=organization.uscc, level=item.level, basic_code=item.basic_code
        )
    problems = storable_problems(item)
    if problems:
        raise _invalid(problems)
    with transaction.atomic():
        if ServiceItem.objects.filter(implementation_code=item.implementation_code).exists():
            raise Conflict(
                f"实施编码 {item.implementation_code} 已存在，请编辑现有事项", code="catalog_code_exists"
            )
        item.save()
        audit_record(
            actor=actor,
            action="services.item_create",
            obj=item,
            summary=f"新建事项草稿「{item.name}」（{item.implementation_code}）"[:255],
            data={"implementation_code": item.implementation_code, "version": item.version},
        )
    return item


def _copy_as_next_version(source: ServiceItem, version: int) -> ServiceItem:
    draft = ServiceItem(version=version, status=ServiceItem.Status.DRAFT, is_current=False)
    for name in ITEM_FIELDS:
        setattr(draft, name, getattr(source, name))
    draft.popularity = source.popularity
    draft.save()
    MaterialRequirement.objects.bulk_create(
        [
            MaterialRequirement(item=draft, **{name: getattr(material, name) for name in MATERIAL_FIELDS})
            for material in source.materials.all()
        ]
    )
    return draft


def item_update(*, actor: Actor, item: ServiceItem, **fields: Any) -> ServiceItem:
    """Edit an item. A draft changes in place; the current published version gets a new draft
    version (materials copied; an open draft of the same code is reused), which is returned."""
    _check_fields(fields, ITEM_FIELDS)
    require_manage(actor, item.organization)
    if isinstance(fields.get("organization"), Organization):
        require_manage(actor, fields["organization"])
    with transaction.atomic():
        locked = (
            ServiceItem.objects.select_for_update().select_related("organization__region").get(pk=item.pk)
        )
        created = False
        if locked.status == ServiceItem.Status.DRAFT:
            target = locked
        elif locked.status == ServiceItem.Status.PUBLISHED and locked.is_current:
            latest = (
                ServiceItem.objects.select_for_update()
                .filter(implementation_code=locked.implementation_code)
                .order_by("-version")
                .first()
            )
            if latest is not None and latest.status == ServiceItem.Status.DRAFT:
                target = latest
            else:
                top = ServiceItem.objects.filter(implementation_code=locked.implementation_code).aggregate(
                    top=Max("version")
                )["top"]
                target = _copy_as_next_version(locked, (top or 0) + 1)
                created = True
        else:
            raise Conflict("只能编辑草稿或当前发布的版本", code="catalog_version_outdated")
        if target.version > 1 or target.published_at is not None:
            changed_identity = sorted(
                name for name in IDENTITY_FIELDS & set(fields) if getattr(target, name) != fields[name]
            )
            if changed_identity:
                raise InvalidInput(
                    "已发布过的事项不能修改实施编码、基本编码、实施主体或行使层级，请新建事项",
                    code="catalog_identity_fixed",
                    details=changed_identity,
                )
        before = {name: getattr(target, name) for name in fields}
        _apply(target, fields)
        problems = storable_problems(target)
        if problems:
            raise _invalid(problems)
        code_changed = (
            before.get("implementation_code", target.implementation_code) != target.implementation_code
        )
        if (
            code_changed
            and ServiceItem.objects.filter(implementation_code=target.implementation_code)
            .exclude(pk=target.pk)
            .exists()
        ):
            raise Conflict(f"实施编码 {target.implementation_code} 已存在", code="catalog_code_exists")
        target.save()
        changed = sorted(name for name in fields if before[name] != getattr(target, name))
        audit_record(
            actor=actor,
            action="services.item_update",
            obj=target,
            summary=(f"{'新建版本' if created else '修改草稿'}「{target.name}」v{target.version}")[:255],
            data={
                "implementation_code": target.implementation_code,
                "version": target.version,
                "new_version": created,
                "fields": changed,
            },
        )
    return target


def item_publish(*, actor: Actor, item: ServiceItem) -> ServiceItem:
    """Publish a draft version: it becomes current; the previous current version stays published
    (applications filed under it keep it) but is no longer current."""
    require_manage(actor, item.organization)
    with transaction.atomic():
        versions = list(
            ServiceItem.objects.select_for_update()
            .filter(implementation_code=item.implementation_code)
            .order_by("version")
        )
        locked = next((v for v in versions if v.pk == item.pk), None)
        if locked is None or locked.status != ServiceItem.Status.DRAFT:
            raise Conflict("只有草稿可以发布", code="catalog_not_draft")
        locked.organization = item.organization
        problems = publish_problems(locked)
        if problems:
            raise _invalid(problems, code="catalog_publish_invalid")
        previous = next((v for v in versions if v.is_current), None)
        now = timezone.now()
        if previous is not None:
            ServiceItem.objects.filter(pk=previous.pk).update(is_current=False, updated_at=now)
        locked.status = ServiceItem.Status.PUBLISHED
        locked.is_current = True
        locked.published_at = now
        locked.save(update_fields=["status", "is_current", "published_at", "updated_at"])
        audit_record(
            actor=actor,
            action="services.item_publish",
            obj=locked,
            summary=f"发布事项「{locked.name}」v{locked.version}"[:255],
            data={
                "implementation_code": locked.implementation_code,
                "version": locked.version,
                "previous_version": previous.version if previous else None,
            },
        )
        transaction.on_commit(invalidate_search_index)
    item.status, item.is_current, item.published_at = locked.status, True, locked.published_at
    return locked


# -- materials ----------------------------------------------------------------------------------


def _require_draft(item: ServiceItem) -> None:
    if item.status != ServiceItem.Status.DRAFT:
        raise Conflict("已发布的版本不能修改申请材料，请先编辑事项生成新版本", code="catalog_not_draft")


def _material_invalid(material: MaterialRequirement) -> None:
    problems = material_problems(material)
    if problems:
        raise InvalidInput(f"申请材料有误：{problems[0]}", code="catalog_material_invalid", details=problems)


def material_add(*, actor: Actor, item: ServiceItem, **fields: Any) -> MaterialRequirement:
    _check_fields(fields, MATERIAL_FIELDS)
    require_manage(actor, item.organization)
    with transaction.atomic():
        locked = ServiceItem.objects.select_for_update().get(pk=item.pk)
        _require_draft(locked)
        material = MaterialRequirement(item=locked, **fields)
        if not material.sort_order:
            material.sort_order = locked.materials.count() + 1
        _material_invalid(material)
        if locked.materials.filter(code=material.code).exists():
            raise Conflict(f"材料编码 {material.code} 已存在", code="catalog_material_exists")
        material.save()
        audit_record(
            actor=actor,
            action="services.material_add",
            obj=locked,
            summary=f"「{locked.name}」v{locked.version} 新增材料「{material.name}」"[:255],
            data={"material": material.code},
        )
    return material


def material_update(*, actor: Actor, material: MaterialRequirement, **fields: Any) -> MaterialRequirement:
    _check_fields(fields, MATERIAL_FIELDS)
    item = material.item
    require_manage(actor, item.organization)
    with transaction.atomic():
        locked = ServiceItem.objects.select_for_update().get(pk=item.pk)
        _require_draft(locked)
        row = MaterialRequirement.objects.get(pk=material.pk)
        for name, value in fields.items():
            setattr(row, name, value)
        _material_invalid(row)
        if "code" in fields and locked.materials.filter(code=row.code).exclude(pk=row.pk).exists():
            raise Conflict(f"材料编码 {row.code} 已存在", code="catalog_material_exists")
        row.save()
        audit_record(
            actor=actor,
            action="services.material_update",
            obj=locked,
            summary=f"「{locked.name}」v{locked.version} 修改材料「{row.name}」"[:255],
            data={"material": row.code, "fields": sorted(fields)},
        )
    return row


def material_remove(*, actor: Actor, material: MaterialRequirement) -> None:
    item = material.item
    require_manage(actor, item.organization)
    with transaction.atomic():
        locked = ServiceItem.objects.select_for_update().get(pk=item.pk)
        _require_draft(locked)
        MaterialRequirement.objects.filter(pk=material.pk).delete()
        audit_record(
            actor=actor,
            action="services.material_remove",
            obj=locked,
            summary=f"「{locked.name}」v{locked.version} 删除材料「{material.name}」"[:255],
            data={"material": material.code},
        )
