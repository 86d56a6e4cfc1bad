"""指派: handing an open instance to a colleague of the owning department."""

import pytest

from yiwang.core.errors import InvalidInput, NotFound
from yiwang.core.models import AuditEvent
from yiwang.workflow.actions import instance_assign, instance_start
from yiwang.workflow.tests.factories import actor, at, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def instance(definitions, city, citizen, subject):
    return instance_start(
        actor=actor(citizen),
        definition_code="yiwang_tongban",
        obj=subject,
        organization=city["market"],
        title="食品经营许可（新办）",
        owner=citizen,
        now=at("2026-11-02 10:00"),
    )


def test_assign_to_a_colleague_of_the_department(instance, city):
    clerk = staff(city["market"], permissions=["workflow.view_instance"], name="窗口")
    colleague = staff(city["market"], roles=["approver"], name="审批")

    result = instance_assign(actor=actor(clerk), instance=instance, assignee=colleague)

    assert result.assignee_id == colleague.pk
    instance.refresh_from_db()
    assert instance.assignee_id == colleague.pk
    event = AuditEvent.objects.get(action="workflow.instance_assign")
    assert event.data == {"assignee": colleague.pk, "previous": None}


def test_assign_refuses_outsiders_and_changes_nothing(instance, city, citizen):
    clerk = staff(city["market"], permissions=["workflow.view_instance"], name="窗口")
    stranger = staff(city["other"], roles=["approver"], name="外部门")
    other_clerk = staff(city["other"], permissions=["workflow.view_instance"], name="外部门窗口")

    with pytest.raises(InvalidInput, match="只能指派给本部门的工作人员"):
        instance_assign(actor=actor(clerk), instance=instance, assignee=stranger)
    with pytest.raises(NotFound):
        instance_assign(actor=actor(other_clerk), instance=instance, assignee=clerk)
    with pytest.raises(NotFound):
        instance_assign(actor=actor(citizen), instance=instance, assignee=clerk)

    instance.refresh_from_db()
    assert instance.assignee_id is None
    assert not AuditEvent.objects.filter(action="workflow.instance_assign").exists()
