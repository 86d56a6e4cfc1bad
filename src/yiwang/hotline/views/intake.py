"""来电登记: the agent's intake page, built for a busy shift — the caller's number brings up their
earlier tickets, typing the request brings up the knowledge base, the classifier's suggestions and
similar open tickets nearby (HTMX panels), and one submit registers the ticket (and, for a 咨询
answered from an entry, closes it on the spot; for a duplicate, merges it)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from yiwang.core.errors import DomainError
from yiwang.core.models import Region
from yiwang.hotline import classification
from yiwang.hotline.actions import knowledge as knowledge_actions
from yiwang.hotline.actions import tickets as actions
from yiwang.hotline.models import Ticket
from yiwang.hotline.permissions import REGISTER_TICKET
from yiwang.hotline.selectors import catalog as catalog_selectors
from yiwang.hotline.selectors import knowledge as knowledge_selectors
from yiwang.hotline.selectors import tickets as selectors
from yiwang.hotline.views.staff import staff_actor
from yiwang.identity.actor import Actor

MAX_QUERY = 500


def _agent(request: HttpRequest) -> Actor | HttpResponse:
    actor = staff_actor(request)
    if isinstance(actor, HttpResponse):
        return actor
    if not actor.has_perm(REGISTER_TICKET):
        raise DjangoPermissionDenied("来电登记仅供 12345 话务员使用。")
    return actor


def _regions() -> list[Region]:
    # scope: the public list of districts and streets for the address picker
    return list(
        Region.objects.filter(level__in=[Region.Level.DISTRICT, Region.Level.STREET]).order_by("code")
    )


def intake(request: HttpRequest) -> HttpResponse:
    actor = _agent(request)
    if isinstance(actor, HttpResponse):
        return actor
    values: dict[str, Any] = {"kind": "consult", "urgency": "normal"}
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in _FIELDS}
        try:
            ticket, message = _register(actor, request)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, message)
            if request.POST.get("then") == "next":
                return redirect("hotline:intake")
            return redirect("hotline:ticket", uid=ticket.uid)
    return render(
        request,
        "hotline/pages/intake.html",
        {
            "values": values,
            "kinds": Ticket.Kind.choices,
            "urgencies": Ticket.Urgency.choices,
            "regions": _regions(),
            "leaf_categories": catalog_selectors.leaf_categories(),
        },
    )


_FIELDS = (
    "caller_phone",
    "caller_name",
    "confidential",
    "kind",
    "urgency",
    "content",
    "address",
    "region",
    "category",
    "answer",
    "entry",
    "merge_into",
    "idempotency_key",
)


def _register(actor: Actor, request: HttpRequest) -> tuple[Ticket, str]:
    post = request.POST
    region = None
    if post.get("region"):
        # scope: the public list of regions
        region = Region.objects.filter(code=post["region"]).first()
    category = catalog_selectors.category_by_code(post["category"]) if post.get("category") else None
    content = post.get("content", "")
    suggestions = classification.suggest_categories(content, k=1)
    suggestion = (suggestions[0].category, suggestions[0].confidence) if suggestions else None
    with transaction.atomic():
        ticket = actions.ticket_register(
            actor=actor,
            kind=post.get("kind", ""),
            urgency=post.get("urgency") or Ticket.Urgency.NORMAL,
            channel=Ticket.Channel.PHONE,
            content=content,
            caller_name=post.get("caller_name", ""),
            caller_phone=post.get("caller_phone", ""),
            confidential=post.get("confidential") in ("1", "on", "true"),
            address=post.get("address", ""),
            region=region,
            category=category,
            suggestion=suggestion,
            idempotency_key=post.get("idempotency_key") or None,
        )
        answer = post.get("answer", "").strip()
        if answer:
            entry = catalog_selectors.knowledge_entry_by_code(post["entry"]) if post.get("entry") else None
            actions.ticket_answer(actor=actor, ticket=ticket, comment=answer, entry=entry)
            return ticket, f"已登记并直接答复办结：{ticket.ticket_no}"
        if post.get("merge_into"):
            primary = selectors.ticket_by_reference(actor, post["merge_into"])
            actions.ticket_merge(actor=actor, primary=primary, duplicate=ticket, comment="来电登记时并单")
            return ticket, f"已登记并并入 {primary.ticket_no}：{ticket.ticket_no}"
        if post.get("unanswered") in ("1", "on") and ticket.kind == Ticket.Kind.CONSULT:
            knowledge_actions.knowledge_candidate_create(actor=actor, ticket=ticket, question=content[:500])
    return ticket, f"已登记：{ticket.ticket_no}"


@require_POST
def intake_caller(request: HttpRequest) -> HttpResponse:
    """HTMX panel: the caller's earlier tickets by phone number (posted, so the number stays out of
    URLs and access logs)."""
    actor = _agent(request)
    if isinstance(actor, HttpResponse):
        return actor
    phone = request.POST.get("caller_phone", "")
    return render(
        request,
        "hotline/partials/intake_caller.html",
        {"history": selectors.caller_history(actor, phone), "phone": phone},
    )


def intake_assist(request: HttpRequest) -> HttpResponse:
    """HTMX panel: knowledge-base hits, classifier suggestions and similar open tickets nearby."""
    actor = _agent(request)
    if isinstance(actor, HttpResponse):
        return actor
    content = request.GET.get("content", "")[:MAX_QUERY]
    region = None
    if request.GET.get("region"):
        # scope: the public list of regions
        region = Region.objects.filter(code=request.GET["region"]).only("pk", "path").first()
    return render(
        request,
        "hotline/partials/intake_assist.html",
        {
            "knowledge_hits": knowledge_selectors.knowledge_search(content, limit=3),
            "suggestions": classification.suggest_categories(content),
            "duplicates": selectors.possible_duplicates(actor, content=content, region=region),
            "content": content,
        },
    )


urlpatterns: list[URLPattern] = [
    path("intake/", intake, name="intake"),
    path("intake/caller/", intake_caller, name="intake-caller"),
    path("intake/assist/", intake_assist, name="intake-assist"),
]
