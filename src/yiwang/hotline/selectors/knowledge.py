"""Reads of the knowledge base (政务问答台): search for agents, and each department's own entries.

Search ranks the published, currently valid entries with BM25 (`hotline.search`) over the tokens
stored with each entry (`KnowledgeEntry.search_tokens`, written by `actions.knowledge`), so a query
segments only its own words. The answers are public wording for callers: every staff member who
answers calls may read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from yiwang.core.errors import NotFound
from yiwang.hotline import search
from yiwang.hotline.models import KnowledgeEntry
from yiwang.hotline.permissions import MANAGE_KNOWLEDGE
from yiwang.identity.actor import Actor

NOT_FOUND_MESSAGE = "知识库条目不存在或无权查看"


def current_q(today: date) -> Q:
    return (
        Q(status=KnowledgeEntry.Status.PUBLISHED)
        & (Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        & (Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    )


@dataclass(frozen=True)
class KnowledgeHit:
    entry: KnowledgeEntry
    score: float


def knowledge_search(query: str, *, limit: int = 5, today: date | None = None) -> list[KnowledgeHit]:
    """The best current entries for a caller's words, best first."""
    if not query.strip():
        return []
    today = today or timezone.localdate()
    # scope: public answers, read by every agent
    rows = list(
        KnowledgeEntry.objects.filter(current_q(today)).order_by("code").values_list("pk", "search_tokens")
    )
    index = search.Bm25Index([(pk, tokens.split()) for pk, tokens in rows])
    hits = index.search(query, limit=limit)
    # scope: public answers, read by every agent
    entries = KnowledgeEntry.objects.select_related("organization").in_bulk([hit.key for hit in hits])
    return [KnowledgeHit(entries[hit.key], hit.score) for hit in hits if hit.key in entries]


def entries_for(
    actor: Actor, *, status: str = "", search_text: str = "", due_for_review: bool = False
) -> QuerySet[KnowledgeEntry]:
    """The entries a department keeps (the centre's dispatchers: all), for the maintenance list."""
    if not actor.has_perm(MANAGE_KNOWLEDGE):
        return KnowledgeEntry.objects.none()
    entries = KnowledgeEntry.objects.for_actor(actor, MANAGE_KNOWLEDGE, also=Q(organization__isnull=True))
    if status in KnowledgeEntry.Status.values:
        entries = entries.filter(status=status)
    if search_text.strip():
        entries = entries.filter(title__contains=search_text.strip()[:64])
    if due_for_review:
        entries = entries.filter(review_due__lte=timezone.localdate())
    return entries.select_related("organization").order_by("status", "review_due", "code")


def entry_for(actor: Actor, code: str) -> KnowledgeEntry:
    entry = entries_for(actor).filter(code=code).first()
    if entry is None:
        raise NotFound(NOT_FOUND_MESSAGE, code="hotline_entry_not_found")
    return entry


def public_entry(code: str, *, today: date | None = None) -> KnowledgeEntry:
    """A current entry for an agent to read in full."""
    today = today or timezone.localdate()
    # scope: public answers, read by every agent
    entry = KnowledgeEntry.objects.filter(current_q(today), code=code).select_related("organization").first()
    if entry is None:
        raise NotFound(NOT_FOUND_MESSAGE, code="hotline_entry_not_found")
    return entry
