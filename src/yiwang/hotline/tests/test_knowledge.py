"""The knowledge base: a department writes an entry, agents find it and answer a 咨询 on the spot;
expired and retired entries are not offered; an unanswered question becomes a candidate."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from yiwang.core.errors import PermissionDenied
from yiwang.hotline.actions.knowledge import (
    knowledge_candidate_create,
    knowledge_entry_retire,
    knowledge_entry_save,
)
from yiwang.hotline.actions.tickets import ticket_answer, ticket_register
from yiwang.hotline.models import KnowledgeEntry, Ticket
from yiwang.hotline.selectors.knowledge import knowledge_search

pytestmark = pytest.mark.django_db


def _entry(city, code="kb-hrss-001", **extra):
    values = {
        "actor": city.actor("hrss"),
        "code": code,
        "organization": city.orgs["hrss"],
        "title": "社保断缴后如何补缴",
        "answer": "断缴 3 个月内可在示范市人社局 5 号窗口或手机端补缴。",
        "question_variants": ["社保断了几个月怎么补交"],
        "keywords": ["社保", "补缴"],
    }
    values.update(extra)
    return knowledge_entry_save(**values)


def test_a_department_entry_is_found_by_the_callers_words_and_answers_a_consultation(hotline_city):
    city = hotline_city
    entry = _entry(city)
    _entry(city, code="kb-hrss-002", title="失业金怎么领", answer="失业登记后……", keywords=["失业金"])
    hits = knowledge_search("我社保断交了两个月还能补吗")
    assert hits[0].entry == entry
    ticket = ticket_register(actor=city.actor("agent"), kind="consult", content="社保断交了两个月还能补吗")
    ticket_answer(actor=city.actor("agent"), ticket=ticket, comment=entry.answer, entry=entry)
    ticket.refresh_from_db()
    entry.refresh_from_db()
    assert (ticket.status, ticket.knowledge_entry, entry.uses) == (Ticket.Status.CLOSED, entry, 1)


def test_expired_and_retired_entries_are_not_offered(hotline_city):
    city = hotline_city
    today = timezone.localdate()
    _entry(city, valid_until=today - timedelta(days=1), valid_from=date(2020, 1, 1))
    assert knowledge_search("社保补缴") == []
    entry = _entry(city, valid_until=None)
    assert [hit.entry for hit in knowledge_search("社保补缴")] == [entry]
    knowledge_entry_retire(actor=city.actor("hrss"), entry=entry)
    assert knowledge_search("社保补缴") == []


def test_another_department_cannot_edit_the_entry(hotline_city):
    city = hotline_city
    _entry(city)
    with pytest.raises(PermissionDenied):
        _entry(city, actor=city.actor("urban"), title="改掉")
    assert KnowledgeEntry.objects.get().title == "社保断缴后如何补缴"


def test_an_unanswered_question_becomes_a_candidate_the_department_answers(client, hotline_city):
    city = hotline_city
    ticket = ticket_register(actor=city.actor("agent"), kind="consult", content="灵活就业人员医保怎么交")
    candidate = knowledge_candidate_create(actor=city.actor("agent"), ticket=ticket, question=ticket.content)
    assert candidate.status == KnowledgeEntry.Status.CANDIDATE
    assert knowledge_search("灵活就业医保") == []  # a candidate has no answer yet
    client.force_login(city.users["hrss"])
    response = client.post(
        reverse("hotline:knowledge-edit", kwargs={"code": candidate.code}),
        {
            "code": "kb-hrss-010",
            "organization": "city-hrss",
            "title": "灵活就业人员如何缴纳医保",
            "answer": "可在手机端“示范医保”按月缴纳。",
            "keywords": "灵活就业,医保",
        },
    )
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == KnowledgeEntry.Status.RETIRED
    assert knowledge_search("灵活就业医保")[0].entry.code == "kb-hrss-010"
    listing = client.get(reverse("hotline:knowledge")).content.decode()
    assert "灵活就业人员如何缴纳医保" in listing
