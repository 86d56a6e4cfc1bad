"""Staff reads of applications (办件): the department inbox, one application with what staff may do,
internal notes, extension requests and deliveries. Always scoped by `services.view_application`.

The inbox is one query over `Application` filtered by the actor's data scope (for department staff:
`organization_id = …`), the open statuses and ordered by `due_at`: the open ones are served by the
partial index `services_app_open_due_idx` (organization, due_at, id) over open applications, one
status by `services_app_inbox_idx` (organization, status, due_at); counting and the page's workflow
instances (for the SLA colours) are one query each."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from yiwang.core.errors import InvalidInput, NotFound, PermissionDenied
from yiwang.core.models import Organization
from yiwang.identity.actor import Actor
from yiwang.services.constants import EXTENSION_LIMIT_DEFAULT, RESUBMIT_ACTIONS
from yiwang.services.models import OPEN_STATUSES as OPEN_STATUS_CODES
from yiwang.services.models import (
    Application,
    ApplicationDelivery,
    ApplicationNote,
    ExtensionRequest,
    MaterialRequirement,
)
from yiwang.services.permissions import (
    ACCEPT_APPLICATION,
    APPROVE_EXTENSION,
    DECIDE_APPLICATION,
    REVIEW_APPLICATION,
    VIEW_APPLICATION,
)
from yiwang.services.selectors import RUNNING_STATUSES, overdue_q, uid_or_not_found
from yiwang.workflow.models import ProcessInstance
from yiwang.workflow.selectors import AvailableAction, available_actions

NOT_FOUND_MESSAGE = "办件不存在或无权查看"
# The applicant's own moves (撤回, 提交补正材料): never offered on the staff page.
APPLICANT_ACTIONS = frozenset({"withdraw", *RESUBMIT_ACTIONS.values()})
OPEN_STATUSES = (
    Application.Status.SUBMITTED,
    Application.Status.CORRECTION,
    Application.Status.REVIEWING,
    Application.Status.DECIDING,
    Application.Status.APPROVED,
    Application.Status.DENIED,
)
DONE_STATUSES = (Application.Status.COMPLETED, Application.Status.REFUSED, Application.Status.WITHDRAWN)
STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "open": OPEN_STATUSES,
    "done": DONE_STATUSES,
    **{s: (s,) for s in Application.Status.values if s != Application.Status.DRAFT},
}
SEARCH_MAX = 64
# The columns the inbox list shows (page and API): nothing else is fetched or decoded per row.
# The names from other tables come as annotations (see `staff_inbox`), not as related objects.
INBOX_COLUMNS = (
    "uid",
    "application_no",
    "status",
    "channel",
    "submitted_at",
    "accepted_at",
    "due_at",
    "completed_at",
    "completed_on_time",
    "process_instance_id",
    "result_file",
    "organization_id",
)


def _require_view(actor: Actor) -> None:
    if not actor.is_authenticated:
        raise PermissionDenied("请先登录", code="unauthenticated")
    if not actor.has_perm(VIEW_APPLICATION):
        raise PermissionDenied("您没有查看办件的权限", code="services_forbidden")


def staff_inbox(
    actor: Actor,
    *,
    status: str = "open",
    item: str | None = None,
    overdue: bool = False,
    search: str | None = None,
    now: datetime | None = None,
) -> QuerySet[Application]:
    """办件箱: applications of the actor's department (scope), nearest 承诺办结时限 first (finished
    ones: the latest first).

    `status` is "open" (default: not yet 办结), "done" or one status; `item` an 实施编码; `overdue`
    keeps the running ones past their `due_at`; `search` matches any part of the 办件编号 (a window
    clerk types its last digits: the day's 4-digit sequence, or date + sequence) or of the applicant's
    name. No index serves either: the name's `icontains` in the same OR already makes the database
    read the department's rows, so a contains on the number costs nothing over a prefix."""
    _require_view(actor)
    statuses = STATUS_FILTERS.get(status or "open")
    if statuses is None:
        raise InvalidInput("办件状态不正确", code="services_status_invalid")
    qs = Application.objects.for_actor(actor, VIEW_APPLICATION)
    if overdue:
        statuses = tuple(s for s in statuses if s in RUNNING_STATUSES)
        qs = qs.filter(overdue_q(now or timezone.now()))
    if set(statuses) == set(OPEN_STATUS_CODES):
        qs = qs.filter(is_open=True)  # the same rows; lets the database walk services_app_open_due_idx
    else:
        qs = qs.filter(status__in=statuses) if len(statuses) != 1 else qs.filter(status=statuses[0])
    if item:
        qs = qs.filter(item__implementation_code=item.strip()[:40])
    if search:
        text = search.strip()[:SEARCH_MAX]
        if text:
            qs = qs.filter(
                Q(application_no__contains=text)
                | Q(person__name__icontains=text)
                | Q(enterprise__name__icontains=text)
            )
    ordering: tuple[str, ...] = ("due_at", "pk")
    if set(statuses) <= set(DONE_STATUSES):
        # Finished ones, the latest first, along `services_app_done_idx` (whose condition the
        # explicit filter lets the database match).
        qs = qs.filter(completed_at__isnull=False)
        ordering = ("-completed_at", "-pk")
    # Open applications always have a deadline; a plain ascending order lets the partial index
    # `services_app_open_due_idx` deliver the page without sorting the department's history. The
    # department's name is a scalar subquery (`organization_name`), not a join: joined, it tempts
    # SQLite to loop over the departments first and sort the whole history. The other names are
    # plain columns of the same joins (`item_code`, `item_name`, `applicant_name`): one model
    # instance per row instead of three, which is most of what the ORM adds to the raw query.
    return (
        qs.only(*INBOX_COLUMNS)
        .annotate(
            item_code=F("item__implementation_code"),
            item_name=F("item__name"),
            applicant_name=Coalesce(F("enterprise__name"), F("person__name"), Value("")),
            organization_name=Subquery(
                Organization.objects.filter(pk=OuterRef("organization_id")).order_by().values("name")[:1]
            ),
        )
        .order_by(*ordering)
    )


def staff_inbox_page(
    actor: Actor,
    *,
    status: str = "open",
    item: str | None = None,
    overdue: bool = False,
    search: str | None = None,
    now: datetime | None = None,
    offset: int = 0,
    limit: int = 20,
) -> list[Application]:
    """One page of `staff_inbox` (what the 办件箱 shows)."""
    rows = staff_inbox(actor, status=status, item=item, overdue=overdue, search=search, now=now)
    return list(rows[offset : offset + limit])


def instances_of(applications: list[Application]) -> dict[UUID, ProcessInstance]:
    """The workflow instances of a page of applications (one query), for the SLA colours."""
    ids = [a.process_instance_id for a in applications if a.process_instance_id is not None]
    if not ids:
        return {}
    # scope: the instances of a page of applications already scoped by the caller
    return {
        i.pk: i
        for i in ProcessInstance.objects.filter(pk__in=ids).only(
            "id",
            "state",
            "completed_at",
            "suspended_at",
            "due_at",
            "deadline",
            "state_deadline",
            "warning_lead_seconds",
            "state_warning_lead_seconds",
            "natural_clock",
            "state_natural_clock",
            "worklist_clock",
            "worklist_warning_at",
            "warning",
            "overdue",
            "assignee_id",
        )
    }


def inbox_items(actor: Actor) -> list[tuple[str, str]]:
    """The items (实施编码, name) the actor's department handles, for the inbox filter."""
    from yiwang.services.models import ServiceItem

    if not actor.has_perm(VIEW_APPLICATION):
        return []
    rows = (
        ServiceItem.objects.for_actor(actor, VIEW_APPLICATION)
        .filter(is_current=True)
        .order_by("name")
        .values_list("implementation_code", "name")
    )
    return list(rows[:500])


def staff_application(actor: Actor, uid: UUID | str) -> Application:
    """One application within the actor's `services.view_application` scope; NotFound otherwise."""
    _require_view(actor)
    key = uid_or_not_found(uid, message=NOT_FOUND_MESSAGE, code="services_application_not_found")
    application = (
        Application.objects.for_actor(actor, VIEW_APPLICATION)
        .filter(uid=key)
        .select_related(
            "item",
            "organization",
            "organization__region",
            "region",
            "person",
            "enterprise",
            "applicant",
            "result_file",
        )
        .first()
    )
    if application is None:
        raise NotFound(NOT_FOUND_MESSAGE, code="services_application_not_found")
    return application


def application_instance(application: Application) -> ProcessInstance | None:
    if application.process_instance_id is None:
        return None
    # scope: the instance of an application the caller already reached
    return (
        ProcessInstance.objects.select_related("definition", "organization", "region", "assignee")
        .filter(pk=application.process_instance_id)
        .first()
    )


def notes_for(actor: Actor, application: Application) -> list[ApplicationNote]:
    """内部备注 (staff in scope only)."""
    if not _reaches(actor, VIEW_APPLICATION, application):
        raise NotFound(NOT_FOUND_MESSAGE, code="services_application_not_found")
    return list(ApplicationNote.objects.filter(application=application).select_related("author"))


def extension_requests_for(application: Application) -> list[ExtensionRequest]:
    return list(
        ExtensionRequest.objects.filter(application=application).select_related("requested_by", "decided_by")
    )


def deliveries_for(application: Application) -> list[ApplicationDelivery]:
    return list(ApplicationDelivery.objects.filter(application=application).select_related("delivered_by"))


def colleagues_of(application: Application) -> list[Any]:
    """Active staff of the application's department (who it may be assigned to)."""
    user_model = get_user_model()
    return list(
        user_model.objects.filter(
            is_active=True, kind="staff", memberships__organization_id=application.organization_id
        )
        .distinct()
        .order_by("display_name", "pk")
    )


def requirements_of(application: Application) -> list[MaterialRequirement]:
    return list(MaterialRequirement.objects.filter(item_id=application.item_id).order_by("sort_order", "pk"))


@dataclass(frozen=True)
class StaffOptions:
    """What the actor may do on one application now (drives the detail page's forms)."""

    workflow: dict[str, AvailableAction] = field(default_factory=dict)
    can_request_extension: bool = False
    extension_limit: int = EXTENSION_LIMIT_DEFAULT  # working days one request may add
    pending_extension: ExtensionRequest | None = None
    can_decide_extension: bool = False
    can_deliver: bool = False
    can_assign: bool = False
    can_note: bool = False

    @property
    def any(self) -> bool:
        return bool(
            self.workflow
            or self.can_request_extension
            or self.can_decide_extension
            or self.can_deliver
            or self.can_assign
        )


def _reaches(actor: Actor, permission: str, application: Application) -> bool:
    return actor.can_reach(
        permission,
        organization_id=application.organization_id,
        organization_path=application.organization.path,
        region_path=application.region.path,
    )


def staff_options(
    actor: Actor, application: Application, instance: ProcessInstance | None, requests: list[ExtensionRequest]
) -> StaffOptions:
    if instance is None:
        return StaffOptions(can_note=_reaches(actor, VIEW_APPLICATION, application))
    workflow = {a.code: a for a in available_actions(instance, actor) if a.code not in APPLICANT_ACTIONS}
    open_ = instance.completed_at is None
    extend = instance.definition.parsed.actions.get("extend")
    pending = next((r for r in requests if r.status == ExtensionRequest.Status.PENDING), None)
    can_request = (
        open_
        and extend is not None
        and pending is None
        and instance.state in extend.sources
        and not instance.is_suspended
        and any(_reaches(actor, p, application) for p in (REVIEW_APPLICATION, DECIDE_APPLICATION))
    )
    workflow.pop("extend", None)  # extensions go through a request and its approval
    return StaffOptions(
        workflow=workflow,
        can_request_extension=can_request,
        extension_limit=(extend.max_extend_days if extend is not None else None) or EXTENSION_LIMIT_DEFAULT,
        pending_extension=pending,
        can_decide_extension=pending is not None and _reaches(actor, APPROVE_EXTENSION, application),
        can_deliver=instance.state == "completed" and _reaches(actor, ACCEPT_APPLICATION, application),
        can_assign=open_
        and any(
            _reaches(actor, p, application)
            for p in (ACCEPT_APPLICATION, REVIEW_APPLICATION, DECIDE_APPLICATION)
        ),
        can_note=_reaches(actor, VIEW_APPLICATION, application),
    )


def extension_request_for(application: Application, pk: int) -> ExtensionRequest:
    row = ExtensionRequest.objects.filter(application=application, pk=pk).first()
    if row is None:
        raise NotFound("延期申请不存在", code="services_extension_not_found")
    return row


def colleague_for(application: Application, pk: Any) -> Any:
    try:
        key = int(pk)
    except (TypeError, ValueError):
        raise InvalidInput("请选择被指派人", code="services_assignee_invalid") from None
    user = next((u for u in colleagues_of(application) if u.pk == key), None)
    if user is None:
        raise InvalidInput("只能指派给本部门的工作人员", code="services_assignee_invalid")
    return user
