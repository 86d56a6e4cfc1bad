"""Writes of the kernel's master data: regions, organisations, persons, enterprises, the working-day
calendar and dictionaries, plus the audited unmasking of personal information.

Every function takes `actor=` first, checks a named permission (see `core.permissions`), validates
with Chinese messages, writes inside one transaction together with its audit row, and drops caches
only after the commit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Concat, Substr
from stdnum.cn import ric

from yiwang.core import masking, permissions, validators
from yiwang.core.audit import audit_record
from yiwang.core.calendar import invalidate_calendar
from yiwang.core.dictionaries import invalidate_dictionary
from yiwang.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from yiwang.core.models import (
    Dictionary,
    DictionaryEntry,
    Enterprise,
    Grid,
    Holiday,
    MakeupWorkday,
    NotificationTemplate,
    Organization,
    Person,
    Region,
)

if TYPE_CHECKING:
    from yiwang.identity.actor import Actor

_LEVEL_ORDER = list(Region.Level.values)


# -- helpers ------------------------------------------------------------------------------------


def _require(actor: Actor, permission: str) -> None:
    if not actor.has_perm(permission):
        label = permissions.PERMISSIONS.get(permission, permission)
        raise PermissionDenied(f"没有“{label}”的权限", details={"permission": permission})


def _validation_to_domain(exc: ValidationError) -> InvalidInput:
    details: Any = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
    return InvalidInput("；".join(exc.messages), code="invalid_input", details=details)


def _full_clean(obj: models.Model, *, exclude: Iterable[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=list(exclude) if exclude else None)
    except ValidationError as exc:
        raise _validation_to_domain(exc) from exc


def _region(code: str | None) -> Region | None:
    if not code:
        return None
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise InvalidInput(f"行政区划 {code} 不存在", code="region_not_found")
    return region


def _require_region_scope(actor: Actor, permission: str, region: Region | None) -> None:
    """Staff may only write subjects inside their region scope (region-less records need scope all)."""
    if not actor.can_reach(permission, region_path=region.path if region is not None else ""):
        raise PermissionDenied("该区划不在您的数据权限范围内", code="out_of_scope")


# -- regions and organisations ------------------------------------------------------------------


def region_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    level: str,
    parent: str | None = None,
    geometry: dict[str, Any] | None = None,
) -> Region:
    """A new region; `parent` is the parent's code. The level must sit below the parent's level
    and street/community codes must extend their parent's code (GB/T 2260 + statistics codes)."""
    _require(actor, permissions.MANAGE_MASTER_DATA)
    parent_row = _region(parent)
    region = Region(code=code.strip(), name=name.strip(), level=level, parent=parent_row, geometry=geometry)
    _full_clean(region, exclude=["path"])
    if parent_row is not None:
        if level in _LEVEL_ORDER and _LEVEL_ORDER.index(level) <= _LEVEL_ORDER.index(parent_row.level):
            raise InvalidInput(
                f"下级区划的层级应低于上级区划（{parent_row.get_level_display()}）",
                code="invalid_region_level",
            )
        if len(region.code) > len(parent_row.code) and not region.code.startswith(parent_row.code):
            raise InvalidInput(
                f"区划代码 {region.code} 应以上级区划代码 {parent_row.code} 开头", code="invalid_region_code"
            )
    elif level != Region.Level.CITY:
        raise InvalidInput("只有市级区划可以没有上级区划", code="invalid_region_level")
    with transaction.atomic():
        region.save()
        audit_record(
            actor=actor,
            action="core.region_create",
            obj=region,
            summary=f"新增行政区划 {region.code} {region.name}",
            data={"code": region.code, "name": region.name, "level": level, "parent": parent or ""},
        )
    return region


def organization_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    uscc: str,
    region: str,
    type: str = Organization.Type.DEPARTMENT,
    parent: str | None = None,
    short_name: str = "",
    phone: str = "",
    address: str = "",
) -> Organization:
    """A new department or unit; `region` is a region code, `parent` an organisation code."""
    _require(actor, permissions.MANAGE_MASTER_DATA)
    region_row = _region(region)
    parent_row = None
    if parent:
        parent_row = Organization.objects.filter(code=parent).first()
        if parent_row is None:
            raise InvalidInput(f"上级单位 {parent} 不存在", code="organization_not_found")
    organization = Organization(
        code=code.strip(),
        name=name.strip(),
        uscc=uscc.strip().upper(),
        region=region_row,
        type=type,
        parent=parent_row,
        short_name=short_name.strip(),
        phone=phone.strip(),
        address=address.strip(),
    )
    _full_clean(organization, exclude=["path"])
    with transaction.atomic():
        organization.save()
        audit_record(
            actor=actor,
            action="core.organization_create",
            obj=organization,
            summary=f"新增部门/单位 {organization.name}",
            data={"code": organization.code, "uscc": organization.uscc, "region": region, "type": type},
        )
    return organization


# -- persons ------------------------------------------------------------------------------------

_PERSON_FIELDS = {"name", "phone", "address", "region", "gender"}


def _person_audit_data(person: Person) -> dict[str, Any]:
    # The audit log is immutable: keep personal information masked there.
    return {
        "id_number": masking.mask_id_number(person.id_number),
        "name": masking.mask_name(person.name),
        "region": person.region.code if person.region is not None else "",
    }


def person_create(
    *,
    actor: Actor,
    id_number: str,
    name: str,
    phone: str = "",
    address: str = "",
    region: str | None = None,
    gender: str = "",
) -> Person:
    """Register a natural person. Birth date and (unless given) gender are derived from the ID number."""
    _require(actor, permissions.MANAGE_PERSON)
    region_row = _region(region)
    _require_region_scope(actor, permissions.MANAGE_PERSON, region_row)
    person = Person(
        id_number=id_number.strip().upper(),
        name=name.strip(),
        phone=phone.strip(),
        address=address.strip(),
        region=region_row,
        gender=gender,
    )
    _full_clean(person, exclude=["id_number"])  # uniqueness is reported as a conflict below
    try:
        validators.validate_id_number(person.id_number)
    except ValidationError as exc:
        raise InvalidInput(
            "；".join(exc.messages), code="invalid_id_number", details={"id_number": exc.messages}
        ) from exc
    person.birth_date = ric.get_birth_date(person.id_number)
    if not person.gender:
        person.gender = Person.Gender.MALE if int(person.id_number[16]) % 2 else Person.Gender.FEMALE
    with transaction.atomic():
        if Person.objects.select_for_update().filter(id_number=person.id_number).exists():
            raise Conflict("该公民身份号码已登记", code="person_exists")
        person.save()
        audit_record(
            actor=actor,
            action="core.person_create",
            obj=person,
            summary=f"登记自然人 {masking.mask_name(person.name)}",
            data=_person_audit_data(person),
        )
    return person


def person_update(*, actor: Actor, uid: UUID | str, **changes: Any) -> Person:
    """Change name, phone, address, gender or region (a code). The ID number never changes."""
    _require(actor, permissions.MANAGE_PERSON)
    unknown = set(changes) - _PERSON_FIELDS
    if unknown:
        raise InvalidInput(f"不能修改这些字段：{'、'.join(sorted(unknown))}", code="field_not_editable")
    fields = sorted(changes)
    with transaction.atomic():
        person = (
            Person.objects.select_for_update(of=("self",)).select_related("region").filter(uid=uid).first()
        )
        if person is None or not actor.can_reach(
            permissions.MANAGE_PERSON, region_path=person.region.path if person.region else ""
        ):
            raise NotFound("自然人不存在或无权修改", code="person_not_found")
        if "region" in changes:
            new_region = _region(changes.pop("region"))
            _require_region_scope(actor, permissions.MANAGE_PERSON, new_region)
            person.region = new_region
        for name, value in changes.items():
            setattr(person, name, value.strip() if isinstance(value, str) else value)
        _full_clean(person)
        person.save()
        audit_record(
            actor=actor,
            action="core.person_update",
            obj=person,
            summary=f"修改自然人 {masking.mask_name(person.name)}",
            data={**_person_audit_data(person), "fields": fields},
        )
    return person


# -- enterprises --------------------------------------------------------------------------------


def enterprise_create(
    *,
    actor: Actor,
    uscc: str,
    name: str,
    type: str = Enterprise.Type.COMPANY,
    region: str | None = None,
    legal_representative: UUID | str | None = None,
    registered_capital: Decimal | None = None,
    established_on: date | None = None,
    address: str = "",
    business_scope: str = "",
) -> Enterprise:
    """Register a legal-person subject; `legal_representative` is a Person uid."""
    _require(actor, permissions.MANAGE_ENTERPRISE)
    region_row = _region(region)
    _require_region_scope(actor, permissions.MANAGE_ENTERPRISE, region_row)
    representative = None
    if legal_representative:
        representative = Person.objects.filter(uid=legal_representative).first()
        if representative is None:
            raise InvalidInput("法定代表人不存在", code="person_not_found")
    enterprise = Enterprise(
        uscc=uscc.strip().upper(),
        name=name.strip(),
        type=type,
        region=region_row,
        legal_representative=representative,
        registered_capital=registered_capital,
        established_on=established_on,
        address=address.strip(),
        business_scope=business_scope.strip(),
    )
    _full_clean(enterprise, exclude=["uscc"])
    try:
        validators.validate_uscc(enterprise.uscc)
    except ValidationError as exc:
        raise InvalidInput(
            "；".join(exc.messages), code="invalid_uscc", details={"uscc": exc.messages}
        ) from exc
    with transaction.atomic():
        if Enterprise.objects.select_for_update().filter(uscc=enterprise.uscc).exists():
            raise Conflict("该统一社会信用代码已登记", code="enterprise_exists")
        enterprise.save()
        audit_record(
            actor=actor,
            action="core.enterprise_create",
            obj=enterprise,
            summary=f"登记法人 {enterprise.name}",
            data={"uscc": enterprise.uscc, "name": enterprise.name, "region": region or ""},
        )
    return enterprise


# -- personal information -----------------------------------------------------------------------


def pii_unmask(*, actor: Actor, obj: models.Model, reason: str, fields: Iterable[str]) -> None:
    """Record that `actor` looked at unmasked personal information of `obj` (a person, an enterprise,
    a domain's record holding a form with ID numbers or phones), and why.

    The caller has already loaded `obj` through a scoped selector; this checks `core.unmask_pii`
    and requires a reason (事由), then writes the audit row that makes the view traceable."""
    _require(actor, permissions.UNMASK_PII)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise InvalidInput("查看完整个人信息须填写事由", code="unmask_reason_required")
    if len(reason) > 200:
        raise InvalidInput("事由最多 200 字", code="unmask_reason_too_long")
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="core.pii_unmask",
            obj=obj,
            summary=f"查看未脱敏信息：{reason}"[:255],
            data={"reason": reason, "fields": sorted(fields)},
        )


# -- calendar -----------------------------------------------------------------------------------


def _after_commit_invalidate_calendar() -> None:
    transaction.on_commit(invalidate_calendar)


@dataclass(frozen=True)
class _CalendarDayKind:
    """What differs between a statutory holiday and a 调休 make-up workday."""

    model: type[Holiday] | type[MakeupWorkday]
    other: type[Holiday] | type[MakeupWorkday]
    label: str
    other_label: str
    action: str
    name_required: tuple[str, str]
    not_found_code: str


_HOLIDAY = _CalendarDayKind(
    Holiday,
    MakeupWorkday,
    "法定节假日",
    "调休上班日",
    "holiday",
    ("请填写节日名称", "holiday_name_required"),
    "holiday_not_found",
)
_MAKEUP = _CalendarDayKind(
    MakeupWorkday,
    Holiday,
    "调休上班日",
    "法定节假日",
    "makeup_workday",
    ("请填写调休说明", "makeup_name_required"),
    "makeup_workday_not_found",
)


def _calendar_day_set(kind: _CalendarDayKind, *, actor: Actor, day: date, name: str) -> Any:
    _require(actor, permissions.MANAGE_CALENDAR)
    name = name.strip()
    if not name:
        raise InvalidInput(kind.name_required[0], code=kind.name_required[1])
    with transaction.atomic():
        if kind.other.objects.filter(date=day).exists():
            raise Conflict(f"{day} 已登记为{kind.other_label}，请先删除", code="calendar_conflict")
        row, created = kind.model.objects.update_or_create(date=day, defaults={"name": name[:50]})
        audit_record(
            actor=actor,
            action=f"core.{kind.action}_set",
            obj=row,
            summary=f"{'新增' if created else '修改'}{kind.label} {day} {name}",
            data={"date": day, "name": name},
        )
        _after_commit_invalidate_calendar()
    return row


def _calendar_day_delete(kind: _CalendarDayKind, *, actor: Actor, day: date) -> None:
    _require(actor, permissions.MANAGE_CALENDAR)
    with transaction.atomic():
        row = kind.model.objects.filter(date=day).first()
        if row is None:
            raise NotFound(f"{day} 不是已登记的{kind.label}", code=kind.not_found_code)
        audit_record(
            actor=actor,
            action=f"core.{kind.action}_delete",
            obj=row,
            summary=f"删除{kind.label} {day} {row.name}",
            data={"date": day, "name": row.name},
        )
        row.delete()
        _after_commit_invalidate_calendar()


def holiday_set(*, actor: Actor, day: date, name: str) -> Holiday:
    """Mark `day` as a statutory holiday (create or rename)."""
    holiday: Holiday = _calendar_day_set(_HOLIDAY, actor=actor, day=day, name=name)
    return holiday


def holiday_delete(*, actor: Actor, day: date) -> None:
    _calendar_day_delete(_HOLIDAY, actor=actor, day=day)


def makeup_workday_set(*, actor: Actor, day: date, name: str) -> MakeupWorkday:
    """Mark a weekend day as a 调休 working day (create or rename)."""
    _require(actor, permissions.MANAGE_CALENDAR)
    if day.weekday() < 5:
        raise InvalidInput(f"{day} 不是周末，调休上班日只能是周六或周日", code="makeup_not_weekend")
    workday: MakeupWorkday = _calendar_day_set(_MAKEUP, actor=actor, day=day, name=name)
    return workday


def makeup_workday_delete(*, actor: Actor, day: date) -> None:
    _calendar_day_delete(_MAKEUP, actor=actor, day=day)


# -- dictionaries -------------------------------------------------------------------------------


def _check_entries_against(dictionary: Dictionary, schema: dict[str, Any]) -> None:
    problems = {}
    for entry in dictionary.entries.all():
        errors = validators.schema_errors(entry.data, schema)
        if errors:
            problems[entry.code] = errors
    if problems:
        raise InvalidInput(
            f"已有条目不符合新的扩展属性规则：{'、'.join(sorted(problems))}",
            code="dictionary_entries_mismatch",
            details=problems,
        )


def dictionary_create(
    *, actor: Actor, code: str, name: str, description: str = "", entry_schema: dict[str, Any] | None = None
) -> Dictionary:
    _require(actor, permissions.MANAGE_MASTER_DATA)
    dictionary = Dictionary(
        code=code.strip(), name=name.strip(), description=description.strip(), entry_schema=entry_schema or {}
    )
    _full_clean(dictionary, exclude=["code"])
    with transaction.atomic():
        if Dictionary.objects.filter(code=dictionary.code).exists():
            raise Conflict(f"字典编码 {dictionary.code} 已存在", code="dictionary_exists")
        _full_clean(dictionary)
        dictionary.save()
        audit_record(
            actor=actor,
            action="core.dictionary_create",
            obj=dictionary,
            summary=f"新增字典 {dictionary.name}",
            data={"code": dictionary.code, "entry_schema": dictionary.entry_schema},
        )
        transaction.on_commit(lambda: invalidate_dictionary(dictionary.code))
    return dictionary


def dictionary_update(
    *,
    actor: Actor,
    code: str,
    name: str | None = None,
    description: str | None = None,
    entry_schema: dict[str, Any] | None = None,
) -> Dictionary:
    """Rename or re-describe a dictionary, or change its entry schema (every entry must still pass)."""
    _require(actor, permissions.MANAGE_MASTER_DATA)
    with transaction.atomic():
        dictionary = Dictionary.objects.select_for_update().filter(code=code).first()
        if dictionary is None:
            raise NotFound(f"字典 {code} 不存在", code="dictionary_not_found")
        if name is not None:
            dictionary.name = name.strip()
        if description is not None:
            dictionary.description = description.strip()
        if entry_schema is not None:
            dictionary.entry_schema = entry_schema
        _full_clean(dictionary)
        if entry_schema is not None:
            _check_entries_against(dictionary, entry_schema)
        dictionary.save()
        audit_record(
            actor=actor,
            action="core.dictionary_update",
            obj=dictionary,
            summary=f"修改字典 {dictionary.name}",
            data={"code": code, "entry_schema": dictionary.entry_schema},
        )
        transaction.on_commit(lambda: invalidate_dictionary(code))
    return dictionary


def dictionary_entry_set(
    *,
    actor: Actor,
    dictionary: str,
    code: str,
    label: str,
    data: dict[str, Any] | None = None,
    sort_order: int | None = None,
    is_active: bool = True,
) -> DictionaryEntry:
    """Create or change one entry of dictionary `dictionary`; `data` must match the entry schema."""
    _require(actor, permissions.MANAGE_MASTER_DATA)
    with transaction.atomic():
        parent = Dictionary.objects.select_for_update().filter(code=dictionary).first()
        if parent is None:
            raise NotFound(f"字典 {dictionary} 不存在", code="dictionary_not_found")
        entry = DictionaryEntry.objects.filter(dictionary=parent, code=code).first()
        created = entry is None
        if entry is None:
            entry = DictionaryEntry(dictionary=parent, code=code.strip())
        entry.label = label.strip()
        entry.data = data or {}
        entry.is_active = is_active
        if sort_order is not None:
            entry.sort_order = sort_order
        _full_clean(entry, exclude=["dictionary"])
        entry.save()
        audit_record(
            actor=actor,
            action="core.dictionary_entry_set",
            obj=entry,
            summary=f"{'新增' if created else '修改'}字典条目 {parent.name}/{entry.label}",
            data={"dictionary": dictionary, "code": entry.code, "label": entry.label, "data": entry.data},
        )
        transaction.on_commit(lambda: invalidate_dictionary(dictionary))
    return entry


# -- the admin ----------------------------------------------------------------------------------

ADMIN_PERMISSIONS: dict[type[models.Model], str] = {
    Region: permissions.MANAGE_MASTER_DATA,
    Grid: permissions.MANAGE_MASTER_DATA,
    Organization: permissions.MANAGE_MASTER_DATA,
    Dictionary: permissions.MANAGE_MASTER_DATA,
    DictionaryEntry: permissions.MANAGE_MASTER_DATA,
    NotificationTemplate: permissions.MANAGE_MASTER_DATA,
    Holiday: permissions.MANAGE_CALENDAR,
    MakeupWorkday: permissions.MANAGE_CALENDAR,
    Person: permissions.MANAGE_PERSON,
    Enterprise: permissions.MANAGE_ENTERPRISE,
}


def _after_admin_change(obj: models.Model) -> None:
    if isinstance(obj, (Holiday, MakeupWorkday)):
        transaction.on_commit(invalidate_calendar)
    elif isinstance(obj, Dictionary):
        code = obj.code
        transaction.on_commit(lambda: invalidate_dictionary(code))
    elif isinstance(obj, DictionaryEntry):
        dictionary_code = obj.dictionary.code
        transaction.on_commit(lambda: invalidate_dictionary(dictionary_code))


def _admin_audit_data(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    data: dict[str, Any] = {"fields": sorted(fields)}
    if isinstance(obj, Person):
        data.update(_person_audit_data(obj))
    return data


def _rebuild_subtree_paths(obj: Region | Organization, old_path: str) -> None:
    """After a node moved, rewrite its descendants' materialised paths in one UPDATE."""
    if not old_path or old_path == obj.path:
        return
    type(obj).objects.filter(path__startswith=old_path).exclude(pk=obj.pk).update(
        path=Concat(Value(obj.path), Substr("path", len(old_path) + 1), output_field=CharField())
    )


def tree_parent_error(obj: Region | Organization, parent: Region | Organization | None) -> str | None:
    """A Chinese message when `parent` would make a cycle (itself or one of its descendants)."""
    if parent is None or obj.pk is None:
        return None
    if parent.pk == obj.pk or (obj.path and parent.path.startswith(obj.path)):
        return "上级不能是自身或自身的下级"
    return None


def admin_record_save(
    *, actor: Actor, obj: models.Model, created: bool, changed_fields: Iterable[str]
) -> None:
    """Save a master-data record edited in the Django admin (already validated by the admin form):
    checks the named permission, audits the change and drops the caches that depend on it."""
    permission = ADMIN_PERMISSIONS.get(type(obj))
    if permission is None:
        raise PermissionDenied("该类数据不能在后台修改", code="not_editable")
    _require(actor, permission)
    with transaction.atomic():
        if isinstance(obj, (Region, Organization)):
            message = tree_parent_error(obj, obj.parent)
            if message:
                raise InvalidInput(message, code="invalid_parent")
            old_path = obj.path
            obj.save()
            _rebuild_subtree_paths(obj, old_path)
        else:
            obj.save()
        verb = "新增" if created else "修改"
        audit_record(
            actor=actor,
            action=f"core.admin_{'create' if created else 'update'}",
            obj=obj,
            summary=f"后台{verb}{obj._meta.verbose_name}：{masking.mask_name(str(obj)) if isinstance(obj, Person) else obj}"[
                :255
            ],
            data=_admin_audit_data(obj, changed_fields),
        )
        _after_admin_change(obj)


def admin_record_delete(*, actor: Actor, obj: models.Model) -> None:
    permission = ADMIN_PERMISSIONS.get(type(obj))
    if permission is None:
        raise PermissionDenied("该类数据不能在后台删除", code="not_editable")
    _require(actor, permission)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="core.admin_delete",
            obj=obj,
            summary=f"后台删除{obj._meta.verbose_name}：{masking.mask_name(str(obj)) if isinstance(obj, Person) else obj}"[
                :255
            ],
            data=_admin_audit_data(obj, []),
        )
        _after_admin_change(obj)
        obj.delete()
