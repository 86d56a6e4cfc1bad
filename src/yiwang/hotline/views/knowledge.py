"""知识库维护: a department keeps its entries current — writes and edits them, confirms them at the
periodic review (复核), retires them, and answers the candidate questions agents could not answer."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_POST

from yiwang.core.errors import DomainError, InvalidInput
from yiwang.hotline.actions import knowledge as actions
from yiwang.hotline.models import KnowledgeEntry
from yiwang.hotline.permissions import MANAGE_KNOWLEDGE
from yiwang.hotline.selectors import catalog as catalog_selectors
from yiwang.hotline.selectors import knowledge as selectors
from yiwang.identity.actor import Actor, actor_from_request
from yiwang.web.pagination import CappedPaginator

PAGE_SIZE = 30
STATUS_CHOICES = [("", "全部"), *KnowledgeEntry.Status.choices]


def _keeper(request: HttpRequest) -> Actor | HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    actor = actor_from_request(request)
    if not actor.has_perm(MANAGE_KNOWLEDGE):
        raise DjangoPermissionDenied("知识库维护仅供承办部门和热线中心有维护权限的工作人员使用。")
    return actor


def entries(request: HttpRequest) -> HttpResponse:
    actor = _keeper(request)
    if isinstance(actor, HttpResponse):
        return actor
    status = request.GET.get("status", "")
    due = request.GET.get("due") in ("1", "on")
    q = request.GET.get("q", "").strip()[:64]
    page = CappedPaginator(
        selectors.entries_for(actor, status=status, search_text=q, due_for_review=due), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "hotline/pages/knowledge.html",
        {
            "page": page,
            "entries": list(page.object_list),
            "status": status,
            "status_choices": STATUS_CHOICES,
            "due": due,
            "q": q,
            "today": timezone.localdate(),
            "query_string": query.urlencode(),
            "filtered": bool(status or due or q),
        },
    )


def _date(value: str, label: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise InvalidInput(f"{label}格式应为 年-月-日", code="hotline_field_invalid") from error


def entry_edit(request: HttpRequest, code: str = "") -> HttpResponse:
    """New entry (no code) or an existing one; a candidate is answered by editing it."""
    actor = _keeper(request)
    if isinstance(actor, HttpResponse):
        return actor
    entry = None
    if code:
        try:
            entry = selectors.entry_for(actor, code)
        except DomainError as error:
            raise Http404(error.message) from error
    organizations = [
        o for o in catalog_selectors.handling_organizations() if o.pk in actor.organization_ids
    ] or list(catalog_selectors.handling_organizations())
    if request.method == "POST":
        post = request.POST
        try:
            organization = catalog_selectors.organization_by_code(post.get("organization", ""))
            saved = actions.knowledge_entry_save(
                actor=actor,
                code=(
                    entry.code
                    if entry and entry.status != KnowledgeEntry.Status.CANDIDATE
                    else post.get("code", "")
                ).strip(),
                organization=organization,
                title=post.get("title", ""),
                answer=post.get("answer", ""),
                question_variants=post.get("question_variants", "").splitlines(),
                keywords=[k for k in post.get("keywords", "").replace("，", ",").split(",") if k.strip()],
                valid_from=_date(post.get("valid_from", ""), "生效日期"),
                valid_until=_date(post.get("valid_until", ""), "有效期至"),
            )
            if entry is not None and entry.status == KnowledgeEntry.Status.CANDIDATE and saved.pk != entry.pk:
                actions.knowledge_entry_retire(actor=actor, entry=entry)  # the candidate is answered
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"已保存知识库条目：{saved.title}")
            return redirect("hotline:knowledge")
    return render(
        request,
        "hotline/pages/knowledge_edit.html",
        {
            "entry": entry,
            "organizations": organizations,
            "post": request.POST if request.method == "POST" else None,
        },
    )


@require_POST
def entry_review(request: HttpRequest, code: str) -> HttpResponse:
    actor = _keeper(request)
    if isinstance(actor, HttpResponse):
        return actor
    try:
        entry = selectors.entry_for(actor, code)
        if request.POST.get("retire"):
            actions.knowledge_entry_retire(actor=actor, entry=entry)
            messages.success(request, f"已停用：{entry.title}")
        else:
            actions.knowledge_entry_review(actor=actor, entry=entry)
            messages.success(request, f"已复核：{entry.title}，下次复核 {entry.review_due:%Y年%m月%d日}")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("hotline:knowledge")


urlpatterns: list[URLPattern] = [
    path("knowledge/", entries, name="knowledge"),
    path("knowledge/new/", entry_edit, name="knowledge-new"),
    path("knowledge/<slug:code>/", entry_edit, name="knowledge-edit"),
    path("knowledge/<slug:code>/review/", entry_review, name="knowledge-review"),
]
