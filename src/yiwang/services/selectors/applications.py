"""Reads of applications (办件), always scoped by the actor.

An applicant sees their own applications (an enterprise agent also those of the enterprises they act
for); staff see those of their department through `services.view_application` and its data scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import Exists, F, OuterRef, Q, QuerySet, prefetch_related_objects

from yiwang.core.errors import InvalidInput, NotFound
from yiwang.core.forms.display import masked_form_data, pii_fields
from yiwang.core.models import Enterprise, StoredFile
from yiwang.identity.actor import Actor
from yiwang.services.access import can_view_application, is_applicant_side
from yiwang.services.constants import CORRECTION_ACTIONS, SPECIAL_PROCEDURES
from yiwang.services.models import Application, ApplicationMaterial, MaterialRequirement, ServiceItem
from yiwang.services.permissions import VIEW_APPLICATION
from yiwang.services.selectors import uid_or_not_found
from yiwang.services.snapshots import item_materials, published_item

__all__ = ["item_materials"]  # read by the views with the other selectors
from yiwang.workflow.models import ProcessDefinition, ProcessEvent
from yiwang.workflow.selectors import ASSIGN_ACTION, INTERNAL_ACTIONS

NOT_FOUND_MESSAGE = "办件不存在或无权访问"
ENTERPRISE_NOT_FOUND_MESSAGE = "企业不存在或您未获授权"

STATUS_BADGES: dict[str, str] = {
    Application.Status.DRAFT: "badge-muted",
    Application.Status.SUBMITTED: "badge-warn",
    Application.Status.CORRECTION: "badge-danger",
    Application.Status.REVIEWING: "badge-warn",
    Application.Status.DECIDING: "badge-warn",
    Application.Status.APPROVED: "badge-ok",
    Application.Status.DENIED: "badge-danger",
    Application.Status.COMPLETED: "badge-ok",
    Application.Status.REFUSED: "badge-danger",
    Application.Status.WITHDRAWN: "badge-muted",
}


def _own_q(actor: Actor) -> Q:
    q = Q(applicant_id=actor.user_id)
    if actor.enterprise_ids:
        q |= Q(enterprise_id__in=sorted(actor.enterprise_ids))
    return q


def applications_for_applicant(
    actor: Actor, *, status: str | None = None, include_drafts: bool = True
) -> QuerySet[Application]:
    """我的办件: the actor's own applications (and their enterprises'), newest first."""
    if actor.user is None:
        return Application.objects.none()
    # scope: the applicant's own applications and their enterprises' (_own_q)
    qs = Application.objects.filter(_own_q(actor))
    if status:
        if status not in Application.Status.values:
            raise InvalidInput("办件状态不正确", code="application_status_invalid")
        qs = qs.filter(status=status)
    elif not include_drafts:
        qs = qs.exclude(status=Application.Status.DRAFT)
    return qs.select_related("item", "organization").order_by("-created_at", "-pk")


def application_get(actor: Actor, uid: UUID | str) -> Application:
    """One application the actor may see; NotFound otherwise (existence is not revealed)."""
    key = uid_or_not_found(uid, message=NOT_FOUND_MESSAGE, code="application_not_found")
    # scope: the applicant's own (_own_q) or in-scope staff, checked on the row below
    application = (
        Application.objects.select_related(
            "item", "item__organization", "organization", "region", "person", "enterprise", "result_file"
        )
        .filter(uid=key)
        .first()
    )
    if application is None or not can_view_application(actor, application):
        raise NotFound(NOT_FOUND_MESSAGE, code="application_not_found")
    return application


def application_form_data(
    actor: Actor, application: Application, *, unmasked: bool = False
) -> dict[str, Any]:
    """The application's form data for `actor`: in clear for the applicant (or their enterprise's
    agents), and for staff only `unmasked` — after `core.actions.pii_unmask` recorded why; otherwise
    with every ID number and phone the form declares masked."""
    data = application.form_data if isinstance(application.form_data, dict) else {}
    if unmasked or is_applicant_side(actor, application):
        return data
    item = application.item
    masked: dict[str, Any] = masked_form_data(item.form_schema or {}, item.form_ui or {}, data)
    return masked


def application_pii_fields(application: Application) -> list[str]:
    """The form fields of the application holding personal information (what unmasking reveals)."""
    item = application.item
    return pii_fields(item.form_schema or {}, item.form_ui or {}, application.form_data)


def application_materials(actor: Actor, application: Application) -> list[ApplicationMaterial]:
    """The materials attached to an application the actor may see, in the item's order."""
    if not can_view_application(actor, application):
        raise NotFound(NOT_FOUND_MESSAGE, code="application_not_found")
    return list(
        ApplicationMaterial.objects.filter(application=application)
        .select_related("requirement", "file", "previous_file")
        .order_by("requirement__sort_order", "pk")
    )


def item_for_application(implementation_code: str) -> ServiceItem:
    """The current published version of an item (the one new applications are filed under), with its
    department, region and materials.

    Which version is current is asked live (publishing the next one flips it); its content comes
    from `published_item`."""
    # At most one current version per code.
    # scope: the public catalogue (published, current versions)
    found = (
        ServiceItem.objects.filter(
            implementation_code=implementation_code,
            is_current=True,
            status=ServiceItem.Status.PUBLISHED,
        )
        .values_list("pk", "updated_at")
        .first()
    )
    if found is None:
        raise NotFound("事项不存在或暂未开放网上申报", code="service_item_not_found")
    pk, stamp = found
    return published_item(pk, stamp)


def enterprises_of(actor: Actor) -> list[Enterprise]:
    """The enterprises an applicant may apply for."""
    if not actor.enterprise_ids:
        return []
    # scope: the enterprises the applicant acts for (actor.enterprise_ids)
    return list(Enterprise.objects.filter(pk__in=sorted(actor.enterprise_ids)).order_by("name"))


def enterprise_for(actor: Actor, uid: UUID | str | None) -> Enterprise | None:
    """The enterprise (by uid) the actor acts for; NotFound for any other."""
    if not uid:
        return None
    key = uid_or_not_found(uid, message=ENTERPRISE_NOT_FOUND_MESSAGE, code="enterprise_not_found")
    # scope: the enterprises the applicant acts for (actor.enterprise_ids)
    enterprise = Enterprise.objects.filter(uid=key, pk__in=sorted(actor.enterprise_ids)).first()
    if enterprise is None:
        raise NotFound(ENTERPRISE_NOT_FOUND_MESSAGE, code="enterprise_not_found")
    return enterprise


# -- the timeline and the correction notice -------------------------------------------------------


@dataclass
class TimelineRow:
    action: str
    action_name: str
    from_state: str
    to_state: str
    to_state_name: str
    actor_label: str
    comment: str
    created_at: datetime
    fields: list[dict[str, str]] = field(default_factory=list)
    attachments: list[StoredFile] = field(default_factory=list)
    missing_materials: list[str] = field(default_factory=list)

    @property
    def is_correction(self) -> bool:
        return self.action in CORRECTION_ACTIONS


@dataclass
class CorrectionNotice:
    """一次告知: everything the applicant must supply, from the latest correction request."""

    reason: str
    materials: list[str]
    requested_codes: list[str]
    comment: str
    created_at: datetime


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return str(value)


def _material_names(application: Application, values: Any) -> tuple[list[str], list[str]]:
    """Names and codes of the materials a correction lists (codes or names are accepted)."""
    if isinstance(values, str):
        values = [line.strip() for line in values.splitlines() if line.strip()]
    if not isinstance(values, list):
        return [], []
    requirements = {r.code: r.name for r in MaterialRequirement.objects.filter(item_id=application.item_id)}
    by_name = {name: code for code, name in requirements.items()}
    names, codes = [], []
    for value in values:
        text = str(value)
        if text in requirements:
            names.append(requirements[text])
            codes.append(text)
        else:
            names.append(text)
            if text in by_name:
                codes.append(by_name[text])
    return names, codes


def _sees_internal(actor: Actor, application: Application) -> bool:
    """Staff of the application's department (its view permission in scope), not its applicant."""
    return actor.is_system or actor.can_reach(
        VIEW_APPLICATION,
        organization_id=application.organization_id,
        organization_path=application.organization.path,
        region_path=application.region.path,
    )


def _assign_fields(values: dict[str, Any]) -> list[dict[str, str]]:
    """指派: to whom (and from whom), by the labels the event recorded — never the user ids."""
    fields = [{"label": "指派给", "value": str(values.get("assignee_label") or "")}]
    if values.get("previous_assignee_label"):
        fields.append({"label": "原承办人", "value": str(values["previous_assignee_label"])})
    return fields


def application_timeline(
    actor: Actor, application: Application, *, internal: bool = False
) -> list[TimelineRow]:
    """办理进度 / 办理记录: the workflow history of an application (oldest first), with field labels,
    and the full list of materials of every correction request (一次告知).

    `internal=True` (the staff pages) adds the department's internal events (指派, see
    `workflow.selectors.INTERNAL_ACTIONS`), for staff within the view scope only; the applicant's
    pages and API never show them."""
    if not can_view_application(actor, application):
        raise NotFound(NOT_FOUND_MESSAGE, code="application_not_found")
    if application.process_instance_id is None:
        return []
    history = ProcessEvent.objects.filter(instance_id=application.process_instance_id)
    if not (internal and _sees_internal(actor, application)):
        history = history.exclude(action__in=INTERNAL_ACTIONS)
    events = list(
        history.annotate(
            definition_id=F("instance__definition_id"),
            has_attachments=Exists(
                ProcessEvent.attachments.through.objects.filter(processevent_id=OuterRef("pk"))
            ),
        ).order_by("created_at", "pk")
    )
    if not events:
        return []
    parsed = ProcessDefinition.objects.only("definition").get(pk=events[0].definition_id).parsed
    # Most events carry no attachment: fetch files only for those that do.
    with_files = [event for event in events if event.has_attachments]
    prefetch_related_objects(with_files, "attachments")
    rows = []
    for event in events:
        action = parsed.actions.get(event.action)
        fields: list[dict[str, str]] = []
        missing: list[str] = []
        values = event.fields if isinstance(event.fields, dict) else {}
        if event.action == ASSIGN_ACTION:
            fields, values = _assign_fields(values), {}
        for name, value in values.items():
            if value in (None, "", []):
                continue
            if name == "materials":
                missing, _codes = _material_names(application, value)
                continue
            label = parsed.field_label(action, name) if action is not None else name
            shown = parsed.field_value(action, name, value)
            if event.action == "suspend" and name == "kind":  # recorded under an unlabelled version
                shown = SPECIAL_PROCEDURES.get(str(shown), shown)
            fields.append({"label": label, "value": _text(shown)})
        rows.append(
            TimelineRow(
                action=event.action,
                # The engine's generic 「发起」 is, for an application, the applicant filing it.
                action_name="提交申请" if event.action == "start" else event.action_name,
                from_state=event.from_state,
                to_state=event.to_state,
                to_state_name=parsed.state_name(event.to_state),
                actor_label=event.actor_label,
                comment=event.comment,
                created_at=event.created_at,
                fields=fields,
                attachments=list(event.attachments.all()) if event.has_attachments else [],
                missing_materials=missing,
            )
        )
    return rows


def correction_notice(actor: Actor, application: Application) -> CorrectionNotice | None:
    """The correction request the applicant must answer now (None unless the status is 待补正)."""
    if not can_view_application(actor, application):
        raise NotFound(NOT_FOUND_MESSAGE, code="application_not_found")
    if application.status != Application.Status.CORRECTION or application.process_instance_id is None:
        return None
    event = (
        ProcessEvent.objects.filter(
            instance_id=application.process_instance_id, action__in=CORRECTION_ACTIONS
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if event is None:
        return None
    values = event.fields if isinstance(event.fields, dict) else {}
    names, codes = _material_names(application, values.get("materials"))
    return CorrectionNotice(
        reason=str(values.get("reason") or ""),
        materials=names,
        requested_codes=codes,
        comment=event.comment,
        created_at=event.created_at,
    )


def application_result_file(actor: Actor, application: Application) -> StoredFile:
    """The result document of a completed application the actor may see."""
    if not can_view_application(actor, application):
        raise NotFound(NOT_FOUND_MESSAGE, code="application_not_found")
    if application.result_file_id is None or application.result_file is None:
        raise NotFound("该办件暂无可下载的办理结果", code="application_result_not_found")
    return application.result_file
