"""Admin: definitions are edited as JSON (validated, Chinese errors; editing a published version
saves the next version as a draft) and published with an action; instances are read-only."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import DomainError
from yiwang.identity.actor import actor_from_request
from yiwang.workflow import actions, selectors
from yiwang.workflow.definition_schema import definition_errors
from yiwang.workflow.models import Escalation, ProcessDefinition, ProcessEvent, ProcessInstance
from yiwang.workflow.permissions import MANAGE_DEFINITION, VIEW_DEFINITION, VIEW_INSTANCE


class PrettyJSONField(forms.JSONField):
    """Shows the stored object pretty-printed (2-space indent, Chinese as is). The initial value is
    the object itself: the field encodes it once, here."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2, cls=self.encoder)


class DefinitionForm(forms.ModelForm):
    definition = PrettyJSONField(
        label=_("定义（JSON）"),
        widget=forms.Textarea(attrs={"rows": 30, "cols": 100, "class": "vLargeTextField"}),
    )

    class Meta:
        model = ProcessDefinition
        fields = ["code", "name", "description", "definition"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True

    def clean_definition(self) -> Any:
        content = self.cleaned_data["definition"]
        errors = definition_errors(content)
        if errors:
            raise forms.ValidationError(errors, code="workflow_definition_invalid")
        return content


@admin.register(ProcessDefinition)
class ProcessDefinitionAdmin(admin.ModelAdmin):
    form = DefinitionForm
    list_display = ["code", "name", "version", "status", "published_at", "updated_at"]
    list_filter = ["status"]
    search_fields = ["code", "name"]
    readonly_fields = ["version", "status", "published_at"]
    actions = ["publish"]

    def _actor_can(self, request: HttpRequest, permission: str) -> bool:
        return actor_from_request(request).has_perm(permission)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._actor_can(request, VIEW_DEFINITION) or self._actor_can(request, MANAGE_DEFINITION)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._actor_can(request, MANAGE_DEFINITION)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._actor_can(request, MANAGE_DEFINITION)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ProcessDefinition, form: Any, change: bool) -> None:
        # Saved through the action: a published or retired version is never changed in place.
        if change and not form.has_changed():
            self.message_user(request, "内容未修改，没有生成新版本", messages.INFO)
            return
        try:
            saved = actions.definition_save(
                actor=actor_from_request(request),
                code=obj.code,
                name=obj.name,
                definition=obj.definition,
                description=obj.description,
            )
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        if saved.pk != obj.pk:
            self.message_user(request, f"已保存为新版本 v{saved.version}（草稿），发布后生效", messages.INFO)
        obj.pk, obj.version, obj.status = saved.pk, saved.version, saved.status
        obj._state.adding = False

    def response_change(self, request: HttpRequest, obj: ProcessDefinition) -> HttpResponse:
        if "_continue" not in request.POST:
            return super().response_change(request, obj)
        return HttpResponseRedirect(reverse("admin:workflow_processdefinition_change", args=[obj.pk]))

    @admin.action(description=_("发布所选流程定义"))
    def publish(self, request: HttpRequest, queryset: QuerySet[ProcessDefinition]) -> None:
        actor = actor_from_request(request)
        for definition in queryset:
            try:
                published = actions.definition_publish(actor=actor, definition=definition)
            except DomainError as exc:
                self.message_user(request, f"{definition}：{exc.message}", messages.ERROR)
                continue
            self.message_user(request, f"已发布 {published}", messages.SUCCESS)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ProcessEventInline(ReadOnlyInline):
    model = ProcessEvent
    fields = ("created_at", "action_name", "from_state", "to_state", "actor_label", "comment", "fields")
    readonly_fields = fields
    ordering = ["created_at", "id"]


class EscalationInline(ReadOnlyInline):
    model = Escalation
    fields = ("fired_at", "state", "kind", "rule", "action", "notified_count", "error")
    readonly_fields = fields


@admin.register(ProcessInstance)
class ProcessInstanceAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "definition",
        "state",
        "organization",
        "due_at",
        "warning",
        "overdue",
        "completed_at",
    ]
    list_filter = ["definition__code", "overdue", "warning", "state"]
    search_fields = ["title", "object_id"]
    list_select_related = ["definition", "organization"]
    date_hierarchy = "started_at"
    inlines = [ProcessEventInline, EscalationInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in ProcessInstance._meta.concrete_fields]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return actor_from_request(request).has_perm(VIEW_INSTANCE)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProcessInstance]:
        return selectors.instances_for(actor_from_request(request))
