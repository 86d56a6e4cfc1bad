"""The citizen's side of 12345: a plain form that works on a phone (what happened, where, a photo),
and their own requests with the answer."""

from __future__ import annotations

from uuid import UUID, uuid4

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path

from yiwang.core.errors import DomainError
from yiwang.core.files import file_store, files_discarded_on_error
from yiwang.core.models import Region
from yiwang.hotline.actions import tickets as actions
from yiwang.hotline.models import Ticket
from yiwang.hotline.selectors import tickets as selectors
from yiwang.identity.actor import actor_from_request

CITIZEN_KINDS = [(k, label) for k, label in Ticket.Kind.choices]
MAX_PHOTOS = 3


def _regions() -> list[Region]:
    # scope: the public list of districts and streets
    return list(
        Region.objects.filter(level__in=[Region.Level.DISTRICT, Region.Level.STREET]).order_by("code")
    )


def report(request: HttpRequest) -> HttpResponse:
    """我要反映: anyone may read the page; submitting needs a signed-in account (the caller)."""
    values = {"kind": "complaint", "key": uuid4().hex}
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        actor = actor_from_request(request)
        values = {
            name: request.POST.get(name, "") for name in ("kind", "content", "address", "region", "key")
        }
        try:
            ticket = _submit(actor, request)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, f"您的诉求已受理，工单编号 {ticket.ticket_no}，办理进展会通过消息中心告知您。"
            )
            return redirect("hotline:my-ticket", uid=ticket.uid)
    return render(
        request,
        "hotline/pages/report.html",
        {"values": values, "kinds": CITIZEN_KINDS, "regions": _regions(), "max_photos": MAX_PHOTOS},
    )


def _submit(actor, request: HttpRequest) -> Ticket:  # type: ignore[no-untyped-def]
    post = request.POST
    # scope: the public list of regions
    region = Region.objects.filter(code=post.get("region", "")).first() if post.get("region") else None
    photos = request.FILES.getlist("photos")[:MAX_PHOTOS]
    # The photos' bytes go if the registration fails (the rows roll back with the transaction).
    with files_discarded_on_error(), transaction.atomic():
        stored = [file_store(actor=actor, upload=photo) for photo in photos]
        return actions.ticket_register(
            actor=actor,
            kind=post.get("kind", ""),
            content=post.get("content", ""),
            address=post.get("address", ""),
            region=region,
            channel=Ticket.Channel.MOBILE if request.POST.get("mobile") else Ticket.Channel.WEB,
            attachments=stored,
            idempotency_key=post.get("key") or None,
        )


def my_tickets(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    actor = actor_from_request(request)
    return render(request, "hotline/pages/my_tickets.html", {"tickets": selectors.own_tickets(actor)[:50]})


def my_ticket(request: HttpRequest, uid: UUID) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    actor = actor_from_request(request)
    try:
        ticket = selectors.own_ticket_for(actor, uid)
    except DomainError as error:
        raise Http404(error.message) from error
    return render(
        request,
        "hotline/pages/my_ticket.html",
        {"ticket": ticket, "timeline": selectors.ticket_timeline(actor, ticket, for_caller=True)},
    )


urlpatterns: list[URLPattern] = [
    path("report/", report, name="report"),
    path("mine/", my_tickets, name="my-tickets"),
    path("mine/<uuid:uid>/", my_ticket, name="my-ticket"),
]
