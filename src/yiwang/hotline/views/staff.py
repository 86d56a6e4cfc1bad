"""Pages of the handling loop: the 工单 list (queues by role) and one ticket's page with what the
actor may do on it. Views parse input, call selectors/actions and render; refusals (DomainError)
become Chinese messages on the page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from yiwang.core.actions import pii_unmask
from yiwang.core.calendar import get_calendar
from yiwang.core.errors import DomainError
from yiwang.hotline import classification
from yiwang.hotline.actions.tickets import dispatch_plan
from yiwang.hotline.constants import auto_dispatch_confidence
from yiwang.hotline.handoff import handoff_targets
from yiwang.hotline.models import Ticket
from yiwang.hotline.operations import TICKET_OPERATIONS
from yiwang.hotline.permissions import DISPATCH_TICKET, REGISTER_TICKET, VIEW_CALLER, VIEW_TICKET
from yiwang.hotline.selectors import catalog as catalog_selectors
from yiwang.hotline.selectors import tickets as selectors
from yiwang.identity.actor import Actor, actor_from_request
from yiwang.web.pagination import CappedPaginator
from yiwang.web.sla import deadline_view, step_view
from yiwang.workflow.models import ProcessInstance

PAGE_SIZE = 20
STATUS_BADGES = {
    "registered": "badge-warning",
    "returned": "badge-danger",
    "dispatched": "badge-info",
    "handling": "badge-info",
    "joint": "badge-info",
    "replied": "badge-warning",
    "closed": "badge-success",
    "archived": "badge-muted",
}


def staff_actor(request: HttpRequest) -> Actor | HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    actor = actor_from_request(request)
    if not actor.has_perm(VIEW_TICKET):
        raise DjangoPermissionDenied("12345 工单仅供热线中心和承办部门的工作人员使用。")
    return actor


def default_queue(actor: Actor) -> str:
    """Where each role starts: dispatchers at 待派单, agents at 待回访, departments at 待签收."""
    if actor.has_perm(DISPATCH_TICKET):
        return "registered"
    if actor.has_perm(REGISTER_TICKET):
        return "closed"
    return "open"


def tickets(request: HttpRequest) -> HttpResponse:
    """工单: the actor's queues with their counts, filters and the SLA colour of every row."""
    actor = staff_actor(request)
    if isinstance(actor, HttpResponse):
        return actor
    queue = request.GET.get("queue") or default_queue(actor)
    if queue not in selectors.QUEUES:
        queue = "open"
    kind = request.GET.get("kind", "")
    search = request.GET.get("q", "").strip()[: selectors.SEARCH_MAX]
    overdue = request.GET.get("overdue") in ("1", "on", "true")
    page = CappedPaginator(
        selectors.tickets_for(actor, queue=queue, search=search, kind=kind, overdue=overdue), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    rows_on_page: list[Ticket] = list(page.object_list)
    instances = ProcessInstance.objects.in_bulk(
        [t.process_instance_id for t in rows_on_page if t.process_instance_id]
    )
    now, calendar = timezone.now(), get_calendar()
    rows = [
        {
            "ticket": ticket,
            "badge": STATUS_BADGES.get(ticket.status, "badge-muted"),
            "sla": deadline_view(instances[ticket.process_instance_id], now=now, calendar=calendar)
            if ticket.process_instance_id in instances and ticket.is_open
            else None,
        }
        for ticket in rows_on_page
    ]
    counts = selectors.queue_counts(actor)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "hotline/pages/tickets.html",
        {
            "rows": rows,
            "page": page,
            "queue": queue,
            "queues": [(code, label, counts.get(code)) for code, (label, _) in selectors.QUEUES.items()],
            "kind": kind,
            "kinds": Ticket.Kind.choices,
            "q": search,
            "overdue": overdue,
            "filtered": bool(kind or search or overdue),
            "query_string": query.urlencode(),
            "can_register": actor.has_perm(REGISTER_TICKET),
        },
    )


def _load(actor: Actor, uid: UUID) -> Ticket:
    try:
        return selectors.ticket_for(actor, uid)
    except DomainError as error:
        raise Http404(error.message) from error


def ticket_context(actor: Actor, ticket: Ticket, *, unmasked: bool = False) -> dict[str, Any]:
    instance = (
        ProcessInstance.objects.select_related("definition", "organization").get(
            pk=ticket.process_instance_id
        )
        if ticket.process_instance_id
        else None
    )
    work = selectors.ticket_work(actor, ticket)
    now, calendar = timezone.now(), get_calendar()
    context: dict[str, Any] = {
        "ticket": ticket,
        "badge": STATUS_BADGES.get(ticket.status, "badge-muted"),
        "instance": instance,
        "sla": deadline_view(instance, now=now, calendar=calendar) if instance and ticket.is_open else None,
        "step_sla": step_view(instance, now=now, calendar=calendar) if instance else None,
        "caller": selectors.caller_view(actor, ticket, unmasked=unmasked),
        "can_unmask": actor.has_perm(VIEW_CALLER) and actor.has_perm("core.unmask_pii") and not unmasked,
        "timeline": selectors.ticket_timeline(actor, ticket),
        "parties": list(ticket.parties.select_related("organization")),
        "ops": work.operations,
        "extension": selectors.pending_extension(ticket),
    }
    if "dispatch" in work.operations:
        context.update(_dispatch_context(ticket))
    if "hand_over" in work.operations:
        context["handoff_targets"] = handoff_targets()
    if "answer" in work.operations:
        from yiwang.hotline.selectors.knowledge import knowledge_search

        context["knowledge_hits"] = knowledge_search(ticket.content, limit=3)
    if "merge" in work.operations:
        context["duplicates"] = selectors.possible_duplicates(
            actor, content=ticket.content, region=ticket.region, exclude=[ticket.pk]
        )
    return context


def _dispatch_context(ticket: Ticket) -> dict[str, Any]:
    """The dispatcher's panel: the classifier's top three (one key confirms a confident first one),
    the 派单目录's plan for each, the category tree and the departments."""
    suggestions = classification.suggest_categories(f"{ticket.title}。{ticket.content}")
    chosen = ticket.category or (suggestions[0].category if suggestions else None)
    plans = []
    for suggestion in suggestions:
        lead, assists = dispatch_plan(suggestion.category, ticket.region)
        plans.append({"suggestion": suggestion, "lead": lead, "assists": assists})
    confident = bool(suggestions) and suggestions[0].confidence >= auto_dispatch_confidence()
    return {
        "suggestions": plans,
        "confident": confident,
        "chosen_category": chosen,
        "leaf_categories": catalog_selectors.leaf_categories(),
        "organizations": catalog_selectors.handling_organizations(),
    }


def ticket(request: HttpRequest, uid: UUID) -> HttpResponse:
    """工单详情: caller (as the actor may see them), the request, the handling record and the panel of
    what the actor may do now."""
    actor = staff_actor(request)
    if isinstance(actor, HttpResponse):
        return actor
    return render(request, "hotline/pages/ticket.html", ticket_context(actor, _load(actor, uid)))


@require_POST
def ticket_act(request: HttpRequest, uid: UUID) -> HttpResponse:
    """Carry out one operation posted from the ticket page; back to the page (or the next ticket of
    the queue, for the dispatcher's one-key confirmation)."""
    actor = staff_actor(request)
    if isinstance(actor, HttpResponse):
        return actor
    ticket = _load(actor, uid)
    try:
        payload = TICKET_OPERATIONS.parse_form(request.POST)
        _result, success = TICKET_OPERATIONS.perform(actor=actor, target=ticket, payload=payload)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("hotline:ticket", uid=ticket.uid)
    messages.success(request, f"{success}：{ticket.ticket_no}")
    if request.POST.get("next") == "queue":
        query = urlencode({"queue": request.POST.get("queue", "registered")[:20]})
        return redirect(f"{reverse('hotline:tickets')}?{query}")
    return redirect("hotline:ticket", uid=ticket.uid)


@require_POST
def ticket_unmask(request: HttpRequest, uid: UUID) -> HttpResponse:
    """查看完整号码: with a reason, audited; the page shows the number in clear this once."""
    actor = staff_actor(request)
    if isinstance(actor, HttpResponse):
        return actor
    ticket = _load(actor, uid)
    if not actor.has_perm(VIEW_CALLER):
        raise DjangoPermissionDenied("承办部门不能查看来电人完整号码。")
    try:
        pii_unmask(actor=actor, obj=ticket, reason=request.POST.get("reason", ""), fields=["caller_phone"])
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("hotline:ticket", uid=ticket.uid)
    return render(request, "hotline/pages/ticket.html", ticket_context(actor, ticket, unmasked=True))


urlpatterns: list[URLPattern] = [
    path("", tickets, name="tickets"),
    path("tickets/<uuid:uid>/", ticket, name="ticket"),
    path("tickets/<uuid:uid>/act/", ticket_act, name="ticket-act"),
    path("tickets/<uuid:uid>/unmask/", ticket_unmask, name="ticket-unmask"),
]
