"""Pages: applying online, 我的办件 and one application (进度、补正、撤回、结果下载).

For citizens and enterprise agents (login required). Views parse input, call the application
selectors and actions and render; they never write the ORM."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from yiwang.core.errors import DomainError
from yiwang.core.files import file_response
from yiwang.core.forms.prefill import prefill
from yiwang.identity.actor import Actor, actor_from_request
from yiwang.services.actions.applications import (
    application_draft_discard,
    application_resubmit,
    application_save_draft,
    application_submit,
    application_withdraw,
    missing_materials,
    upload_problem,
)
from yiwang.services.constants import ONLINE_DEPTH_LABELS
from yiwang.services.eligibility import online_applying
from yiwang.services.forms import ApplicationForm
from yiwang.services.models import Application, MaterialRequirement, ServiceItem
from yiwang.services.selectors.applications import (
    STATUS_BADGES,
    application_get,
    application_materials,
    application_result_file,
    application_timeline,
    applications_for_applicant,
    correction_notice,
    enterprise_for,
    enterprises_of,
    item_for_application,
    item_materials,
)

PAGE_SIZE = 20
WITHDRAWABLE = {Application.Status.DRAFT, Application.Status.SUBMITTED, Application.Status.CORRECTION}


def _require_applicant(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if getattr(request.user, "kind", "") == "staff" or request.user.is_staff:
        raise PermissionDenied(_("网上申报仅供个人和法人账号使用，工作人员请在工作台办理。"))
    return None


def _error_lines(error: DomainError) -> list[str]:
    lines = [error.message]
    if (
        isinstance(error.details, list)
        and all(isinstance(d, str) for d in error.details)
        and len(error.details) > 1
    ):
        lines += error.details
    return lines


def _material_error(form: ApplicationForm, code: Any, message: str) -> None:
    name = ApplicationForm.material_field_name(str(code))
    if name in form.fields:
        form.add_error(name, message)


def _missing_line(names: list[str]) -> str:
    return _("请上传以下申请材料：%(names)s") % {"names": "、".join(names)}


def _replace_line(names: list[str]) -> str:
    return _("请按补正告知重新上传以下材料：%(names)s") % {"names": "、".join(names)}


def _tell(form: ApplicationForm, error: DomainError) -> None:
    """An action's refusal on the form: every line at the top, and each material's problem beside
    its upload field (the action tells everything at once: `application_incomplete`)."""
    details = error.details
    if error.code == "application_incomplete" and isinstance(details, dict):
        for line in details.get("form") or []:
            form.add_error(None, str(line))
        for failure in details.get("files") or []:
            form.add_error(None, failure["message"])
            _material_error(form, failure["material"], failure["message"])
        missing = details.get("materials") or []
        if missing:
            form.add_error(None, _missing_line([m["name"] for m in missing]))
        for material in missing:
            _material_error(form, material["code"], _("请上传此材料"))
        again = details.get("correction") or []
        if again:
            form.add_error(None, _replace_line([m["name"] for m in again]))
        for material in again:
            _material_error(form, material["code"], _("补正告知要求重新上传此材料"))
        return
    for line in _error_lines(error):
        form.add_error(None, line)
    if error.code == "application_materials_missing" and isinstance(details, list):
        for material in details:
            _material_error(form, material.get("code"), _("请上传此材料"))
    elif error.code == "application_correction_materials_missing" and isinstance(details, list):
        for material in details:
            _material_error(form, material.get("code"), _("补正告知要求重新上传此材料"))
    elif isinstance(details, dict) and details.get("material"):
        _material_error(form, details["material"], error.message)


def _tell_materials(
    form: ApplicationForm,
    materials: list[MaterialRequirement],
    current: dict[str, Any],
    requested: Iterable[str] = (),
) -> None:
    """The form has errors, so the action is not asked: tell the materials' problems in the same
    round (一次告知) — files refused by their name or size, required materials still missing and, in
    a 补正, the materials the notice named that were not uploaded again (`requested`: codes or names)."""
    requirements = {r.code: r for r in materials}
    uploads = form.uploads()
    refused = set()
    for code, upload in uploads.items():
        problem = upload_problem(requirements[code], upload)
        if problem is not None:
            refused.add(code)
            form.add_error(None, problem.message)
            _material_error(form, code, problem.message)
    present = set(current) | set(uploads)
    missing = [r for r in missing_materials(requirements, present, form.form_data()) if r.code not in refused]
    if missing:
        form.add_error(None, _missing_line([r.name for r in missing]))
    for requirement in missing:
        _material_error(form, requirement.code, _("请上传此材料"))
    named = set(requested)
    told = refused | {r.code for r in missing}
    again = [
        r
        for r in materials
        if (r.code in named or r.name in named)
        and r.source == MaterialRequirement.Source.UPLOAD
        and r.code not in uploads
        and r.code not in told
    ]
    if again:
        form.add_error(None, _replace_line([r.name for r in again]))
    for requirement in again:
        _material_error(form, requirement.code, _("补正告知要求重新上传此材料"))


def _load(request: HttpRequest, uid: UUID) -> Application:
    try:
        return application_get(actor_from_request(request), uid)
    except DomainError as error:
        raise Http404(error.message) from error


def _current_files(actor: Actor, application: Application | None) -> dict[str, Any]:
    if application is None:
        return {}
    return {row.requirement.code: row.file for row in application_materials(actor, application) if row.file}


# -- applying -----------------------------------------------------------------------------------


def _own_draft(request: HttpRequest, actor: Actor, item: ServiceItem) -> Application | None:
    raw = request.POST.get("draft") or request.GET.get("draft")
    if not raw:
        return None
    try:
        draft = application_get(actor, raw)
    except DomainError as error:
        raise Http404(error.message) from error
    if (
        draft.applicant_id != actor.user_id
        or draft.status != Application.Status.DRAFT
        or draft.item.implementation_code != item.implementation_code
    ):
        raise Http404(_("草稿不存在或已提交"))
    return draft


def _done(request: HttpRequest, url: str) -> HttpResponseBase:
    """Where a saved draft or a filed application leads: a redirect, told to HTMX as HX-Redirect."""
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)


@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, implementation_code: str) -> HttpResponseBase:
    """在线申报: the guide summary, the form (prefilled), the materials with upload fields and samples,
    保存草稿 and 提交申请 (with a hidden idempotency key generated for each rendering).

    Who may not apply online for the item (网上办理深度 Ⅰ, or an applicant the item does not serve)
    is told so instead of being shown a form (`services.eligibility`). The form is posted with HTMX
    when script runs: a refused submission swaps in the form with its errors while the chosen files
    stay in their inputs (hx-preserve); without script it is an ordinary POST."""
    denied = _require_applicant(request)
    if denied is not None:
        return denied
    actor = actor_from_request(request)
    try:
        item = item_for_application(implementation_code[:40])
    except DomainError as error:
        raise Http404(error.message) from error
    draft = _own_draft(request, actor, item)
    if draft is not None and draft.item_id != item.pk:
        item = draft.item  # the version the draft was saved under
    applying = online_applying(actor, item)
    if not applying.allowed:
        if request.method == "POST" and getattr(request, "htmx", False):
            return HttpResponseClientRedirect(request.get_full_path())
        context = {
            "item": item,
            "applying": applying,
            "online_depth": ONLINE_DEPTH_LABELS.get(item.online_depth, ""),
        }
        return render(
            request, "services/pages/apply.html", context, status=400 if request.method == "POST" else 200
        )
    enterprises = enterprises_of(actor)
    materials = item_materials(item)
    current = _current_files(actor, draft)
    key = (request.POST.get("idempotency_key") or "").strip()[:64] or uuid.uuid4().hex
    chosen = (
        request.POST.get("enterprise") or (str(draft.enterprise.uid) if draft and draft.enterprise else "")
    ).strip()

    if request.method == "POST":
        intent = request.POST.get("_action", "submit")
        add_row = request.POST.get("_add_row")
        form = ApplicationForm(
            item,
            data=request.POST,
            files=request.FILES,
            draft=intent == "draft" or bool(add_row),
            materials=materials,
            current_files=current,
        )
        if not add_row and form.is_valid():
            try:
                enterprise = enterprise_for(actor, chosen or None)
                if intent == "draft":
                    saved = application_save_draft(
                        actor=actor,
                        item=item,
                        draft=draft,
                        data=form.form_data(),
                        files=form.uploads(),
                        enterprise=enterprise,
                    )
                    messages.success(request, _("草稿已保存，可随时回来继续填写。"))
                    url = reverse("services:apply", kwargs={"implementation_code": item.implementation_code})
                    return _done(request, f"{url}?draft={saved.uid}")
                application = application_submit(
                    actor=actor,
                    item=None if draft is not None else item,
                    draft=draft,
                    data=form.form_data(),
                    materials=form.uploads(),
                    idempotency_key=key,
                    enterprise=enterprise,
                )
            except DomainError as error:
                _tell(form, error)
            else:
                messages.success(
                    request, _("申请已提交，办件编号 %(no)s。") % {"no": application.application_no}
                )
                return _done(request, reverse("services:application", kwargs={"uid": application.uid}))
        elif not add_row and intent != "draft":
            _tell_materials(form, materials, current)
    else:
        if draft is not None:
            initial = draft.form_data
        else:
            user: Any = request.user
            initial = prefill(
                item.form_schema or {},
                item.form_ui or {},
                person=getattr(user, "person", None),
                enterprise=enterprises[0] if len(enterprises) == 1 else None,
                user=user,
            )
        form = ApplicationForm(item, initial_data=initial, materials=materials, current_files=current)
    template = "services/pages/apply.html"
    if request.method == "POST" and getattr(request, "htmx", False):
        template = "services/partials/apply_form.html"  # swapped in place of the form
    return render(
        request,
        template,
        {
            "item": item,
            "form": form,
            "draft": draft,
            "idempotency_key": key,
            "enterprises": enterprises,
            "chosen_enterprise": chosen,
            "online_depth": ONLINE_DEPTH_LABELS.get(item.online_depth, ""),
            "applying": applying,
        },
    )


# -- 我的办件 -------------------------------------------------------------------------------------


def my_applications(request: HttpRequest) -> HttpResponse:
    """我的办件: number, item, status badge, submitted date and deadline, newest first."""
    denied = _require_applicant(request)
    if denied is not None:
        return denied
    actor = actor_from_request(request)
    status = request.GET.get("status", "")
    if status not in Application.Status.values:
        status = ""
    page = Paginator(applications_for_applicant(actor, status=status or None), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [{"application": a, "badge": STATUS_BADGES.get(a.status, "badge-muted")} for a in page.object_list]
    return render(
        request,
        "services/pages/my_applications.html",
        {
            "rows": rows,
            "page": page,
            "status": status,
            "statuses": Application.Status.choices,
            "query_string": f"status={status}" if status else "",
        },
    )


# -- one application ----------------------------------------------------------------------------


def _detail_context(
    request: HttpRequest, application: Application, form: ApplicationForm | None = None
) -> dict[str, Any]:
    actor = actor_from_request(request)
    notice = correction_notice(actor, application)
    is_applicant = application.applicant_id == actor.user_id
    if form is None and notice is not None and is_applicant:
        form = ApplicationForm(
            application.item,
            initial_data=application.form_data,
            materials=item_materials(application.item),
            current_files=_current_files(actor, application),
            requested_materials=notice.requested_codes + notice.materials,
        )
    return {
        "application": application,
        "badge": STATUS_BADGES.get(application.status, "badge-muted"),
        "timeline": application_timeline(actor, application),
        "notice": notice,
        "materials": application_materials(actor, application),
        "form": form,
        "can_withdraw": is_applicant and application.status in WITHDRAWABLE - {Application.Status.DRAFT},
        "can_discard": is_applicant and application.status == Application.Status.DRAFT,
        "is_applicant": is_applicant,
        "result_ready": application.result_file_id is not None
        and application.status == Application.Status.COMPLETED,
    }


def application_detail(request: HttpRequest, uid: UUID) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    application = _load(request, uid)
    return render(request, "services/pages/application_detail.html", _detail_context(request, application))


@require_POST
def application_resubmit_view(request: HttpRequest, uid: UUID) -> HttpResponse:
    """提交补正: the corrected form and the requested materials."""
    denied = _require_applicant(request)
    if denied is not None:
        return denied
    actor = actor_from_request(request)
    application = _load(request, uid)
    materials = item_materials(application.item)
    current = _current_files(actor, application)
    form = ApplicationForm(
        application.item,
        data=request.POST,
        files=request.FILES,
        draft=bool(request.POST.get("_add_row")),
        materials=materials,
        current_files=current,
    )
    if not request.POST.get("_add_row") and form.is_valid():
        try:
            application_resubmit(
                actor=actor, application=application, data=form.form_data(), materials=form.uploads()
            )
        except DomainError as error:
            _tell(form, error)
        else:
            messages.success(request, _("补正材料已提交，请等待受理。"))
            return redirect("services:application", uid=application.uid)
    elif not request.POST.get("_add_row"):
        notice = correction_notice(actor, application)
        requested = [*notice.requested_codes, *notice.materials] if notice is not None else []
        _tell_materials(form, materials, current, requested)
    context = _detail_context(request, application, form=form)
    return render(
        request, "services/pages/application_detail.html", context, status=400 if form.errors else 200
    )


@require_POST
def application_withdraw_view(request: HttpRequest, uid: UUID) -> HttpResponse:
    denied = _require_applicant(request)
    if denied is not None:
        return denied
    application = _load(request, uid)
    try:
        application_withdraw(
            actor=actor_from_request(request), application=application, reason=request.POST.get("reason", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("申请已撤回。"))
    return redirect("services:application", uid=application.uid)


@require_POST
def application_discard_view(request: HttpRequest, uid: UUID) -> HttpResponse:
    """删除草稿, back to 我的办件."""
    denied = _require_applicant(request)
    if denied is not None:
        return denied
    application = _load(request, uid)
    try:
        application_draft_discard(actor=actor_from_request(request), application=application)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("services:application", uid=application.uid)
    messages.success(request, _("草稿已删除。"))
    return redirect("services:my-applications")


def application_result(request: HttpRequest, uid: UUID) -> HttpResponseBase:
    """Download the result document (审批结果) of a completed application."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    application = _load(request, uid)
    try:
        stored = application_result_file(actor_from_request(request), application)
    except DomainError as error:
        raise Http404(error.message) from error
    return file_response(stored)


urlpatterns: list[URLPattern] = [
    path("items/<str:implementation_code>/apply/", apply, name="apply"),
    path("applications/", my_applications, name="my-applications"),
    path("applications/<uuid:uid>/", application_detail, name="application"),
    path("applications/<uuid:uid>/resubmit/", application_resubmit_view, name="application-resubmit"),
    path("applications/<uuid:uid>/withdraw/", application_withdraw_view, name="application-withdraw"),
    path("applications/<uuid:uid>/discard/", application_discard_view, name="application-discard"),
    path("applications/<uuid:uid>/result/", application_result, name="application-result"),
]
