"""Admin of 12345: the 派单目录 (categories, and who handles them where) and the time-limit rules,
kept by `hotline.manage_catalog` holders; every write goes through `hotline.actions.catalog`
(permission, audit). Tickets and the knowledge base have their own pages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from yiwang.hotline.actions import catalog as actions
from yiwang.hotline.models import DispatchCatalog, ServiceLevel, TicketCategory
from yiwang.hotline.permissions import MANAGE_CATALOG
from yiwang.identity.actor import actor_from_request


class CatalogAdmin(admin.ModelAdmin):
    """Viewable and editable only with `hotline.manage_catalog` (on top of Django's own model rights)."""

    def _may(self, request: HttpRequest) -> bool:
        return actor_from_request(request).has_perm(MANAGE_CATALOG)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) and self._may(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return super().has_add_permission(request, *args) and self._may(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self._may(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self._may(request)


@admin.register(TicketCategory)
class TicketCategoryAdmin(CatalogAdmin):
    list_display = ("code", "name", "parent", "is_leaf", "complexity", "is_active")
    list_filter = ("complexity", "is_active", "is_leaf")
    search_fields = ("code", "name")
    fields = ("code", "name", "parent", "complexity", "keywords", "description", "sort_order", "is_active")
    readonly_fields = ("code", "parent")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # the tree grows through the catalogue load (actions.catalog.catalog_load)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # tickets keep their category: retire it (启用 off) instead

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        actions.category_update(
            actor=actor_from_request(request), category=obj, changed_fields=form.changed_data
        )


@admin.register(DispatchCatalog)
class DispatchCatalogAdmin(CatalogAdmin):
    list_display = ("category", "region", "organization", "role")
    list_filter = ("role",)
    search_fields = ("category__name", "category__code", "organization__name")
    autocomplete_fields = ("category",)
    list_select_related = ("category", "region", "organization")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        actions.dispatch_entry_save(actor=actor_from_request(request), entry=obj, created=not change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        actions.dispatch_entry_delete(actor=actor_from_request(request), entry=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for entry in queryset:
            actions.dispatch_entry_delete(actor=actor_from_request(request), entry=entry)


@admin.register(ServiceLevel)
class ServiceLevelAdmin(CatalogAdmin):
    list_display = ("category", "complexity", "urgency", "handling_sla")
    list_select_related = ("category",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a rule is changed, not removed: the built-in defaults would silently apply

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = actions.service_level_set(
            actor=actor_from_request(request),
            urgency=obj.urgency,
            handling_sla=obj.handling_sla,
            category=obj.category,
            complexity=obj.complexity,
        )
        obj.pk = saved.pk
