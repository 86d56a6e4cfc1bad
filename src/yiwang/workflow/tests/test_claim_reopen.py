"""签收 and 退回签收 (claim/release), 督办 supervisors, and 重办/复核 out of a terminal state.

A 12345 ticket dispatched to 住建局 is in every handling officer's inbox; the officer who signs for it
takes it out of colleagues' inboxes (the inbox query and the per-action check agree), while the
dispatcher's own actions (延期) and a supervisor stay unaffected; 退回签收 puts it back. An archived
ticket can be re-opened only by the definition's `reopen` action."""

from __future__ import annotations

import pytest

from yiwang.core.errors import Conflict, InvalidInput
from yiwang.identity.models import DataScope
from yiwang.workflow.actions import instance_start, transition
from yiwang.workflow.definition_schema import definition_errors
from yiwang.workflow.models import ProcessEvent, ProcessInstance
from yiwang.workflow.permissions import SUPERVISE_INSTANCE
from yiwang.workflow.selectors import available_actions, inbox_for

from .factories import actor, at, dispatched_ticket, staff


@pytest.fixture
def desk(definitions, city, subject):
    """A ticket dispatched to 住建局, two handling officers, the dispatcher and a 督办 supervisor."""
    first = staff(city["housing"], roles=["handling_officer"], name="李办理")
    second = staff(city["housing"], roles=["handling_officer"], name="王办理")
    supervisor = staff(
        city["housing"], roles=["handling_officer"], permissions=[SUPERVISE_INSTANCE], name="赵科长"
    )
    ticket, dispatcher = dispatched_ticket(
        city, subject, title="小区路灯不亮", when="2026-11-02 09:00", dispatched="2026-11-02 09:10"
    )
    return ticket, first, second, supervisor, dispatcher


def _inbox(user) -> set:
    return set(inbox_for(actor(user)).values_list("pk", flat=True))


def _can(user, ticket, code) -> bool:
    ticket.refresh_from_db()
    return code in {a.code for a in available_actions(ticket, actor(user))}


def test_signing_for_a_ticket_takes_it_out_of_colleagues_inboxes_and_release_puts_it_back(desk):
    ticket, first, second, supervisor, dispatcher = desk
    assert ticket.pk in _inbox(first) and ticket.pk in _inbox(second)

    transition(instance=ticket, action="sign_for", actor=actor(first), now=at("2026-11-02 10:00"))

    ticket.refresh_from_db()
    assert (ticket.state, ticket.claimed_by, ticket.assignee) == ("handling", first, first)
    assert ticket.claimed_at == at("2026-11-02 10:00")
    assert ticket.pk in _inbox(first)
    assert ticket.pk not in _inbox(second)  # a colleague's inbox drops it …
    assert ticket.pk in _inbox(supervisor)  # … a supervisor's keeps it
    assert (
        not _can(second, ticket, "reply")
        and _can(first, ticket, "reply")
        and _can(supervisor, ticket, "reply")
    )
    with pytest.raises(Conflict) as refused:
        transition(instance=ticket, action="reply", actor=actor(second), comment="已修复")
    assert (refused.value.code, refused.value.message) == (
        "workflow_claimed",
        "该事项已由他人签收，不能「答复」",
    )
    assert ProcessEvent.objects.filter(instance=ticket, action="reply").count() == 0
    # The dispatcher's own work (延期) is not the officer's to reserve.
    assert _can(dispatcher, ticket, "extend")
    with pytest.raises(Conflict, match="已由他人签收"):
        transition(instance=ticket, action="release", actor=actor(second))

    transition(instance=ticket, action="release", actor=actor(first), now=at("2026-11-02 11:00"))
    ticket.refresh_from_db()
    assert (ticket.state, ticket.claimed_by, ticket.claimed_codes) == ("handling", None, "")
    assert ticket.pk in _inbox(second) and _can(second, ticket, "reply")
    assert not _can(first, ticket, "release")  # nothing to give back any more
    with pytest.raises(Conflict) as again:
        transition(instance=ticket, action="release", actor=actor(first))
    assert again.value.code == "workflow_not_claimed"


def test_a_claim_ends_when_the_ticket_moves_on(desk):
    ticket, first, second, _supervisor, dispatcher = desk
    transition(instance=ticket, action="sign_for", actor=actor(first))
    transition(instance=ticket, action="reply", actor=actor(first), comment="已修复路灯")
    transition(instance=ticket, action="reject_reply", actor=actor(dispatcher), fields={"reason": "未附照片"})
    ticket.refresh_from_db()
    assert (ticket.state, ticket.claimed_by) == ("handling", None)
    assert ticket.pk in _inbox(second)


def test_a_clerks_acceptance_names_the_handler_without_reserving_the_review(definitions, city, subject):
    """受理 carries `claim`: the clerk becomes 承办人, but 审查 is the approvers' work, so nothing is
    reserved and every approver still sees it."""
    clerk = staff(city["market"], roles=["window_clerk"])
    approver = staff(city["market"], roles=["approver"])
    instance = instance_start(
        actor=actor(clerk),
        definition_code="yiwang_tongban",
        obj=subject,
        organization=city["market"],
        title="许可",
    )
    transition(instance=instance, action="accept", actor=actor(clerk))
    instance.refresh_from_db()
    assert (instance.assignee, instance.claimed_by) == (clerk, None)
    assert instance.pk in _inbox(approver)


def test_inbox_and_per_action_check_agree_for_everyone_around_a_claimed_ticket(desk):
    ticket, first, second, supervisor, dispatcher = desk
    transition(instance=ticket, action="sign_for", actor=actor(first))
    ticket.refresh_from_db()
    for user in (first, second, supervisor, dispatcher):
        required = [a for a in available_actions(ticket, actor(user)) if a.code in ("reply", "suspend")]
        assert (ticket.pk in _inbox(user)) == bool(required), user


def test_an_archived_ticket_reopens_only_through_a_reopen_action(desk):
    ticket, first, _second, _supervisor, dispatcher = desk
    agent = staff(ticket.origin_organization, roles=["hotline_agent"], scope=DataScope.REGION)
    transition(instance=ticket, action="sign_for", actor=actor(first), now=at("2026-11-02 10:00"))
    transition(
        instance=ticket, action="reply", actor=actor(first), comment="已修复", now=at("2026-11-03 15:00")
    )
    transition(instance=ticket, action="close", actor=actor(dispatcher), now=at("2026-11-04 09:00"))
    transition(
        instance=ticket,
        action="callback",
        actor=actor(agent),
        fields={"satisfaction": "dissatisfied"},
        now=at("2026-11-04 11:00"),
    )
    ticket.refresh_from_db()
    assert ticket.state == "archived" and ticket.completed_at == at("2026-11-04 11:00")
    assert ticket.deadline is None  # 办结 stopped the overall clock
    assert [a.code for a in available_actions(ticket, actor(dispatcher))] == ["recheck"]
    with pytest.raises(Conflict) as ended:
        transition(instance=ticket, action="reply", actor=actor(first), comment="再答复")
    assert ended.value.code == "workflow_completed"
    with pytest.raises(InvalidInput):
        transition(instance=ticket, action="recheck", actor=actor(dispatcher))  # a reason is required

    transition(
        instance=ticket,
        action="recheck",
        actor=actor(dispatcher),
        fields={"reason": "来电人反映路灯仍不亮"},
        now=at("2026-11-05 10:00"),
    )

    ticket.refresh_from_db()
    assert (ticket.state, ticket.completed_at) == ("handling", None)
    # 复核重办 runs on a clock again: 办理中 has none of its own, and the overall one restarts from the
    # action with the definition's 5 working days (none was passed): Thu 11-05 10:00 → Fri 11-06,
    # Mon 11-09, Tue 11-10, Wed 11-11, Thu 11-12 → Thu 11-12 17:30.
    assert ticket.state_deadline is None
    assert (ticket.deadline, ticket.overdue) == (at("2026-11-12 17:30"), False)
    assert (ticket.worklist_clock, ticket.worklist_deadline) == ("overall", at("2026-11-12 17:30"))
    assert ticket.pk in _inbox(first)
    assert list(ticket.events.order_by("id").values_list("action", flat=True))[-2:] == ["callback", "recheck"]
    assert ProcessInstance.objects.get(pk=ticket.pk).handlers.exists()


def test_definitions_say_where_reopening_is_allowed():
    base = {
        "states": [
            {"code": "open", "name": "办理中", "type": "start"},
            {"code": "done", "name": "已办结", "type": "terminal"},
        ],
        "actions": [
            {"code": "finish", "name": "办结", "from": ["open"], "to": "done", "roles": ["clerk"]},
        ],
    }
    plain = {
        **base,
        "actions": [*base["actions"], {"code": "redo", "name": "重办", "from": ["done"], "to": "open"}],
    }
    assert "动作 redo 不能从结束环节 done 发起（重办、复核等动作须标明 reopen）" in definition_errors(plain)
    to_end = {
        **base,
        "actions": [
            *base["actions"],
            {"code": "redo", "name": "重办", "from": ["done"], "to": "done", "reopen": True},
        ],
    }
    assert "动作 redo 是重新办理的动作（reopen），目标环节须为未结束的环节" in definition_errors(to_end)
    allowed = {
        **base,
        "actions": [
            *base["actions"],
            {"code": "redo", "name": "重办", "from": ["done"], "to": "open", "reopen": True},
        ],
    }
    assert definition_errors(allowed) == []
