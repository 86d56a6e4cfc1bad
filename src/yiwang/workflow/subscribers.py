"""Built-in transition subscribers: what the engine itself does after every committed move.

`notify_owner` tells the applicant (the instance's `owner`) that their matter moved, for every
loop (一网通办 办件, 12345 工单, …): one in-app message per transition performed by someone else —
staff, or the system when `tick` runs an automatic action. The applicant's own actions (提交补正材料,
撤回申请) send nothing, and an action marked `"notify_owner": false` in its definition stays quiet.

It runs in the hooks' commit phase (`WorkflowConfig.ready` registers it), so a transition that rolls
back sends nothing, and a failure to notify never undoes a transition."""

from __future__ import annotations

from typing import Any

from yiwang.core.notifications import notify
from yiwang.workflow.engine import Definition
from yiwang.workflow.hooks import TransitionNotice
from yiwang.workflow.models import ProcessEvent, ProcessInstance

OWNER_TEMPLATE = "workflow.transition"
# How the first event reads to an applicant whose matter was registered by staff (12345 来电, 窗口收件).
START_ACTION_NAME = "登记"


def owner_link(instance_id: Any) -> str:
    """The applicant's page of one of their matters (the web shell's 我的事项)."""
    return f"/my/{instance_id}/"


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "、".join(str(item) for item in value)
    return "" if value is None else str(value)


def owner_hears(parsed: Definition, action: str, *, owner_id: int | None, actor_id: int | None) -> bool:
    """Is the owner told about `action` performed by `actor_id`? Not when there is no owner, when the
    owner acted themself, or when the definition marks the action `"notify_owner": false`."""
    if owner_id is None or owner_id == actor_id:
        return False
    definition_action = parsed.actions.get(action)
    return definition_action is None or definition_action.notify_owner


def notify_owner(notice: TransitionNotice) -> None:
    """Send the owner a `workflow.transition` message about `notice`, unless they moved it themself."""
    if notice.owner_user_id is None or notice.owner_user_id == notice.actor_user_id:
        return
    instance = (
        ProcessInstance.objects.select_related("definition", "owner").filter(pk=notice.instance_id).first()
    )
    if instance is None or instance.owner is None or not instance.owner.is_active:
        return
    parsed = instance.definition.parsed
    if not owner_hears(parsed, notice.action, owner_id=instance.owner_id, actor_id=notice.actor_user_id):
        return
    event = ProcessEvent.objects.filter(pk=notice.event_id).only("action_name", "comment", "fields").first()
    if event is None:
        return
    fields = event.fields if isinstance(event.fields, dict) else {}
    notify(
        recipient=instance.owner,
        template_code=OWNER_TEMPLATE,
        context={
            "title": instance.title,
            "action_name": START_ACTION_NAME if notice.action == "start" else event.action_name,
            "state_name": parsed.state_name(notice.to_state),
            "reason": _text(fields.get("reason")),
            "materials": _text(fields.get("materials")),
            "comment": event.comment,
            "completed": notice.completed,
        },
        link=owner_link(instance.pk),
    )
