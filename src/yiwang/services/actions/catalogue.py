"""Writes on the catalogue (事项目录): items (draft → published, versioned) and their materials.

A published version never changes: editing it (`item_update`) creates the next version as a draft,
copying its materials, and the published version stays current until the draft is published
(`item_publish`), which flips the previous version's `is_current` off. Only drafts take material
changes. Every write needs `services.manage_catalog` within the item's organisation (the actor's
data scope: own department or department tree), is audited, and fails with a Chinese message and a
stable code (`catalog_*`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from yiwang.core import dictionaries
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, DomainError, InvalidInput, PermissionDenied
from yiwang.core.models import Organization
from yiwang.identity.actor import Actor
from yiwang.services import codes
from yiwang.services.constants import THEMES
from yiwang.services.forms_schema import form_problems
from yiwang.services.models import MaterialRequirement, ServiceItem
from yiwang.services.permissions import can_manage_catalog as can_manage  # excel.py imports it from here
from yiwang.services.search import invalidate_search_index
from yiwang.workflow.selectors import definitions_for

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
SUBJECTS = {choice.value for choice in ServiceItem.ServedSubject}


@dataclass(frozen=True)
class Problem:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


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


def _field_label(model: type[ServiceItem] | type[MaterialRequirement], name: str) -> str:
    try:
        return str(getattr(model._meta.get_field(name), "verbose_name", name))
    except FieldDoesNotExist:  # "__all__" has no label
        return ""


def storable_problems(item: ServiceItem) -> list[Problem]:
    """What must hold even for a draft: field formats and the database's own rules."""
    problems: list[Problem] = []
    try:
        item.full_clean(exclude=["uid", "served_subjects"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            label = _field_label(ServiceItem, field)
            problems.extend(Problem(field, f"{label}：{m}" if label else m) for m in messages)
    if not 1 <= (item.online_depth or 0) <= 4:
        problems.append(Problem("online_depth", "网上办理深度应为 1–4（Ⅰ–Ⅳ 级）"))
    elif item.online_depth == 4 and item.site_visits != 0:
        problems.append(Problem("site_visits", "网上办理深度为Ⅳ级（全程网办）时，到办事现场次数应为 0"))
    if (
        isinstance(item.promised_days, int)
        and isinstance(item.statutory_days, int)
        and item.promised_days > item.statutory_days
    ):
        problems.append(Problem("promised_days", "承诺办结时限不能超过法定办结时限"))
    if not isinstance(item.served_subjects, list) or not set(item.served_subjects) <= SUBJECTS:
        problems.append(Problem("served_subjects", "服务对象只能是 person（自然人）、enterprise（法人）"))
    if not isinstance(item.themes, list) or not set(item.themes) <= set(THEMES):
        problems.append(Problem("themes", f"主题分类只能取：{'、'.join(THEMES)}"))
    if not isinstance(item.form_schema, dict) or not isinstance(item.form_ui, dict):
        problems.append(Problem("form_schema", "申请表 JSON Schema 和界面提示应为对象"))
    return problems


def publish_problems(item: ServiceItem, materials: list[MaterialRequirement] | None = None) -> list[Problem]:
    """Everything that must hold before an item version is published (also used by the Excel import
    on unsaved items). `materials` default to the item's saved materials."""
    problems = storable_problems(item)
    if materials is None:
        materials = list(item.materials.all()) if item.pk else []
    if not item.name.strip():
        problems.append(Problem("name", "事项名称不能为空"))
    organization = item.organization if item.organization_id else None
    for message in codes.code_problems(
        basic_code=item.basic_code,
        implementation_code=item.implementation_code,
        organization_uscc=organization.uscc if organization else "",
        level=item.level,
    ):
        problems.append(Problem("implementation_code", message))
    try:
        dictionaries.validate_dictionary_code("item_type", item.item_type)
    except ValidationError as exc:
        problems.append(Problem("item_type", f"事项类型无效：{exc.messages[0]}"))
    except DomainError:
        problems.append(Problem("item_type", "事项类型字典 item_type 不存在"))
    if isinstance(item.served_subjects, list) and not item.served_subjects:
        problems.append(Problem("served_subjects", "请至少选择一类服务对象（自然人或法人）"))
    if item.is_charged and not item.fee_standard.strip():
        problems.append(Problem("fee_standard", "收费事项应填写收费标准"))
    if not definitions_for(Actor.system(), status="published", code=item.process_definition_code).exists():
        problems.append(Problem("process_definition_code", f"流程定义 {item.process_definition_code} 未发布"))
    material_codes = [m.code for m in materials]
    for message in form_problems(item.form_schema, item.form_ui, material_codes=material_codes):
        problems.append(Problem("form_schema", message))
    for material in materials:
        problems.extend(Problem(f"materials.{material.code}", m) for m in material_problems(material))
    if len(set(material_codes)) != len(material_codes):
        problems.append(Problem("materials", "申请材料编码重复"))
    return problems


def material_problems(material: MaterialRequirement) -> list[str]:
    problems: list[str] = []
    try:
        material.full_clean(exclude=["item"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            label = _field_label(MaterialRequirement, field) or field
            problems.extend(f"{material.name or material.code} {label}：{m}" for m in messages)
    label = material.name or material.code
    if material.requirement == MaterialRequirement.Requirement.CONDITIONAL and not material.condition.strip():
        problems.append(f"{label}：容缺/情形材料应写明适用情形")
    if material.source == MaterialRequirement.Source.LICENCE and not material.licence_type_code:
        problems.append(f"{label}：来源为电子证照时应填写电子证照类型")
    if material.source == MaterialRequirement.Source.DATA and not material.data_resource_code:
        problems.append(f"{label}：来源为共享数据时应填写共享数据资源")
    if not isinstance(material.formats, list) or not all(
        isinstance(f, str) and f.isalnum() for f in material.formats
    ):
        problems.append(f'{label}：格式应为扩展名列表，如 ["pdf", "jpg"]')
    return problems


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
