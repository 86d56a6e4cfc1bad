"""Pages: the department's application inbox (办件箱) and one application's handling page (办件办理).

Views parse input, call `selectors.handling` / `actions.handling` and render; refusals of the actions
(DomainError) become Chinese error messages on the page."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yiwang.core.calendar import get_calendar
from yiwang.core.errors import DomainError
from yiwang.core.forms import display
from yiwang.core.masking import mask_id_number, mask_phone
from yiwang.identity.actor import Actor, actor_from_request
from yiwang.services.actions import handling
from yiwang.services.forms import file_bindings
from yiwang.services.models import Application, ApplicationDelivery
from yiwang.services.operations import HANDLING
from yiwang.services.permissions import VIEW_APPLICATION
from yiwang.services.selectors import applications as application_selectors
from yiwang.services.selectors import handling as selectors
from yiwang.services.selectors.statistics import can_view_statistics
from yiwang.web.pagination import CappedPaginator
from yiwang.web.sla import deadline_view, step_view

PAGE_SIZE = 20
STATUS_CHOICES = [
    ("open", "办理中"),
    ("done", "已结束"),
    *[
        (value, str(label))
        for value, label in Application.Status.choices
        if value != Application.Status.DRAFT
    ],
]


def _staff_actor(request: HttpRequest) -> Actor | HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    actor = actor_from_request(request)
    if not actor.has_perm(VIEW_APPLICATION):
        raise DjangoPermissionDenied(_("办件箱仅供有查看办件权限的工作人员使用。"))
    return actor


def staff_inbox(request: HttpRequest) -> HttpResponse:
    """办件箱: filters (status, item, overdue, search), SLA colours, pagination."""
    actor = _staff_actor(request)
    if isinstance(actor, HttpResponse):
        return actor
    status = request.GET.get("status", "open")
    if status not in selectors.STATUS_FILTERS:
        status = "open"
    item = request.GET.get("item", "").strip()[:40]
    overdue = request.GET.get("overdue") in ("1", "on", "true")
    search = request.GET.get("q", "").strip()[: selectors.SEARCH_MAX]
    now = timezone.now()
    filters: dict[str, Any] = {
        "status": status,
        "item": item or None,
        "overdue": overdue,
        "search": search,
        "now": now,
    }
    page = CappedPaginator(selectors.staff_inbox(actor, **filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    applications: list[Any] = list(page.object_list)
    instances = selectors.instances_of(applications)
    calendar = get_calendar()
    rows = []
    for application in applications:
        instance = instances.get(application.process_instance_id) if application.process_instance_id else None
        rows.append(
            {
                "application": application,
                "applicant": application.applicant_name,  # annotated by the selector
                "badge": application_selectors.STATUS_BADGES.get(application.status, "badge-muted"),
                # The promised deadline: the one the inbox sorts and filters on and statistics count.
                "sla": deadline_view(instance, now=now, calendar=calendar) if instance is not None else None,
            }
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "services/pages/staff_inbox.html",
        {
            "rows": rows,
            "page": page,
            "status": status,
            "status_choices": STATUS_CHOICES,
            "item": item,
            "items": selectors.inbox_items(actor),
            "overdue": overdue,
            "q": search,
            "filtered": status != "open" or bool(item) or overdue or bool(search),
            "query_string": query.urlencode(),
            "can_view_statistics": can_view_statistics(actor),  # the page's own rule
        },
    )


def _applicant_name(application: Application) -> str:
    if application.enterprise is not None:
        return application.enterprise.name
    if application.person is not None:
        return application.person.name
    return ""


def _load(request: HttpRequest, actor: Actor, uid: UUID) -> Application:
    try:
        return selectors.staff_application(actor, uid)
    except DomainError as error:
        raise Http404(error.message) from error


def staff_application(request: HttpRequest, uid: UUID) -> HttpResponse:
    """办件办理: applicant (masked), form data, materials, timeline, notes and the available actions."""
    actor = _staff_actor(request)
    if isinstance(actor, HttpResponse):
        return actor
    application = _load(request, actor, uid)
    instance = selectors.application_instance(application)
    requests = selectors.extension_requests_for(application)
    options = selectors.staff_options(actor, application, instance, requests)
    person, enterprise = application.person, application.enterprise
    applicant = {
        "name": _applicant_name(application),
        "kind": _("法人") if enterprise is not None else _("自然人"),
        "id_number": mask_id_number(person.id_number) if person is not None else "",
        "phone": mask_phone(person.phone if person is not None else ""),
        "uscc": enterprise.uscc if enterprise is not None else "",
    }
    form_rows = display.form_rows(
        application.item.form_schema or {},
        application.item.form_ui or {},
        application.form_data,
        file_fields=file_bindings(application.item),
    )
    now, calendar = timezone.now(), get_calendar()
    materials = application_selectors.application_materials(actor, application)
    context = {
        "application": application,
        "badge": application_selectors.STATUS_BADGES.get(application.status, "badge-muted"),
        "instance": instance,
        "sla": deadline_view(instance, now=now, calendar=calendar) if instance else None,
        "step_sla": step_view(instance, now=now, calendar=calendar) if instance else None,
        "applicant": applicant,
        "form_rows": form_rows,
        "materials": materials,
        # 补正: the materials uploaded again, marked with their version on the page.
        "corrected_materials": [m for m in materials if m.version > 1],
        "timeline": application_selectors.application_timeline(actor, application, internal=True),
        "notes": selectors.notes_for(actor, application),
        "extension_requests": requests,
        "deliveries": selectors.deliveries_for(application),
        "options": options,
        "actions": options.workflow,
        "requirements": selectors.requirements_of(application)
        if {"request_correction", "return_for_correction"} & set(options.workflow)
        else [],
        "colleagues": selectors.colleagues_of(application) if options.can_assign else [],
        "special_procedures": handling.SPECIAL_PROCEDURES,
        "delivery_methods": ApplicationDelivery.Method.choices,
        "act_url": reverse("services:staff-act", kwargs={"uid": application.uid}),
    }
    return render(request, "services/pages/staff_application.html", context)


@require_POST
def staff_act(request: HttpRequest, uid: UUID) -> HttpResponse:
    """Carry out one handling operation posted from the application page; back to the page."""
    actor = _staff_actor(request)
    if isinstance(actor, HttpResponse):
        return actor
    application = _load(request, actor, uid)
    try:
        payload = HANDLING.parse_form(request.POST)
        _result, success = HANDLING.perform(actor=actor, target=application, payload=payload)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{success}：{application.application_no}")
    return redirect("services:staff-application", uid=application.uid)


urlpatterns: list[URLPattern] = [
    path("staff/", staff_inbox, name="staff-inbox"),
    path("staff/applications/<uuid:uid>/", staff_application, name="staff-application"),
    path("staff/applications/<uuid:uid>/act/", staff_act, name="staff-act"),
]
