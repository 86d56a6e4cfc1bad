"""督办链: an overdue 12345 ticket climbs from the officer who signed for it to the department head,
the 督办机构 and the city leader, each level at its own delay and repeated at its own interval, each
notice once however often the timer runs; every recipient's link opens a page they may see, and a
supervisor can answer it with a 督办意见."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from yiwang.core.models import Notification
from yiwang.identity.models import DataScope
from yiwang.workflow.actions import instance_urge, tick, transition
from yiwang.workflow.models import Escalation, ProcessEvent, ProcessInstance
from yiwang.workflow.selectors import history_for

from .factories import actor, at, dispatched_ticket, staff


@pytest.fixture
def ticket_in_handling(definitions, city, subject):
    officer = staff(city["housing"], roles=["handling_officer"], name="李办理")
    ticket, _dispatcher = dispatched_ticket(city, subject, title="井盖缺失", when="2026-11-02 09:00")
    transition(instance=ticket, action="sign_for", actor=actor(officer), now=at("2026-11-02 10:00"))
    return ticket, officer


def _received() -> Counter:
    return Counter((n.recipient.display_name, n.template_code) for n in Notification.objects.all())


def test_an_overdue_ticket_climbs_the_chain_one_notice_at_a_time(ticket_in_handling, city):
    ticket, officer = ticket_in_handling
    head = staff(city["housing"], roles=["department_head"], scope=DataScope.DEPARTMENT_TREE, name="住建局长")
    supervisor = staff(city["hotline"], roles=["supervisor"], scope=DataScope.REGION, name="督查室")
    staff(city["other"], roles=["department_head"], scope=DataScope.DEPARTMENT_TREE, name="别的局长")
    leader = staff(city["government"], roles=["leader"], scope=DataScope.ALL, name="市领导")
    # The chain runs on the ticket's overall clock (办理中 has none of its own): 5 working days from the
    # registration on Mon 11-02 09:00, counted from the next working day (Tue … Mon) → Mon 11-09 17:30.
    # Every moment below counts from that deadline in natural hours.
    assert ticket.state_deadline is None
    assert ticket.deadline == at("2026-11-09 17:30")

    ticket.refresh_from_db()
    assert ticket.warning_at < ticket.deadline
    tick(now=ticket.warning_at + timedelta(minutes=1))  # 即将超期: the department head is warned
    assert _received() == Counter({("住建局长", "workflow.escalation_warning"): 1})
    tick(now=at("2026-11-09 17:31"))  # overdue: the officer is told
    assert _received() == Counter(
        {("李办理", "workflow.overdue"): 1, ("住建局长", "workflow.escalation_warning"): 1}
    )
    tick(now=at("2026-11-09 17:40"))  # nothing new, however often the timer runs
    tick(now=at("2026-11-09 19:32"))  # level 1 repeats every 2 hours (19:30) …
    assert _received()[("李办理", "workflow.overdue")] == 2
    tick(now=at("2026-11-09 21:32"))  # … until the department head takes over 4 hours in (21:30)
    assert _received()[("住建局长", "workflow.escalation")] == 1
    assert _received()[("李办理", "workflow.overdue")] == 2
    tick(now=at("2026-11-10 17:32"))  # a day in (Tue 17:30): the 督办机构
    tick(now=at("2026-11-10 18:00"))
    assert _received()[("督查室", "workflow.escalation")] == 1
    tick(now=at("2026-11-11 17:32"))  # repeated daily (Wed 17:30)
    assert _received()[("督查室", "workflow.escalation")] == 2
    tick(now=at("2026-11-12 17:32"))  # three days in (Thu 17:30): the city leader
    assert _received()[("市领导", "workflow.escalation")] == 1
    assert _received()[("督查室", "workflow.escalation")] == 2  # the leader's level ends the repeats
    assert ("别的局长", "workflow.escalation") not in _received()  # another bureau's head is not told
    assert {n.link for n in Notification.objects.all()} == {f"/workbench/instances/{ticket.pk}/"}
    rules = sorted(Escalation.objects.filter(instance=ticket, kind="overdue").values_list("rule", flat=True))
    # The definition-level chain (rule 1; rule 0 is the warning → department_head one).
    assert rules == [
        "instance:1",
        "instance:1:0:1",
        "instance:1:1:0",
        "instance:1:2:0",
        "instance:1:2:1",
        "instance:1:3:0",
    ]
    assert set(Escalation.objects.filter(instance=ticket, kind="warning").values_list("rule", flat=True)) == {
        "instance:0"
    }
    assert {leader.pk, supervisor.pk, head.pk, officer.pk} == set(
        Notification.objects.values_list("recipient_id", flat=True)
    )


def test_a_late_timer_sends_each_level_once_not_every_missed_repeat(ticket_in_handling, city):
    staff(city["housing"], roles=["department_head"], scope=DataScope.DEPARTMENT_TREE, name="住建局长")
    tick(now=at("2026-11-09 17:31"))
    tick(now=at("2026-11-10 20:00"))  # the timer was down for a day
    received = _received()
    assert received[("李办理", "workflow.overdue")] == 1  # no burst of missed 2-hourly repeats
    assert received[("住建局长", "workflow.escalation")] == 1
    # first seen after the deadline: nobody is told it is about to be late
    assert received[("住建局长", "workflow.escalation_warning")] == 0
    assert not Escalation.objects.filter(kind="warning").exists()


def test_a_supervisor_follows_the_link_and_urges_the_officer(ticket_in_handling, city, client):
    ticket, officer = ticket_in_handling
    supervisor = staff(city["hotline"], roles=["supervisor"], scope=DataScope.REGION, name="督查室")
    tick(now=at("2026-11-10 17:32"))
    link = Notification.objects.get(recipient=supervisor, template_code="workflow.escalation").link
    client.force_login(supervisor)

    page = client.get(link)
    assert page.status_code == 200
    html = page.content.decode()
    assert "井盖缺失" in html and "督办意见" in html
    response = client.post(f"{link}urge/", {"comment": "请今日答复来电人"})
    assert response.status_code == 302

    event = ProcessEvent.objects.get(instance=ticket, action="urge")
    assert (event.actor, event.comment, event.to_state) == (supervisor, "请今日答复来电人", "handling")
    urged = Notification.objects.get(template_code="workflow.urge")
    assert urged.recipient == officer and "请今日答复来电人" in urged.body
    ticket.refresh_from_db()
    assert (ticket.state, ticket.claimed_by) == ("handling", officer)  # no move, the claim stands
    officer_view = [e.action for e in history_for(ticket, actor(officer))]
    assert "urge" in officer_view


def test_only_a_supervisor_may_urge_and_not_once_it_has_ended(ticket_in_handling, city):
    from yiwang.core.errors import Conflict, InvalidInput, PermissionDenied

    ticket, officer = ticket_in_handling
    with pytest.raises(PermissionDenied):
        instance_urge(actor=actor(officer), instance=ticket, comment="自己督办自己")
    supervisor = staff(city["hotline"], roles=["supervisor"], scope=DataScope.REGION)
    with pytest.raises(InvalidInput):
        instance_urge(actor=actor(supervisor), instance=ticket, comment="  ")
    ProcessInstance.objects.filter(pk=ticket.pk).update(completed_at=at("2026-11-03 09:00"))
    with pytest.raises(Conflict):
        instance_urge(actor=actor(supervisor), instance=ticket, comment="请答复")
    assert not ProcessEvent.objects.filter(action="urge").exists()
