"""A day at the office: both closed loops from first contact to the end, as the people involved
would tell it."""

from __future__ import annotations

import pytest

from yiwang.core.models import Notification
from yiwang.core.tests.factories import PersonFactory
from yiwang.identity.models import DataScope
from yiwang.workflow.actions import instance_start, tick, transition
from yiwang.workflow.selectors import available_actions, history_for, inbox_for

from .factories import actor, at, staff


def test_a_citizen_applies_for_a_food_business_licence(definitions, city, citizen):
    """王小明 applies online for 食品经营许可 on the eve of National Day; the window asks for a
    correction, he resubmits, the case is reviewed, approved and completed within the promise."""
    window = actor(staff(city["market"], roles=["window_clerk"], name="窗口小张"))
    reviewer = actor(staff(city["market"], roles=["approver"], name="审批科老李"))
    head = actor(staff(city["market"], roles=["department_head"], name="市场监管局陈局"))
    applicant = actor(citizen)
    shop = PersonFactory()

    # 9-30 16:00 — submitted online. 受理 due on the first working day after the holiday.
    case = instance_start(
        actor=applicant,
        definition_code="yiwang_tongban",
        obj=shop,
        organization=city["market"],
        title="王小明 食品经营许可（新办）",
        owner=citizen,
        now=at("2026-09-30 16:00"),
    )
    assert case.state_deadline == at("2026-10-08 17:30")
    assert [i.pk for i in inbox_for(window)] == [case.pk]

    # 10-08 09:30 — the window finds the floor plan missing: 一次性告知补正, the clock stops.
    transition(
        instance=case,
        action="request_correction",
        actor=window,
        now=at("2026-10-08 09:30"),
        fields={"reason": "缺少经营场所平面图", "materials": ["经营场所平面图"]},
    )
    assert inbox_for(window).count() == 0
    assert [a.code for a in available_actions(case, applicant)] == ["resubmit", "withdraw"]
    assert [i.pk for i in inbox_for(applicant)] == [case.pk]

    # The timer passes over a suspended case without flagging it.
    tick(now=at("2026-10-15 09:00"))
    case.refresh_from_db()
    assert case.overdue is False

    # 10-16 (Fri) 10:00 — 王小明 uploads the plan; the clock restarts.
    transition(
        instance=case, action="resubmit", actor=applicant, comment="已上传平面图", now=at("2026-10-16 10:00")
    )
    # 10-19 — accepted, reviewed the next day, decided and completed.
    transition(instance=case, action="accept", actor=window, comment="材料齐全", now=at("2026-10-19 09:10"))
    transition(
        instance=case, action="review", actor=reviewer, comment="现场核查符合要求", now=at("2026-10-20 15:00")
    )
    assert [a.code for a in available_actions(case, head)] == ["approve", "deny", "extend"]
    transition(instance=case, action="approve", actor=head, comment="准予许可", now=at("2026-10-21 10:00"))
    transition(
        instance=case, action="complete", actor=window, comment="证照已送达", now=at("2026-10-21 14:00")
    )

    assert case.state == "completed"
    assert case.completed_at == at("2026-10-21 14:00")
    assert case.overdue is False  # within the promise once the correction time is left out
    history = [(e.action, e.actor_label) for e in history_for(case, applicant)]
    assert history == [
        ("start", "王小明"),
        ("request_correction", "窗口小张"),
        ("resubmit", "王小明"),
        ("accept", "窗口小张"),
        ("review", "审批科老李"),
        ("approve", "市场监管局陈局"),
        ("complete", "窗口小张"),
    ]


def test_a_noise_complaint_goes_round_the_12345_loop(definitions, city):
    """A caller reports night-time construction noise at 20:30. The agent registers the ticket; the
    night-shift dispatcher sends it within the two (natural) hours — to the wrong bureau, whose duty
    officer returns it; the right bureau signs only the next morning (the supervisor is alerted in the
    night), handles, replies; the centre closes it, which stops the ticket's clock, and the caller is
    called back."""
    agent = actor(staff(city["hotline"], roles=["hotline_agent"], scope=DataScope.REGION, name="话务员小周"))
    dispatcher = actor(
        staff(city["hotline"], roles=["hotline_dispatcher"], scope=DataScope.REGION, name="派单员小吴")
    )
    market_officer = actor(staff(city["market"], roles=["handling_officer"], name="市场局值班员"))
    housing_officer = actor(staff(city["housing"], roles=["handling_officer"], name="住建局承办人"))
    supervisor = staff(city["government"], roles=["supervisor"], name="督查室老刘")
    caller_record = PersonFactory()

    ticket = instance_start(
        actor=agent,
        definition_code="hotline_12345",
        obj=caller_record,
        organization=city["hotline"],
        title="工地夜间施工噪音扰民",
        now=at("2026-11-10 20:30"),
    )
    # Tue 11-10 20:30: 2 natural hours to dispatch → 22:30 the same night. The ticket's own limit is
    # 5 working days counted from the next working day (Wed, Thu, Fri, Mon, Tue) → Tue 11-17 17:30.
    assert ticket.state_deadline == at("2026-11-10 22:30")
    assert ticket.deadline == at("2026-11-17 17:30")

    transition(
        instance=ticket,
        action="dispatch",
        actor=dispatcher,
        organization=city["market"],
        comment="转市场监管局",
        now=at("2026-11-10 21:05"),
    )
    assert ticket.state_deadline == at("2026-11-10 23:05")  # 签收 within 2 natural hours
    with pytest.raises(Exception) as exc_info:
        transition(instance=ticket, action="sign_for", actor=housing_officer, now=at("2026-11-10 21:10"))
    assert exc_info.value.code == "workflow_forbidden"
    transition(
        instance=ticket,
        action="return_ticket",
        actor=market_officer,
        now=at("2026-11-10 21:30"),
        fields={"reason": "建筑施工噪音属住建部门职责"},
    )
    transition(
        instance=ticket,
        action="redispatch",
        actor=dispatcher,
        organization=city["housing"],
        comment="改派住建局",
        now=at("2026-11-10 21:40"),
    )
    assert ticket.state_deadline == at("2026-11-10 23:40")  # 21:40 + 2 natural hours

    # Nobody signs for it by 23:40: the supervisor gets one reminder, however often the timer runs.
    tick(now=at("2026-11-10 23:45"))
    tick(now=at("2026-11-11 00:30"))
    assert Notification.objects.filter(recipient=supervisor).count() == 1

    transition(instance=ticket, action="sign_for", actor=housing_officer, now=at("2026-11-11 09:10"))
    assert ticket.overdue is False and ticket.assignee == housing_officer.user
    assert (ticket.state_deadline, ticket.deadline) == (None, at("2026-11-17 17:30"))
    transition(
        instance=ticket,
        action="reply",
        actor=housing_officer,
        comment="已责令施工单位停止夜间施工并立案处罚",
        now=at("2026-11-13 16:00"),
    )
    transition(instance=ticket, action="close", actor=dispatcher, now=at("2026-11-16 09:30"))
    # 办结 a day before Tue 11-17 17:30 meets the limit: the overall clock stops; 回访 within 3 working
    # days (Tue, Wed, Thu) → Thu 11-19 17:30.
    assert (ticket.deadline, ticket.state_deadline) == (None, at("2026-11-19 17:30"))
    transition(
        instance=ticket,
        action="callback",
        actor=agent,
        comment="来电人表示满意",
        now=at("2026-11-16 11:00"),
        fields={"satisfaction": "satisfied", "contacted": True, "resolved": True},
    )

    assert ticket.state == "archived" and ticket.completed_at == at("2026-11-16 11:00")
    assert ticket.overdue is False
    assert [e.action for e in history_for(ticket, dispatcher)] == [
        "start",
        "dispatch",
        "return_ticket",
        "redispatch",
        "sign_for",
        "reply",
        "close",
        "callback",
    ]
