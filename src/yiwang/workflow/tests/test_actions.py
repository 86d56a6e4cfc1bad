"""Engine behaviour: starting, transitions and every way a transition is refused, clocks on the
real 2026 holiday calendar, suspension, extension, hooks and the append-only history."""

from __future__ import annotations

import pytest

from yiwang.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from yiwang.core.models import AuditEvent, StoredFile
from yiwang.identity.actor import Actor
from yiwang.identity.models import DataScope
from yiwang.workflow import hooks
from yiwang.workflow.actions import definition_publish, definition_save, instance_start, transition
from yiwang.workflow.models import ProcessEvent, ProcessInstance
from yiwang.workflow.selectors import available_actions

from .factories import actor, at, staff

ACCEPT = "services.accept_application"
REVIEW = "services.review_application"
DECIDE = "services.decide_application"


def apply(citizen, subject, city, *, when="2026-11-02 09:00", **kwargs):
    return instance_start(
        actor=actor(citizen),
        definition_code="yiwang_tongban",
        obj=subject,
        organization=city["market"],
        title="食品经营许可（新办）",
        owner=citizen,
        now=at(when),
        **kwargs,
    )


def refused(exc_info) -> tuple[str, str]:
    return exc_info.value.code, exc_info.value.message


# -- starting ---------------------------------------------------------------------------------------


def test_start_uses_latest_published_version_and_opens_the_clock(definitions, city, citizen, subject):
    instance = apply(citizen, subject, city)

    assert instance.definition == definitions["yiwang_tongban"]
    assert instance.state == "submitted"
    assert instance.organization == city["market"]
    assert instance.region == city["district_a"]
    assert instance.owner == citizen
    assert instance.content_object == subject
    # 1 working day to accept, 5 promised: Mon 11-02 → Tue 11-03 and Mon 11-09, end of office hours.
    assert instance.state_deadline == at("2026-11-03 17:30")
    assert instance.deadline == at("2026-11-09 17:30")
    assert instance.due_at == at("2026-11-03 17:30")
    assert (instance.warning, instance.overdue) == (False, False)
    assert list(instance.events.values_list("action", "to_state")) == [("start", "submitted")]
    assert AuditEvent.objects.filter(action="workflow.start", object_id=str(instance.pk)).count() == 1


def test_start_of_unpublished_definition_is_refused(db, city, citizen, subject):
    with pytest.raises(NotFound) as exc_info:
        apply(citizen, subject, city)
    assert exc_info.value.code == "workflow_definition_not_found"


def test_citizen_cannot_start_an_instance_owned_by_someone_else(
    definitions, city, citizen, other_citizen, subject
):
    with pytest.raises(PermissionDenied) as exc_info:
        instance_start(
            actor=actor(other_citizen),
            definition_code="yiwang_tongban",
            obj=subject,
            organization=city["market"],
            title="冒名申请",
            owner=citizen,
        )
    assert exc_info.value.code == "workflow_action_not_allowed"
    assert not ProcessInstance.objects.exists()


def test_item_promised_days_override_the_definition_sla(definitions, city, citizen, subject):
    instance = apply(citizen, subject, city, sla={"working_days": 20})
    # 20 working days from Mon 11-02: 4 full weeks → Mon 11-30.
    assert instance.deadline == at("2026-11-30 17:30")


# -- deadlines on the holiday calendar ----------------------------------------------------------------


def test_deadlines_skip_national_day_and_count_the_makeup_saturday(definitions, city, citizen, subject):
    instance = apply(citizen, subject, city, when="2026-09-30 10:00")

    # 受理 1 working day: 10-01..10-07 are 国庆 holidays, so the next working day is Thu 10-08.
    assert instance.state_deadline == at("2026-10-08 17:30")
    # Promised 5 working days: 10-08, 10-09, Sat 10-10 (调休上班), Mon 10-12, Tue 10-13.
    assert instance.deadline == at("2026-10-13 17:30")


# A dispatch desk on office time (the shipped 12345 definition runs 派单/签收 on natural time since
# issue 13): one working hour to dispatch, two working hours to sign for.
OFFICE_HOURS_DESK = {
    "start": {"roles": ["hotline_agent"]},
    "states": [
        {"code": "registered", "name": "已受理（待派单）", "type": "start", "sla": {"working_hours": 1}},
        {"code": "dispatched", "name": "待签收", "type": "normal", "sla": {"working_hours": 2}},
        {"code": "signed", "name": "已签收", "type": "terminal"},
    ],
    "actions": [
        {
            "code": "dispatch",
            "name": "派单",
            "from": ["registered"],
            "to": "dispatched",
            "roles": ["hotline_dispatcher"],
            "reassign": "choose",
            "required_fields": ["comment"],
        },
        {
            "code": "sign_for",
            "name": "签收",
            "from": ["dispatched"],
            "to": "signed",
            "roles": ["handling_officer"],
        },
    ],
}


def test_hours_sla_runs_on_office_hours_only(definitions, city, subject):
    draft = definition_save(
        actor=Actor.system(), code="office_hours_desk", name="工作时间派单", definition=OFFICE_HOURS_DESK
    )
    definition_publish(actor=Actor.system(), definition=draft)
    agent = staff(city["hotline"], roles=["hotline_agent"], scope=DataScope.DEPARTMENT)
    dispatcher = staff(city["hotline"], roles=["hotline_dispatcher"], scope=DataScope.REGION)
    ticket = instance_start(
        actor=actor(agent),
        definition_code="office_hours_desk",
        obj=subject,
        organization=city["hotline"],
        title="噪音扰民投诉",
        now=at("2026-11-06 16:00"),
    )
    # 1 working hour to dispatch: Fri 11-06 16:00 is inside the 13:30-17:30 period → 17:00.
    assert ticket.state_deadline == at("2026-11-06 17:00")

    transition(
        instance=ticket,
        action="dispatch",
        actor=actor(dispatcher),
        organization=city["housing"],
        comment="请核查处理",
        now=at("2026-11-06 16:30"),
    )

    # 签收 within 2 working hours: Fri 16:30-17:30 (1 h); the evening and Sat/Sun 11-07/08 (no 调休 in
    # November 2026) do not count; Mon 11-09 09:00-10:00 (1 h) → Mon 10:00, not Fri 18:30.
    assert ticket.state == "dispatched"
    assert ticket.state_deadline == at("2026-11-09 10:00")
    assert ticket.organization == city["housing"]


# -- suspension and extension ------------------------------------------------------------------------


def test_correction_stops_the_clock_and_resubmission_restarts_it(definitions, city, citizen, subject):
    clerk = staff(city["market"], permissions=[ACCEPT])
    instance = apply(citizen, subject, city)  # Mon 11-02 09:00, promised by Mon 11-09 17:30

    transition(
        instance=instance,
        action="request_correction",
        actor=actor(clerk),
        now=at("2026-11-03 09:00"),
        fields={"reason": "营业执照复印件不清晰", "materials": ["营业执照"]},
    )
    assert instance.state == "correction"
    assert instance.suspended_at == at("2026-11-03 09:00")
    assert instance.suspended_remaining_seconds == 5 * 7 * 3600  # Tue..Mon, 7 office hours a day

    transition(
        instance=instance,
        action="resubmit",
        actor=actor(citizen),
        comment="已重新上传",
        now=at("2026-11-16 09:00"),
    )

    # The suspended fortnight does not count: 35 office hours from Mon 11-16 09:00 → Fri 11-20 17:30.
    assert instance.suspended_at is None
    assert instance.state == "submitted"
    assert instance.deadline == at("2026-11-20 17:30")
    assert instance.state_deadline == at("2026-11-17 17:30")
    assert instance.overdue is False


def test_suspended_instance_only_allows_resume_or_ending_actions(definitions, city, citizen, subject):
    clerk = staff(city["market"], permissions=[ACCEPT])
    instance = apply(citizen, subject, city)
    transition(
        instance=instance, action="request_correction", actor=actor(clerk), fields={"reason": "缺少身份证明"}
    )

    assert [a.code for a in available_actions(instance, actor(citizen))] == ["resubmit", "withdraw"]
    transition(instance=instance, action="withdraw", actor=actor(citizen), fields={"reason": "不再经营"})
    assert instance.state == "withdrawn"
    assert instance.completed_at is not None
    assert instance.suspended_at is None


def test_in_place_suspend_and_resume_keep_the_state_clock(definitions, city, citizen, subject):
    """特别程序 suspends in place: the case stays in 审查中 and its state clock is frozen, then counts
    the frozen remainder again from the resume (the 12345 办理中 has no state clock since issue 13)."""
    window = staff(city["market"], roles=["window_clerk"])
    approver = staff(city["market"], roles=["approver"])
    instance = apply(citizen, subject, city)  # Mon 11-02 09:00; promised 5 working days → Mon 11-09 17:30
    transition(instance=instance, action="accept", actor=actor(window), now=at("2026-11-02 10:00"))
    # 审查 2 working days, counted from the next working day: Tue 11-03, Wed 11-04 → Wed 11-04 17:30.
    assert instance.state_deadline == at("2026-11-04 17:30")
    assert instance.deadline == at("2026-11-09 17:30")

    transition(
        instance=instance,
        action="suspend",
        actor=actor(approver),
        now=at("2026-11-03 10:00"),
        fields={"kind": "site_survey", "reason": "需现场勘查经营场所"},
    )
    assert (instance.state, instance.state_entered_at) == ("reviewing", at("2026-11-02 10:00"))
    # Left at Tue 11-03 10:00: Tue 10:00-12:00 + 13:30-17:30 (6 h) + Wed (7 h) on the state clock;
    # the same 6 h + Wed, Thu, Fri, Mon (4 × 7 h) on the overall one.
    assert instance.suspended_state_remaining_seconds == 13 * 3600
    assert instance.suspended_remaining_seconds == 34 * 3600
    with pytest.raises(Conflict) as exc_info:
        transition(
            instance=instance,
            action="review",
            actor=actor(approver),
            comment="同意",
            now=at("2026-11-04 10:00"),
        )
    assert refused(exc_info) == ("workflow_suspended", "事项已挂起，请先恢复后再「审查通过」")
    transition(instance=instance, action="resume", actor=actor(approver), now=at("2026-11-10 10:00"))

    # Suspended Tue 11-03 10:00 → Tue 11-10 10:00, exactly 5 working days: 13 h from Tue 11-10 10:00 are
    # Tue (6 h) + Wed (7 h) → Wed 11-11 17:30, the old deadline 5 working days later, still in 审查中.
    assert (instance.state, instance.state_entered_at) == ("reviewing", at("2026-11-02 10:00"))
    assert instance.suspended_at is None
    assert instance.state_deadline == at("2026-11-11 17:30")
    # 34 h from Tue 11-10 10:00: Tue (6 h) + Wed, Thu, Fri, Mon (28 h) → Mon 11-16 17:30.
    assert instance.deadline == at("2026-11-16 17:30")


def test_extension_adds_working_days_and_requires_a_reason(definitions, city, subject):
    ticket, _, dispatcher = _ticket_in_handling(city, subject, signed="2026-11-02 10:00")
    # 办理中 has no clock of its own: the ticket's overall 5 working days from Mon 11-02 10:00, counted
    # from the next working day (Tue … Mon) → Mon 11-09 17:30.
    assert ticket.state_deadline is None
    assert ticket.deadline == at("2026-11-09 17:30")

    with pytest.raises(InvalidInput) as exc_info:
        transition(instance=ticket, action="extend", actor=actor(dispatcher), fields={"days": 3})
    assert refused(exc_info) == ("workflow_field_required", "「延期」需要填写：理由")
    with pytest.raises(InvalidInput) as exc_info:
        transition(
            instance=ticket,
            action="extend",
            actor=actor(dispatcher),
            fields={"days": 30, "reason": "涉及多部门"},
        )
    assert exc_info.value.code == "workflow_extend_days_invalid"
    ticket.refresh_from_db()
    assert (ticket.deadline, ticket.extended_days) == (at("2026-11-09 17:30"), 0)

    transition(
        instance=ticket,
        action="extend",
        actor=actor(dispatcher),
        now=at("2026-11-05 09:00"),
        fields={"days": 3, "reason": "需现场勘验"},
    )

    # 3 more working days after Mon 11-09: Tue 11-10, Wed 11-11, Thu 11-12 → Thu 11-12 17:30.
    assert ticket.deadline == at("2026-11-12 17:30")
    assert ticket.worklist_deadline == at("2026-11-12 17:30")
    assert ticket.state_deadline is None
    assert ticket.extended_days == 3
    assert ticket.state == "handling"


def _ticket_in_handling(city, subject, *, signed):
    agent = staff(city["hotline"], roles=["hotline_agent"])
    dispatcher = staff(city["hotline"], roles=["hotline_dispatcher"], scope=DataScope.REGION)
    officer = staff(city["housing"], roles=["handling_officer"])
    ticket = instance_start(
        actor=actor(agent),
        definition_code="hotline_12345",
        obj=subject,
        organization=city["hotline"],
        title="小区路灯不亮",
        now=at(signed),
    )
    transition(
        instance=ticket,
        action="dispatch",
        actor=actor(dispatcher),
        organization=city["housing"],
        comment="转住建局",
        now=at(signed),
    )
    transition(instance=ticket, action="sign_for", actor=actor(officer), now=at(signed))
    return ticket, officer, dispatcher


# -- refusals -------------------------------------------------------------------------------------------


def test_unknown_action_is_refused(definitions, city, citizen, subject):
    instance = apply(citizen, subject, city)
    with pytest.raises(InvalidInput) as exc_info:
        transition(instance=instance, action="teleport", actor=Actor.system())
    assert exc_info.value.code == "workflow_unknown_action"


def test_action_from_the_wrong_state_is_refused(definitions, city, citizen, subject):
    decider = staff(city["market"], permissions=[DECIDE])
    instance = apply(citizen, subject, city)

    with pytest.raises(Conflict) as exc_info:
        transition(instance=instance, action="approve", actor=actor(decider), comment="同意")

    assert refused(exc_info) == ("workflow_wrong_state", "当前环节为「待受理」，不能「准予许可」")
    assert exc_info.value.details == {"state": "submitted", "allowed_from": ["deciding"]}
    assert instance.events.count() == 1


def test_staff_without_the_permission_is_refused(definitions, city, citizen, subject):
    reviewer = staff(city["market"], permissions=[REVIEW])
    instance = apply(citizen, subject, city)

    with pytest.raises(PermissionDenied) as exc_info:
        transition(instance=instance, action="accept", actor=actor(reviewer))

    assert refused(exc_info) == ("workflow_action_not_allowed", "您没有权限执行「受理」")
    instance.refresh_from_db()
    assert instance.state == "submitted"


def test_staff_of_another_department_is_refused(definitions, city, citizen, subject):
    stranger = staff(city["other"], permissions=[ACCEPT])
    instance = apply(citizen, subject, city)

    with pytest.raises(PermissionDenied) as exc_info:
        transition(instance=instance, action="accept", actor=actor(stranger))

    assert refused(exc_info) == ("workflow_forbidden", "该事项不在您的数据权限范围内")
    assert instance.events.count() == 1


def test_department_tree_scope_reaches_subordinate_departments(definitions, city, citizen, subject):
    city_clerk = staff(city["government"], permissions=[ACCEPT], scope=DataScope.DEPARTMENT_TREE)
    instance = apply(citizen, subject, city)

    transition(instance=instance, action="accept", actor=actor(city_clerk))

    assert instance.state == "reviewing"
    assert instance.assignee == city_clerk  # 受理 claims the case


def test_role_grants_the_action_within_its_scope(definitions, city, citizen, subject):
    window = staff(city["market"], roles=["window_clerk"])
    window_elsewhere = staff(city["other"], roles=["window_clerk"])
    instance = apply(citizen, subject, city)

    with pytest.raises(PermissionDenied):
        transition(instance=instance, action="accept", actor=actor(window_elsewhere))
    transition(instance=instance, action="accept", actor=actor(window))
    assert instance.state == "reviewing"


def test_applicant_action_by_another_citizen_is_refused(definitions, city, citizen, other_citizen, subject):
    clerk = staff(city["market"], permissions=[ACCEPT])
    instance = apply(citizen, subject, city)
    transition(
        instance=instance, action="request_correction", actor=actor(clerk), fields={"reason": "缺少租赁合同"}
    )

    with pytest.raises(PermissionDenied) as exc_info:
        transition(instance=instance, action="resubmit", actor=actor(other_citizen))

    assert refused(exc_info) == ("workflow_forbidden", "只有申请人本人可以「提交补正材料」")
    assert instance.events.count() == 2


def test_required_fields_must_be_present_and_not_blank(definitions, city, citizen, subject):
    clerk = staff(city["market"], permissions=[ACCEPT])
    instance = apply(citizen, subject, city)

    with pytest.raises(InvalidInput) as exc_info:
        transition(instance=instance, action="refuse", actor=actor(clerk), fields={"reason": "   "})

    assert refused(exc_info) == ("workflow_field_required", "「不予受理」需要填写：理由")
    assert exc_info.value.details == {"fields": ["reason"]}
    assert instance.events.count() == 1


def test_fields_are_checked_against_the_action_schema(definitions, city, citizen, subject):
    clerk = staff(city["market"], permissions=[ACCEPT])
    instance = apply(citizen, subject, city)

    with pytest.raises(InvalidInput) as exc_info:
        transition(
            instance=instance,
            action="request_correction",
            actor=actor(clerk),
            fields={"reason": "缺材料", "materials": "营业执照"},
        )

    assert exc_info.value.code == "workflow_fields_invalid"
    assert exc_info.value.details == ["materials：类型应为 array"]


def test_completed_instance_accepts_nothing(definitions, city, citizen, subject):
    clerk = staff(city["market"], permissions=[ACCEPT])
    instance = apply(citizen, subject, city)
    transition(
        instance=instance, action="refuse", actor=actor(clerk), fields={"reason": "不属于本部门职权范围"}
    )

    assert instance.state == "refused"
    assert instance.completed_at is not None
    with pytest.raises(Conflict) as exc_info:
        transition(instance=instance, action="accept", actor=actor(clerk))
    assert exc_info.value.code == "workflow_completed"
    assert available_actions(instance, actor(clerk)) == []


def test_attachments_must_belong_to_the_actor(definitions, city, citizen, other_citizen, subject):
    clerk = staff(city["market"], permissions=[ACCEPT])
    instance = apply(citizen, subject, city)
    transition(
        instance=instance, action="request_correction", actor=actor(clerk), fields={"reason": "缺少租赁合同"}
    )
    own = StoredFile.objects.create(
        name="租赁合同.pdf",
        content_type="application/pdf",
        size=10,
        sha256="a" * 64,
        sm3="b" * 64,
        storage_key="k1",
        owner=citizen,
    )
    foreign = StoredFile.objects.create(
        name="别人的.pdf",
        content_type="application/pdf",
        size=10,
        sha256="c" * 64,
        sm3="d" * 64,
        storage_key="k2",
        owner=other_citizen,
    )

    with pytest.raises(PermissionDenied) as exc_info:
        transition(instance=instance, action="resubmit", actor=actor(citizen), attachments=[foreign.uid])
    assert exc_info.value.code == "workflow_attachment_forbidden"

    event = transition(instance=instance, action="resubmit", actor=actor(citizen), attachments=[own.uid])
    assert list(event.attachments.all()) == [own]


# -- history, audit and hooks ---------------------------------------------------------------------------


def test_history_is_append_only(definitions, city, citizen, subject):
    instance = apply(citizen, subject, city)
    event = instance.events.get()

    event.comment = "篡改"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


def test_transition_writes_event_and_audit_and_runs_hooks_after_commit(
    definitions, city, citizen, subject, django_capture_on_commit_callbacks
):
    clerk = staff(city["market"], permissions=[ACCEPT], name="窗口小张")
    instance = apply(citizen, subject, city)
    seen_atomic, seen_commit = [], []
    atomic_hook = hooks.on_transition(
        lambda n: seen_atomic.append(n), definition="yiwang_tongban", phase="atomic"
    )
    commit_hook = hooks.on_transition(lambda n: seen_commit.append(n))
    other_hook = hooks.on_transition(lambda n: pytest.fail("wrong definition"), definition="hotline_12345")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            event = transition(
                instance=instance, action="accept", actor=actor(clerk), comment="材料齐全，予以受理"
            )
            assert seen_atomic and not seen_commit
    finally:
        for hook in (atomic_hook, commit_hook, other_hook):
            hooks.unsubscribe(hook)

    assert (event.action, event.from_state, event.to_state) == ("accept", "submitted", "reviewing")
    assert event.actor == clerk and event.actor_label == "窗口小张"
    assert event.comment == "材料齐全，予以受理"
    notice = seen_commit[0]
    assert (notice.action, notice.to_state, notice.event_id) == ("accept", "reviewing", event.pk)
    assert notice.content_type == "core.person" and notice.object_id == str(subject.pk)
    audit = AuditEvent.objects.get(action="workflow.accept")
    assert audit.object_id == str(instance.pk)
    assert audit.data["from"] == "submitted" and audit.data["to"] == "reviewing"


def test_failing_atomic_hook_rolls_the_transition_back(definitions, city, citizen, subject):
    clerk = staff(city["market"], permissions=[ACCEPT])
    instance = apply(citizen, subject, city)

    def veto(notice):
        raise InvalidInput("业务系统拒绝", code="domain_veto")

    hooks.on_transition(veto, phase="atomic")
    try:
        with pytest.raises(InvalidInput):
            transition(instance=instance, action="accept", actor=actor(clerk))
    finally:
        hooks.unsubscribe(veto)

    instance.refresh_from_db()
    assert instance.state == "submitted"
    assert ProcessEvent.objects.filter(instance=instance).count() == 1
