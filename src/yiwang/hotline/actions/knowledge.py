"""Writes on the knowledge base: a department keeps its entries current (edit, review, retire); a
咨询 nobody could answer becomes a candidate entry for the responsible department to write."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from yiwang.core.audit import audit_record
from yiwang.core.errors import InvalidInput, PermissionDenied
from yiwang.core.models import Organization
from yiwang.hotline import search
from yiwang.hotline.models import KnowledgeEntry, Ticket, TicketCategory
from yiwang.hotline.permissions import MANAGE_KNOWLEDGE, REGISTER_TICKET
from yiwang.identity.actor import Actor

REVIEW_INTERVAL_DAYS = 180  # 定期复核: every half year unless the department says otherwise


def _require(actor: Actor, organization: Organization | None) -> None:
    if actor.is_system:
        return
    reaches = organization is not None and actor.can_reach(
        MANAGE_KNOWLEDGE,
        organization_id=organization.pk,
        organization_path=organization.path,
        region_path=organization.region.path,
    )
    if not reaches and not (organization is None and actor.has_perm(MANAGE_KNOWLEDGE)):
        raise PermissionDenied("您没有维护该部门知识库的权限", code="hotline_forbidden")


def _text(value: Any, label: str, limit: int, *, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise InvalidInput(f"请填写{label}", code="hotline_field_required")
    if len(text) > limit:
        raise InvalidInput(f"{label}不超过 {limit} 字", code="hotline_field_too_long")
    return text


def _lines(values: Sequence[str], label: str, *, limit: int = 20) -> list[str]:
    items = [str(v).strip()[:200] for v in values if str(v).strip()]
    if len(items) > limit:
        raise InvalidInput(f"{label}最多 {limit} 条", code="hotline_field_too_long")
    return items


def tokens_of(entry: KnowledgeEntry) -> str:
    return " ".join(search.entry_tokens(entry.title, entry.question_variants, entry.answer, entry.keywords))


def knowledge_entry_save(
    *,
    actor: Actor,
    code: str,
    organization: Organization | None,
    title: str,
    answer: str,
    question_variants: Sequence[str] = (),
    keywords: Sequence[str] = (),
    category: TicketCategory | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
    review_due: date | None = None,
    now: Any = None,
) -> KnowledgeEntry:
    """Create or update (by code) a published entry of a department; its search tokens follow."""
    now = now or timezone.now()
    _require(actor, organization)
    if not code or len(code) > 64 or not all(ch.isalnum() or ch in "-_" for ch in code):
        raise InvalidInput("编码只能由字母、数字、短横线组成，最长 64 位", code="hotline_field_invalid")
    title = _text(title, "标题", 200, required=True)
    answer = _text(answer, "答复口径", 4000, required=True)
    if valid_from and valid_until and valid_until < valid_from:
        raise InvalidInput("有效期至不能早于生效日期", code="hotline_field_invalid")
    with transaction.atomic():
        # No ordering: the default one (by the nullable department) would outer-join, which FOR UPDATE refuses.
        entry = KnowledgeEntry.objects.select_for_update().filter(code=code).order_by("pk").first()
        created = entry is None
        if entry is None:
            entry = KnowledgeEntry(code=code)
        elif entry.organization_id is not None:
            _require(actor, entry.organization)
        entry.organization = organization
        entry.title, entry.answer = title, answer
        entry.question_variants = _lines(question_variants, "常见问法")
        entry.keywords = _lines(keywords, "关键词", limit=30)
        entry.category = category
        entry.valid_from, entry.valid_until = valid_from, valid_until
        entry.review_due = review_due or timezone.localdate(now) + timedelta(days=REVIEW_INTERVAL_DAYS)
        entry.status = KnowledgeEntry.Status.PUBLISHED
        entry.reviewed_at = now
        entry.search_tokens = tokens_of(entry)
        entry.save()
        audit_record(
            actor=actor,
            action="hotline.knowledge_entry_save",
            obj=entry,
            summary=f"{'新增' if created else '修改'}知识库条目「{title}」"[:255],
            data={"code": code, "organization": organization.code if organization else None},
        )
    return entry


def knowledge_entry_review(*, actor: Actor, entry: KnowledgeEntry, now: Any = None) -> KnowledgeEntry:
    """复核: the department confirms the entry is still right; the next review is due in half a year."""
    now = now or timezone.now()
    _require(actor, entry.organization)
    with transaction.atomic():
        entry.reviewed_at = now
        entry.review_due = timezone.localdate(now) + timedelta(days=REVIEW_INTERVAL_DAYS)
        entry.save(update_fields=["reviewed_at", "review_due", "updated_at"])
        audit_record(
            actor=actor,
            action="hotline.knowledge_entry_review",
            obj=entry,
            summary=f"复核知识库条目「{entry.title}」",
        )
    return entry


def knowledge_entry_retire(*, actor: Actor, entry: KnowledgeEntry) -> KnowledgeEntry:
    _require(actor, entry.organization)
    with transaction.atomic():
        entry.status = KnowledgeEntry.Status.RETIRED
        entry.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="hotline.knowledge_entry_retire",
            obj=entry,
            summary=f"停用知识库条目「{entry.title}」",
        )
    return entry


def knowledge_candidate_create(
    *, actor: Actor, ticket: Ticket, question: str, organization: Organization | None = None
) -> KnowledgeEntry:
    """待编写: an agent found no entry for a 咨询; the question waits for a department to answer it."""
    if not actor.has_perm(REGISTER_TICKET):
        raise PermissionDenied("您没有提交知识库需求的权限", code="hotline_forbidden")
    question = _text(question, "问题", 500, required=True)
    with transaction.atomic():
        entry = KnowledgeEntry.objects.create(
            code=f"candidate-{ticket.ticket_no}",
            organization=organization,
            title=question[:200],
            question_variants=[question],
            status=KnowledgeEntry.Status.CANDIDATE,
            source_ticket=ticket,
        )
        audit_record(
            actor=actor,
            action="hotline.knowledge_candidate_create",
            obj=entry,
            summary=f"知识库待编写：{question}"[:255],
            data={"ticket": ticket.ticket_no},
        )
    return entry
