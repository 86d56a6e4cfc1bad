"""Writes of the workflow engine: definitions, starting instances, transitions and the timer (`tick`).

Every function takes `actor=`, checks permission, runs in a transaction and writes an audit row.
Domain apps start an instance from their own action (`application_submit` → `instance_start`) and
move it with `transition`; they learn about moves through `yiwang.workflow.hooks`."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from yiwang.core.audit import audit_record
from yiwang.core.calendar import WorkCalendar, get_calendar
from yiwang.core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from yiwang.core.models import Organization, Region, StoredFile
from yiwang.core.notifications import notify
from yiwang.core.snapshots import snapshot
from yiwang.core.validators import schema_errors
from yiwang.identity.actor import Actor
from yiwang.workflow import engine, hooks
from yiwang.workflow.contracts import contract_errors
from yiwang.workflow.definition_schema import SLA, definition_errors
from yiwang.workflow.models import (
    Escalation,
    InstanceLink,
    ProcessDefinition,
    ProcessEvent,
    ProcessHandler,
    ProcessInstance,
)
from yiwang.workflow.permissions import MANAGE_DEFINITION, Verdict, judge, judge_start, reaches

logger = logging.getLogger(__name__)

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"
AUTO_ACTION_COMMENT = "超过办理时限，系统自动执行"
_META_KEYS = ("code", "name", "description")
SLA_SCHEMA = {**SLA, "maxProperties": 1}
# Keyword names of `transition` that can never be action fields.
RESERVED_FIELDS = frozenset({"instance", "action", "actor", "comment", "attachments", "organization", "now"})


# -- definitions --------------------------------------------------------------------------------


def _require_manage(actor: Actor) -> None:
    if not (actor.is_system or actor.has_perm(MANAGE_DEFINITION)):
        raise PermissionDenied("您没有编辑流程定义的权限", code="workflow_forbidden")


def _check_definition(content: Any) -> None:
    errors = definition_errors(content)
    if errors:
        raise InvalidInput(
            f"流程定义有误：{errors[0]}" + (f"（共 {len(errors)} 处）" if len(errors) > 1 else ""),
            code="workflow_definition_invalid",
            details=errors,
        )


def definition_save(
    *, actor: Actor, code: str, name: str, definition: dict[str, Any], description: str = ""
) -> ProcessDefinition:
    """Save a definition as a draft: updates the open draft, or starts the next version when the
    latest one is published or retired (published versions never change)."""
    _require_manage(actor)
    _check_definition(definition)
    with transaction.atomic():
        latest = ProcessDefinition.objects.select_for_update().filter(code=code).order_by("-version").first()
        if latest is not None and latest.status == ProcessDefinition.Status.DRAFT:
            row = latest
            row.name, row.definition, row.description = name, definition, description
            row.save()
        else:
            row = ProcessDefinition.objects.create(
                code=code,
                name=name,
                description=description,
                definition=definition,
                version=(latest.version + 1) if latest is not None else 1,
            )
        audit_record(
            actor=actor,
            action="workflow.definition_save",
            obj=row,
            summary=f"保存流程定义 {name} v{row.version}（草稿）",
            data={"code": code, "version": row.version},
        )
    return row


def definition_publish(*, actor: Actor, definition: ProcessDefinition) -> ProcessDefinition:
    """Publish a version: new instances use it; the previously published version is retired. A version
    that drops a state or action a domain's code relies on (`workflow.contracts`) is refused."""
    _require_manage(actor)
    _check_definition(definition.definition)
    broken = contract_errors(definition.code, definition.definition)
    if broken:
        raise Conflict(
            f"不能发布：{broken[0]}" + (f"（共 {len(broken)} 处）" if len(broken) > 1 else ""),
            code="workflow_contract_broken",
            details=broken,
        )
    with transaction.atomic():
        row = ProcessDefinition.objects.select_for_update().get(pk=definition.pk)
        if row.status == ProcessDefinition.Status.PUBLISHED:
            return row
        ProcessDefinition.objects.filter(code=row.code, status=ProcessDefinition.Status.PUBLISHED).update(
            status=ProcessDefinition.Status.RETIRED, updated_at=timezone.now()
        )
        row.status = ProcessDefinition.Status.PUBLISHED
        row.published_at = timezone.now()
        row.save(update_fields=["status", "published_at", "updated_at"])
        audit_record(
            actor=actor,
            action="workflow.definition_publish",
            obj=row,
            summary=f"发布流程定义 {row.name} v{row.version}",
            data={"code": row.code, "version": row.version},
        )
    definition.status, definition.published_at = row.status, row.published_at
    return row


def definitions_load(*, actor: Actor, directory: Path | None = None) -> list[ProcessDefinition]:
    """Load the JSON definitions shipped in `workflow/definitions/` (idempotent): a file whose content
    differs from the published version becomes the next published version. Returns what changed."""
    _require_manage(actor)
    changed = []
    for path in sorted((directory or DEFINITIONS_DIR).glob("*.json")):
        content = json.loads(path.read_text(encoding="utf-8"))
        code, name, description = (content.pop(key, "") for key in _META_KEYS)
        if not code or not name:
            raise InvalidInput(f"{path.name} 缺少 code 或 name", code="workflow_definition_invalid")
        current = ProcessDefinition.objects.filter(
            code=code, status=ProcessDefinition.Status.PUBLISHED
        ).first()
        if (
            current is not None
            and current.definition == content
            and current.name == name
            and current.description == description
        ):
            continue
        with transaction.atomic():
            draft = definition_save(
                actor=actor, code=code, name=name, definition=content, description=description
            )
            changed.append(definition_publish(actor=actor, definition=draft))
    return changed


# -- instances ----------------------------------------------------------------------------------


def _sync_handlers(instance: ProcessInstance, parsed: engine.Definition, *, new: bool = False) -> None:
    wanted = set()
    if instance.completed_at is None:
        wanted = parsed.handler_codes(instance.state, suspended=instance.is_suspended)
    existing: set[str] = set()
    if not new:
        existing = set(ProcessHandler.objects.filter(instance=instance).values_list("code", flat=True))
    if existing - wanted:
        ProcessHandler.objects.filter(instance=instance, code__in=existing - wanted).delete()
    ProcessHandler.objects.bulk_create(
        [ProcessHandler(instance=instance, code=code) for code in sorted(wanted - existing)]
    )


def _notice(
    instance: ProcessInstance, event: ProcessEvent, obj: models.Model | None = None
) -> hooks.TransitionNotice:
    return hooks.TransitionNotice(
        instance_id=str(instance.pk),
        definition_code=instance.definition.code,
        action=event.action,
        from_state=event.from_state,
        to_state=event.to_state,
        event_id=event.pk,
        actor_user_id=event.actor_id,
        content_type=f"{instance.content_type.app_label}.{instance.content_type.model}",
        object_id=instance.object_id,
        completed=instance.completed_at is not None,
        owner_user_id=instance.owner_id,
        instance=instance,
        obj=obj,
    )


def _announce(instance: ProcessInstance, event: ProcessEvent, *, obj: models.Model | None = None) -> None:
    notice = _notice(instance, event, obj)
    hooks.run_atomic(notice)
    transaction.on_commit(lambda: hooks.run_after_commit(notice))


def _published_definition(code: str) -> ProcessDefinition:
    """The published version of `code` (asked live), parsed, from its snapshot (`core.snapshots`)."""
    # At most one published version per code (workflow_definition_one_published).
    found = (
        ProcessDefinition.objects.filter(code=code, status=ProcessDefinition.Status.PUBLISHED)
        .values_list("pk", "updated_at")
        .first()
    )
    if found is None:
        raise NotFound(f"流程 {code} 尚未发布", code="workflow_definition_not_found")
    pk, stamp = found

    def load() -> ProcessDefinition:
        row = ProcessDefinition.objects.get(pk=pk)
        row.parsed  # noqa: B018 — parsed once, cached with the row
        return row

    # A published version never changes (`definition_save` starts the next one) and carries nothing
    # that does: each process may keep its parsed copy.
    return snapshot("workflow.definition", pk, stamp.timestamp(), load, local=True)


def _check_sla(sla: dict[str, Any] | None) -> None:
    if sla is not None and schema_errors(sla, SLA_SCHEMA):
        raise InvalidInput(
            "时限应为一种计时方式及其数值，如 {working_days: 5}、{working_hours: 4} 或 {natural_hours: 1}",
            code="workflow_sla_invalid",
        )


def instance_prepare(
    *,
    actor: Actor,
    definition_code: str,
    organization: Organization,
    title: str,
    owner: Any = None,
    region: Region | None = None,
    assignee: Any = None,
    sla: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> ProcessInstance:
    """An instance of the published version of `definition_code`, checked and with its clocks, not
    yet saved: what it will be (its id, first state, deadline) is known before the domain object is
    written, so the object can be inserted in step with it. `instance_start(prepared=…)` saves it.

    `sla` overrides the definition's overall time limit (e.g. an item's promised days)."""
    now = now or timezone.now()
    definition = _published_definition(definition_code)
    parsed = definition.parsed
    owner_id = owner.pk if owner is not None else None
    verdict = judge_start(actor, parsed.start, organization=organization, owner_id=owner_id)
    if verdict is not Verdict.ALLOWED:
        raise PermissionDenied(f"您没有发起「{definition.name}」的权限", code="workflow_action_not_allowed")
    _check_sla(sla)
    calendar = get_calendar()
    instance = ProcessInstance(
        definition=definition,
        title=title[:200],
        organization=organization,
        origin_organization=organization,
        region=region or organization.region,
        owner=owner,
        assignee=assignee,
        started_at=now,
    )
    position = engine.begin(calendar, parsed, now, sla=sla)
    instance.place(position, engine.settle(calendar, parsed, position, now))
    return instance


def instance_start(
    *,
    actor: Actor,
    obj: models.Model,
    definition_code: str = "",
    organization: Organization | None = None,
    title: str = "",
    owner: Any = None,
    region: Region | None = None,
    assignee: Any = None,
    sla: dict[str, Any] | None = None,
    comment: str = "",
    attachments: Sequence[StoredFile | UUID | str] = (),
    now: datetime | None = None,
    audit: bool = True,
    prepared: ProcessInstance | None = None,
) -> ProcessInstance:
    """Start the latest published version of `definition_code` for domain object `obj` (the other
    arguments as for `instance_prepare`), or the `prepared` instance.

    `audit=False`: the caller's own audit row for the same change, in the same transaction, names
    the instance and its definition — one act, one audit row. `attachments` (uploaded by the actor)
    go on the start event, like an action's."""
    files = _resolve_attachments(actor, attachments) if attachments else []
    if prepared is not None:
        instance = prepared
    else:
        if organization is None:
            raise InvalidInput("发起流程须指定承办部门", code="workflow_organization_required")
        instance = instance_prepare(
            actor=actor,
            definition_code=definition_code,
            organization=organization,
            title=title,
            owner=owner,
            region=region,
            assignee=assignee,
            sla=sla,
            now=now,
        )
    if obj.pk is None:
        raise InvalidInput("业务对象尚未保存，不能发起流程", code="workflow_object_unsaved")
    definition, parsed = instance.definition, instance.definition.parsed
    instance.content_type = ContentType.objects.get_for_model(obj)
    instance.object_id = str(obj.pk)
    # No savepoint: a start that fails part-way must fail the caller's transaction with it.
    with transaction.atomic(savepoint=False):
        instance.save(force_insert=True)
        _sync_handlers(instance, parsed, new=True)
        event = ProcessEvent(
            instance=instance,
            action="start",
            action_name="发起",
            from_state="",
            to_state=instance.state,
            actor=actor.user,
            actor_label=actor.label,
            comment=comment,
            created_at=instance.started_at,
        )
        event.save(force_insert=True)
        if files:
            event.attachments.set(files)
        if audit:
            audit_record(
                actor=actor,
                action="workflow.start",
                obj=instance,
                summary=f"发起流程「{definition.name}」：{instance.title}"[:255],
                data={
                    "definition": definition.code,
                    "version": definition.version,
                    "object": instance.object_id,
                },
            )
        _announce(instance, event, obj=obj)
    return instance


def _note(
    instance: ProcessInstance,
    action: str,
    action_name: str,
    *,
    actor: Actor,
    created_at: datetime,
    comment: str = "",
    fields: dict[str, Any] | None = None,
) -> ProcessEvent:
    """Append a history event that does not move the instance (指派, 督办, 并单, 拆单, a child's reply)."""
    event = ProcessEvent(
        instance=instance,
        action=action,
        action_name=action_name,
        from_state=instance.state,
        to_state=instance.state,
        actor=actor.user,
        actor_label=actor.label,
        comment=comment,
        fields=fields or {},
        created_at=created_at,
    )
    event.save(force_insert=True)
    return event


def event_audit_data(event: ProcessEvent) -> dict[str, Any]:
    """What an audit row records of a workflow move: the engine's own row, or a domain's row that
    audits the same act (`transition(audit=False)`)."""
    instance = event.instance
    return {
        "instance": str(instance.pk),
        "definition": instance.definition.code,
        "version": instance.definition.version,
        "event": event.pk,
        "action": event.action,
        "from": event.from_state,
        "to": event.to_state,
        "comment": event.comment,
        "fields": event.fields,
        "organization": instance.organization_id,
    }


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict, set)):
        return not value
    return False


def _resolve_attachments(actor: Actor, attachments: Iterable[StoredFile | UUID | str]) -> list[StoredFile]:
    items = list(attachments)
    if not items:
        return []
    wanted = {str(a.uid if isinstance(a, StoredFile) else a) for a in items}
    try:
        files = list(StoredFile.objects.filter(uid__in=wanted))
    except Exception as exc:  # malformed UUID strings
        raise InvalidInput("附件标识无效", code="workflow_attachment_invalid") from exc
    if len(files) != len(wanted):
        raise InvalidInput("部分附件不存在", code="workflow_attachment_invalid")
    if not (actor.is_system or actor.is_superuser):
        foreign = [f.name for f in files if f.owner_id != actor.user_id]
        if foreign:
            raise PermissionDenied(
                f"只能添加本人上传的附件：{'、'.join(foreign)}", code="workflow_attachment_forbidden"
            )
    return files


def _validate_input(
    parsed: engine.Definition,
    action: engine.Action,
    *,
    comment: str,
    fields: dict[str, Any],
    organization: Organization | None,
) -> None:
    required = list(action.required_fields)
    if action.extend and "days" not in required:
        required.append("days")
    missing = []
    for name in required:
        value = comment if name == "comment" else fields.get(name)
        if _blank(value):
            missing.append(name)
    if action.reassign == "choose" and organization is None:
        missing.append("organization")
    if missing:
        labels = "、".join(parsed.field_label(action, name) for name in missing)
        raise InvalidInput(
            f"「{action.name}」需要填写：{labels}",
            code="workflow_field_required",
            details={"fields": missing},
        )
    if action.fields_schema:
        errors = schema_errors(fields, action.fields_schema)
        if errors:
            raise InvalidInput(
                f"「{action.name}」的办理信息有误：{errors[0]}",
                code="workflow_fields_invalid",
                details=errors,
            )
    if action.extend:
        days = fields.get("days")
        limit = action.max_extend_days or 365
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= limit:
            raise InvalidInput(
                f"延期天数应为 1 至 {limit} 个工作日",
                code="workflow_extend_days_invalid",
                details={"max": limit},
            )
    try:
        json.dumps(fields)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            "办理信息只能包含文字、数字、列表等简单数据", code="workflow_fields_invalid"
        ) from exc


def _work_codes(actor: Actor, instance: ProcessInstance, parsed: engine.Definition) -> set[str]:
    """The handler codes under which `actor` has work in the instance's current state: what a claim
    reserves. Empty where they have none — 受理 names the clerk 承办人 but leaves 审查 to the
    approvers; a handling officer's 签收 keeps 办理 for that officer."""
    held = {"*"} if actor.is_superuser else set()
    for grant in actor.grants:
        held |= {"*"} if "*" in grant.permissions else {f"perm:{p}" for p in grant.permissions}
        held.add(f"role:{grant.role_code}")
    codes: set[str] = set()
    for action in parsed.actions_from(instance.state, suspended=instance.is_suspended):
        if action.optional or action.system_only or judge(actor, instance, action) is not Verdict.ALLOWED:
            continue
        codes |= action.handler_codes() if "*" in held else action.handler_codes() & held
    codes.discard("applicant")
    return codes


def _refuse(verdict: Verdict, action: engine.Action) -> DomainError:
    if verdict is Verdict.OUT_OF_SCOPE:
        return PermissionDenied("该事项不在您的数据权限范围内", code="workflow_forbidden")
    if verdict is Verdict.NOT_APPLICANT:
        return PermissionDenied(f"只有申请人本人可以「{action.name}」", code="workflow_forbidden")
    if verdict is Verdict.CLAIMED:
        return Conflict(f"该事项已由他人签收，不能「{action.name}」", code="workflow_claimed")
    return PermissionDenied(f"您没有权限执行「{action.name}」", code="workflow_action_not_allowed")


def transition(
    *,
    instance: ProcessInstance,
    action: str,
    actor: Actor,
    fields: dict[str, Any] | None = None,
    comment: str = "",
    attachments: Sequence[StoredFile | UUID | str] = (),
    organization: Organization | None = None,
    children: Sequence[ChildSpec] = (),
    sla: dict[str, Any] | None = None,
    now: datetime | None = None,
    audit: bool = True,
) -> ProcessEvent:
    """Perform `action` on `instance` as `actor` and return the history row; `fields` are the action's
    办理信息 (checked against its `required_fields` and `fields_schema`). `audit=False`: the caller's
    own audit row for the same act, in the same transaction, names the event (`event_audit_data`) —
    one act, one audit row.

    Validates (in this order) the action, the actor's permission and data scope, the state, the
    suspension, required fields and `fields_schema`; then moves the clocks, writes the event and the
    audit row and runs the hooks. `organization` is the new owning department of a `reassign:
    choose` action (派单); `sla` the time limit a `restart_overall` action (重办) starts the overall
    clock with. The caller's `instance` object is updated in place."""
    now = now or timezone.now()
    _check_sla(sla)
    fields = dict(fields or {})
    calendar = get_calendar()
    with transaction.atomic():
        locked = (
            ProcessInstance.objects.select_for_update(of=("self",))
            .select_related("definition", "organization", "region", "content_type")
            .get(pk=instance.pk)
        )
        parsed = locked.definition.parsed
        act = parsed.actions.get(action)
        if act is None:
            raise InvalidInput(
                f"流程「{locked.definition.name}」中没有动作 {action}", code="workflow_unknown_action"
            )
        verdict = judge(actor, locked, act)
        if verdict is not Verdict.ALLOWED:
            raise _refuse(verdict, act)
        if locked.completed_at is not None and not act.reopen:
            raise Conflict(f"该事项已办结，不能再「{act.name}」", code="workflow_completed")
        if InstanceLink.objects.filter(secondary=locked, kind=InstanceLink.Kind.MERGE).exists():
            raise Conflict("该事项已并入其他工单，随主单办理", code="workflow_merged")
        if act.release and locked.claimed_by_id is None:
            raise Conflict("该事项尚未签收，无需退回签收", code="workflow_not_claimed")
        if locked.state not in act.sources:
            raise Conflict(
                f"当前环节为「{parsed.state_name(locked.state)}」，不能「{act.name}」",
                code="workflow_wrong_state",
                details={"state": locked.state, "allowed_from": list(act.sources)},
            )
        if not parsed.runs_while(act, locked.is_suspended) and locked.is_suspended:
            raise Conflict(f"事项已挂起，请先恢复后再「{act.name}」", code="workflow_suspended")
        if not parsed.runs_while(act, locked.is_suspended):
            raise Conflict(f"事项未挂起，不能「{act.name}」", code="workflow_not_suspended")
        _validate_input(parsed, act, comment=comment, fields=fields, organization=organization)
        _check_joint(locked, act, children)
        files = _resolve_attachments(actor, attachments)

        from_state, to_state = locked.state, act.target_from(locked.state)
        days = int(fields["days"]) if act.extend else None
        position = engine.step(calendar, parsed, locked.position(), act, now, days=days, sla=sla)
        locked.place(position, engine.settle(calendar, parsed, position, now))
        if to_state != from_state or act.release:
            locked.claimed_by, locked.claimed_at, locked.claimed_codes = None, None, ""
        if act.claim and actor.user is not None:
            locked.assignee = actor.user  # 承办人
            reserved = _work_codes(actor, locked, parsed)
            if reserved:  # 签收: that work is theirs until they move the instance on or give it back
                locked.claimed_by, locked.claimed_at = actor.user, now
                locked.claimed_codes = f" {' '.join(sorted(reserved))} "
        if act.reassign:
            # choose: the caller names the department; may_choose: it may (重办 back to the 主办), else stays
            target = organization if act.reassign in ("choose", "may_choose") else locked.origin_organization
            if target is not None and target.pk != locked.organization_id:
                locked.organization = target
                locked.assignee = None
        locked.save()
        _sync_handlers(locked, parsed)

        event = ProcessEvent(
            instance=locked,
            action=act.code,
            action_name=act.name,
            from_state=from_state,
            to_state=to_state,
            actor=actor.user,
            actor_label=actor.label,
            comment=comment,
            fields=fields,
            created_at=now,
        )
        event.save(force_insert=True)
        if files:
            event.attachments.set(files)
        if audit:
            audit_record(
                actor=actor,
                action=f"workflow.{act.code}",
                obj=locked,
                summary=(
                    f"{locked.title}：{act.name}（{parsed.state_name(from_state)}→{parsed.state_name(to_state)}）"
                )[:255],
                data=event_audit_data(event),
            )
        if act.children_definition:
            _open_children(actor, locked, act, children, now)
        if locked.completed_at is not None and from_state != to_state:
            _roll_up(actor, locked, event, parsed, now)
            _end_followers(locked, event, parsed, now)
        _announce(locked, event)
    if instance is not locked:
        for field in ProcessInstance._meta.concrete_fields:
            setattr(instance, field.attname, getattr(locked, field.attname))
        for relation in ("definition", "organization", "region"):
            setattr(instance, relation, getattr(locked, relation))
    return event


# -- joint handling (主办/协办, 会签) and linked instances (并单, 拆单) ----------------------------


@dataclass(frozen=True)
class ChildSpec:
    """One department's part of a joint handling: 主办 (lead), 协办 (assist) or 会签 (countersign)."""

    organization: Organization
    role: str = "assist"
    assignee: Any = None


def _business_object(instance: ProcessInstance) -> models.Model:
    obj = instance.content_object
    if not isinstance(obj, models.Model):
        raise Conflict("该事项的业务对象已不存在", code="workflow_object_missing")
    return obj


def _check_joint(locked: ProcessInstance, act: engine.Action, children: Sequence[ChildSpec]) -> None:
    """Refuse, before anything moves: children for an action that opens none (or none for one that
    must), and moving on before the join rule holds."""
    if children and not act.children_definition:
        raise InvalidInput(f"「{act.name}」不能指定联办单位", code="workflow_children_invalid")
    if act.children_definition:
        roles = [child.role for child in children]
        organizations = [child.organization.pk for child in children]
        if not children or any(role not in engine.CHILD_ROLES for role in roles):
            raise InvalidInput(
                f"「{act.name}」须指定联办单位及其角色（主办、协办或会签）", code="workflow_children_invalid"
            )
        if len(set(organizations)) != len(organizations):
            raise InvalidInput("同一单位只能指定一次", code="workflow_children_invalid")
        if act.children_join == "lead" and roles.count("lead") != 1:
            raise InvalidInput("须指定且只能指定一个主办单位", code="workflow_children_invalid")
        if locked.children.filter(completed_at__isnull=True).exists():
            raise Conflict("上一轮联办尚未结束", code="workflow_children_pending")
    if act.after_children:
        waiting = _children_waiting(locked)
        if waiting:
            names = "、".join(child.organization.name for child in waiting)
            raise Conflict(f"尚待 {names} 答复，不能「{act.name}」", code="workflow_children_pending")


def _children_waiting(parent: ProcessInstance) -> list[ProcessInstance]:
    """The children the parent's join rule still waits for (none when it has no open round)."""
    open_children = list(parent.children.filter(completed_at__isnull=True).select_related("organization"))
    if parent.children_join == "lead":
        return [child for child in open_children if child.child_role == "lead"]
    return open_children


def _open_children(
    actor: Actor, parent: ProcessInstance, act: engine.Action, children: Sequence[ChildSpec], now: datetime
) -> None:
    """Start one child instance per department, on the parent's business object, each with its own
    state, deadline and inbox; the parent records its join rule."""
    obj = _business_object(parent)
    for spec in children:
        prepared = instance_prepare(
            actor=actor,
            definition_code=act.children_definition,
            organization=spec.organization,
            title=f"{parent.title}（{engine.CHILD_ROLES[spec.role]}）",
            region=parent.region,
            assignee=spec.assignee,
            now=now,
        )
        prepared.parent, prepared.child_role = parent, spec.role
        instance_start(actor=actor, obj=obj, prepared=prepared, audit=False)
    ProcessInstance.objects.filter(pk=parent.pk).update(children_join=act.children_join)
    parent.children_join = act.children_join


def _roll_up(
    actor: Actor, child: ProcessInstance, event: ProcessEvent, parsed: engine.Definition, now: datetime
) -> None:
    """A child's reply rolls up into its parent's history (the parent does not move)."""
    if child.parent_id is None:
        return
    parent = ProcessInstance.objects.select_for_update(of=("self",)).get(pk=child.parent_id)
    _note(
        parent,
        "child_reply",
        f"{engine.CHILD_ROLES.get(child.child_role, '联办')}单位答复",
        actor=actor,
        created_at=now,
        comment=event.comment,
        fields={
            "child": str(child.pk),
            "organization": child.organization.name,
            "role": child.child_role,
            "result": parsed.state_name(child.state),
        },
    )


def _end_followers(
    primary: ProcessInstance, event: ProcessEvent, parsed: engine.Definition, now: datetime
) -> None:
    """并单: the open instances merged into `primary` end with it, in the same state, each owner told."""
    followers = ProcessInstance.objects.select_for_update(of=("self",)).filter(
        links_as_secondary__primary=primary,
        links_as_secondary__kind=InstanceLink.Kind.MERGE,
        completed_at__isnull=True,
    )
    calendar = get_calendar()
    for follower in followers.select_related("definition", "organization", "content_type"):
        own = follower.definition.parsed
        final = (
            primary.state
            if primary.state in own.states and own.states[primary.state].is_terminal
            else next(code for code, state in own.states.items() if state.is_terminal)
        )
        position = follower.position()
        position.state, position.state_entered_at, position.completed_at = final, now, now
        position.suspended_at = position.suspended_remaining = position.suspended_state_remaining = None
        position.state_clock = engine.Clock()
        follower.place(position, engine.settle(calendar, own, position, now))
        follower.save()
        _sync_handlers(follower, own)
        followed = ProcessEvent(
            instance=follower,
            action="follow",
            action_name="随主单办结",
            from_state=follower.state,
            to_state=final,
            actor=event.actor,
            actor_label=event.actor_label,
            # Not the primary's last comment: it may be another caller's words (a 12345 回访). The
            # domain tells the followers the answer its own way.
            comment="",
            fields={"primary": str(primary.pk), "primary_title": primary.title},
            created_at=now,
        )
        followed.save(force_insert=True)
        _announce(follower, followed)


def _require_merge_right(actor: Actor, instance: ProcessInstance) -> None:
    rule = instance.definition.parsed.merge
    verdict = judge_start(actor, rule, organization=instance.organization, owner_id=None) if rule else None
    if verdict is not Verdict.ALLOWED:
        raise PermissionDenied("您没有并单、拆单的权限", code="workflow_forbidden")


def instance_merge(
    *,
    actor: Actor,
    primary: ProcessInstance,
    secondary: ProcessInstance,
    comment: str = "",
    now: datetime | None = None,
) -> InstanceLink:
    """并单: `secondary` (a duplicate of the same matter) follows `primary` until it ends: its clock
    stops, it leaves every inbox, both histories say so, and its owner is told now and at the end."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = {
            i.pk: i
            for i in ProcessInstance.objects.select_for_update(of=("self",))
            .select_related("definition", "organization", "region", "content_type")
            .filter(pk__in=[primary.pk, secondary.pk])
        }
        main, merged = locked.get(primary.pk), locked.get(secondary.pk)
        if main is None or merged is None or main.pk == merged.pk:
            raise InvalidInput("请选择两件不同的工单", code="workflow_merge_invalid")
        _require_merge_right(actor, main)
        _require_merge_right(actor, merged)
        if main.definition.code != merged.definition.code:
            raise InvalidInput("只能合并同一类流程的事项", code="workflow_merge_invalid")
        if main.completed_at is not None or merged.completed_at is not None:
            raise Conflict("已办结的事项不能并单", code="workflow_completed")
        taken = InstanceLink.objects.filter(kind=InstanceLink.Kind.MERGE, secondary__in=[main, merged])
        if taken.exists():
            raise Conflict("其中一件已并入其他工单", code="workflow_merged")
        link = InstanceLink.objects.create(
            kind=InstanceLink.Kind.MERGE,
            primary=main,
            secondary=merged,
            actor=actor.user,
            comment=comment[:500],
            created_at=now,
        )
        calendar = get_calendar()
        own = merged.definition.parsed
        position = engine.suspend(calendar, merged.position(), now)
        merged.place(position, engine.settle(calendar, own, position, now))
        merged.claimed_by, merged.claimed_at, merged.claimed_codes = None, None, ""
        merged.save()
        ProcessHandler.objects.filter(instance=merged).delete()
        for instance, other, name in ((main, merged, "并入关联工单"), (merged, main, "并单（随主单办理）")):
            fields = {"linked": str(other.pk), "linked_title": other.title}
            event = _note(
                instance, "merge", name, actor=actor, created_at=now, comment=comment, fields=fields
            )
            if instance is merged:
                _announce(merged, event)
        audit_record(
            actor=actor,
            action="workflow.instance_merge",
            obj=merged,
            summary=f"并单：「{merged.title}」并入「{main.title}」"[:255],
            data={"primary": str(main.pk), "secondary": str(merged.pk), "comment": comment},
        )
    return link


def instance_split(
    *,
    actor: Actor,
    instance: ProcessInstance,
    title: str,
    organization: Organization | None = None,
    comment: str = "",
    now: datetime | None = None,
) -> ProcessInstance:
    """拆单: a separate matter found in `instance` (a call about a streetlight and a pothole) becomes its
    own instance of the same definition, on the same business object and owner, linked to it."""
    now = now or timezone.now()
    title = (title or "").strip()
    if not title:
        raise InvalidInput("请填写拆出事项的标题", code="workflow_field_required")
    with transaction.atomic():
        source = (
            ProcessInstance.objects.select_for_update(of=("self",))
            .select_related("definition", "organization", "region", "content_type", "owner")
            .get(pk=instance.pk)
        )
        _require_merge_right(actor, source)
        if source.completed_at is not None:
            raise Conflict("已办结的事项不能拆单", code="workflow_completed")
        prepared = instance_prepare(
            actor=Actor.system(),  # checked above: the split right, on the source's definition
            definition_code=source.definition.code,
            organization=organization or source.origin_organization,
            title=title,
            owner=source.owner,
            region=source.region,
            now=now,
        )
        part = instance_start(actor=actor, obj=_business_object(source), prepared=prepared, audit=False)
        InstanceLink.objects.create(
            kind=InstanceLink.Kind.SPLIT,
            primary=source,
            secondary=part,
            actor=actor.user,
            comment=comment[:500],
            created_at=now,
        )
        fields = {"linked": str(part.pk), "linked_title": part.title}
        _note(source, "split", "拆单", actor=actor, created_at=now, comment=comment, fields=fields)
        audit_record(
            actor=actor,
            action="workflow.instance_split",
            obj=source,
            summary=f"拆单：从「{source.title}」拆出「{part.title}」"[:255],
            data={"source": str(source.pk), "part": str(part.pk), "comment": comment},
        )
    return part


# -- timer ----------------------------------------------------------------------------------------


@dataclass
class TickResult:
    warned: int = 0
    overdue: int = 0
    escalations: int = 0
    notifications: int = 0
    auto_actions: int = 0
    failed: int = 0

    @property
    def changed(self) -> bool:
        return any(asdict(self).values())


def instance_assign(
    *, actor: Actor, instance: ProcessInstance, assignee: Any, now: datetime | None = None, audit: bool = True
) -> ProcessInstance:
    """指派: make `assignee` (a staff member of the instance's department) the one handling it.

    The actor must be able to view the instance within its data scope; the assignee must belong to
    the owning department. Audited, and recorded in the history as an internal `assign` event
    (state unchanged; `fields` name the assignee and the previous one, pk and label), which the
    readers show to staff only (`workflow.selectors.INTERNAL_ACTIONS`). Not a state move: the
    clocks do not change and no transition hook runs, so the applicant is not notified."""
    from yiwang.identity.models import Membership
    from yiwang.workflow.permissions import VIEW_INSTANCE

    with transaction.atomic():
        locked = (
            ProcessInstance.objects.select_for_update(of=("self",))
            .select_related("organization", "assignee")
            .filter(pk=instance.pk)
            .first()
        )
        if locked is None or not reaches(actor, VIEW_INSTANCE, locked, as_owner=False):
            raise NotFound("流程实例不存在或无权查看", code="workflow_instance_not_found")
        if locked.completed_at is not None:
            raise Conflict("该事项已办结，不能指派", code="workflow_completed")
        if assignee is None or not getattr(assignee, "is_active", False):
            raise InvalidInput("被指派人不存在或已停用", code="workflow_assignee_invalid")
        if not Membership.objects.filter(user=assignee, organization_id=locked.organization_id).exists():
            raise InvalidInput("只能指派给本部门的工作人员", code="workflow_assignee_invalid")
        previous, previous_user = locked.assignee_id, locked.assignee
        locked.assignee = assignee
        locked.save(update_fields=["assignee", "updated_at"])
        fields: dict[str, Any] = {"assignee": assignee.pk, "assignee_label": str(assignee)}
        if previous_user is not None:  # labelled like `Actor.label`: str(user)
            fields.update(previous_assignee=previous, previous_assignee_label=str(previous_user))
        # "assign" is workflow.selectors.ASSIGN_ACTION (actions may not import selectors).
        _note(locked, "assign", "指派", actor=actor, created_at=now or timezone.now(), fields=fields)
        if not audit:  # the caller's own audit row names the assignment
            return locked
        audit_record(
            actor=actor,
            action="workflow.instance_assign",
            obj=locked,
            summary=f"指派「{locked.title}」给 {assignee}",
            data={"assignee": assignee.pk, "previous": previous},
        )
    return locked


URGE_ACTION = "urge"  # workflow.selectors.URGE_ACTION (actions may not import selectors)


def instance_urge(
    *, actor: Actor, instance: ProcessInstance, comment: str, now: datetime | None = None
) -> ProcessEvent:
    """督办意见: a supervisor (`workflow.supervise_instance` over the instance) urges the one handling an
    open instance. Recorded in the history as an internal event (staff only; no state move, no clock
    change), audited, and sent to the 签收人/承办人 — or, when nobody has it yet, to the handling
    department's heads."""
    from yiwang.workflow.permissions import SUPERVISE_INSTANCE

    comment = (comment or "").strip()
    if not comment:
        raise InvalidInput("请填写督办意见", code="workflow_field_required", details={"fields": ["comment"]})
    if len(comment) > 500:
        raise InvalidInput("督办意见不超过 500 字", code="workflow_fields_invalid")
    with transaction.atomic():
        locked = (
            ProcessInstance.objects.select_for_update(of=("self",))
            .select_related("definition", "organization", "region", "assignee", "claimed_by")
            .filter(pk=instance.pk)
            .first()
        )
        if locked is None or not (
            actor.is_system or reaches(actor, SUPERVISE_INSTANCE, locked, as_owner=False)
        ):
            raise PermissionDenied("您没有督办该事项的权限", code="workflow_forbidden")
        if locked.completed_at is not None:
            raise Conflict("该事项已办结，无需督办", code="workflow_completed")
        event = _note(
            locked, URGE_ACTION, "督办", actor=actor, created_at=now or timezone.now(), comment=comment
        )
        handler = locked.claimed_by or locked.assignee
        recipients = [handler] if handler is not None else _escalation_recipients(locked, ["department_head"])
        context = {"title": locked.title, "supervisor": actor.label, "comment": comment}
        for user in recipients:
            notify(recipient=user, template_code="workflow.urge", context=context, link=instance_link(locked))
        audit_record(
            actor=actor,
            action="workflow.instance_urge",
            obj=locked,
            summary=f"督办「{locked.title}」"[:255],
            data={**event_audit_data(event), "recipients": [u.pk for u in recipients]},
        )
    return event


def _ancestor_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def _escalation_recipients(instance: ProcessInstance, roles: Sequence[str]) -> list[Any]:
    """Active users holding one of `roles` where the role reaches the instance: in its department or
    a department above it, or — for a region-wide or city-wide role (督办机构, 市领导) — anywhere
    whose region covers the instance's."""
    from django.db.models import Q

    user_model = get_user_model()
    region_path = instance.region_path
    reach = Q(
        memberships__organization_id__in=_ancestor_ids(instance.organization.path),
        memberships__roles__code__in=list(roles),
    )
    reach |= Q(memberships__roles__code__in=list(roles), memberships__roles__data_scope="all")
    if region_path:
        reach |= Q(
            memberships__roles__code__in=list(roles),
            memberships__roles__data_scope="region",
            memberships__organization__region_id__in=_ancestor_ids(region_path),
        )
    return list(user_model.objects.filter(reach, is_active=True).distinct().order_by("pk"))


def _notify_escalation(
    instance: ProcessInstance, level: engine.Level, after: str, state_name: str, *, level_number: int = 0
) -> int:
    """Tell one level of a 督办链: the 经办人 themself (预警 / 超期提醒) and/or the roles that supervise
    (督办), each with a link to a page they may open."""
    handler = instance.claimed_by or instance.assignee
    deadline = instance.worklist_deadline or instance.due_at
    context = {
        "title": instance.title,
        "state": state_name,
        "organization": instance.organization.name,
        "deadline": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M") if deadline else "",
        "assignee": str(handler) if handler is not None else "",
        "level": level_number + 1,
    }
    sent: set[int] = set()
    if level.notify_assignee and handler is not None and handler.is_active:
        template = "workflow.overdue" if after == "overdue" else "workflow.warning"
        notify(recipient=handler, template_code=template, context=context, link=instance_link(instance))
        sent.add(handler.pk)
    template = "workflow.escalation" if after == "overdue" else "workflow.escalation_warning"
    for user in _escalation_recipients(instance, level.notify_roles) if level.notify_roles else ():
        if user.pk not in sent:
            notify(recipient=user, template_code=template, context=context, link=instance_link(instance))
            sent.add(user.pk)
    return len(sent)


def instance_link(instance: ProcessInstance) -> str:
    """The page where staff handle an instance (the web workbench)."""
    return f"/workbench/instances/{instance.pk}/"


def _escalate_chain(
    instance: ProcessInstance,
    rule: engine.Escalation,
    key: str,
    clock_started_at: datetime,
    clock: engine.Clock,
    fired: dict[tuple[str, datetime], datetime],
    now: datetime,
    calendar: WorkCalendar,
    result: TickResult,
) -> datetime | None:
    """Send the notices of a 督办链 that are due at `now` — for each level only its latest due
    repetition, once — and return when the next one falls due. An overdue chain counts from the
    deadline; a warning chain from its first notice (the warning moment as the timer saw it)."""
    if not engine.due_escalations(calendar, now, (rule,), clock) and (key, clock_started_at) not in fired:
        return engine.trigger_moment(calendar, now, rule, clock)
    if rule.after == "overdue" and clock.deadline is not None:
        base = clock.deadline
    else:
        base = fired.get((key, clock_started_at), now)
    notices = engine.firings(rule, base)
    chain = rule.chain()
    state_name = instance.definition.parsed.state_name(instance.state)
    for number in range(len(chain)):
        due = [f for f in notices if f.level == number and f.moment <= now]
        if not due:
            continue
        # Everyone in the chain is told once; repeats only while their level is the current one (a
        # timer that was down does not catch up on a lower level's missed repeats).
        current = number + 1 == len(chain) or base + timedelta(seconds=chain[number + 1].after_seconds) > now
        firing = due[-1] if current else due[0]
        firing_key = firing.key(key)
        if (firing_key, clock_started_at) in fired:
            continue
        row = Escalation.objects.create(
            instance=instance,
            state=instance.state,
            rule=firing_key,
            clock_started_at=clock_started_at,
            kind=rule.after,
            fired_at=now,
        )
        fired[(firing_key, clock_started_at)] = now
        count = _notify_escalation(
            instance, chain[firing.level], rule.after, state_name, level_number=firing.level
        )
        Escalation.objects.filter(pk=row.pk).update(notified_count=count)
        result.escalations += 1
        result.notifications += count
        instance.escalated_at = now
    return next((f.moment for f in notices if f.moment > now), None)


def _escalate(pk: UUID, now: datetime, calendar: WorkCalendar, result: TickResult) -> None:
    with transaction.atomic():
        instance = (
            ProcessInstance.objects.select_for_update(of=("self",))
            .select_related("definition", "organization", "region", "content_type", "assignee")
            .get(pk=pk)
        )
        if (
            instance.completed_at is not None
            or instance.suspended_at is not None
            or instance.escalation_due_at is None
            or instance.escalation_due_at > now
        ):
            return
        parsed = instance.definition.parsed
        state = parsed.states[instance.state]
        fired = {
            (rule, started): moment
            for rule, started, moment in Escalation.objects.filter(instance=instance).values_list(
                "rule", "clock_started_at", "fired_at"
            )
        }
        rules = [
            (rule, f"state:{state.code}:{rule.index}", instance.state_entered_at, instance.state_clock())
            for rule in state.escalations
        ] + [
            (
                rule,
                f"instance:{rule.index}",
                instance.overall_started_at or instance.started_at,
                instance.overall_clock(),
            )
            for rule in parsed.escalations
        ]
        pending: list[datetime | None] = []
        for rule, key, clock_started_at, clock in rules:
            if rule.chain():
                pending.append(
                    _escalate_chain(
                        instance, rule, key, clock_started_at, clock, fired, now, calendar, result
                    )
                )
                continue
            if (key, clock_started_at) in fired:
                continue
            if not engine.due_escalations(calendar, now, (rule,), clock):
                pending.append(engine.trigger_moment(calendar, now, rule, clock))
                continue
            row = Escalation.objects.create(
                instance=instance,
                state=instance.state,
                rule=key,
                clock_started_at=clock_started_at,
                kind=rule.after,
                action=rule.action,
                fired_at=now,
            )
            result.escalations += 1
            instance.escalated_at = now
            try:
                with transaction.atomic():
                    transition(
                        instance=instance,
                        action=rule.action,
                        actor=Actor.system(),
                        comment=rule.comment or AUTO_ACTION_COMMENT,
                        now=now,
                        fields=rule.fields,
                    )
            except DomainError as exc:
                logger.warning("督办自动动作 %s 失败（流程实例 %s）：%s", rule.action, pk, exc.message)
                Escalation.objects.filter(pk=row.pk).update(error=exc.message[:255])
                result.failed += 1
                continue
            result.auto_actions += 1
            # The transition re-armed the clocks of the new state; nothing else to do here.
            ProcessInstance.objects.filter(pk=pk).update(escalated_at=now)
            return
        instance.escalation_due_at = engine.earliest(*pending)
        instance.save(update_fields=["escalation_due_at", "escalated_at", "updated_at"])


def tick(*, now: datetime | None = None, batch_size: int = 500) -> TickResult:
    """The workflow timer: flag warnings and overdue items and fire due escalations (once each).

    Runs as `Actor.system()`; suspended and completed instances are skipped. Safe to run often and
    concurrently (each escalation is decided under the instance's row lock)."""
    now = now or timezone.now()
    calendar = get_calendar()
    result = TickResult()
    running = ProcessInstance.objects.filter(completed_at__isnull=True, suspended_at__isnull=True)
    with transaction.atomic():
        result.warned = running.filter(warning=False, warning_at__lte=now).update(warning=True)
        result.overdue = running.filter(overdue=False, due_at__lt=now).update(overdue=True, warning=True)
    last = None
    while True:
        page = running.filter(escalation_due_at__lte=now).order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        ids = list(page.values_list("pk", flat=True)[:batch_size])
        if not ids:
            break
        for pk in ids:
            _escalate(pk, now, calendar, result)
        last = ids[-1]
    if result.changed:
        audit_record(
            actor=Actor.system(),
            action="workflow.tick",
            summary=(
                f"流程计时：预警 {result.warned}，超期 {result.overdue}，督办 {result.escalations}，"
                f"自动办理 {result.auto_actions}"
            ),
            data=asdict(result),
        )
    return result
