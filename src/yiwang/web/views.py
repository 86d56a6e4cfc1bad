"""The web shell: portal home, staff workbench, workflow item pages, health probes.

Views parse input, call selectors/actions of the domains and render; they never write the ORM."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yiwang.core.calendar import WorkCalendar, get_calendar
from yiwang.core.errors import DomainError
from yiwang.core.notifications import notifications_for
from yiwang.core.selectors import organization_get, organizations_list
from yiwang.identity.actor import actor_from_request
from yiwang.web.context_processors import persona_of
from yiwang.web.forms import InboxFilterForm
from yiwang.web.modules import coming_modules
from yiwang.web.sla import deadline_view
from yiwang.workflow import actions as workflow_actions
from yiwang.workflow import selectors as workflow_selectors
from yiwang.workflow.links import (
    handled_by_domain,
    linked_inboxes,
    object_link,
    object_links,
    opens_domain_page,
    refuse_generic_transition,
)

INBOX_PAGE_SIZE = 20
# Actions shown as red buttons: they end or send back an item.
DANGER_ACTIONS = frozenset(
    {"refuse", "deny", "reject", "withdraw", "return_for_correction", "send_back", "cancel", "terminate"}
)
LONG_TEXT_FIELDS = frozenset({"reason", "opinion", "reply", "answer"})
# Parameters of `transition` itself: never taken from an action's free-form fields.
RESERVED_FIELDS = frozenset({"action", "comment", "organization", "attachments", "now", "actor", "instance"})
PORTAL_TASKS = 5
PORTAL_NOTIFICATIONS = 5
PORTAL_PROGRESS = 5
MY_ITEMS_PAGE_SIZE = 20
# 我的事项 filters: ?status=active (办理中) or done (已结束: 办结, 撤回, 不予受理 …); anything else shows all.
MY_ITEM_FILTERS = {"active": True, "done": False}


# -- probes -------------------------------------------------------------------------------------


def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "unavailable", "database": "error"}, status=503)
    return JsonResponse({"status": "ready", "database": "ok"})


# -- portal -------------------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    """门户首页: search (the catalogue's), service tiles and, for a signed-in citizen, their own items
    and messages."""
    context: dict[str, Any] = {}
    if persona_of(request.user) in ("citizen", "enterprise"):
        actor = actor_from_request(request)
        now, calendar = timezone.now(), get_calendar()
        items = workflow_selectors.inbox_for(actor)[:PORTAL_TASKS]
        context["tasks"] = _rows(items, now=now, calendar=calendar, applicant=True)
        own = workflow_selectors.instances_owned_by(actor)[:PORTAL_PROGRESS]
        context["progress"] = _rows(own, now=now, calendar=calendar, applicant=True)
        context["notifications"] = list(notifications_for(actor)[:PORTAL_NOTIFICATIONS])
    return render(request, "web/pages/home.html", context)


# -- workbench ----------------------------------------------------------------------------------


def _require_staff(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if persona_of(request.user) != "staff":
        raise PermissionDenied(_("工作台仅供工作人员使用。"))
    return None


def _rows(
    instances: Iterable[Any], *, now: datetime, calendar: WorkCalendar, applicant: bool = False
) -> list[dict[str, Any]]:
    """One row per instance: state, SLA colour, and where its title leads. An instance whose business
    object a domain registered (`workflow.links`, e.g. an application) opens the domain's page for staff
    or for the applicant, titled as the domain names it; the others open the generic item pages."""
    instances = list(instances)
    links = object_links(instances)
    generic = "web:my-item" if applicant else "web:instance"
    rows = []
    for instance in instances:
        link = links.get(instance.pk)
        url = (link.applicant_url if applicant else link.staff_url) if link is not None else ""
        rows.append(
            {
                "instance": instance,
                "state_name": instance.state_name,
                "received_at": instance.state_entered_at,
                "sla": deadline_view(instance, now=now, calendar=calendar),
                "url": url or reverse(generic, kwargs={"instance_id": instance.pk}),
                "title": link.title if link is not None else instance.title,
                "reference": link.reference if link is not None else "",
            }
        )
    return rows


def overdue_q(now: datetime) -> Q:
    """Overdue as every list shows it: past the item's one list deadline (`worklist_deadline`); a
    suspended clock is never overdue."""
    return Q(suspended_at__isnull=True, worklist_deadline__lte=now)


def _inbox_summary(inbox: QuerySet[Any], now: datetime) -> dict[str, Any]:
    """Counters and the per-state breakdown of the whole inbox, in two queries.

    The colours match `deadline_view` (the same list deadline): a suspended item is neither warning
    nor overdue, and an item past its deadline counts as overdue even before `yiwang tick` runs."""
    overdue = overdue_q(now)
    warning = Q(suspended_at__isnull=True, worklist_warning_at__lte=now) & ~overdue
    unordered = inbox.order_by()
    totals = unordered.aggregate(
        total_count=Count("pk"),
        overdue_count=Count("pk", filter=overdue),
        warning_count=Count("pk", filter=warning),
    )
    groups = list(unordered.values("definition_id", "state").annotate(count=Count("pk")))
    names = workflow_selectors.state_names({row["definition_id"] for row in groups})
    by_state: Counter[str] = Counter()
    choices: dict[str, str] = {}
    for row in groups:
        name = names.get((row["definition_id"], row["state"]), row["state"])
        by_state[name] += row["count"]
        choices.setdefault(row["state"], name)
    return {
        "total": totals["total_count"],
        "overdue": totals["overdue_count"],
        "warning": totals["warning_count"],
        "by_state": by_state.most_common(),
        "state_choices": sorted(choices.items(), key=lambda item: item[1]),
    }


def workbench(request: HttpRequest) -> HttpResponse:
    """工作台: the staff member's inbox, filtered through HTMX, with SLA colours and counters."""
    denied = _require_staff(request)
    if denied is not None:
        return denied

    actor = actor_from_request(request)
    now, calendar = timezone.now(), get_calendar()
    is_partial = bool(getattr(request, "htmx", False)) and request.htmx.target == "inbox-table"  # type: ignore[attr-defined]

    summary = _inbox_summary(workflow_selectors.inbox_for(actor), now)
    form = InboxFilterForm(request.GET or None, states=summary["state_choices"])
    filters = form.inbox_filters() if form.is_valid() else {}
    only_overdue = filters.pop("overdue", False)
    inbox = workflow_selectors.inbox_for(actor, **filters)
    if only_overdue:
        inbox = inbox.filter(overdue_q(now))
    paginator = Paginator(inbox, INBOX_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "rows": _rows(page.object_list, now=now, calendar=calendar),
        "page": page,
        "filtered": bool(filters) or only_overdue,
        "linked_inboxes": linked_inboxes(actor),
        # Modules the user's roles belong to that are not built yet: what they will offer.
        "coming_modules": coming_modules(actor),
        "query_string": query.urlencode(),
        "total": summary["total"],
        "warning": summary["warning"],
        "overdue": summary["overdue"],
        "chart": {
            "name": _("待办数"),
            "labels": [name for name, _count in summary["by_state"]],
            "values": [count for _name, count in summary["by_state"]],
        },
    }
    template = "web/partials/inbox_table.html" if is_partial else "web/pages/workbench.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))  # the partial and the page share a URL
    return response


def _load_instance(request: HttpRequest, instance_id: UUID) -> Any:
    try:
        return workflow_selectors.instance_for(actor_from_request(request), instance_id)
    except DomainError as error:
        raise Http404(error.message) from error


def _action_forms(instance: Any, actions: list[Any]) -> list[dict[str, Any]]:
    """What each action's form asks for: its required fields with labels and input types."""
    forms = []
    for action in actions:
        properties = (action.fields_schema or {}).get("properties", {})
        fields = []
        for name in action.required_fields:
            if name == "comment":
                continue
            kind = properties.get(name, {}).get("type")
            if name == "days" or kind in ("integer", "number"):
                input_type = "number"
            elif name in LONG_TEXT_FIELDS:
                input_type = "textarea"
            else:
                input_type = "text"
            fields.append({"name": name, "label": action.field_labels.get(name, name), "type": input_type})
        forms.append(
            {
                "action": action,
                "fields": fields,
                "comment_required": "comment" in action.required_fields,
                "danger": action.code in DANGER_ACTIONS,
            }
        )
    return forms


def _field_text(value: Any) -> str:
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, (list, tuple)):
        return "、".join(str(item) for item in value)
    return str(value)


def _timeline(instance: Any, actor: Any) -> list[dict[str, Any]]:
    """办理记录: each event with the name of the state it led to and its fields (理由, 需补正的材料 …)."""
    parsed = instance.definition.parsed
    contents = workflow_selectors.history_contents_visible(actor, instance)
    rows = []
    for event in workflow_selectors.history_for(instance, actor):
        action = parsed.actions.get(event.action)
        fields = []
        if contents and action is not None and isinstance(event.fields, dict):
            fields = [
                {
                    "label": parsed.field_label(action, name),
                    "value": _field_text(parsed.field_value(action, name, value)),
                }
                for name, value in event.fields.items()
                if value not in (None, "", [])
            ]
        rows.append(
            {
                "event": event,
                "to_state_name": parsed.state_name(event.to_state),
                "fields": fields,
                "comment": event.comment if contents else "",
                "actor_label": event.actor_label
                if contents
                else workflow_selectors.step_actor_label(event, instance),
                "attachments": list(event.attachments.all()) if contents else [],
            }
        )
    return rows


def _instance_context(instance: Any, actor: Any) -> dict[str, Any]:
    """What an item page shows, for staff (待办详情) and for the applicant (我的事项) alike."""
    actions = workflow_selectors.available_actions(instance, actor)
    needs_organization = any(action.needs_organization for action in actions)
    return {
        "instance": instance,
        "state_name": instance.state_name,
        "sla": deadline_view(instance, now=timezone.now(), calendar=get_calendar()),
        "history": _timeline(instance, actor),
        "history_steps_only": not workflow_selectors.history_contents_visible(actor, instance),
        "action_forms": _action_forms(instance, actions),
        "organizations": list(organizations_list(actor=actor)) if needs_organization else [],
    }


def instance_detail(request: HttpRequest, instance_id: UUID) -> HttpResponse:
    """待办详情: facts, the history timeline and a form per available action."""
    denied = _require_staff(request)
    if denied is not None:
        return denied
    instance = _load_instance(request, instance_id)
    actor = actor_from_request(request)
    link = object_link(instance)
    if link is not None and link.staff_url and opens_domain_page(actor, instance):
        return redirect(link.staff_url)  # the domain's page handles it (see workflow.links)
    context = _instance_context(instance, actor)
    if handled_by_domain(instance):  # shown to a supervisor (督办): its steps are the domain's to take
        context["action_forms"] = []
    context["transition_url"] = reverse("web:instance-transition", kwargs={"instance_id": instance.pk})
    context["can_urge"] = workflow_selectors.can_urge(actor, instance)
    context["urge_url"] = reverse("web:instance-urge", kwargs={"instance_id": instance.pk})
    return render(request, "web/pages/instance_detail.html", context)


@require_POST
def instance_urge(request: HttpRequest, instance_id: UUID) -> HttpResponse:
    """督办意见 from the item page: a supervisor urges whoever handles the item."""
    denied = _require_staff(request)
    if denied is not None:
        return denied
    instance = _load_instance(request, instance_id)
    try:
        workflow_actions.instance_urge(
            actor=actor_from_request(request), instance=instance, comment=request.POST.get("comment", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已发出督办意见：%(title)s") % {"title": instance.title})
    return redirect("web:instance", instance_id=instance.pk)


def _field_value(name: str, raw: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("properties", {}).get(name, {}).get("type")
    if name == "days" or kind == "integer":
        try:
            return int(raw)
        except ValueError:
            return raw
    if kind == "number":
        try:
            return float(raw)
        except ValueError:
            return raw
    if kind == "array":
        return [line.strip() for line in raw.splitlines() if line.strip()]
    return raw


def _perform_transition(request: HttpRequest, instance_id: UUID) -> tuple[Any, Any, Any]:
    """Carry out the posted action form on an item the user may see (404 otherwise).

    Only the action's own fields are read from the form. A refused action becomes a Chinese error
    message. Returns the instance, the actor and the event (None when refused)."""
    instance = _load_instance(request, instance_id)
    actor = actor_from_request(request)
    code = request.POST.get("action", "").strip()
    available = {a.code: a for a in workflow_selectors.available_actions(instance, actor)}
    fields: dict[str, Any] = {}
    if code in available:
        # Only the action's own fields are read from the form: nothing else reaches `transition`.
        action = available[code]
        schema = action.fields_schema or {}
        allowed = (set(action.required_fields) | set(schema.get("properties", {}))) - RESERVED_FIELDS
        for name in sorted(allowed):
            raw = request.POST.get(name, "").strip()
            if raw:
                fields[name] = _field_value(name, raw, schema)
    organization_code = request.POST.get("organization", "").strip()
    try:
        refuse_generic_transition(instance)
        organization = organization_get(actor=actor, code=organization_code) if organization_code else None
        event = workflow_actions.transition(
            instance=instance,
            action=code,
            actor=actor,
            fields=fields,
            comment=request.POST.get("comment", "").strip(),
            organization=organization,
        )
    except DomainError as error:
        messages.error(request, error.message)
        return instance, actor, None
    messages.success(
        request, _("已办理「%(action)s」：%(title)s") % {"action": event.action_name, "title": instance.title}
    )
    return instance, actor, event


@require_POST
def instance_transition(request: HttpRequest, instance_id: UUID) -> HttpResponse:
    """Carry out one action on an item from the workbench; back to the inbox when nothing is left to do."""
    denied = _require_staff(request)
    if denied is not None:
        return denied
    instance, actor, event = _perform_transition(request, instance_id)
    if event is not None and (
        instance.completed_at is not None or not workflow_selectors.available_actions(instance, actor)
    ):
        return redirect("web:workbench")
    return redirect("web:instance", instance_id=instance_id)


# -- 我的事项 (the applicant's own matters) -------------------------------------------------------


def _require_applicant(request: HttpRequest, staff_url: str) -> HttpResponse | None:
    """我的事项 is for citizens and enterprise agents; staff are sent to `staff_url` (the workbench)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if persona_of(request.user) == "staff":
        return redirect(staff_url)
    return None


def my_items(request: HttpRequest) -> HttpResponse:
    """我的事项: every matter the user applied for or reported, most recent activity first."""
    denied = _require_applicant(request, reverse("web:workbench"))
    if denied is not None:
        return denied
    actor = actor_from_request(request)
    status = request.GET.get("status", "")
    if status not in MY_ITEM_FILTERS:
        status = ""
    items = workflow_selectors.instances_owned_by(actor, active=MY_ITEM_FILTERS.get(status))
    page = Paginator(items, MY_ITEMS_PAGE_SIZE).get_page(request.GET.get("page"))
    now, calendar = timezone.now(), get_calendar()
    rows = _rows(page.object_list, now=now, calendar=calendar, applicant=True)
    if rows:
        # Which of these wait for the user (补正, 确认): one query for the whole page.
        waiting = set(
            workflow_selectors.inbox_for(actor)
            .filter(pk__in=[row["instance"].pk for row in rows])
            .values_list("pk", flat=True)
        )
        for row in rows:
            row["waiting"] = row["instance"].pk in waiting
    return render(
        request,
        "web/pages/my_items.html",
        {
            "rows": rows,
            "page": page,
            "status": status,
            "query_string": f"status={status}" if status else "",
        },
    )


def my_item(request: HttpRequest, instance_id: UUID) -> HttpResponse:
    """One of my matters: where it stands, its timeline and what I can do now (补正后提交, 撤回)."""
    denied = _require_applicant(request, reverse("web:instance", kwargs={"instance_id": instance_id}))
    if denied is not None:
        return denied
    instance = _load_instance(request, instance_id)
    link = object_link(instance)
    if link is not None and link.applicant_url:
        return redirect(link.applicant_url)
    context = _instance_context(instance, actor_from_request(request))
    context["transition_url"] = reverse("web:my-item-transition", kwargs={"instance_id": instance.pk})
    # The latest move says what is asked of the applicant (补正理由, 需补正的材料).
    context["latest"] = context["history"][-1] if context["history"] else None
    return render(request, "web/pages/my_item.html", context)


@require_POST
def my_item_transition(request: HttpRequest, instance_id: UUID) -> HttpResponse:
    """The applicant's action on their matter (same form handling as the workbench); back to the item."""
    denied = _require_applicant(request, reverse("web:instance", kwargs={"instance_id": instance_id}))
    if denied is not None:
        return denied
    _perform_transition(request, instance_id)
    return redirect("web:my-item", instance_id=instance_id)
