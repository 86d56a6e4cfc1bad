"""A day at the 12345 centre, clock-exact: calls registered, dispatched by the 派单目录, signed
for, handled with a 协办, replied, reviewed, called back, reopened, returned and re-dispatched."""

from __future__ import annotations

import pytest

from yiwang.core.errors import Conflict, InvalidInput, PermissionDenied
from yiwang.core.models import AuditEvent
from yiwang.hotline.actions.tickets import (
    dispatch_plan,
    ticket_callback,
    ticket_close,
    ticket_consolidate,
    ticket_dispatch,
    ticket_refuse_return,
    ticket_register,
    ticket_reply,
    ticket_return,
    ticket_sign_for,
)
from yiwang.hotline.models import Ticket, TicketParty
from yiwang.workflow.models import ProcessInstance
from yiwang.workflow.tests.factories import at

pytestmark = pytest.mark.django_db


def _register(city, text="东湖区湖滨路菜场门口天天有人占道摆摊卖菜，车都过不去", **extra):
    values = {
        "kind": Ticket.Kind.COMPLAINT,
        "content": text,
        "caller_name": "张三",
        "caller_phone": "13912345678",
        "region": city.regions["east"],
        "now": at("2026-11-06 16:00"),
    }
    values.update(extra)
    return ticket_register(actor=city.actor("agent"), **values)


def test_a_registered_ticket_is_numbered_queued_and_audited_once(hotline_city):
    ticket = _register(hotline_city)

    assert ticket.ticket_no == "12345" + "20261106" + "000001"
    assert ticket.status == Ticket.Status.REGISTERED
    assert ticket.organization == hotline_city.orgs["center"]
    assert ticket.title == "东湖区湖滨路菜场门口天天有人占道摆摊卖菜，车都过不去"
    instance = ProcessInstance.objects.get(pk=ticket.process_instance_id)
    # 一般 5 working days from Friday: the close of office (17:30) of the fifth working day after it.
    assert ticket.due_at == instance.deadline == at("2026-11-13 17:30")
    # 2 natural hours to dispatch.
    assert instance.state_deadline == at("2026-11-06 18:00")
    assert AuditEvent.objects.filter(action__startswith="hotline.").count() == 1
    assert not AuditEvent.objects.filter(action="workflow.start").exists()
    second = _register(hotline_city, now=at("2026-11-06 16:05"))
    assert second.ticket_no.endswith("000002")


def test_an_urgent_ticket_runs_on_natural_hours(hotline_city):
    ticket = _register(hotline_city, urgency=Ticket.Urgency.URGENT, now=at("2026-11-06 20:30"))
    assert ticket.due_at == at("2026-11-07 20:30")


def test_a_complex_category_gets_fifteen_working_days(hotline_city):
    ticket = _register(hotline_city, text="公司拖欠三个月工资不发", category=hotline_city.categories["wages"])
    # 15 working days after Fri 2026-11-06: three full weeks, to Fri 2026-11-27 at the close of office.
    assert ticket.due_at == at("2026-11-27 17:30")


def test_replaying_a_registration_returns_the_first_ticket(hotline_city):
    first = _register(hotline_city, idempotency_key="call-1")
    again = _register(hotline_city, idempotency_key="call-1")
    assert again.pk == first.pk
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"kind": "rumour"}, "hotline_field_invalid"),
        ({"content": "   "}, "hotline_field_required"),
        ({"caller_phone": "12ab"}, "hotline_phone_invalid"),
        ({"content": "长" * 4001}, "hotline_field_too_long"),
    ],
)
def test_bad_registrations_are_refused_and_leave_nothing(hotline_city, change, code):
    with pytest.raises(InvalidInput) as error:
        _register(hotline_city, **change)
    assert error.value.code == code
    assert not Ticket.objects.exists()
    assert not ProcessInstance.objects.exists()


def test_a_handling_officer_cannot_register_for_a_caller(hotline_city):
    with pytest.raises(PermissionDenied):
        ticket_register(actor=hotline_city.actor("urban"), kind="complaint", content="测试")
    assert not Ticket.objects.exists()


def test_the_district_rule_of_the_catalogue_wins_over_the_city_rule(hotline_city):
    city = hotline_city
    lead, assists = dispatch_plan(city.categories["vending"], city.regions["street"])
    assert (lead, assists) == (city.orgs["east_urban"], [])
    lead, assists = dispatch_plan(city.categories["vending"], city.regions["west"])
    assert (lead, assists) == (city.orgs["urban"], [])
    # A leaf without its own entry inherits its parent's.
    lead, _ = dispatch_plan(city.categories["wages"], city.regions["west"])
    assert lead == city.orgs["hrss"]


def test_a_complaint_goes_round_the_loop_and_is_reopened_when_the_caller_is_unhappy(hotline_city):
    city = hotline_city
    ticket = _register(city)
    ticket_dispatch(
        actor=city.actor("dispatcher"),
        ticket=ticket,
        category=city.categories["vending"],
        now=at("2026-11-06 16:30"),
    )
    assert ticket.status == Ticket.Status.DISPATCHED
    assert ticket.organization == city.orgs["east_urban"]
    # 2 natural hours to sign for, even on a Friday evening.
    assert ticket.sign_due_at == at("2026-11-06 18:30")
    with pytest.raises(PermissionDenied):
        ticket_sign_for(actor=city.actor("urban"), ticket=ticket)  # the city bureau is not the 主办
    ticket_sign_for(actor=city.actor("east_urban"), ticket=ticket, now=at("2026-11-06 19:00"))
    assert (ticket.status, ticket.signed_on_time) == (Ticket.Status.HANDLING, False)
    ticket_reply(
        actor=city.actor("east_urban"),
        ticket=ticket,
        comment="已清理占道摊点并加强巡查",
        now=at("2026-11-09 10:00"),
    )
    assert ticket.status == Ticket.Status.REPLIED
    ticket_close(actor=city.actor("dispatcher"), ticket=ticket, now=at("2026-11-09 11:00"))
    assert (ticket.status, ticket.closed_on_time) == (Ticket.Status.CLOSED, True)
    instance = ProcessInstance.objects.get(pk=ticket.process_instance_id)
    assert instance.deadline is None  # 办结 stops the handling clock: no overdue while awaiting 回访

    ticket_callback(
        actor=city.actor("agent"),
        ticket=ticket,
        satisfaction="dissatisfied",
        resolved=False,
        comment="摊贩第二天又回来了",
        now=at("2026-11-10 09:00"),
    )
    assert (ticket.status, ticket.reopened_count, ticket.satisfaction) == (
        Ticket.Status.HANDLING,
        1,
        "dissatisfied",
    )
    assert ticket.closed_at is None
    # 重办 starts a fresh 5 working days from Tue 11-10: Wed, Thu, Fri, Mon, Tue 11-17 at 17:30.
    assert ticket.due_at == at("2026-11-17 17:30")
    ticket_reply(
        actor=city.actor("east_urban"), ticket=ticket, comment="已设置固定疏导点", now=at("2026-11-12 10:00")
    )
    ticket_close(actor=city.actor("dispatcher"), ticket=ticket, now=at("2026-11-12 11:00"))
    ticket_callback(
        actor=city.actor("agent"),
        ticket=ticket,
        satisfaction="satisfied",
        resolved=True,
        now=at("2026-11-13 09:00"),
    )
    assert (ticket.status, ticket.resolved, ticket.is_open) == (Ticket.Status.ARCHIVED, True, False)


def test_a_joint_handling_runs_on_child_instances_and_the_dispatcher_consolidates(hotline_city):
    city = hotline_city
    ticket = _register(city, text="小区旁边工地半夜还在打桩，吵得睡不着")
    ticket_dispatch(actor=city.actor("dispatcher"), ticket=ticket, category=city.categories["construction"])
    assert ticket.status == Ticket.Status.JOINT
    parties = {(p.organization.code, p.role) for p in TicketParty.objects.filter(ticket=ticket)}
    assert parties == {("city-urban", "lead"), ("city-eco", "assist")}
    ticket_sign_for(actor=city.actor("eco"), ticket=ticket)
    ticket_reply(actor=city.actor("eco"), ticket=ticket, comment="已对工地噪声监测，超标已立案")
    with pytest.raises(Conflict):  # the 主办 has not answered yet
        ticket_consolidate(actor=city.actor("dispatcher"), ticket=ticket, comment="汇总")
    ticket_sign_for(actor=city.actor("urban"), ticket=ticket)
    ticket_reply(actor=city.actor("urban"), ticket=ticket, comment="已责令夜间停工")
    ticket_consolidate(actor=city.actor("dispatcher"), ticket=ticket, comment="城管责令停工，环保立案查处")
    assert ticket.status == Ticket.Status.REPLIED


def test_a_reopened_joint_ticket_goes_back_to_its_lead_department(hotline_city):
    city = hotline_city
    ticket = _register(city, text="工地夜里打桩")
    ticket_dispatch(actor=city.actor("dispatcher"), ticket=ticket, category=city.categories["construction"])
    for name in ("eco", "urban"):
        ticket_sign_for(actor=city.actor(name), ticket=ticket)
        ticket_reply(actor=city.actor(name), ticket=ticket, comment=f"{name} 已处理")
    ticket_consolidate(actor=city.actor("dispatcher"), ticket=ticket, comment="已责令停工")
    ticket_close(actor=city.actor("dispatcher"), ticket=ticket)
    ticket_callback(actor=city.actor("agent"), ticket=ticket, satisfaction="dissatisfied", resolved=False)
    assert ticket.status == Ticket.Status.HANDLING
    assert ProcessInstance.objects.get(pk=ticket.process_instance_id).organization == city.orgs["urban"]
    ticket_reply(actor=city.actor("urban"), ticket=ticket, comment="已安排夜间巡查")
    assert ticket.status == Ticket.Status.REPLIED


def test_a_wrong_dispatch_is_returned_reviewed_and_redispatched(hotline_city):
    city = hotline_city
    ticket = _register(city, text="公司拖欠我两个月工资")
    ticket_dispatch(
        actor=city.actor("dispatcher"),
        ticket=ticket,
        category=city.categories["vending"],
        organization=city.orgs["urban"],
    )
    ticket_return(actor=city.actor("urban"), ticket=ticket, reason="不属于城管职责，应为劳动监察")
    assert (ticket.status, ticket.returned_count) == (Ticket.Status.RETURNED, 1)
    assert ticket.organization == city.orgs["center"]
    # The dispatcher first refuses (it is theirs after all) — then the bureau returns it again …
    ticket_refuse_return(actor=city.actor("dispatcher"), ticket=ticket, reason="请核实")
    assert (ticket.status, ticket.organization) == (Ticket.Status.DISPATCHED, city.orgs["urban"])
    ticket_return(actor=city.actor("urban"), ticket=ticket, reason="确属人社职责")
    # … and it is re-dispatched to the right department.
    ticket_dispatch(actor=city.actor("dispatcher"), ticket=ticket, category=city.categories["wages"])
    assert (ticket.status, ticket.organization, ticket.returned_count) == (
        Ticket.Status.DISPATCHED,
        city.orgs["hrss"],
        2,
    )


def test_callers_who_phoned_in_hear_the_answer_by_sms_merged_ones_too(hotline_city):
    from yiwang.core.models import OutboundMessage
    from yiwang.hotline.actions.tickets import ticket_merge

    city = hotline_city
    first = _register(city, text="湖滨路 12 号门口有个大坑，电动车摔了")
    second = _register(
        city, text="湖滨路12号那个坑还没补，太危险了", caller_phone="13700001111", now=at("2026-11-06 17:00")
    )
    web = ticket_register(
        actor=city.actor("citizen"), kind="complaint", content="湖滨路12号的坑", region=city.regions["east"]
    )
    ticket_merge(actor=city.actor("dispatcher"), primary=first, duplicate=second)
    ticket_merge(actor=city.actor("dispatcher"), primary=first, duplicate=web)
    ticket_dispatch(
        actor=city.actor("dispatcher"),
        ticket=first,
        category=city.categories["vending"],
        organization=city.orgs["east_urban"],
    )
    ticket_sign_for(actor=city.actor("east_urban"), ticket=first)
    ticket_reply(actor=city.actor("east_urban"), ticket=first, comment="坑已于当日填补")
    assert not OutboundMessage.objects.exists()
    ticket_close(actor=city.actor("dispatcher"), ticket=first)
    sent = {m.address: m.body for m in OutboundMessage.objects.all()}
    # Both phone callers, not the citizen who has an account (they are told in-app by the engine).
    assert set(sent) == {"13912345678", "13700001111"}
    assert all("坑已于当日填补" in body for body in sent.values())
    assert first.ticket_no in sent["13912345678"] and second.ticket_no in sent["13700001111"]
    from yiwang.core.models import Notification

    told = Notification.objects.filter(
        recipient=city.users["citizen"], template_code="hotline.ticket_closed"
    ).get()
    assert "坑已于当日填补" in told.body and web.ticket_no in told.body
