"""Reads of the kernel's reference data and subjects, always through the actor.

Regions, organisations, dictionaries and the calendar are public reference data: any
authenticated actor may read them. Persons and enterprises are personal/commercial information:
staff need `core.view_person` / `core.view_enterprise` and see the records of their data scope
over the record's region; a citizen sees only their own Person; an enterprise agent sees only the
enterprises they are authorised for. Masking for display is applied by the caller (`core.masking`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.db.models import Q, QuerySet

from yiwang.core import permissions
from yiwang.core.calendar import get_calendar
from yiwang.core.errors import InvalidInput, NotFound, PermissionDenied
from yiwang.core.models import Enterprise, Holiday, MakeupWorkday, Organization, Person, Region
from yiwang.core.scoping import scope_q

if TYPE_CHECKING:
    from yiwang.identity.actor import Actor

MAX_CALENDAR_DAYS = 366


def _require_authenticated(actor: Actor) -> None:
    if not (actor.is_authenticated or actor.is_system):
        raise PermissionDenied("请先登录", code="unauthenticated")


# -- regions ------------------------------------------------------------------------------------


def _region_by_code(code: str) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise NotFound(f"行政区划 {code} 不存在", code="region_not_found")
    return region


def regions_list(
    *,
    actor: Actor,
    parent: str | None = None,
    level: str | None = None,
    search: str | None = None,
) -> QuerySet[Region]:
    """Regions ordered by code; `parent` is the parent's code (direct children only)."""
    _require_authenticated(actor)
    queryset = Region.objects.select_related("parent").order_by("code")
    if parent:
        queryset = queryset.filter(parent=_region_by_code(parent))
    if level:
        if level not in Region.Level.values:
            raise InvalidInput(
                f"区划层级应为以下之一：{'、'.join(Region.Level.values)}", code="invalid_region_level"
            )
        queryset = queryset.filter(level=level)
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(code__startswith=search))
    return queryset


@dataclass
class RegionNode:
    code: str
    name: str
    level: str
    children: list[RegionNode] = field(default_factory=list)


def region_tree(*, actor: Actor, root: str | None = None, max_level: str | None = None) -> list[RegionNode]:
    """The region hierarchy as nested nodes in one query: the whole tree, or the subtree under `root`
    (a code). `max_level` stops the tree at that level (e.g. "street" leaves out communities)."""
    _require_authenticated(actor)
    queryset = Region.objects.order_by("code").only("id", "code", "name", "level", "parent_id", "path")
    if root:
        queryset = queryset.filter(path__startswith=_region_by_code(root).path)
    if max_level:
        levels = list(Region.Level.values)
        if max_level not in levels:
            raise InvalidInput(f"区划层级应为以下之一：{'、'.join(levels)}", code="invalid_region_level")
        queryset = queryset.filter(level__in=levels[: levels.index(max_level) + 1])
    rows = list(queryset)
    nodes = {row.pk: RegionNode(row.code, row.name, row.level) for row in rows}
    tops: list[RegionNode] = []
    for row in rows:
        parent = nodes.get(row.parent_id) if row.parent_id is not None else None
        (parent.children if parent is not None else tops).append(nodes[row.pk])
    return tops


# -- organisations ------------------------------------------------------------------------------


def organizations_list(
    *,
    actor: Actor,
    region: str | None = None,
    type: str | None = None,
    parent: str | None = None,
    search: str | None = None,
    include_inactive: bool = False,
) -> QuerySet[Organization]:
    """Organisations; `region` (a code) includes its whole subtree, `parent` is an organisation code."""
    _require_authenticated(actor)
    queryset = Organization.objects.select_related("region", "parent").order_by("region__code", "code")
    if not include_inactive:
        queryset = queryset.filter(is_active=True)
    if region:
        queryset = queryset.filter(region__path__startswith=_region_by_code(region).path)
    if type:
        if type not in Organization.Type.values:
            raise InvalidInput(
                f"单位类型应为以下之一：{'、'.join(Organization.Type.values)}",
                code="invalid_organization_type",
            )
        queryset = queryset.filter(type=type)
    if parent:
        parent_row = Organization.objects.filter(code=parent).first()
        if parent_row is None:
            raise NotFound(f"部门/单位 {parent} 不存在", code="organization_not_found")
        queryset = queryset.filter(parent=parent_row)
    if search:
        queryset = queryset.filter(
            Q(name__icontains=search) | Q(short_name__icontains=search) | Q(uscc=search.upper())
        )
    return queryset


def organization_get(*, actor: Actor, code: str) -> Organization:
    _require_authenticated(actor)
    row = Organization.objects.select_related("region", "parent").filter(code=code).first()
    if row is None:
        raise NotFound(f"部门/单位 {code} 不存在", code="organization_not_found")
    return row


# -- persons ------------------------------------------------------------------------------------


def _own_person(actor: Actor) -> Q | None:
    return Q(pk=actor.person_id) if actor.person_id is not None else None


def _own_enterprises(actor: Actor) -> Q | None:
    return Q(pk__in=sorted(actor.enterprise_ids)) if actor.enterprise_ids else None


def persons_visible_q(actor: Actor) -> Q:
    """Staff: the region scope of `core.view_person`; everyone: their own Person."""
    return scope_q(Person, actor, permissions.VIEW_PERSON, also=_own_person(actor))


def persons_list(*, actor: Actor, search: str | None = None, region: str | None = None) -> QuerySet[Person]:
    """The persons the actor may see. `search` matches a name fragment, or a full ID number / phone."""
    _require_authenticated(actor)
    if not actor.has_perm(permissions.VIEW_PERSON) and actor.person_id is None:
        raise PermissionDenied("没有查看自然人信息的权限")
    queryset = (
        Person.objects.for_actor(actor, permissions.VIEW_PERSON, also=_own_person(actor))
        .select_related("region")
        .order_by("id")
    )
    if search:
        term = search.strip()
        queryset = queryset.filter(Q(name__icontains=term) | Q(id_number=term.upper()) | Q(phone=term))
    if region:
        queryset = queryset.filter(region__path__startswith=_region_by_code(region).path)
    return queryset


def person_get(*, actor: Actor, uid: UUID | str) -> Person:
    """One person the actor may see; `NotFound` otherwise (existence is not revealed)."""
    _require_authenticated(actor)
    visible = Person.objects.for_actor(actor, permissions.VIEW_PERSON, also=_own_person(actor))
    row = visible.select_related("region").filter(uid=uid).first()
    if row is None:
        raise NotFound("自然人不存在或无权查看", code="person_not_found")
    return row


# -- enterprises --------------------------------------------------------------------------------


def enterprises_visible_q(actor: Actor) -> Q:
    """Staff: the region scope of `core.view_enterprise`; agents: the enterprises they act for."""
    return scope_q(Enterprise, actor, permissions.VIEW_ENTERPRISE, also=_own_enterprises(actor))


def enterprises_list(
    *,
    actor: Actor,
    search: str | None = None,
    region: str | None = None,
    type: str | None = None,
) -> QuerySet[Enterprise]:
    _require_authenticated(actor)
    if not actor.has_perm(permissions.VIEW_ENTERPRISE) and not actor.enterprise_ids:
        raise PermissionDenied("没有查看法人信息的权限")
    queryset = (
        Enterprise.objects.for_actor(actor, permissions.VIEW_ENTERPRISE, also=_own_enterprises(actor))
        .select_related("region", "legal_representative")
        .order_by("id")
    )
    if search:
        term = search.strip()
        queryset = queryset.filter(Q(name__icontains=term) | Q(uscc=term.upper()))
    if region:
        queryset = queryset.filter(region__path__startswith=_region_by_code(region).path)
    if type:
        queryset = queryset.filter(type=type)
    return queryset


def enterprise_get(*, actor: Actor, uid: UUID | str) -> Enterprise:
    _require_authenticated(actor)
    row = (
        Enterprise.objects.for_actor(actor, permissions.VIEW_ENTERPRISE, also=_own_enterprises(actor))
        .select_related("region", "legal_representative")
        .filter(uid=uid)
        .first()
    )
    if row is None:
        raise NotFound("法人不存在或无权查看", code="enterprise_not_found")
    return row


# -- calendar -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarDay:
    date: date
    is_workday: bool
    kind: str  # workday | weekend | holiday | makeup_workday
    name: str


def calendar_days(*, actor: Actor, start: date, end: date) -> list[CalendarDay]:
    """Every day in [start, end] with whether it is a working day and why (at most 366 days)."""
    _require_authenticated(actor)
    if end < start:
        raise InvalidInput("结束日期不能早于开始日期", code="invalid_date_range")
    if (end - start).days + 1 > MAX_CALENDAR_DAYS:
        raise InvalidInput(f"日期范围最多 {MAX_CALENDAR_DAYS} 天", code="date_range_too_long")
    calendar = get_calendar()
    holiday_names = dict(Holiday.objects.filter(date__range=(start, end)).values_list("date", "name"))
    makeup_names = dict(MakeupWorkday.objects.filter(date__range=(start, end)).values_list("date", "name"))
    days: list[CalendarDay] = []
    day = start
    while day <= end:
        workday = calendar.is_workday(day)
        name: Any
        if day in makeup_names:
            kind, name = "makeup_workday", makeup_names[day]
        elif day in holiday_names:
            kind, name = "holiday", holiday_names[day]
        else:
            kind, name = ("workday" if workday else "weekend"), ""
        days.append(CalendarDay(day, workday, kind, str(name)))
        day += timedelta(days=1)
    return days
