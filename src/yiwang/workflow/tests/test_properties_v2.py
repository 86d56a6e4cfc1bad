"""Property tests for the engine's v2 features: whatever people do with 签收/退回签收, 联合派单, the
children's replies, 汇总答复, 并单 and 复核重办, in any order, the invariants hold:

- the inbox query and the per-action check agree for everyone (an instance is in a user's inbox
  exactly when they can perform one of its required actions now);
- a claim exists only on an open instance, with the codes it reserves;
- a merged ticket has no handlers, waits while its primary is open and ends with it, in its state;
- a parent moves on (汇总答复) only once its 主办 child has answered, and its history holds one reply
  per child that has answered."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yiwang.core.errors import DomainError
from yiwang.core.tests.factories import PersonFactory
from yiwang.identity.actor import Actor
from yiwang.identity.models import DataScope
from yiwang.workflow.actions import (
    ChildSpec,
    definitions_load,
    instance_merge,
    instance_start,
    transition,
)
from yiwang.workflow.models import InstanceLink, ProcessDefinition, ProcessEvent, ProcessInstance
from yiwang.workflow.permissions import SUPERVISE_INSTANCE
from yiwang.workflow.selectors import available_actions, inbox_for

from .factories import actor, staff

OPERATIONS = (
    "dispatch",
    "joint_dispatch",
    "sign_for",
    "release",
    "reply",
    "child_sign_for",
    "child_release",
    "child_reply",
    "consolidate",
    "close",
    "callback",
    "recheck",
    "merge",
)


def _people(city):
    return {
        "agent": staff(city["hotline"], roles=["hotline_agent"], scope=DataScope.REGION),
        "dispatcher": staff(city["hotline"], roles=["hotline_dispatcher"], scope=DataScope.REGION),
        "housing_a": staff(city["housing"], roles=["handling_officer"]),
        "housing_b": staff(city["housing"], roles=["handling_officer"]),
        "market_a": staff(city["market"], roles=["handling_officer"]),
        "head": staff(city["housing"], roles=["handling_officer"], permissions=[SUPERVISE_INSTANCE]),
    }


def _attempt(people, city, tickets, operation, who, which) -> None:
    """Try one operation; a refusal (DomainError) is a valid outcome and must change nothing."""
    ticket = tickets[which % len(tickets)]
    ticket.refresh_from_db()
    person = actor(people[who])
    dispatcher = actor(people["dispatcher"])
    children = list(ProcessInstance.objects.filter(parent=ticket).order_by("child_role", "pk"))
    child = children[which % len(children)] if children else None
    if operation == "dispatch":
        transition(
            instance=ticket, action="dispatch", actor=dispatcher, organization=city["housing"], comment="派"
        )
    elif operation == "joint_dispatch":
        transition(
            instance=ticket, action="joint_dispatch", actor=dispatcher, comment="联合派单",
            children=[ChildSpec(city["housing"], "lead"), ChildSpec(city["market"], "assist")],
        )  # fmt: skip
    elif operation in ("sign_for", "release"):
        transition(instance=ticket, action=operation, actor=person)
    elif operation == "reply":
        transition(instance=ticket, action="reply", actor=person, comment="已办")
    elif operation.startswith("child_") and child is not None:
        code = operation.removeprefix("child_")
        transition(instance=child, action=code, actor=person, comment="已办" if code == "reply" else "")
    elif operation == "consolidate":
        transition(instance=ticket, action="consolidate", actor=dispatcher, comment="汇总")
    elif operation == "close":
        transition(instance=ticket, action="close", actor=dispatcher)
    elif operation == "callback":
        transition(
            instance=ticket,
            action="callback",
            actor=actor(people["agent"]),
            fields={"satisfaction": "satisfied"},
        )
    elif operation == "recheck":
        transition(instance=ticket, action="recheck", actor=dispatcher, fields={"reason": "复核"})
    elif operation == "merge":
        instance_merge(
            actor=dispatcher, primary=tickets[0], secondary=tickets[1 + which % (len(tickets) - 1)]
        )


def _check(people, tickets) -> None:
    instances = list(ProcessInstance.objects.select_related("definition", "organization", "region"))
    for user in people.values():
        inbox = set(inbox_for(actor(user)).values_list("pk", flat=True))
        for instance in instances:
            required = [a for a in available_actions(instance, actor(user)) if a.code != "release"]
            required = [a for a in required if not instance.definition.parsed.actions[a.code].optional]
            assert (instance.pk in inbox) == bool(required), (user, instance.title, instance.state)
    for instance in instances:
        assert (instance.claimed_by_id is None) == (instance.claimed_codes == ""), instance
        if instance.completed_at is not None:
            assert instance.claimed_by_id is None
    for link in InstanceLink.objects.filter(kind="merge").select_related("primary", "secondary"):
        follower, primary = link.secondary, link.primary
        assert not follower.handlers.exists()
        if primary.completed_at is None:
            assert follower.completed_at is None and follower.suspended_at is not None
        elif ProcessEvent.objects.filter(instance=follower, action="follow").exists():
            assert follower.completed_at is not None
    for parent in ProcessInstance.objects.filter(children__isnull=False).distinct():
        answered = parent.children.filter(completed_at__isnull=False).count()
        assert ProcessEvent.objects.filter(instance=parent, action="child_reply").count() == answered
        if ProcessEvent.objects.filter(instance=parent, action="consolidate").exists():
            assert parent.children.filter(child_role="lead", completed_at__isnull=False).exists()


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(OPERATIONS),
            st.sampled_from(["housing_a", "housing_b", "market_a", "head", "dispatcher"]),
            st.integers(0, 5),
        ),
        min_size=1,
        max_size=14,
    )
)
@pytest.mark.django_db
def test_claims_joint_handling_and_merges_keep_every_invariant(city, steps):
    if not ProcessDefinition.objects.exists():
        definitions_load(actor=Actor.system())
    people = _people(city)
    tickets = [
        instance_start(
            actor=actor(people["agent"]),
            definition_code="hotline_12345",
            obj=PersonFactory(),
            organization=city["hotline"],
            title=f"工单{n}",
        )
        for n in range(3)
    ]
    for operation, who, which in steps:
        before = list(ProcessInstance.objects.order_by("pk").values())
        try:
            _attempt(people, city, tickets, operation, who, which)
        except DomainError:
            assert list(ProcessInstance.objects.order_by("pk").values()) == before  # refused: nothing moved
        _check(people, tickets)
