"""`instances_owned_by`: the applicant's own matters (我的事项), most recent activity first."""

from __future__ import annotations

from yiwang.identity.actor import Actor
from yiwang.identity.models import User
from yiwang.identity.tests.factories import UserFactory
from yiwang.workflow.actions import instance_start, transition
from yiwang.workflow.selectors import instances_owned_by

from .factories import actor, at, staff

ACCEPT = "services.accept_application"


def apply(owner, subject, city, title, when):
    return instance_start(
        actor=actor(owner),
        definition_code="yiwang_tongban",
        obj=subject,
        organization=city["market"],
        title=title,
        owner=owner,
        now=at(when),
    )


def test_own_items_only_most_recent_activity_first(
    definitions, city, citizen, other_citizen, subject, django_assert_num_queries
):
    clerk = staff(city["market"], permissions=[ACCEPT])
    old = apply(citizen, subject, city, "早申请", "2026-11-02 09:00")
    new = apply(citizen, subject, city, "晚申请", "2026-11-03 09:00")
    apply(other_citizen, subject, city, "别人的申请", "2026-11-04 09:00")
    # The older application moved last: it comes first.
    transition(
        instance=old,
        action="refuse",
        actor=actor(clerk),
        now=at("2026-11-05 09:00"),
        fields={"reason": "不属本部门"},
    )

    me = actor(citizen)
    with django_assert_num_queries(1):
        rows = list(instances_owned_by(me))
        assert [(r.title, r.organization.name, r.state_name) for r in rows] == [
            ("早申请", "玄武区市场监督管理局", "不予受理"),
            ("晚申请", "玄武区市场监督管理局", "待受理"),
        ]
    assert rows[0].last_activity_at == at("2026-11-05 09:00")
    assert [r.pk for r in instances_owned_by(actor(citizen), active=True)] == [new.pk]
    assert [r.pk for r in instances_owned_by(actor(citizen), active=False)] == [old.pk]


def test_staff_who_may_see_an_item_do_not_own_it(definitions, city, citizen, subject):
    apply(citizen, subject, city, "王小明的申请", "2026-11-02 09:00")
    clerk = staff(city["market"], permissions=[ACCEPT, "workflow.view_instance"])
    agent = UserFactory(kind=User.Kind.ENTERPRISE)

    assert not instances_owned_by(actor(clerk)).exists()
    assert not instances_owned_by(actor(agent)).exists()
    assert not instances_owned_by(Actor.system()).exists()
    assert not instances_owned_by(Actor(user=None)).exists()
