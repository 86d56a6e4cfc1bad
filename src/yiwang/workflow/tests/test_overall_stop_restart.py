"""The overall clock stops and restarts (issue 13): 办结 meets a 12345 ticket's time limit, so a ticket
awaiting 回访 is never overdue however late the timer runs; 不满意重办 / 复核重办 start the clock
again from the action, with the time limit the caller passes (`transition(sla=…)`) or else the
definition's; a malformed time limit is refused and changes nothing.

All moments are Beijing time on the office calendar (09:00-12:00, 13:30-17:30; no holiday or 调休
in November 2026, so Mon-Fri are working days); N working days count from the next working day."""

from __future__ import annotations

import pytest

from yiwang.core.errors import InvalidInput
from yiwang.core.models import AuditEvent, Notification
from yiwang.identity.actor import Actor
from yiwang.identity.models import DataScope
from yiwang.workflow.actions import definition_publish, definition_save, instance_start, tick, transition
from yiwang.workflow.models import Escalation, ProcessInstance

from .factories import actor, at, dispatched_ticket, staff

SLA_INVALID = "时限应为一种计时方式及其数值，如 {working_days: 5}、{working_hours: 4} 或 {natural_hours: 1}"


@pytest.fixture
def closed_ticket(definitions, city, subject):
    """A 12345 ticket registered Mon 11-02 09:00 (overall limit 5 working days → Mon 11-09 17:30),
    signed for at 10:00, replied Mon 11-09 15:00 and closed (办结) at 16:00, before its deadline.
    Returns (ticket, officer, dispatcher, agent)."""
    officer = staff(city["housing"], roles=["handling_officer"], name="李办理")
    ticket, dispatcher = dispatched_ticket(city, subject, title="小区路灯不亮", when="2026-11-02 09:00")
    # After the helper's own agent: a role's data scope is shared by everyone holding it.
    agent = staff(city["hotline"], roles=["hotline_agent"], scope=DataScope.REGION, name="话务员小周")
    assert ticket.deadline == at("2026-11-09 17:30")
    transition(instance=ticket, action="sign_for", actor=actor(officer), now=at("2026-11-02 10:00"))
    transition(
        instance=ticket, action="reply", actor=actor(officer), comment="已修复", now=at("2026-11-09 15:00")
    )
    transition(instance=ticket, action="close", actor=actor(dispatcher), now=at("2026-11-09 16:00"))
    return ticket, officer, dispatcher, agent


# -- stops_overall ----------------------------------------------------------------------------------


def test_closing_a_ticket_stops_its_overall_clock_and_the_timer_never_flags_it(closed_ticket, city):
    ticket, _officer, _dispatcher, _agent = closed_ticket
    staff(city["housing"], roles=["department_head"], scope=DataScope.DEPARTMENT_TREE, name="住建局长")
    staff(city["hotline"], roles=["supervisor"], scope=DataScope.REGION, name="督查室")

    # 办结 at Mon 11-09 16:00: no overall deadline any more; only 回访's own 3 working days (Tue, Wed,
    # Thu → Thu 11-12 17:30) are left, and the lists show that clock.
    assert (ticket.state, ticket.deadline, ticket.warning_lead_seconds) == ("closed", None, None)
    assert ticket.state_deadline == at("2026-11-12 17:30")
    assert (ticket.due_at, ticket.worklist_clock, ticket.worklist_deadline) == (
        at("2026-11-12 17:30"),
        "state",
        at("2026-11-12 17:30"),
    )
    assert (ticket.warning, ticket.overdue) == (False, False)

    # Wed 11-11 10:00, two days past the old deadline (Mon 11-09 17:30): nothing to flag, and the
    # definition's overdue chain (officer → head → 督办 → leader) stays silent. 回访's warning comes at
    # 80 % of its 22.5 office hours (Mon 1.5 h + Tue, Wed, Thu 7 h each): 18 h in → Thu 11-12 11:30.
    result = tick(now=at("2026-11-11 10:00"))
    ticket.refresh_from_db()
    assert (result.warned, result.overdue, result.escalations, result.notifications) == (0, 0, 0, 0)
    assert (ticket.warning, ticket.overdue, ticket.warning_at) == (False, False, at("2026-11-12 11:30"))
    assert not Escalation.objects.filter(instance=ticket).exists()
    assert not Notification.objects.exists()

    # Fri 11-13 09:00: 回访 is overdue, so the system archives the ticket; it ends on time.
    # (The timer counts that tick's 回访 lapse in `warned`/`overdue` before archiving; the ticket ends
    # unflagged.)
    archived = tick(now=at("2026-11-13 09:00"))
    ticket.refresh_from_db()
    assert (archived.auto_actions, archived.notifications) == (1, 0)
    assert (ticket.state, ticket.completed_at) == ("archived", at("2026-11-13 09:00"))
    assert (ticket.deadline, ticket.overdue) == (None, False)

    tick(now=at("2026-12-31 12:00"))
    ticket.refresh_from_db()
    assert (ticket.warning, ticket.overdue) == (False, False)
    assert list(Escalation.objects.filter(instance=ticket).values_list("rule", "kind")) == [
        ("state:closed:0", "overdue")
    ]
    assert not Notification.objects.exists()


# One working day for the whole case; 待确认 stops that clock or not, and has no clock of its own.
def _waiting_definition(*, stops: bool) -> dict:
    return {
        "sla": {"working_days": 1},
        "escalations": [{"after": "overdue", "notify_roles": ["supervisor"]}],
        "states": [
            {"code": "open", "name": "办理中", "type": "start"},
            {"code": "waiting", "name": "待确认", "type": "normal", "stops_overall": stops},
            {"code": "done", "name": "已办结", "type": "terminal"},
        ],
        "actions": [
            {"code": "finish", "name": "办结", "from": ["open"], "to": "waiting"},
            {"code": "confirm", "name": "确认", "from": ["waiting"], "to": "done"},
        ],
    }


@pytest.mark.parametrize(("stops", "flagged"), [(True, False), (False, True)])
def test_a_state_that_stops_the_overall_clock_leaves_nothing_to_flag_or_escalate(
    db, city, subject, stops, flagged
):
    staff(city["government"], roles=["supervisor"], name="督查室")
    draft = definition_save(
        actor=Actor.system(),
        code="waiting_loop",
        name="待确认流程",
        definition=_waiting_definition(stops=stops),
    )
    definition_publish(actor=Actor.system(), definition=draft)
    instance = instance_start(
        actor=Actor.system(),
        definition_code="waiting_loop",
        obj=subject,
        organization=city["market"],
        title="测试事项",
        now=at("2026-11-02 09:00"),
    )
    # 1 working day from Mon 11-02 09:00 → Tue 11-03 17:30.
    assert instance.deadline == at("2026-11-03 17:30")
    transition(instance=instance, action="finish", actor=Actor.system(), now=at("2026-11-02 15:00"))

    # A month after the deadline the timer runs: only a clock that still runs can be overdue.
    result = tick(now=at("2026-12-03 09:00"))

    instance.refresh_from_db()
    assert instance.deadline == (None if stops else at("2026-11-03 17:30"))
    assert (instance.overdue, result.overdue, result.escalations, result.notifications) == (
        flagged,
        int(flagged),
        int(flagged),
        int(flagged),
    )
    assert instance.escalation_due_at is None


# -- restart_overall --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sla", "deadline", "warning_at", "natural"),
    [
        # exactly 24 h after Tue 11-10 14:20; the warning at 80 % of them (19.2 h) → Wed 09:32
        ({"natural_hours": 24}, "2026-11-11 14:20", "2026-11-11 09:32", True),
        # Tue 14:20-17:30 (3 h 10 min) + Wed 09:00-09:50; the warning 48 min (20 % of 4 h) of office
        # time earlier → Wed 09:02
        ({"working_hours": 4}, "2026-11-11 09:50", "2026-11-11 09:02", False),
        # none passed: the definition's 5 working days (Wed, Thu, Fri, Mon, Tue) → Tue 11-17 17:30;
        # budget Tue 3 h 10 min + 5 × 7 h = 38 h 10 min, warning lead 20 % = 7 h 38 min of office time
        # before the deadline: all of Tue 11-17 (7 h) and Mon 16:52-17:30 → Mon 11-16 16:52
        (None, "2026-11-17 17:30", "2026-11-16 16:52", False),
    ],
)
def test_reopening_restarts_the_overall_clock_from_the_action(
    closed_ticket, sla, deadline, warning_at, natural
):
    ticket, officer, _dispatcher, agent = closed_ticket

    # Tue 11-10 14:20, a day after the old deadline (Mon 11-09 17:30): the caller is not satisfied.
    transition(
        instance=ticket,
        action="reopen",
        actor=actor(agent),
        fields={"reason": "路灯仍不亮"},
        sla=sla,
        now=at("2026-11-10 14:20"),
    )

    ticket.refresh_from_db()
    assert (ticket.state, ticket.state_deadline, ticket.assignee) == ("handling", None, officer)
    assert (ticket.deadline, ticket.natural_clock) == (at(deadline), natural)
    assert (ticket.worklist_clock, ticket.worklist_deadline) == ("overall", at(deadline))
    assert (ticket.warning_at, ticket.warning, ticket.overdue) == (at(warning_at), False, False)
    assert ticket.started_at == at("2026-11-02 09:00")  # the ticket's own dates do not move


def test_a_reopened_ticket_goes_overdue_on_its_new_clock(closed_ticket):
    ticket, _officer, _dispatcher, agent = closed_ticket
    transition(
        instance=ticket,
        action="reopen",
        actor=actor(agent),
        fields={"reason": "路灯仍不亮"},
        sla={"natural_hours": 24},
        now=at("2026-11-10 14:20"),
    )

    # Due Wed 11-11 14:20 (24 h after the reopen): not a minute earlier, notified once the chain starts.
    assert tick(now=at("2026-11-11 14:20")).overdue == 0
    result = tick(now=at("2026-11-11 14:21"))
    ticket.refresh_from_db()
    assert (result.overdue, ticket.overdue) == (1, True)
    assert list(Notification.objects.values_list("recipient__display_name", "template_code")) == [
        ("李办理", "workflow.overdue")
    ]


def test_recheck_restarts_the_overall_clock_with_the_callers_time_limit(closed_ticket):
    ticket, _officer, dispatcher, agent = closed_ticket
    transition(
        instance=ticket,
        action="callback",
        actor=actor(agent),
        fields={"satisfaction": "dissatisfied", "resolved": False},
        now=at("2026-11-09 17:00"),
    )
    assert (ticket.state, ticket.deadline) == ("archived", None)

    transition(
        instance=ticket,
        action="recheck",
        actor=actor(dispatcher),
        fields={"reason": "复核发现未修复"},
        sla={"working_days": 2},
        now=at("2026-11-12 10:00"),
    )

    # 2 working days from Thu 11-12 10:00: Fri 11-13, Mon 11-16 → Mon 11-16 17:30.
    ticket.refresh_from_db()
    assert (ticket.state, ticket.completed_at) == ("handling", None)
    assert (ticket.deadline, ticket.natural_clock, ticket.overdue) == (at("2026-11-16 17:30"), False, False)


@pytest.mark.parametrize(
    "sla",
    [
        {"natural_hours": 24, "working_days": 1},  # two clocks at once
        {"weeks": 1},  # no such unit
        {"natural_hours": -1},
        {"working_days": 1.5},  # working days are whole days
        {},
    ],
)
def test_a_bad_time_limit_is_refused_and_changes_nothing(closed_ticket, sla):
    ticket, _officer, _dispatcher, agent = closed_ticket
    before = ProcessInstance.objects.filter(pk=ticket.pk).values().get()
    events = ticket.events.count()

    with pytest.raises(InvalidInput) as exc_info:
        transition(
            instance=ticket,
            action="reopen",
            actor=actor(agent),
            fields={"reason": "路灯仍不亮"},
            sla=sla,
            now=at("2026-11-10 14:20"),
        )

    assert (exc_info.value.code, exc_info.value.message) == ("workflow_sla_invalid", SLA_INVALID)
    assert ProcessInstance.objects.filter(pk=ticket.pk).values().get() == before
    assert (ticket.state, ticket.deadline) == ("closed", None)
    assert ticket.events.count() == events
    assert not AuditEvent.objects.filter(action="workflow.reopen").exists()


def test_a_reopened_ticket_that_was_overdue_before_is_escalated_again(definitions, city, subject):
    officer = staff(city["housing"], roles=["handling_officer"], name="李办理")
    ticket, dispatcher = dispatched_ticket(city, subject, title="小区路灯不亮", when="2026-11-02 09:00")
    agent = staff(city["hotline"], roles=["hotline_agent"], scope=DataScope.REGION, name="话务员小周")
    transition(instance=ticket, action="sign_for", actor=actor(officer), now=at("2026-11-02 10:00"))
    tick(now=at("2026-11-09 17:31"))  # overdue on the first clock (Mon 11-09 17:30): the officer is told
    transition(
        instance=ticket, action="reply", actor=actor(officer), comment="已修复", now=at("2026-11-10 09:00")
    )
    transition(instance=ticket, action="close", actor=actor(dispatcher), now=at("2026-11-10 10:00"))
    transition(
        instance=ticket,
        action="reopen",
        actor=actor(agent),
        fields={"reason": "路灯仍不亮"},
        sla={"natural_hours": 24},
        now=at("2026-11-10 11:00"),
    )

    result = tick(now=at("2026-11-11 11:01"))  # overdue again, on the new clock (Wed 11-11 11:00)

    assert result.overdue == 1  # flagged …
    assert (
        Notification.objects.filter(recipient=officer, template_code="workflow.overdue").count() == 2
    )  # … told
