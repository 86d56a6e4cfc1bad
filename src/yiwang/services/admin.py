"""Admin of 一网通办: the catalogue (items with their materials inline; drafts are edited, published
versions are read-only and get a new version through the 「编辑（生成新版本）」 action), publishing,
Excel export and the Excel import page (the upload is stored and imported by the task worker as a
background job; the page then follows the job's progress bar); applications as a read-only list.

Every write goes through `services.actions.catalogue` / `services.actions.imports` (permission,
validation, audit)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from yiwang.core.dictionaries import dictionary_entries
from yiwang.core.errors import DomainError, NotFound
from yiwang.core.jobs import job_get, jobs_for
from yiwang.identity.actor import actor_from_request, scoped
from yiwang.services.actions.catalogue import (
    ITEM_FIELDS,
    MATERIAL_FIELDS,
    item_create,
    item_publish,
    item_update,
    material_add,
    material_remove,
    material_update,
    storable_problems,
)
from yiwang.services.actions.imports import JOB_KIND as IMPORT_JOB_KIND
from yiwang.services.actions.imports import catalogue_import_start
from yiwang.services.excel import XLSX_CONTENT_TYPE, export_catalogue
from yiwang.services.models import Application, MaterialRequirement, ServiceItem
from yiwang.services.permissions import MANAGE_CATALOG, VIEW_APPLICATION
from yiwang.services.selectors.catalogue import items_manageable

RECENT_IMPORTS = 5
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class ServiceItemForm(forms.ModelForm):
    class Meta:
        model = ServiceItem
        fields = sorted(ITEM_FIELDS)

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if not self.errors:
            for problem in storable_problems(self.instance):
                field = problem.field if problem.field in self.fields else None
                self.add_error(field, problem.message)
        return cleaned


class ItemTypeFilter(admin.SimpleListFilter):
    """事项类型 by its name in the item_type dictionary (in the dictionary's order), for the types the
    list holds; a code the dictionary lacks is listed as it is."""

    title = _("事项类型")
    parameter_name = "item_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        rows = model_admin.get_queryset(request).order_by().values_list("item_type", flat=True).distinct()
        present = set(rows)
        try:
            entries = dictionary_entries("item_type", include_inactive=True)
        except DomainError:
            entries = []
        named = [(entry.code, entry.label) for entry in entries if entry.code in present]
        unnamed = sorted(present - {code for code, _label in named})
        return [*named, *((code, code) for code in unnamed)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(item_type=self.value()) if self.value() else queryset


class MaterialFormSet(BaseInlineFormSet):
    """Saved through the material actions (see `ServiceItemAdmin.save_formset`)."""


class MaterialInline(admin.TabularInline):
    model = MaterialRequirement
    formset = MaterialFormSet
    extra = 0
    fields = [
        "sort_order",
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
        "notes",
    ]

    def _editable(self, obj: ServiceItem | None) -> bool:
        return obj is None or obj.status == ServiceItem.Status.DRAFT

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and actor_from_request(request).has_perm(MANAGE_CATALOG)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and actor_from_request(request).has_perm(MANAGE_CATALOG)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and actor_from_request(request).has_perm(MANAGE_CATALOG)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return actor_from_request(request).has_perm(MANAGE_CATALOG)


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    form = ServiceItemForm
    inlines = [MaterialInline]
    list_display = [
        "name",
        "implementation_code",
        "version",
        "status",
        "current_version",
        "organization",
        "published_at",
    ]
    list_filter = ["status", "is_current", "level", ItemTypeFilter, "online_depth"]
    search_fields = ["name", "implementation_code", "basic_code", "keywords"]
    list_select_related = ["organization"]
    actions = ["publish", "new_version", "export_excel"]
    change_list_template = "admin/services/serviceitem/change_list.html"
    system_fields = ["uid", "version", "status", "is_current", "published_at", "popularity"]

    # -- permissions and scope --

    def _can(self, request: HttpRequest) -> bool:
        return actor_from_request(request).has_perm(MANAGE_CATALOG)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._can(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._can(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._can(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[ServiceItem]:
        return items_manageable(actor_from_request(request)).select_related("organization")

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        rows = changelist.result_list
        codes = {row.implementation_code for row in rows if not row.is_current}
        # the current version of the other rows' codes (one query for the page)
        current = dict(
            items_manageable(actor_from_request(request))
            .filter(implementation_code__in=codes, is_current=True)
            .values_list("implementation_code", "version")
        )
        for row in rows:
            row.current_version_number = (
                row.version if row.is_current else current.get(row.implementation_code)
            )
        return changelist

    @admin.display(description=_("当前版本"), ordering="is_current")
    def current_version(self, item: ServiceItem) -> str:
        """是 for the version in force; for any other version, which version is in force (or that
        none is)."""
        if item.is_current:
            return "是"
        number = getattr(item, "current_version_number", None)
        return f"否（当前为 v{number}）" if number else "否（无已发布版本）"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None and obj.status != ServiceItem.Status.DRAFT:
            return [f.name for f in ServiceItem._meta.concrete_fields if f.name not in {"id"}]
        fixed = (
            ["basic_code", "implementation_code", "organization", "level"] if obj and obj.version > 1 else []
        )
        return [*self.system_fields, *fixed]

    # -- saving through the actions --

    def save_model(self, request: HttpRequest, obj: ServiceItem, form: Any, change: bool) -> None:
        actor = actor_from_request(request)
        try:
            if not change:
                fields = {k: v for k, v in form.cleaned_data.items() if k in ITEM_FIELDS}
                saved = item_create(actor=actor, **fields)
            else:
                current = ServiceItem.objects.select_related("organization__region").get(pk=obj.pk)
                fields = {k: form.cleaned_data[k] for k in form.changed_data if k in ITEM_FIELDS}
                saved = item_update(actor=actor, item=current, **fields)
        except DomainError as exc:
            request._catalogue_failed = True  # type: ignore[attr-defined]
            self.message_user(request, exc.message, messages.ERROR)
            return
        obj.pk, obj.version, obj.status = saved.pk, saved.version, saved.status
        obj._state.adding = False

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if getattr(request, "_catalogue_failed", False) or formset.model is not MaterialRequirement:
            return
        actor = actor_from_request(request)
        item = ServiceItem.objects.select_related("organization__region").get(pk=form.instance.pk)
        try:
            for material_form in formset.forms:
                if not hasattr(material_form, "cleaned_data") or not material_form.has_changed():
                    continue
                data = {k: v for k, v in material_form.cleaned_data.items() if k in MATERIAL_FIELDS}
                instance = material_form.instance
                if material_form in formset.deleted_forms:
                    if instance.pk:
                        material_remove(actor=actor, material=instance)
                elif instance.pk is None:
                    material_add(actor=actor, item=item, **data)
                else:
                    changed = {k: data[k] for k in material_form.changed_data if k in data}
                    material_update(actor=actor, material=instance, **changed)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)

    # -- list actions --

    @admin.action(description=_("发布所选草稿"))
    def publish(self, request: HttpRequest, queryset: QuerySet[ServiceItem]) -> None:
        actor = actor_from_request(request)
        for item in queryset.select_related("organization__region"):
            try:
                published = item_publish(actor=actor, item=item)
            except DomainError as exc:
                self.message_user(request, f"{item}：{exc.message}", messages.ERROR)
                continue
            self.message_user(request, f"已发布 {published}", messages.SUCCESS)

    @admin.action(description=_("编辑（生成新版本草稿）"))
    def new_version(self, request: HttpRequest, queryset: QuerySet[ServiceItem]) -> None:
        actor = actor_from_request(request)
        for item in queryset.select_related("organization__region"):
            try:
                draft = item_update(actor=actor, item=item)
            except DomainError as exc:
                self.message_user(request, f"{item}：{exc.message}", messages.ERROR)
                continue
            self.message_user(request, f"已生成草稿 {draft}，修改后发布即生效", messages.SUCCESS)

    @admin.action(description=_("导出为 Excel（国家上传模板格式）"))
    def export_excel(self, request: HttpRequest, queryset: QuerySet[ServiceItem]) -> HttpResponse:
        rows = (
            queryset.select_related("organization")
            .prefetch_related("materials")
            .order_by("implementation_code")
        )
        response = HttpResponse(export_catalogue(rows), content_type=XLSX_CONTENT_TYPE)
        file_name = f"事项目录-{timezone.localdate():%Y%m%d}.xlsx"
        # filename*=utf-8''… (RFC 6266/5987): browsers keep the Chinese name
        disposition = content_disposition_header(as_attachment=True, filename=file_name)
        response["Content-Disposition"] = disposition or "attachment"
        return response

    # -- the import page --

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path("import/", self.admin_site.admin_view(self.import_view), name="services_serviceitem_import"),
            path(
                "import/jobs/<int:job_id>/",
                self.admin_site.admin_view(self.import_job_view),
                name="services_serviceitem_import_job",
            ),
        ]
        return extra + super().get_urls()

    def _import_context(self, request: HttpRequest) -> dict[str, Any]:
        context: dict[str, Any] = {**self.admin_site.each_context(request), "opts": self.model._meta}
        context["title"] = _("导入事项实施清单")
        return context

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a workbook: it is stored and imported by the task worker; the page then follows the job."""
        if not self._can(request):
            raise Http404
        context = self._import_context(request)
        context["recent_jobs"] = jobs_for(actor_from_request(request), kind=IMPORT_JOB_KIND)[:RECENT_IMPORTS]
        if request.method == "POST":
            upload = request.FILES.get("file")
            if upload is None:
                context["upload_error"] = _("请选择要上传的 Excel 文件")
            elif upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
                context["upload_error"] = _("文件过大（上限 20 MB）")
            else:
                try:
                    job = catalogue_import_start(actor=actor_from_request(request), upload=upload)
                except DomainError as exc:
                    context["upload_error"] = exc.message
                else:
                    return HttpResponseRedirect(
                        reverse("admin:services_serviceitem_import_job", args=[job.pk])
                    )
        return TemplateResponse(request, "admin/services/serviceitem/import.html", context)

    def import_job_view(self, request: HttpRequest, job_id: int) -> HttpResponse:
        """One import job of the requester, with the progress bar polling until it ends."""
        if not self._can(request):
            raise Http404
        try:
            job = job_get(actor_from_request(request), job_id)
        except NotFound:
            raise Http404 from None
        if job.kind != IMPORT_JOB_KIND:
            raise Http404
        context = {**self._import_context(request), "job": job}
        return TemplateResponse(request, "admin/services/serviceitem/import_job.html", context)

    def response_add(
        self, request: HttpRequest, obj: ServiceItem, post_url_continue: str | None = None
    ) -> HttpResponse:
        if getattr(request, "_catalogue_failed", False):
            return HttpResponseRedirect(reverse("admin:services_serviceitem_changelist"))
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request: HttpRequest, obj: ServiceItem) -> HttpResponse:
        if getattr(request, "_catalogue_failed", False):
            return HttpResponseRedirect(reverse("admin:services_serviceitem_change", args=[obj.pk]))
        return super().response_change(request, obj)


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Applications, read-only (they change only through the workflow)."""

    list_display = ["application_no", "item", "applicant", "organization", "status", "submitted_at", "due_at"]
    list_filter = ["status", "channel"]
    search_fields = ["application_no"]
    list_select_related = ["item", "applicant", "organization"]
    date_hierarchy = "submitted_at"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Application._meta.concrete_fields]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return actor_from_request(request).has_perm(VIEW_APPLICATION)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Application]:
        return scoped(
            super().get_queryset(request),
            actor_from_request(request),
            VIEW_APPLICATION,
            organization="organization",
            region="region",
        )
