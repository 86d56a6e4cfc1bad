"""Reads of the 派单目录 (public to staff: which category, which department) and of the knowledge
base entries agents answer from."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from yiwang.core.models import Organization, Region
from yiwang.hotline.models import KnowledgeEntry, TicketCategory


def category_tree() -> list[dict[str, Any]]:
    """The active 派单目录 as nested dicts (code, name, complexity, children), in one query."""
    nodes = list(
        TicketCategory.objects.filter(is_active=True).order_by("path", "sort_order")
    )  # scope: public catalogue
    by_parent: dict[int | None, list[TicketCategory]] = {}
    for node in nodes:
        by_parent.setdefault(node.parent_id, []).append(node)

    def build(parent: int | None) -> list[dict[str, Any]]:
        return [
            {
                "code": n.code,
                "name": n.name,
                "complexity": n.complexity,
                "is_leaf": n.is_leaf,
                "children": build(n.pk),
            }
            for n in sorted(by_parent.get(parent, []), key=lambda n: (n.sort_order, n.code))
        ]

    return build(None)


def leaf_categories() -> QuerySet[TicketCategory]:
    return (
        TicketCategory.objects.filter(is_active=True, is_leaf=True).select_related("parent").order_by("path")
    )  # scope: public catalogue


def category_by_code(code: str) -> TicketCategory | None:
    return TicketCategory.objects.filter(code=code, is_active=True).first()  # scope: public catalogue


def organization_by_code(code: str) -> Organization | None:
    return Organization.objects.filter(code=code, is_active=True).first()  # scope: public directory


def knowledge_entry_by_code(code: str) -> KnowledgeEntry | None:
    """A published entry that is valid today (an agent answers only from a current entry)."""
    today = timezone.localdate()
    entry = KnowledgeEntry.objects.filter(
        code=code, status=KnowledgeEntry.Status.PUBLISHED
    ).first()  # scope: public answers
    if entry is None or (entry.valid_until is not None and entry.valid_until < today):
        return None
    return entry


def handling_organizations() -> QuerySet[Organization]:
    """The departments a dispatcher may choose from (not the service centres)."""
    # scope: the public directory of departments
    return (
        Organization.objects.filter(is_active=True)
        .exclude(type=Organization.Type.CENTER)
        .select_related("region")
        .order_by("region__code", "code")
    )


def region_by_code(code: str) -> Region | None:
    return Region.objects.filter(code=code).first()  # scope: the public list of regions
