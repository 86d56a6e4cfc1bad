"""指派: handing an open instance to a colleague of the owning department."""

import pytest

from yiwang.core.errors import InvalidInput, NotFound
from yiwang.core.models import AuditEvent, Notification
from yiwang.workflow.actions import instance_assign, instance_start
from yiwang.workflow.models import ProcessEvent, ProcessInstance
from yiwang.workflow.selectors import history_for, instances_owned_by
from yiwang.workflow.tests.factories import actor, at, staff

pytestmark = pytest.mark.django_db

CLOCKS = (
    "state",
    "state_entered_at",
    "completed_at",
    "deadline",
    "state_deadline",
    "due_at",
    "warning_at",
    "escalation_due_at",
    "warning",
    "overdue",
    "suspended_at",
    "extended_days",
)


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


def _clocks(instance: ProcessInstance) -> dict:
    row = ProcessInstance.objects.get(pk=instance.pk)
    return {name: getattr(row, name) for name in CLOCKS}


def test_assign_to_a_colleague_of_the_department(instance, city):
    clerk = staff(city["market"], permissions=["workflow.view_instance"], name="窗口")
    colleague = staff(city["market"], roles=["approver"], name="审批")

    result = instance_assign(actor=actor(clerk), instance=instance, assignee=colleague)

    assert result.assignee_id == colleague.pk
    instance.refresh_from_db()
    assert instance.assignee_id == colleague.pk
    event = AuditEvent.objects.get(action="workflow.instance_assign")
    assert event.data == {"assignee": colleague.pk, "previous": None}


def test_assign_is_an_internal_history_event_that_moves_no_clock(
    instance, city, django_capture_on_commit_callbacks
):
    head = staff(city["market"], permissions=["workflow.view_instance"], name="科长王")
    window = staff(city["market"], roles=["window_clerk"], name="窗口张")
    approver = staff(city["market"], roles=["approver"], name="审批李")
    clocks = _clocks(instance)

    with django_capture_on_commit_callbacks(execute=True):
        instance_assign(actor=actor(head), instance=instance, assignee=window, now=at("2026-11-23 10:05"))
        instance_assign(actor=actor(head), instance=instance, assignee=approver, now=at("2026-11-23 11:00"))

    first, second = ProcessEvent.objects.filter(instance=instance, action="assign").order_by("created_at")
    assert (first.action_name, first.from_state, first.to_state) == ("指派", "submitted", "submitted")
    assert (first.actor_id, first.actor_label, first.created_at) == (
        head.pk,
        "科长王",
        at("2026-11-23 10:05"),
    )
    assert first.fields == {"assignee": window.pk, "assignee_label": "窗口张"}
    assert second.fields == {
        "assignee": approver.pk,
        "assignee_label": "审批李",
        "previous_assignee": window.pk,
        "previous_assignee_label": "窗口张",
    }
    # Not a state move: the clocks stand still and the applicant hears nothing.
    assert _clocks(instance) == clocks
    assert not Notification.objects.filter(recipient_id=instance.owner_id).exists()


def test_the_applicant_does_not_see_assignments_staff_do(instance, city, citizen):
    head = staff(city["market"], permissions=["workflow.view_instance"], name="科长王")
    window = staff(city["market"], roles=["window_clerk"], name="窗口张")
    instance_assign(actor=actor(head), instance=instance, assignee=window, now=at("2026-11-23 10:05"))
    instance = ProcessInstance.objects.select_related("organization", "region").get(pk=instance.pk)

    assert [e.action for e in history_for(instance, actor(head))] == ["start", "assign"]
    assert [e.action for e in history_for(instance, actor(window))] == ["start", "assign"]
    assert [e.action for e in history_for(instance, actor(citizen))] == ["start"]
    # 我的事项: an internal assignment is no activity of the applicant's matter.
    (mine,) = instances_owned_by(actor(citizen))
    assert mine.last_activity_at == at("2026-11-02 10:00")


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
    assert not ProcessEvent.objects.filter(instance=instance, action="assign").exists()
