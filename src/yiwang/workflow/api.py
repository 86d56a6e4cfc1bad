"""API endpoints of the workflow app: the inbox, an instance with its history, transitions."""

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from yiwang.core.api_schemas import BoundedPageNumberPagination, errors
from yiwang.core.errors import InvalidInput
from yiwang.workflow import actions, selectors
from yiwang.workflow.links import refuse_generic_transition
from yiwang.workflow.schemas import (
    DefinitionOut,
    InstanceDetailOut,
    InstanceOut,
    TransitionIn,
    TransitionOut,
)

router = Router(tags=["workflow"])


class InboxFilters(Schema):
    state: str | None = None
    overdue: bool | None = None
    warning: bool | None = None
    definition: str | None = None
    search: str | None = None


@router.get("/inbox", response=list[InstanceOut], summary="我的待办")
@paginate(BoundedPageNumberPagination, page_size=20)
def inbox(request: HttpRequest, filters: Query[InboxFilters]) -> Any:
    return selectors.inbox_for(request.auth, **filters.dict())  # type: ignore[attr-defined]


def _steps_only(event: Any, instance: Any) -> dict[str, Any]:
    """A history event as a supervisor without the view permission sees it: who did what when."""
    return {
        **{name: getattr(event, name) for name in ("id", "action", "action_name", "from_state", "to_state")},
        **{"actor_label": selectors.step_actor_label(event, instance), "created_at": event.created_at},
        **{"comment": "", "fields": {}, "attachments": []},
    }


def _detail(request: HttpRequest, instance: Any) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    history: list[Any] = list(selectors.history_for(instance, actor))
    if not selectors.history_contents_visible(actor, instance):
        history = [_steps_only(event, instance) for event in history]
    return {
        "instance": instance,
        "history": history,
        "available_actions": selectors.available_actions(instance, actor),
    }


@router.get(
    "/instances/{instance_id}",
    response={200: InstanceDetailOut, **errors(404)},
    summary="流程实例详情（含办理历史与可办动作）",
)
def instance_detail(request: HttpRequest, instance_id: UUID) -> Any:
    instance = selectors.instance_for(request.auth, instance_id)  # type: ignore[attr-defined]
    return _detail(request, instance)


@router.post(
    "/instances/{instance_id}/transitions",
    response={200: TransitionOut, **errors(400, 403, 404, 409)},
    summary="办理（执行流程动作）",
)
def instance_transition(request: HttpRequest, instance_id: UUID, payload: TransitionIn) -> Any:
    actor = request.auth  # type: ignore[attr-defined]
    instance = selectors.instance_for(actor, instance_id)
    refuse_generic_transition(instance)
    reserved = sorted(set(payload.fields) & actions.RESERVED_FIELDS)
    if reserved:
        raise InvalidInput(f"办理信息不能使用保留字段：{'、'.join(reserved)}", code="workflow_fields_invalid")
    organization = selectors.organization_for_assignment(payload.organization_id)
    event = actions.transition(
        instance=instance,
        action=payload.action,
        actor=actor,
        fields=payload.fields,
        comment=payload.comment,
        attachments=payload.attachments,
        organization=organization,
    )
    return {"instance": instance, "event": event}


@router.get("/definitions", response={200: list[DefinitionOut], **errors(403)}, summary="流程定义列表")
@paginate(BoundedPageNumberPagination, page_size=50)
def definitions(request: HttpRequest, status: str | None = None, code: str | None = None) -> Any:
    return selectors.definitions_for(request.auth, status=status, code=code)  # type: ignore[attr-defined]
