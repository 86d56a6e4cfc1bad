"""Writes on the 派单目录 (权责清单): load a whole catalogue of categories and who handles them, in one
transaction (a bad row refuses the whole load), and the time-limit rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from yiwang.core.audit import audit_record
from yiwang.core.errors import InvalidInput, PermissionDenied
from yiwang.core.models import Organization, Region
from yiwang.hotline.models import Complexity, DispatchCatalog, ServiceLevel, TicketCategory
from yiwang.hotline.permissions import MANAGE_CATALOG
from yiwang.identity.actor import Actor


@dataclass(frozen=True)
class CatalogLoad:
    categories: int
    leaves: int
    assignments: int


def _require(actor: Actor) -> None:
    if not (actor.is_system or actor.has_perm(MANAGE_CATALOG)):
        raise PermissionDenied("您没有维护派单目录的权限", code="hotline_forbidden")


def catalog_load(
    *, actor: Actor, categories: Sequence[Mapping[str, Any]], assignments: Sequence[Mapping[str, Any]]
) -> CatalogLoad:
    """Upsert the categories (code, name, parent, complexity, keywords, description) in order, parents
    first, and replace the assignments of the loaded categories (category, region code or None, lead,
    assists). Unknown parents, regions or departments refuse the whole load, naming the row."""
    _require(actor)
    problems: list[str] = []
    organizations = {o.code: o for o in Organization.objects.all()}  # scope: the directory, for codes
    regions = {r.code: r for r in Region.objects.all()}  # scope: the directory, for codes
    with transaction.atomic():
        nodes: dict[str, TicketCategory] = {
            c.code: c for c in TicketCategory.objects.all()
        }  # scope: catalogue
        for order, spec in enumerate(categories):
            code, parent_code = str(spec["code"]), spec.get("parent")
            parent = nodes.get(parent_code) if parent_code else None
            if parent_code and parent is None:
                problems.append(f"分类 {code} 的上级 {parent_code} 不存在（上级须排在前面）")
                continue
            complexity = spec.get("complexity", Complexity.GENERAL)
            if complexity not in Complexity.values:
                problems.append(f"分类 {code} 的复杂程度 {complexity} 不正确")
                continue
            node = nodes.get(code) or TicketCategory(code=code)
            node.name, node.parent = str(spec["name"])[:100], parent
            node.complexity = complexity
            node.keywords = list(spec.get("keywords", ()))
            node.description = str(spec.get("description", ""))
            node.sort_order, node.is_active = order, True
            node.save()
            nodes[code] = node
        parents = {n.parent_id for n in nodes.values() if n.parent_id is not None}
        for node in nodes.values():
            leaf = node.pk not in parents
            if node.is_leaf != leaf:
                TicketCategory.objects.filter(pk=node.pk).update(is_leaf=leaf)
        rows: list[DispatchCatalog] = []
        for spec in assignments:
            category = nodes.get(str(spec["category"]))
            region_code = spec.get("region")
            region = regions.get(region_code) if region_code else None
            wanted = [(spec["lead"], DispatchCatalog.Role.LEAD)] + [
                (code, DispatchCatalog.Role.ASSIST) for code in spec.get("assists", ())
            ]
            if category is None or (region_code and region is None):
                problems.append(f"派单目录 {spec['category']}/{region_code or '全市'}：分类或区划不存在")
                continue
            for org_code, role in wanted:
                organization = organizations.get(org_code)
                if organization is None:
                    problems.append(f"派单目录 {spec['category']}：承办单位 {org_code} 不存在")
                    continue
                rows.append(
                    DispatchCatalog(category=category, region=region, organization=organization, role=role)
                )
        if problems:
            raise InvalidInput("；".join(problems[:10]), code="hotline_catalog_invalid", details=problems)
        loaded = {row.category_id for row in rows}
        DispatchCatalog.objects.filter(category_id__in=loaded).delete()
        DispatchCatalog.objects.bulk_create(rows)
        leaves = TicketCategory.objects.filter(is_leaf=True, is_active=True).count()
        result = CatalogLoad(categories=len(categories), leaves=leaves, assignments=len(rows))
        audit_record(
            actor=actor,
            action="hotline.catalog_load",
            summary=f"载入派单目录：{len(categories)} 个分类、{len(rows)} 条承办关系",
            data={"categories": len(categories), "assignments": len(rows)},
        )
    return result


def service_level_set(
    *,
    actor: Actor,
    urgency: str,
    handling_sla: dict[str, Any],
    category: TicketCategory | None = None,
    complexity: str = Complexity.GENERAL,
) -> ServiceLevel:
    """Set one time-limit rule (by category, or by complexity when no category) for an urgency."""
    _require(actor)
    from yiwang.core.validators import schema_errors
    from yiwang.workflow.definition_schema import SLA

    if urgency not in ("normal", "urgent") or schema_errors(handling_sla, SLA):
        raise InvalidInput(
            '时限规则不正确：如 {"working_days": 5} 或 {"natural_hours": 24}', code="hotline_sla_invalid"
        )
    with transaction.atomic():
        rule, _ = ServiceLevel.objects.update_or_create(
            category=category,
            complexity=complexity if category is None else Complexity.GENERAL,
            urgency=urgency,
            defaults={"handling_sla": handling_sla},
        )
        audit_record(
            actor=actor,
            action="hotline.service_level_set",
            obj=rule,
            summary=f"工单时限规则：{rule}",
            data={"sla": handling_sla},
        )
    return rule


def category_update(
    *, actor: Actor, category: TicketCategory, changed_fields: Sequence[str] = ()
) -> TicketCategory:
    """Save a category edited in the admin (name, complexity, keywords, description, order, active)."""
    _require(actor)
    with transaction.atomic():
        category.save()
        audit_record(
            actor=actor,
            action="hotline.category_update",
            obj=category,
            summary=f"修改派单目录分类「{category.name}」",
            data={"code": category.code, "fields": sorted(changed_fields)},
        )
    return category


def dispatch_entry_save(*, actor: Actor, entry: DispatchCatalog, created: bool) -> DispatchCatalog:
    """Add or change one 派单目录 entry (category → department in a region, 主办/协办)."""
    _require(actor)  # an entry on a parent category applies to its leaves without their own
    with transaction.atomic():
        entry.save()
        audit_record(
            actor=actor,
            action="hotline.dispatch_entry_save",
            obj=entry,
            summary=f"{'新增' if created else '修改'}派单目录：{entry}"[:255],
            data={
                "category": entry.category.code,
                "region": entry.region.code if entry.region else None,
                "organization": entry.organization.code,
                "role": entry.role,
            },
        )
    return entry


def dispatch_entry_delete(*, actor: Actor, entry: DispatchCatalog) -> None:
    _require(actor)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="hotline.dispatch_entry_delete",
            obj=entry,
            summary=f"删除派单目录：{entry}"[:255],
            data={"category": entry.category.code, "organization": entry.organization.code},
        )
        entry.delete()
