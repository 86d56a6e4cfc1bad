"""The Django admin for the kernel's master data (主数据), with read-only views of the logs.

Edits of master data go through `core.actions.admin_record_save` / `admin_record_delete`, which
check the named permission, write the audit row and drop the calendar / dictionary caches. Persons
and enterprises are listed within the admin user's data scope and shown masked in lists. The audit
log, its chain head, outbound messages, in-app notifications and stored files are read-only here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yiwang.core import actions, masking, permissions, selectors
from yiwang.core.jobs import job_kind_label
from yiwang.core.models import (
    AuditChainHead,
    AuditEvent,
    BackgroundJob,
    Dictionary,
    DictionaryEntry,
    Enterprise,
    Grid,
    Holiday,
    MakeupWorkday,
    Notification,
    NotificationTemplate,
    Organization,
    OutboundMessage,
    Person,
    Region,
    StoredFile,
)
from yiwang.identity.actor import Actor, actor_from_request

_WEEKDAYS = "一二三四五六日"


def _actor(request: HttpRequest) -> Actor:
    return actor_from_request(request)


class AuditedAdmin(admin.ModelAdmin):
    """Writes through the audited actions; add/change/delete also need the model's named permission."""

    def _named_permission(self) -> str:
        return actions.ADMIN_PERMISSIONS[self.model]

    def _may_write(self, request: HttpRequest) -> bool:
        return _actor(request).has_perm(self._named_permission())

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return super().has_add_permission(request, *args) and self._may_write(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self._may_write(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self._may_write(request)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        actions.admin_record_save(
            actor=_actor(request), obj=obj, created=not change, changed_fields=form.changed_data
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        actions.admin_record_delete(actor=_actor(request), obj=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            actions.admin_record_delete(actor=_actor(request), obj=obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        actor = _actor(request)
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            actions.admin_record_delete(actor=actor, obj=obj)
        for obj in instances:
            changed: list[str] = next((f.changed_data for f in formset.forms if f.instance is obj), [])
            actions.admin_record_save(actor=actor, obj=obj, created=obj.pk is None, changed_fields=changed)
        formset.save_m2m()


class ReadOnlyAdmin(admin.ModelAdmin):
    """Logs and records produced by the platform: viewable, never added, changed or deleted here."""

    view_permission: str | None = None

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if self.view_permission is not None and not _actor(request).has_perm(self.view_permission):
            return False
        return super().has_view_permission(request, obj)


# -- regions and organisations ------------------------------------------------------------------


class TreeParentForm(forms.ModelForm):
    def clean_parent(self) -> Any:
        parent = self.cleaned_data.get("parent")
        message = actions.tree_parent_error(self.instance, parent)
        if message:
            raise forms.ValidationError(message)
        return parent


@admin.register(Region)
class RegionAdmin(AuditedAdmin):
    form = TreeParentForm
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    readonly_fields = ("path", "created_at", "updated_at")


@admin.register(Grid)
class GridAdmin(AuditedAdmin):
    list_display = ("code", "name", "community", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name")
    list_select_related = ("community",)
    readonly_fields = ("created_at", "updated_at")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "community":
            kwargs["queryset"] = Region.objects.filter(level=Region.Level.COMMUNITY)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Organization)
class OrganizationAdmin(AuditedAdmin):
    form = TreeParentForm
    list_display = ("name", "code", "type", "region", "parent", "is_active")
    list_filter = ("type", "is_active", "region__level")
    search_fields = ("name", "short_name", "code", "=uscc")
    list_select_related = ("region", "parent")
    autocomplete_fields = ("region", "parent")
    readonly_fields = ("path", "created_at", "updated_at")


# -- subjects -----------------------------------------------------------------------------------


@admin.register(Person)
class PersonAdmin(AuditedAdmin):
    list_display = ("name", "masked_id_number", "masked_phone", "gender", "region")
    list_filter = ("gender", "region__level")
    search_fields = ("name", "=id_number", "=phone")
    list_select_related = ("region",)
    autocomplete_fields = ("region",)
    readonly_fields = ("uid", "created_at", "updated_at")
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Person]:
        return super().get_queryset(request).filter(selectors.persons_visible_q(_actor(request)))

    @admin.display(description=_("公民身份号码"))
    def masked_id_number(self, obj: Person) -> str:
        return masking.mask_id_number(obj.id_number)

    @admin.display(description=_("手机号码"))
    def masked_phone(self, obj: Person) -> str:
        return masking.mask_phone(obj.phone)


@admin.register(Enterprise)
class EnterpriseAdmin(AuditedAdmin):
    list_display = ("name", "uscc", "type", "legal_representative", "region", "established_on")
    list_filter = ("type", "region__level")
    search_fields = ("name", "=uscc")
    list_select_related = ("region", "legal_representative")
    autocomplete_fields = ("region", "legal_representative")
    readonly_fields = ("uid", "created_at", "updated_at")
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Enterprise]:
        return super().get_queryset(request).filter(selectors.enterprises_visible_q(_actor(request)))


# -- calendar -----------------------------------------------------------------------------------


class HolidayForm(forms.ModelForm):
    class Meta:
        model = Holiday
        fields = ("date", "name")

    def clean_date(self) -> Any:
        day = self.cleaned_data["date"]
        if MakeupWorkday.objects.filter(date=day).exists():
            raise forms.ValidationError(f"{day} 已登记为调休上班日，同一天不能既放假又上班")
        return day


class MakeupWorkdayForm(forms.ModelForm):
    class Meta:
        model = MakeupWorkday
        fields = ("date", "name")

    def clean_date(self) -> Any:
        day = self.cleaned_data["date"]
        if day.weekday() < 5:
            raise forms.ValidationError(f"{day} 是星期{_WEEKDAYS[day.weekday()]}，调休上班日只能是周六或周日")
        if Holiday.objects.filter(date=day).exists():
            raise forms.ValidationError(f"{day} 已登记为法定节假日，同一天不能既放假又上班")
        return day


class CalendarDayAdmin(AuditedAdmin):
    list_display = ("date", "weekday", "name")
    search_fields = ("name",)
    date_hierarchy = "date"

    @admin.display(description=_("星期"))
    def weekday(self, obj: Holiday | MakeupWorkday) -> str:
        return f"星期{_WEEKDAYS[obj.date.weekday()]}"


@admin.register(Holiday)
class HolidayAdmin(CalendarDayAdmin):
    form = HolidayForm


@admin.register(MakeupWorkday)
class MakeupWorkdayAdmin(CalendarDayAdmin):
    form = MakeupWorkdayForm


# -- dictionaries -------------------------------------------------------------------------------


class DictionaryEntryInline(admin.TabularInline):
    """Entries are validated by `DictionaryEntry.clean` against the schema being saved (the
    parent form's new value), so errors show in Chinese on the entry's 扩展属性 field."""

    model = DictionaryEntry
    fields = ("code", "label", "data", "sort_order", "is_active")
    extra = 1
    ordering = ("sort_order", "code")

    def _may_write(self, request: HttpRequest) -> bool:
        return _actor(request).has_perm(permissions.MANAGE_MASTER_DATA)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_add_permission(request, obj) and self._may_write(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self._may_write(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self._may_write(request)


@admin.register(Dictionary)
class DictionaryAdmin(AuditedAdmin):
    list_display = ("code", "name", "entry_count", "updated_at")
    search_fields = ("code", "name")
    inlines = (DictionaryEntryInline,)
    readonly_fields = ("created_at", "updated_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Dictionary]:
        from django.db.models import Count

        return super().get_queryset(request).annotate(entry_total=Count("entries"))

    @admin.display(description=_("条目数"), ordering="entry_total")
    def entry_count(self, obj: Any) -> int:
        return int(getattr(obj, "entry_total", 0))


@admin.register(DictionaryEntry)
class DictionaryEntryAdmin(AuditedAdmin):
    list_display = ("label", "code", "dictionary", "sort_order", "is_active")
    list_filter = ("dictionary", "is_active")
    search_fields = ("code", "label", "dictionary__name")
    list_select_related = ("dictionary",)


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(AuditedAdmin):
    list_display = ("code", "name", "title", "channels", "updated_at")
    search_fields = ("code", "name", "title")


# -- read-only records --------------------------------------------------------------------------


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    view_permission = permissions.VIEW_AUDIT
    list_display = ("sequence", "created_at", "actor_label", "action", "object_type", "object_id", "summary")
    list_filter = ("object_type",)
    search_fields = ("=action", "=object_id", "actor_label", "summary")
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = (
        "sequence",
        "uid",
        "created_at",
        "actor",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "summary",
        "data",
        "ip_address",
        "mac",
        "sealed_at",
        "prev_hash",
        "hash",
    )


@admin.register(AuditChainHead)
class AuditChainHeadAdmin(ReadOnlyAdmin):
    view_permission = permissions.VIEW_AUDIT
    list_display = ("id", "last_sequence", "last_hash")


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnlyAdmin):
    view_permission = permissions.VIEW_AUDIT
    list_display = ("created_at", "channel", "masked_address", "title", "status", "provider", "sent_at")
    list_filter = ("channel", "status")
    search_fields = ("=address", "title")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    show_full_result_count = False

    @admin.display(description=_("号码/地址"))
    def masked_address(self, obj: OutboundMessage) -> str:
        return masking.mask_phone(obj.address) if obj.channel == OutboundMessage.Channel.SMS else obj.address


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    view_permission = permissions.VIEW_AUDIT
    list_display = ("created_at", "recipient", "title", "template_code", "read_at")
    list_filter = ("template_code",)
    search_fields = ("title", "recipient__username")
    list_select_related = ("recipient",)
    show_full_result_count = False


@admin.register(StoredFile)
class StoredFileAdmin(ReadOnlyAdmin):
    view_permission = permissions.VIEW_AUDIT
    list_display = ("name", "content_type", "size", "owner", "organization", "created_at")
    list_filter = ("content_type",)
    search_fields = ("name", "=sha256")
    list_select_related = ("owner", "organization")
    show_full_result_count = False


class JobKindFilter(admin.SimpleListFilter):
    """类型 by its Chinese name (`core.jobs.job_kind_label`), for the kinds present."""

    title = _("类型")
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        kinds = model_admin.get_queryset(request).order_by("kind").values_list("kind", flat=True).distinct()
        return [(kind, job_kind_label(kind)) for kind in kinds]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(BackgroundJob)
class BackgroundJobAdmin(ReadOnlyAdmin):
    """后台任务 of every user (imports, later exports and quality runs), for the operators; each
    requester follows their own at /jobs/<id>/."""

    view_permission = permissions.VIEW_AUDIT
    list_display = (
        "created_at",
        "title",
        "kind_label",
        "requested_by",
        "status",
        "done",
        "total",
        "finished_at",
    )
    list_filter = (JobKindFilter, "status")
    fields = (
        "kind_label",
        "title",
        "requested_by",
        "organization",
        "status",
        "done",
        "total",
        "message",
        "result",
        "input_file",
        "result_file",
        "created_at",
        "started_at",
        "finished_at",
    )
    readonly_fields = ("kind_label", "created_at")
    search_fields = ("title",)
    list_select_related = ("requested_by",)
    date_hierarchy = "created_at"
    show_full_result_count = False

    @admin.display(description=_("类型"), ordering="kind")
    def kind_label(self, job: BackgroundJob) -> str:
        return job_kind_label(job.kind)
