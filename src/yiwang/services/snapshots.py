"""Snapshots of published item versions (事项实施清单的已发布版本), shared by actions and selectors.

A published version never changes (an edit makes the next version: `item_update`; the admin and
the material actions change drafts only), so its snapshot is cached under its id and `updated_at`
(which a material's save also moves), through `core.snapshots`, in each process's memory (reading
it back from Django's cache meant unpickling the item and its materials on every submission).
Which version is current is always asked live by the caller."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Prefetch, QuerySet

from yiwang.core.snapshots import snapshot
from yiwang.services.models import MaterialRequirement, ServiceItem

# What comes with a snapshot may lag by up to this many seconds: the department's own record (its
# name, place in the tree, region).
ITEM_SNAPSHOT_SECONDS = 60


def published_item(pk: int, stamp: datetime) -> ServiceItem:
    """Item version `pk` as saved at `stamp` (its `updated_at`), with its department, region and
    materials (in order, with their samples) — from the cache when it is there."""

    def load() -> ServiceItem:
        return (
            ServiceItem.objects.select_related("organization__region", "region")
            .prefetch_related(Prefetch("materials", queryset=_materials_qs()))
            .get(pk=pk)
        )

    return snapshot("services.item", pk, stamp.timestamp(), load, timeout=ITEM_SNAPSHOT_SECONDS, local=True)


def _materials_qs() -> QuerySet[MaterialRequirement]:
    return MaterialRequirement.objects.select_related("sample").order_by("sort_order", "pk")


def item_materials(item: ServiceItem) -> list[MaterialRequirement]:
    """The item's materials in order (those of a snapshot from `published_item` come with it)."""
    prefetched = getattr(item, "_prefetched_objects_cache", {}).get("materials")
    if prefetched is not None:
        return list(prefetched)
    return list(_materials_qs().filter(item=item))
