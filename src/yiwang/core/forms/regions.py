"""The region picker (``ui:widget: region``): streets and communities, by GB/T 2260 code.

One place for what a region field may hold and how it reads, so the picker's choices, the
server-side check and the staff display name the same regions the same way."""

from __future__ import annotations

from collections.abc import Iterable

from yiwang.core.models import Region

REGION_LEVELS = (Region.Level.STREET, Region.Level.COMMUNITY)


def region_choices() -> list[tuple[str, str]]:
    """Streets and communities as 「区 · 街道 · 社区」 choices, by code."""
    rows = Region.objects.filter(level__in=REGION_LEVELS).select_related("parent__parent").order_by("code")
    return [(region.code, _region_label(region)) for region in rows]


def region_labels(codes: Iterable[str]) -> dict[str, str]:
    """「区 · 街道 · 社区」 of the given region codes (one query), as the region picker shows them."""
    rows = Region.objects.filter(code__in=set(codes)).select_related("parent__parent")
    return {region.code: _region_label(region) for region in rows}


def pickable_codes(codes: Iterable[str]) -> set[str]:
    """Those of `codes` the picker offers (existing streets and communities), in one query."""
    return set(
        Region.objects.filter(code__in=set(codes), level__in=REGION_LEVELS).values_list("code", flat=True)
    )


def _region_label(region: Region) -> str:
    names = [region.name]
    parent = region.parent
    while parent is not None and len(names) < 3 and parent.level != Region.Level.CITY:
        names.insert(0, parent.name)
        parent = parent.parent if parent.parent_id else None
    return " · ".join(names)
