"""Reads of the workflow engine, always scoped by the actor."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, OuterRef, QuerySet, Subquery

from yiwang.core.errors import InvalidInput, NotFound, PermissionDenied
from yiwang.core.models import Organization
from yiwang.identity.actor import Actor
from yiwang.workflow.models import ProcessDefinition, ProcessEvent, ProcessInstance
from yiwang.workflow.permissions import (
    SUPERVISE_INSTANCE,
    VIEW_DEFINITION,
    can_perform,
    can_view,
    handler_q,
    reaches,
    sees_contents,
    views_in_scope,
    visible_q,
)

_RELATED = ("definition", "organization", "region", "owner", "assignee", "content_type")
# History events that are the department's internal business (written by `actions.instance_assign`):
# shown to staff, never to the applicant, and no activity of the applicant's matter.
ASSIGN_ACTION = "assign"
URGE_ACTION = "urge"  # 督办意见 (workflow.actions.instance_urge)
INTERNAL_ACTIONS = (ASSIGN_ACTION, URGE_ACTION)


@dataclass(frozen=True)
class AvailableAction:
    code: str
    name: str
    to_state: str
    to_state_name: str
    required_fields: tuple[str, ...]
    field_labels: dict[str, str]
    fields_schema: dict[str, Any] | None
    needs_organization: bool
    extend: bool
    suspend: bool
    resume: bool


def available_actions(instance: ProcessInstance, actor: Actor) -> list[AvailableAction]:
    """The actions `actor` may perform on `instance` now, in definition order (once it has ended, only
    the definition's `reopen` actions: 重办, 复核)."""
    parsed = instance.definition.parsed
    ended = instance.completed_at is not None
    result = []
    for action in parsed.actions_from(instance.state, suspended=instance.is_suspended):
        if action.system_only or (ended and not action.reopen) or not can_perform(actor, instance, action):
            continue
        if action.release and instance.claimed_by_id is None:
            continue
        required = list(action.required_fields)
        if action.extend and "days" not in required:
            required.append("days")
        target = action.target_from(instance.state)
        result.append(
            AvailableAction(
                code=action.code,
                name=action.name,
                to_state=target,
                to_state_name=parsed.state_name(target),
                required_fields=tuple(required),
                field_labels={name: parsed.field_label(action, name) for name in required},
                fields_schema=action.fields_schema,
                needs_organization=action.reassign == "choose",
                extend=action.extend,
                suspend=action.suspend,
                resume=action.resume,
            )
        )
    return result


def inbox_for(
    actor: Actor,
    *,
    state: str | None = None,
    overdue: bool | None = None,
    warning: bool | None = None,
    definition: str | None = None,
    search: str | None = None,
) -> QuerySet[ProcessInstance]:
    """待办: open instances whose current state has an action the actor may perform, nearest list
    deadline (`worklist_deadline`, the one every list shows) first."""
    if not actor.is_authenticated and not actor.is_system:
        return ProcessInstance.objects.none()
    # scope: handler_q — what the actor may act on within each grant's scope (twin of judge)
    qs = ProcessInstance.objects.filter(completed_at__isnull=True).filter(handler_q(actor))
    if state:
        qs = qs.filter(state=state)
    if overdue is not None:
        qs = qs.filter(overdue=overdue)
    if warning is not None:
        qs = qs.filter(warning=warning)
    if definition:
        qs = qs.filter(definition__code=definition)
    if search:
        qs = qs.filter(title__icontains=search.strip())
    return qs.select_related(*_RELATED).order_by(
        F("worklist_deadline").asc(nulls_last=True), "started_at", "pk"
    )


def instances_for(
    actor: Actor, *, completed: bool | None = None, search: str | None = None
) -> QuerySet[ProcessInstance]:
    """Every instance the actor may look at (view permission in scope, own, or actionable now)."""
    if not actor.is_authenticated and not actor.is_system:
        return ProcessInstance.objects.none()
    # scope: visible_q — view permission in scope, own, or actionable (twin of can_view)
    qs = ProcessInstance.objects.filter(visible_q(actor))
    if completed is not None:
        qs = qs.filter(completed_at__isnull=not completed)
    if search:
        qs = qs.filter(title__icontains=search.strip())
    return qs.select_related(*_RELATED).order_by("-started_at", "pk")


def instances_owned_by(actor: Actor, *, active: bool | None = None) -> QuerySet[ProcessInstance]:
    """我的事项: the actor's own instances (they are the `owner`, i.e. the applicant's account),
    most recent activity first. `active=True` keeps the open ones, `False` the completed ones.

    Each row carries `last_activity_at` (the time of its latest history event the applicant sees:
    internal events such as 指派 do not count)."""
    if actor.user_id is None:
        return ProcessInstance.objects.none()
    latest_event = (
        ProcessEvent.objects.filter(instance=OuterRef("pk"))
        .exclude(action__in=INTERNAL_ACTIONS)
        .order_by("-created_at", "-pk")
        .values("created_at")
    )
    # scope: the actor's own matters
    qs = ProcessInstance.objects.filter(owner_id=actor.user_id)
    if active is not None:
        qs = qs.filter(completed_at__isnull=active)
    return (
        qs.select_related("definition", "organization", "content_type")
        .annotate(last_activity_at=Subquery(latest_event[:1]))
        .order_by(F("last_activity_at").desc(nulls_last=True), "-started_at", "pk")
    )


def instance_for(actor: Actor, pk: UUID | str) -> ProcessInstance:
    """One instance, or NotFound when it does not exist or is out of the actor's reach."""
    # scope: can_view on the row below
    instance = ProcessInstance.objects.select_related(*_RELATED, "organization__region").filter(pk=pk).first()
    if instance is None or not can_view(actor, instance):
        raise NotFound("流程实例不存在或无权查看", code="workflow_instance_not_found")
    return instance


def instance_for_object(actor: Actor, obj: models.Model) -> ProcessInstance | None:
    """The latest instance attached to a domain object, if the actor may see it."""
    # scope: can_view on the row below
    instance = (
        ProcessInstance.objects.select_related(*_RELATED, "organization__region")
        .filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))
        .order_by("-started_at")
        .first()
    )
    if instance is None or not can_view(actor, instance):
        return None
    return instance


def _sees_internal_history(actor: Actor, instance: ProcessInstance) -> bool:
    """May the actor see the internal events (`INTERNAL_ACTIONS`) of an instance they can view?
    Everyone but its owner (the applicant) may, unless the owner also holds the view permission
    over it (staff handling their own matter)."""
    if actor.is_system or actor.is_superuser or instance.owner_id is None:
        return True
    return actor.user_id != instance.owner_id or views_in_scope(actor, instance)


def can_urge(actor: Actor, instance: ProcessInstance) -> bool:
    """May the actor send a 督办意见 on this open instance (`workflow.actions.instance_urge`)?"""
    return instance.completed_at is None and reaches(actor, SUPERVISE_INSTANCE, instance, as_owner=False)


def history_contents_visible(actor: Actor, instance: ProcessInstance) -> bool:
    """Does the actor read the history's comments, fields and attachments, or only follow its
    steps (a supervisor without the view permission: 督办 needs the progress, not the file)?"""
    return sees_contents(actor, instance)


def step_actor_label(event: ProcessEvent, instance: ProcessInstance) -> str:
    """Who acted, as a steps-only view names them: the applicant by role, not by name."""
    if instance.owner_id is not None and event.actor_id == instance.owner_id:
        return "申请人"
    return event.actor_label


def history_for(instance: ProcessInstance, actor: Actor) -> QuerySet[ProcessEvent]:
    """办理历史 of an instance, oldest first (NotFound when the actor may not see the instance).
    The applicant does not see the internal events (指派)."""
    if not can_view(actor, instance):
        raise NotFound("流程实例不存在或无权查看", code="workflow_instance_not_found")
    events = ProcessEvent.objects.filter(instance=instance)
    if not _sees_internal_history(actor, instance):
        events = events.exclude(action__in=INTERNAL_ACTIONS)
    return events.select_related("actor").prefetch_related("attachments").order_by("created_at", "pk")


def definitions_for(
    actor: Actor, *, status: str | None = None, code: str | None = None
) -> QuerySet[ProcessDefinition]:
    if not (actor.is_system or actor.has_perm(VIEW_DEFINITION)):
        raise PermissionDenied("您没有查看流程定义的权限", code="workflow_forbidden")
    qs = ProcessDefinition.objects.all()
    if status:
        qs = qs.filter(status=status)
    if code:
        qs = qs.filter(code=code)
    return qs.order_by("code", "-version")


def organization_for_assignment(pk: int | None) -> Organization | None:
    """The department a case is dispatched to (派单): any active organisation."""
    if pk is None:
        return None
    organization = Organization.objects.select_related("region").filter(pk=pk, is_active=True).first()
    if organization is None:
        raise InvalidInput("承办部门不存在或已停用", code="workflow_organization_invalid")
    return organization


def state_names(definition_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    """State names keyed by (definition id, state code), for labelling grouped inbox counts.
    Definitions are configuration, not personal data, so this read is not scoped."""
    names: dict[tuple[int, str], str] = {}
    for definition in ProcessDefinition.objects.filter(pk__in=list(definition_ids)).only("pk", "definition"):
        for code, state in definition.parsed.states.items():
            names[(definition.pk, code)] = state.name
    return names
