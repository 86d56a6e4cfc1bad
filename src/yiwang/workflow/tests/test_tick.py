"""The timer: warnings, overdue flags and escalations that fire exactly once."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from yiwang.core.models import Notification
from yiwang.identity.models import DataScope
from yiwang.workflow.actions import tick, transition
from yiwang.workflow.models import Escalation
from yiwang.workflow.tasks import tick_task

from .factories import actor, at, dispatched_ticket, staff


def _dispatched_ticket(city, subject, when):
    return dispatched_ticket(city, subject, title="井盖缺失", when=when)[0]


def test_tick_marks_warning_then_overdue_and_notifies_supervisors_once(definitions, city, subject):
    supervisor = staff(city["government"], roles=["supervisor"], name="督查室老刘")
    staff(city["other"], roles=["supervisor"])  # not above the handling department: not notified
    ticket = _dispatched_ticket(city, subject, "2026-11-09 09:00")  # 签收 due Mon 11:00, warn 10:30

    assert tick(now=at("2026-11-09 10:00")).warned == 0
    result = tick(now=at("2026-11-09 10:31"))
    ticket.refresh_from_db()
    assert (result.warned, result.overdue, ticket.warning, ticket.overdue) == (1, 0, True, False)
    assert Notification.objects.count() == 0

    result = tick(now=at("2026-11-09 11:01"))
    ticket.refresh_from_db()
    assert (result.overdue, result.escalations, result.notifications) == (1, 1, 1)
    assert ticket.overdue is True
    assert ticket.escalated_at == at("2026-11-09 11:01")
    note = Notification.objects.get()
    assert note.recipient == supervisor
    assert (note.template_code, note.title) == ("workflow.escalation", "督办：井盖缺失")
    assert note.link == f"/workbench/instances/{ticket.pk}/"

    again = tick(now=at("2026-11-09 11:30"))
    assert (again.overdue, again.escalations, again.notifications) == (0, 0, 0)
    assert Notification.objects.count() == 1
    assert Escalation.objects.filter(instance=ticket, kind="overdue").count() == 1


def test_acting_clears_the_flags_and_the_new_state_gets_its_own_escalations(definitions, city, subject):
    """待签收, 已退单 and 待签收 again each carry their own 2-natural-hour clock and overdue → supervisor
    rule: every move clears the flags, and each entered state escalates once on its own clock."""
    officer = staff(city["housing"], roles=["handling_officer"])
    supervisor = staff(city["government"], roles=["supervisor"], name="督查室老刘")
    ticket, dispatcher = dispatched_ticket(city, subject, title="井盖缺失", when="2026-11-09 09:00")
    first = tick(now=at("2026-11-09 11:01"))  # 签收 due 09:00 + 2 h = 11:00
    assert (first.overdue, first.escalations, first.notifications) == (1, 1, 1)

    transition(
        instance=ticket,
        action="return_ticket",
        actor=actor(officer),
        now=at("2026-11-09 11:30"),
        fields={"reason": "井盖属市政设施，不属本局"},
    )
    assert (ticket.state, ticket.warning, ticket.overdue) == ("returned", False, False)
    # 已退单 has its own 2 natural hours: 11:30 → 13:30; the definition's warning ratio 0.8 leaves a
    # lead of 24 min → warning at 13:06 (the overall clock, due Mon 11-16 17:30, warns much later).
    assert ticket.state_deadline == at("2026-11-09 13:30")
    assert ticket.warning_at == at("2026-11-09 13:06")

    warned = tick(now=at("2026-11-09 13:10"))
    assert (warned.warned, warned.overdue, warned.escalations) == (1, 0, 0)
    overdue = tick(now=at("2026-11-09 13:31"))  # 已退单's own rule fires on its own clock
    assert (overdue.overdue, overdue.escalations, overdue.notifications) == (1, 1, 1)

    transition(
        instance=ticket,
        action="redispatch",
        actor=actor(dispatcher),
        organization=city["market"],
        comment="改派市场监管局",
        now=at("2026-11-09 13:40"),
    )
    # Back in 待签收 with a fresh clock (13:40 → 15:40): the rule that fired at 11:01 fires again.
    assert (ticket.state_deadline, ticket.warning, ticket.overdue) == (at("2026-11-09 15:40"), False, False)
    assert tick(now=at("2026-11-09 15:39")).escalations == 0
    again = tick(now=at("2026-11-09 15:41"))
    assert (again.overdue, again.escalations, again.notifications) == (1, 1, 1)

    fired = Escalation.objects.filter(instance=ticket).order_by("fired_at")
    assert list(fired.values_list("rule", "clock_started_at", "fired_at")) == [
        ("state:dispatched:0", at("2026-11-09 09:00"), at("2026-11-09 11:01")),
        ("state:returned:0", at("2026-11-09 11:30"), at("2026-11-09 13:31")),
        ("state:dispatched:0", at("2026-11-09 13:40"), at("2026-11-09 15:41")),
    ]
    assert Notification.objects.filter(recipient=supervisor).count() == 3


def test_suspended_instances_are_skipped(definitions, city, subject):
    officer = staff(city["housing"], roles=["handling_officer"])
    ticket = _dispatched_ticket(city, subject, "2026-11-09 09:00")
    transition(instance=ticket, action="sign_for", actor=actor(officer), now=at("2026-11-09 09:10"))
    transition(
        instance=ticket,
        action="suspend",
        actor=actor(officer),
        now=at("2026-11-09 09:20"),
        fields={"reason": "等待气象条件"},
    )

    result = tick(now=at("2026-12-31 12:00"))

    ticket.refresh_from_db()
    assert (result.warned, result.overdue, result.escalations) == (0, 0, 0)
    assert (ticket.warning, ticket.overdue) == (False, False)


def test_overdue_escalation_can_run_an_automatic_action(definitions, city, subject):
    officer = staff(city["housing"], roles=["handling_officer"])
    dispatcher = staff(city["hotline"], roles=["hotline_dispatcher"], scope=DataScope.REGION)
    ticket = _dispatched_ticket(city, subject, "2026-11-09 09:00")
    transition(instance=ticket, action="sign_for", actor=actor(officer), now=at("2026-11-09 09:10"))
    transition(
        instance=ticket,
        action="reply",
        actor=actor(officer),
        comment="已补装井盖",
        now=at("2026-11-10 15:00"),
    )
    transition(instance=ticket, action="close", actor=actor(dispatcher), now=at("2026-11-11 09:00"))
    # 回访 due within 3 working days: Wed 11-11 → Mon 11-16 17:30.
    assert ticket.state_deadline == at("2026-11-16 17:30")

    first = tick(now=at("2026-11-16 18:00"))
    second = tick(now=at("2026-11-17 09:00"))

    ticket.refresh_from_db()
    assert (first.auto_actions, second.auto_actions) == (1, 0)
    assert ticket.state == "archived"
    assert ticket.completed_at == at("2026-11-16 18:00")
    last = ticket.events.order_by("created_at", "pk").last()
    assert (last.action, last.actor, last.actor_label) == ("auto_archive", None, "系统")
    assert last.comment == "办结后 3 个工作日内未回访，系统自动归档"


def test_tick_command_and_task_run_the_timer(definitions, city, subject):
    _dispatched_ticket(city, subject, "2026-11-09 09:00")

    out = StringIO()
    call_command("tick", "--now", "2026-11-09T11:01:00+08:00", stdout=out)
    assert "超期 1" in out.getvalue()

    result = tick_task.enqueue()
    assert result.return_value["overdue"] == 0
