"""A day at the 12345 centre (a scenario, clock-exact): two callers report the same dark streetlight,
the dispatcher merges the second ticket into the first (并单) and sends it jointly to 住建局 as 主办 and
市场监管局 as 协办; each department signs for and answers its part, the answers roll up into the
ticket, the dispatcher consolidates once the 主办 has answered, and when the ticket ends the merged
one ends with it and both callers are told. Then 拆单, and the refusals that keep it honest."""

from __future__ import annotations

import pytest

from yiwang.core.errors import Conflict, InvalidInput, PermissionDenied
from yiwang.core.models import AuditEvent, Notification
from yiwang.core.tests.factories import PersonFactory
from yiwang.identity.models import DataScope
from yiwang.identity.tests.factories import CitizenFactory
from yiwang.workflow.actions import ChildSpec, instance_merge, instance_split, instance_start, transition
from yiwang.workflow.models import InstanceLink, ProcessEvent, ProcessInstance
from yiwang.workflow.selectors import history_for, inbox_for

from .factories import actor, at, staff


@pytest.fixture
def centre(definitions, city):
    return {
        "agent": staff(city["hotline"], roles=["hotline_agent"], scope=DataScope.REGION, name="话务员小陈"),
        "dispatcher": staff(
            city["hotline"], roles=["hotline_dispatcher"], scope=DataScope.REGION, name="派单员老周"
        ),
        "housing": staff(city["housing"], roles=["handling_officer"], name="住建李工"),
        "market": staff(city["market"], roles=["handling_officer"], name="市场监管王科"),
    }


def _call(centre, city, caller, when, title="东湖路88号路灯不亮"):
    return instance_start(
        actor=actor(centre["agent"]),
        definition_code="hotline_12345",
        obj=PersonFactory(),
        organization=city["hotline"],
        title=title,
        owner=caller,
        now=at(when),
    )


def _ids(user) -> set:
    return set(inbox_for(actor(user)).values_list("pk", flat=True))


def test_merged_and_jointly_handled_ticket_from_call_to_callback(
    centre, city, django_capture_on_commit_callbacks
):
    first_caller, second_caller = CitizenFactory(), CitizenFactory()
    ticket = _call(centre, city, first_caller, "2026-11-02 09:00")
    duplicate = _call(centre, city, second_caller, "2026-11-02 09:20")
    dispatcher = actor(centre["dispatcher"])

    # 并单: the duplicate follows the first ticket; its clock stops and it leaves every inbox.
    with django_capture_on_commit_callbacks(execute=True):
        link = instance_merge(
            actor=dispatcher,
            primary=ticket,
            secondary=duplicate,
            comment="同一路灯",
            now=at("2026-11-02 09:30"),
        )
    duplicate.refresh_from_db()
    assert (link.kind, duplicate.suspended_at) == (InstanceLink.Kind.MERGE, at("2026-11-02 09:30"))
    assert duplicate.pk not in _ids(centre["dispatcher"]) and ticket.pk in _ids(centre["dispatcher"])
    with pytest.raises(Conflict) as merged:
        transition(
            instance=duplicate, action="dispatch", actor=dispatcher, organization=city["housing"], comment="x"
        )
    assert merged.value.code == "workflow_merged"
    assert Notification.objects.filter(recipient=second_caller, body__contains="并单").exists()

    # 联合派单: 住建局 主办, 市场监管局 协办, each with its own instance, deadline and inbox.
    transition(
        instance=ticket,
        action="joint_dispatch",
        actor=dispatcher,
        comment="路灯归住建，占道经营归市场监管",
        children=[ChildSpec(city["housing"], "lead"), ChildSpec(city["market"], "assist")],
        now=at("2026-11-02 10:00"),
    )
    ticket.refresh_from_db()
    children = {c.child_role: c for c in ticket.children.all()}
    assert (ticket.state, ticket.children_join, set(children)) == ("joint", "lead", {"lead", "assist"})
    lead, assist = children["lead"], children["assist"]
    assert (lead.organization, assist.organization) == (city["housing"], city["market"])
    assert lead.title == "东湖路88号路灯不亮（主办）"
    assert lead.state_deadline == at("2026-11-05 17:30")  # 3 working days from Mon 10:00
    assert lead.pk in _ids(centre["housing"]) and assist.pk in _ids(centre["market"])
    assert lead.pk not in _ids(centre["market"])

    with pytest.raises(Conflict) as waiting:
        transition(instance=ticket, action="consolidate", actor=dispatcher, comment="汇总")
    assert (waiting.value.code, waiting.value.message) == (
        "workflow_children_pending",
        "尚待 玄武区住房和城乡建设局 答复，不能「汇总答复」",
    )

    # 协办 answers first; its answer rolls up into the ticket, which does not move.
    transition(instance=assist, action="sign_for", actor=actor(centre["market"]), now=at("2026-11-02 11:00"))
    transition(
        instance=assist, action="reply", actor=actor(centre["market"]), comment="已清理占道摊位",
        now=at("2026-11-03 09:00"),
    )  # fmt: skip
    ticket.refresh_from_db()
    assert ticket.state == "joint"
    with pytest.raises(Conflict, match="尚待 玄武区住房和城乡建设局 答复"):
        transition(instance=ticket, action="consolidate", actor=dispatcher, comment="汇总")

    transition(instance=lead, action="sign_for", actor=actor(centre["housing"]), now=at("2026-11-03 10:00"))
    transition(
        instance=lead, action="reply", actor=actor(centre["housing"]), comment="已更换灯泡",
        now=at("2026-11-04 15:00"),
    )  # fmt: skip
    replies = ProcessEvent.objects.filter(instance=ticket, action="child_reply").order_by("created_at")
    assert [(e.action_name, e.comment, e.fields["organization"]) for e in replies] == [
        ("协办单位答复", "已清理占道摊位", "玄武区市场监督管理局"),
        ("主办单位答复", "已更换灯泡", "玄武区住房和城乡建设局"),
    ]
    assert [e.action for e in history_for(ticket, actor(first_caller))].count("child_reply") == 2

    transition(
        instance=ticket, action="consolidate", actor=dispatcher, comment="路灯已修复，占道已清理",
        now=at("2026-11-04 16:00"),
    )  # fmt: skip
    transition(instance=ticket, action="close", actor=dispatcher, now=at("2026-11-04 16:30"))
    with django_capture_on_commit_callbacks(execute=True):
        transition(
            instance=ticket, action="callback", actor=actor(centre["agent"]), fields={"satisfaction": "satisfied"},
            comment="来电人表示满意", now=at("2026-11-05 10:00"),
        )  # fmt: skip

    # The merged ticket ends with it, in the same state, and its caller is told the outcome.
    duplicate.refresh_from_db()
    assert (duplicate.state, duplicate.completed_at, duplicate.suspended_at) == (
        "archived",
        at("2026-11-05 10:00"),
        None,
    )
    follow = ProcessEvent.objects.get(instance=duplicate, action="follow")
    # The primary's last comment (another caller's 回访) is not copied onto the follower.
    assert (follow.action_name, follow.comment) == ("随主单办结", "")
    told = Notification.objects.filter(recipient=second_caller).order_by("id").last()
    assert "随主单办结" in told.title and "来电人表示满意" not in told.body
    assert not duplicate.handlers.exists()
    assert (
        AuditEvent.objects.filter(action="workflow.instance_merge", object_id=str(duplicate.pk)).count() == 1
    )


def test_split_makes_a_linked_ticket_for_the_same_caller(centre, city):
    caller = CitizenFactory()
    ticket = _call(centre, city, caller, "2026-11-02 09:00", title="路灯不亮，另有井盖缺失")
    part = instance_split(
        actor=actor(centre["dispatcher"]), instance=ticket, title="东湖路井盖缺失", comment="两件事"
    )
    assert (part.owner, part.state, part.definition.code) == (caller, "registered", "hotline_12345")
    assert part.content_object == ticket.content_object
    assert InstanceLink.objects.get(kind="split").secondary == part
    assert ProcessEvent.objects.filter(instance=ticket, action="split", fields__linked=str(part.pk)).exists()


def test_joint_handling_and_linking_refuse_bad_input_and_strangers(centre, city):
    ticket = _call(centre, city, CitizenFactory(), "2026-11-02 09:00")
    other = _call(centre, city, CitizenFactory(), "2026-11-02 09:05")
    dispatcher = actor(centre["dispatcher"])
    with pytest.raises(InvalidInput, match="须指定且只能指定一个主办单位"):
        transition(
            instance=ticket, action="joint_dispatch", actor=dispatcher, comment="x",
            children=[ChildSpec(city["housing"], "assist"), ChildSpec(city["market"], "assist")],
        )  # fmt: skip
    with pytest.raises(InvalidInput, match="同一单位只能指定一次"):
        transition(
            instance=ticket, action="joint_dispatch", actor=dispatcher, comment="x",
            children=[ChildSpec(city["housing"], "lead"), ChildSpec(city["housing"], "assist")],
        )  # fmt: skip
    with pytest.raises(InvalidInput, match="不能指定联办单位"):
        transition(
            instance=ticket, action="dispatch", actor=dispatcher, comment="x", organization=city["housing"],
            children=[ChildSpec(city["housing"], "lead")],
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        instance_merge(actor=actor(centre["housing"]), primary=ticket, secondary=other)
    with pytest.raises(InvalidInput):
        instance_merge(actor=dispatcher, primary=ticket, secondary=ticket)
    instance_merge(actor=dispatcher, primary=ticket, secondary=other)
    with pytest.raises(Conflict, match="已并入"):
        instance_merge(actor=dispatcher, primary=other, secondary=ticket)
    assert ProcessInstance.objects.filter(parent__isnull=False).count() == 0
    assert ProcessInstance.objects.get(pk=ticket.pk).state == "registered"
