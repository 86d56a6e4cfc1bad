"""The inbox and instance reads: scoped, one query, nearest deadline first."""

from __future__ import annotations

import pytest

from yiwang.core.errors import NotFound
from yiwang.core.tests.factories import PersonFactory
from yiwang.identity.actor import Actor
from yiwang.identity.models import DataScope
from yiwang.workflow.actions import instance_start, tick, transition
from yiwang.workflow.permissions import VIEW_INSTANCE
from yiwang.workflow.selectors import history_for, inbox_for, instance_for, instance_for_object, instances_for

from .factories import actor, at, staff

ACCEPT = "services.accept_application"


def _apply(citizen, organization, title, when):
    return instance_start(
        actor=actor(citizen),
        definition_code="yiwang_tongban",
        obj=PersonFactory(),
        organization=organization,
        title=title,
        owner=citizen,
        now=at(when),
    )


def test_inbox_is_one_query_ordered_by_nearest_deadline(
    definitions, city, citizen, django_assert_num_queries
):
    later = _apply(citizen, city["market"], "后申请", "2026-11-04 09:00")
    sooner = _apply(citizen, city["market"], "先申请", "2026-11-02 09:00")
    _apply(citizen, city["other"], "外区申请", "2026-11-02 09:00")
    clerk = actor(staff(city["market"], permissions=[ACCEPT]))

    with django_assert_num_queries(1):
        rows = [(i.title, i.organization.name, i.definition.code, i.owner.pk) for i in inbox_for(clerk)]

    assert [r[0] for r in rows] == ["先申请", "后申请"]
    assert rows[0][1] == "玄武区市场监督管理局"
    assert {sooner.pk, later.pk} == {i.pk for i in inbox_for(clerk)}


def test_inbox_filters(definitions, city, citizen):
    a = _apply(citizen, city["market"], "小餐饮登记", "2026-11-02 09:00")
    _apply(citizen, city["market"], "药品零售许可", "2026-11-09 09:00")
    clerk = actor(staff(city["market"], permissions=[ACCEPT]))
    tick(now=at("2026-11-04 09:00"))

    assert [i.pk for i in inbox_for(clerk, overdue=True)] == [a.pk]
    assert [i.title for i in inbox_for(clerk, search="药品")] == ["药品零售许可"]
    assert inbox_for(clerk, state="reviewing").count() == 0
    assert inbox_for(clerk, definition="hotline_12345").count() == 0


@pytest.mark.parametrize(
    ("scope", "where", "expected"),
    [
        (DataScope.DEPARTMENT, "market", 1),
        (DataScope.DEPARTMENT, "housing", 0),
        (DataScope.DEPARTMENT_TREE, "government", 1),
        (DataScope.REGION, "center", 1),
        (DataScope.REGION, "other", 0),
        (DataScope.ALL, "other", 1),
    ],
)
def test_inbox_respects_every_data_scope(definitions, city, citizen, scope, where, expected):
    _apply(citizen, city["market"], "申请", "2026-11-02 09:00")
    clerk = actor(staff(city[where], permissions=[ACCEPT], scope=scope))
    assert inbox_for(clerk).count() == expected


def test_anonymous_and_roleless_users_have_empty_inboxes(definitions, city, citizen, other_citizen):
    _apply(citizen, city["market"], "申请", "2026-11-02 09:00")
    assert inbox_for(Actor.for_user(None)).count() == 0
    assert inbox_for(actor(other_citizen)).count() == 0
    assert inbox_for(actor(staff(city["market"]))).count() == 0


def test_instance_reads_are_scoped(definitions, city, citizen, other_citizen, subject):
    case = instance_start(
        actor=actor(citizen),
        definition_code="yiwang_tongban",
        obj=subject,
        organization=city["market"],
        title="申请",
        owner=citizen,
    )
    viewer = actor(staff(city["market"], permissions=[VIEW_INSTANCE]))
    outsider = actor(staff(city["other"], permissions=[VIEW_INSTANCE]))

    assert instance_for(viewer, case.pk) == case
    assert instance_for(actor(citizen), case.pk) == case
    assert [e.action for e in history_for(case, viewer)] == ["start"]
    assert instance_for_object(viewer, subject) == case
    assert instance_for_object(outsider, subject) is None
    assert list(instances_for(viewer)) == [case]
    assert list(instances_for(outsider)) == []
    for stranger in (outsider, actor(other_citizen)):
        with pytest.raises(NotFound):
            instance_for(stranger, case.pk)
        with pytest.raises(NotFound):
            history_for(case, stranger)


def test_reassignment_moves_the_case_between_inboxes(definitions, city, subject):
    agent = staff(city["hotline"], roles=["hotline_agent"])
    dispatcher = actor(staff(city["hotline"], roles=["hotline_dispatcher"], scope=DataScope.REGION))
    housing = actor(staff(city["housing"], roles=["handling_officer"]))
    ticket = instance_start(
        actor=actor(agent),
        definition_code="hotline_12345",
        obj=subject,
        organization=city["hotline"],
        title="违章搭建",
    )
    assert [i.pk for i in inbox_for(dispatcher)] == [ticket.pk]

    transition(
        instance=ticket, action="dispatch", actor=dispatcher, organization=city["housing"], comment="转住建局"
    )
    assert inbox_for(dispatcher).count() == 0
    assert [i.pk for i in inbox_for(housing)] == [ticket.pk]

    transition(
        instance=ticket,
        action="return_ticket",
        actor=housing,
        fields={"reason": "不属于本单位职责，应由城管局处理"},
    )
    assert ticket.organization == city["hotline"]
    assert inbox_for(housing).count() == 0
    assert [i.state for i in inbox_for(dispatcher)] == ["returned"]
