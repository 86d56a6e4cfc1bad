"""Staff handling actions: each step through the workflow engine, documents, refusals leave nothing behind."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from yiwang.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from yiwang.core.files import file_open_for
from yiwang.core.models import AuditEvent, Notification, StoredFile
from yiwang.identity.actor import Actor
from yiwang.identity.tests.factories import CitizenFactory, make_staff
from yiwang.services.actions import handling
from yiwang.services.models import (
    Application,
    ApplicationDelivery,
    ApplicationNote,
    ExtensionRequest,
    ServiceItem,
)
from yiwang.services.selectors.applications import application_timeline
from yiwang.services.tests.staff_support import (
    Department,
    definitions,  # noqa: F401
    pdf_text,
    special_definition,  # noqa: F401
    stored_bytes,
    submitted,
)
from yiwang.workflow.models import ProcessEvent, ProcessInstance
from yiwang.workflow.selectors import instances_owned_by

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("definitions")]


def _instance(application: Application) -> ProcessInstance:
    return ProcessInstance.objects.get(pk=application.process_instance_id)


def _snapshot(application: Application) -> tuple:
    instance = _instance(application)
    application.refresh_from_db()
    return (
        application.status,
        application.result_file_id,
        instance.state,
        instance.suspended_at,
        instance.assignee_id,
        ProcessEvent.objects.filter(instance=instance).count(),
        StoredFile.objects.count(),
        AuditEvent.objects.filter(action__startswith="services.").count(),
    )


def _to_deciding(dept: Department) -> Application:
    application = submitted(organization=dept.organization)
    handling.application_accept(actor=dept.actor("clerk"), application=application)
    handling.application_review(
        actor=dept.actor("approver"), application=application, comment="材料齐全，符合条件"
    )
    return application


def test_full_loop_accept_review_approve_complete_deliver(django_capture_on_commit_callbacks):
    dept = Department()
    application = submitted(organization=dept.organization)
    applicant = application.applicant
    filed = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()

    with django_capture_on_commit_callbacks(execute=True):
        handling.application_accept(actor=dept.actor("clerk"), application=application, comment="材料齐全")
    assert application.status == Application.Status.REVIEWING
    assert _instance(application).assignee_id == dept.clerk.pk  # the accept action claims it

    with django_capture_on_commit_callbacks(execute=True):
        handling.application_review(actor=dept.actor("approver"), application=application, comment="符合条件")
    assert application.status == Application.Status.DECIDING

    with django_capture_on_commit_callbacks(execute=True):
        stored = handling.application_decide(
            actor=dept.actor("approver"),
            application=application,
            decision="approve",
            decision_text="同意核发",
        )
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED
    assert application.result_file_id == stored.pk
    assert application.decision_text == "同意核发"
    # The factory's item has a licence-type result (证照): a certificate is issued.
    text = pdf_text(stored_bytes(stored))
    assert "食品经营许可证" in text and application.application_no in text and "同意核发" in text
    assert stored.content_type == "application/pdf"

    with django_capture_on_commit_callbacks(execute=True):
        handling.application_complete(actor=dept.actor("clerk"), application=application)
    assert application.status == Application.Status.COMPLETED

    delivery = handling.application_deliver(
        actor=dept.actor("clerk"), application=application, method="post", tracking_no="SF1234567890"
    )
    assert delivery.method == ApplicationDelivery.Method.POST
    assert delivery.delivered_by_id == dept.clerk.pk

    events = list(
        ProcessEvent.objects.filter(instance=_instance(application)).values_list("action", flat=True)
    )
    assert events == ["start", "accept", "review", "approve", "complete"]
    # One audit row per act: it names the workflow move and the documents issued (the engine and the
    # file store write none of their own for it).
    rows = list(AuditEvent.objects.filter(id__gt=filed).order_by("id"))
    assert [row.action for row in rows] == [
        "services.application_accept",
        "services.application_review",
        "services.application_decide",
        "services.application_complete",
        "services.application_deliver",
    ]
    decide = rows[2].data
    assert (decide["workflow"]["action"], decide["workflow"]["from"], decide["workflow"]["to"]) == (
        "approve",
        "deciding",
        "approved",
    )
    assert [f["uid"] for f in decide["files"]] == [str(stored.uid)] and decide["files"][0][
        "sm3"
    ] == stored.sm3
    # The engine told the applicant of every staff move (one message each) and the delivery adds one.
    titles = list(Notification.objects.filter(recipient=applicant).values_list("title", flat=True))
    assert len(titles) == 5
    assert any("送达（邮政寄递）" in t for t in titles)
    # The applicant may download the result.
    assert file_open_for(Actor.for_user(applicant), stored.uid) == stored
    with pytest.raises(NotFound):
        file_open_for(Actor.for_user(CitizenFactory()), stored.uid)


def test_approval_of_non_licence_item_issues_decision():
    dept = Department()
    application = submitted(organization=dept.organization, result_type="批文", result_name="批复")
    handling.application_accept(actor=dept.actor("clerk"), application=application)
    handling.application_review(actor=dept.actor("approver"), application=application, comment="同意")
    stored = handling.application_decide(
        actor=dept.actor("approver"), application=application, decision="approve", decision_text="准予设立"
    )
    text = pdf_text(stored_bytes(stored))
    assert "准予许可决定书" in text and "准予设立" in text and application.item.name in text


def test_deny_issues_denial_decision():
    dept = Department()
    application = _to_deciding(dept)
    stored = handling.application_decide(
        actor=dept.actor("approver"),
        application=application,
        decision="deny",
        decision_text="经营场所不符合要求",
    )
    application.refresh_from_db()
    assert application.status == Application.Status.DENIED
    assert application.result_file_id == stored.pk
    text = pdf_text(stored_bytes(stored))
    assert "不予许可决定书" in text and "经营场所不符合要求" in text
    event = ProcessEvent.objects.filter(instance=_instance(application)).latest("created_at")
    assert event.action == "deny" and event.fields["reason"] == "经营场所不符合要求"
    assert list(event.attachments.all()) == [stored]


def test_refuse_generates_notice_attached_to_history():
    dept = Department()
    application = submitted(organization=dept.organization)
    filed = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    stored = handling.application_refuse(
        actor=dept.actor("clerk"), application=application, reason="不属于本部门职权范围"
    )
    application.refresh_from_db()
    assert application.status == Application.Status.REFUSED
    text = pdf_text(stored_bytes(stored))
    assert "不予受理通知书" in text and "不属于本部门职权范围" in text and application.application_no in text
    event = ProcessEvent.objects.get(instance=_instance(application), action="refuse")
    assert list(event.attachments.all()) == [stored]
    assert file_open_for(Actor.for_user(application.applicant), stored.uid) == stored
    # 不予受理 is one act: one audit row naming the move and the notice (it used to write four).
    (row,) = AuditEvent.objects.filter(id__gt=filed)
    assert row.action == "services.application_refuse"
    assert (
        row.data["workflow"]["event"] == event.pk
        and row.data["workflow"]["fields"]["reason"] == "不属于本部门职权范围"
    )
    assert [f["uid"] for f in row.data["files"]] == [str(stored.uid)]


def test_request_correction_lists_every_material_once(django_capture_on_commit_callbacks):
    dept = Department()
    application = submitted(organization=dept.organization)
    materials = list(application.item.materials.order_by("sort_order"))
    with django_capture_on_commit_callbacks(execute=True):
        stored = handling.application_request_correction(
            actor=dept.actor("clerk"),
            application=application,
            reason="材料不齐全",
            materials=[materials[2].pk, materials[1].pk, materials[1].pk],
        )
    application.refresh_from_db()
    assert application.status == Application.Status.CORRECTION
    instance = _instance(application)
    assert instance.suspended_at is not None  # the clock stops while the applicant corrects
    event = ProcessEvent.objects.get(instance=instance, action="request_correction")
    assert event.fields == {
        "reason": "材料不齐全",
        "materials": ["经营场所使用证明", "委托书及受托人身份证明"],
    }
    text = pdf_text(stored_bytes(stored))
    assert "补正材料告知书" in text and "共 2 项" in text
    assert "经营场所使用证明" in text and "委托书及受托人身份证明" in text and "营业执照" not in text
    # The applicant hears what is missing, all at once.
    notice = Notification.objects.get(recipient=application.applicant)
    assert "经营场所使用证明、委托书及受托人身份证明" in notice.body


def test_request_correction_rejects_foreign_material_and_changes_nothing():
    dept = Department()
    application = submitted(organization=dept.organization)
    other = submitted(organization=dept.organization)
    before = _snapshot(application)
    foreign = other.item.materials.first()
    with pytest.raises(InvalidInput) as error:
        handling.application_request_correction(
            actor=dept.actor("clerk"), application=application, reason="缺材料", materials=[foreign.pk]
        )
    assert error.value.code == "services_material_invalid"
    assert _snapshot(application) == before


def test_a_correction_without_materials_must_say_what_to_change():
    """一次告知: a notice that lists nothing is refused; a reason that names what to change is enough."""
    dept = Department()
    application = submitted(organization=dept.organization)
    before = _snapshot(application)
    with pytest.raises(InvalidInput) as error:
        handling.application_request_correction(
            actor=dept.actor("clerk"), application=application, reason="材料不齐全"
        )
    assert error.value.code == "services_correction_unspecified"
    assert _snapshot(application) == before
    assert application.status == Application.Status.SUBMITTED  # the caller's object too
    stored = handling.application_request_correction(
        actor=dept.actor("clerk"),
        application=application,
        reason="申请表中经营场所地址与租赁合同不一致，请更正",
    )
    text = pdf_text(stored_bytes(stored))
    assert "请按上述补正理由修改申请内容" in text
    assert "你于" in text and "你（单位）" not in text  # a person is addressed as 你, an enterprise as 你单位


def test_return_for_correction_from_review():
    dept = Department()
    application = submitted(organization=dept.organization)
    handling.application_accept(actor=dept.actor("clerk"), application=application)
    material = application.item.materials.get(code="premises_proof")
    stored = handling.application_return_for_correction(
        actor=dept.actor("approver"),
        application=application,
        reason="租赁合同已过期",
        materials=[material.pk],
    )
    application.refresh_from_db()
    assert application.status == Application.Status.CORRECTION
    assert "租赁合同已过期" in pdf_text(stored_bytes(stored))


@pytest.mark.parametrize(
    ("who", "error"),
    [("approver", PermissionDenied), ("catalog_admin", PermissionDenied)],
)
def test_accept_refused_without_permission(who, error):
    dept = Department()
    application = submitted(organization=dept.organization)
    before = _snapshot(application)
    with pytest.raises(error):
        handling.application_accept(actor=dept.actor(who), application=application)
    assert _snapshot(application) == before


def test_other_department_changes_nothing():
    dept, other = Department(), Department()
    application = submitted(organization=dept.organization)
    before = _snapshot(application)
    for call in (
        lambda: handling.application_accept(actor=other.actor("clerk"), application=application),
        lambda: handling.application_refuse(actor=other.actor("clerk"), application=application, reason="x"),
        lambda: handling.application_request_correction(
            actor=other.actor("clerk"), application=application, reason="x"
        ),
        lambda: handling.application_assign(
            actor=other.actor("clerk"), application=application, to_user=other.approver
        ),
        lambda: handling.application_note_add(
            actor=other.actor("clerk"), application=application, text="看看"
        ),
    ):
        with pytest.raises((PermissionDenied, NotFound)):
            call()
    assert _snapshot(application) == before
    assert not ApplicationNote.objects.exists()


def test_citizen_cannot_handle_even_own_application():
    dept = Department()
    application = submitted(organization=dept.organization)
    before = _snapshot(application)
    with pytest.raises(PermissionDenied):
        handling.application_accept(actor=Actor.for_user(application.applicant), application=application)
    with pytest.raises(PermissionDenied):
        handling.application_refuse(
            actor=Actor.for_user(application.applicant), application=application, reason="x"
        )
    assert _snapshot(application) == before


def test_wrong_state_is_a_conflict_and_changes_nothing():
    dept = Department()
    application = submitted(organization=dept.organization)
    before = _snapshot(application)
    with pytest.raises(Conflict) as error:
        handling.application_review(actor=dept.actor("approver"), application=application, comment="同意")
    assert error.value.code == "workflow_wrong_state"
    with pytest.raises(Conflict):
        handling.application_decide(
            actor=dept.actor("approver"), application=application, decision="approve", decision_text="同意"
        )
    with pytest.raises(Conflict):
        handling.application_deliver(actor=dept.actor("clerk"), application=application, method="window")
    assert _snapshot(application) == before
    assert not ApplicationDelivery.objects.exists()


def test_bad_input_is_refused_in_chinese():
    dept = Department()
    application = _to_deciding(dept)
    before = _snapshot(application)
    with pytest.raises(InvalidInput) as error:
        handling.application_decide(
            actor=dept.actor("approver"), application=application, decision="maybe", decision_text="x"
        )
    assert error.value.code == "services_decision_invalid" and "准予" in error.value.message
    with pytest.raises(InvalidInput) as error:
        handling.application_decide(
            actor=dept.actor("approver"), application=application, decision="approve", decision_text="  "
        )
    assert error.value.message == "请填写决定内容"
    with pytest.raises(InvalidInput):
        handling.application_refuse(actor=dept.actor("clerk"), application=application, reason="")
    assert _snapshot(application) == before


def test_deliver_validates_method_and_tracking_number():
    dept = Department()
    application = _to_deciding(dept)
    handling.application_decide(
        actor=dept.actor("approver"), application=application, decision="approve", decision_text="同意"
    )
    handling.application_complete(actor=dept.actor("clerk"), application=application)
    with pytest.raises(InvalidInput):
        handling.application_deliver(actor=dept.actor("clerk"), application=application, method="pigeon")
    with pytest.raises(InvalidInput) as error:
        handling.application_deliver(actor=dept.actor("clerk"), application=application, method="post")
    assert "邮寄单号" in error.value.message
    with pytest.raises(PermissionDenied):
        handling.application_deliver(
            actor=Department().actor("clerk"), application=application, method="window"
        )
    assert not ApplicationDelivery.objects.exists()
    handling.application_deliver(actor=dept.actor("clerk"), application=application, method="window")
    assert ApplicationDelivery.objects.get().method == "window"


def test_instant_item_completes_on_acceptance():
    dept = Department()
    application = submitted(
        organization=dept.organization,
        handling_kind=ServiceItem.HandlingKind.INSTANT,
        result_type="其他",
        result_name="出生医学证明",
    )
    handling.application_accept(actor=dept.actor("clerk"), application=application)
    application.refresh_from_db()
    assert application.status == Application.Status.COMPLETED
    assert application.result_file_id is not None
    assert _instance(application).completed_at is not None
    actions = list(
        ProcessEvent.objects.filter(instance=_instance(application)).values_list("action", flat=True)
    )
    assert actions == ["start", "accept", "review", "approve", "complete"]


@pytest.mark.usefixtures("special_definition")
def test_special_procedure_suspends_and_resumes_the_clock():
    dept = Department()
    application = submitted(organization=dept.organization)
    handling.application_accept(actor=dept.actor("clerk"), application=application)
    handling.application_suspend(
        actor=dept.actor("approver"), application=application, kind="expert_review", reason="需组织专家评审"
    )
    instance = _instance(application)
    assert instance.suspended_at is not None and instance.state == "reviewing"
    event = ProcessEvent.objects.filter(instance=instance).latest("created_at")
    assert event.fields == {"kind": "expert_review", "reason": "需组织专家评审"}
    # The timeline names the procedure as people do, not by its code.
    timeline = application_timeline(dept.actor("approver"), application)
    assert {"label": "特别程序", "value": "专家评审"} in timeline[-1].fields
    with pytest.raises(Conflict) as error:  # nothing but resuming while suspended
        handling.application_review(actor=dept.actor("approver"), application=application, comment="同意")
    assert error.value.code == "workflow_suspended"
    handling.application_resume(actor=dept.actor("approver"), application=application, comment="评审通过")
    assert _instance(application).suspended_at is None
    handling.application_review(actor=dept.actor("approver"), application=application, comment="同意")
    assert application.status == Application.Status.DECIDING


def test_the_timeline_names_a_procedure_recorded_under_a_definition_without_labels():
    """Instances started under an older definition (its `kind` a bare enum) still read 检验."""
    import json

    from yiwang.services.constants import SPECIAL_PROCEDURES
    from yiwang.workflow.actions import DEFINITIONS_DIR, definition_publish, definition_save

    content = json.loads((DEFINITIONS_DIR / "yiwang_tongban.json").read_text(encoding="utf-8"))
    code, name, description = content.pop("code"), content.pop("name"), content.pop("description")
    suspend = next(a for a in content["actions"] if a["code"] == "suspend")
    suspend["fields_schema"]["properties"]["kind"] = {
        "type": "string",
        "title": "特别程序",
        "enum": list(SPECIAL_PROCEDURES),
    }
    system = Actor.system()
    draft = definition_save(actor=system, code=code, name=name, definition=content, description=description)
    definition_publish(actor=system, definition=draft)
    dept = Department()
    application = submitted(organization=dept.organization)
    handling.application_accept(actor=dept.actor("clerk"), application=application)
    handling.application_suspend(
        actor=dept.actor("approver"), application=application, kind="inspection", reason="送检"
    )
    timeline = application_timeline(dept.actor("approver"), application)
    assert {"label": "特别程序", "value": "检验"} in timeline[-1].fields


@pytest.mark.usefixtures("special_definition")
def test_special_procedure_rejects_unknown_kind_and_other_department():
    dept = Department()
    application = submitted(organization=dept.organization)
    handling.application_accept(actor=dept.actor("clerk"), application=application)
    before = _snapshot(application)
    with pytest.raises(InvalidInput) as error:
        handling.application_suspend(
            actor=dept.actor("approver"), application=application, kind="magic", reason="x"
        )
    assert error.value.code == "services_special_procedure_invalid"
    with pytest.raises(PermissionDenied):
        handling.application_suspend(
            actor=Department().actor("approver"), application=application, kind="hearing", reason="听证"
        )
    assert _snapshot(application) == before


def test_extension_request_and_approval_extend_the_deadline():
    dept = Department()
    application = submitted(organization=dept.organization)
    handling.application_accept(actor=dept.actor("clerk"), application=application)
    before = _instance(application).deadline
    request = handling.application_request_extension(
        actor=dept.actor("approver"), application=application, days=3, reason="需现场核查"
    )
    assert request.status == ExtensionRequest.Status.PENDING
    with pytest.raises(Conflict):
        handling.application_request_extension(
            actor=dept.actor("approver"), application=application, days=2, reason="再延"
        )
    with pytest.raises(PermissionDenied):  # the approver may not approve their own request
        handling.extension_decide(actor=dept.actor("approver"), request=request, approve=True)
    assert _instance(application).deadline == before
    handling.extension_decide(actor=dept.actor("head"), request=request, approve=True, comment="同意延期")
    request.refresh_from_db()
    assert request.status == ExtensionRequest.Status.APPROVED and request.decided_by_id == dept.head.pk
    instance = _instance(application)
    assert instance.extended_days == 3 and instance.deadline > before
    with pytest.raises(Conflict):
        handling.extension_decide(actor=dept.actor("head"), request=request, approve=True)


def test_extension_rejection_and_refusals():
    dept = Department()
    application = submitted(organization=dept.organization)
    with pytest.raises(Conflict):  # not while waiting for acceptance
        handling.application_request_extension(
            actor=dept.actor("approver"), application=application, days=3, reason="x"
        )
    handling.application_accept(actor=dept.actor("clerk"), application=application)
    with pytest.raises(InvalidInput):
        handling.application_request_extension(
            actor=dept.actor("approver"), application=application, days=99, reason="x"
        )
    with pytest.raises(PermissionDenied):
        handling.application_request_extension(
            actor=dept.actor("clerk"), application=application, days=3, reason="x"
        )
    assert not ExtensionRequest.objects.exists()
    request = handling.application_request_extension(
        actor=dept.actor("approver"), application=application, days=3, reason="x"
    )
    with pytest.raises(PermissionDenied):
        handling.extension_decide(actor=Department().actor("head"), request=request, approve=True)
    handling.extension_decide(actor=dept.actor("head"), request=request, approve=False, comment="理由不充分")
    request.refresh_from_db()
    assert request.status == ExtensionRequest.Status.REJECTED
    assert _instance(application).extended_days == 0


def test_assign_to_colleague_only():
    dept = Department()
    application = submitted(organization=dept.organization)
    handling.application_assign(actor=dept.actor("clerk"), application=application, to_user=dept.approver)
    assert _instance(application).assignee_id == dept.approver.pk
    stranger = make_staff(role_code="approver")
    with pytest.raises(InvalidInput) as error:
        handling.application_assign(actor=dept.actor("clerk"), application=application, to_user=stranger)
    assert error.value.message == "只能指派给本部门的工作人员"
    assert _instance(application).assignee_id == dept.approver.pk
    assert AuditEvent.objects.filter(action="services.application_assign").count() == 1


CLOCKS = ("state", "state_entered_at", "deadline", "state_deadline", "due_at", "warning_at", "overdue")


def test_an_assignment_is_in_the_staff_record_only_and_moves_no_clock(django_capture_on_commit_callbacks):
    """The clerk hands the application to 窗口张, then to 审批李: staff read both in the 办理记录 with
    names; the applicant neither sees nor hears of them, and no deadline or activity date moves."""
    dept = Department()
    window = make_staff(dept.organization, role_code="window_clerk", display_name="窗口张")
    approver = make_staff(dept.organization, role_code="approver", display_name="审批李")
    application = submitted(organization=dept.organization, now=timezone.now() - timedelta(hours=1))
    applicant = Actor.for_user(application.applicant)
    instance = _instance(application)
    clocks = {name: getattr(instance, name) for name in CLOCKS}
    (before,) = instances_owned_by(applicant)

    with django_capture_on_commit_callbacks(execute=True):
        handling.application_assign(actor=dept.actor("clerk"), application=application, to_user=window)
        handling.application_assign(actor=dept.actor("clerk"), application=application, to_user=approver)

    rows = application_timeline(dept.actor("approver"), application, internal=True)
    assert [(r.action, r.action_name) for r in rows] == [
        ("start", "提交申请"),
        ("assign", "指派"),
        ("assign", "指派"),
    ]
    assert rows[1].actor_label == str(dept.clerk) and rows[1].from_state == rows[1].to_state == "submitted"
    assert rows[1].fields == [{"label": "指派给", "value": "窗口张"}]
    assert rows[2].fields == [
        {"label": "指派给", "value": "审批李"},
        {"label": "原承办人", "value": "窗口张"},
    ]
    # The applicant's 办理进度 has no internal rows, even when asked for them; nor the plain staff call.
    for actor, internal in ((applicant, False), (applicant, True), (dept.actor("approver"), False)):
        assert [r.action for r in application_timeline(actor, application, internal=internal)] == ["start"]
    instance = _instance(application)
    assert {name: getattr(instance, name) for name in CLOCKS} == clocks
    (after,) = instances_owned_by(applicant)
    assert after.last_activity_at == before.last_activity_at
    assert not Notification.objects.filter(recipient=application.applicant).exists()
    # Whereas a real move does tell the applicant (the hooks ran above and stayed silent).
    with django_capture_on_commit_callbacks(execute=True):
        handling.application_accept(actor=dept.actor("clerk"), application=application)
    assert Notification.objects.filter(recipient=application.applicant).count() == 1


def test_notes_are_internal():
    dept = Department()
    application = submitted(organization=dept.organization)
    note = handling.application_note_add(
        actor=dept.actor("clerk"), application=application, text="申请人来电询问进度"
    )
    assert note.author_id == dept.clerk.pk and note.text == "申请人来电询问进度"
    with pytest.raises(NotFound):
        handling.application_note_add(
            actor=Actor.for_user(application.applicant), application=application, text="x"
        )
    with pytest.raises(InvalidInput):
        handling.application_note_add(actor=dept.actor("clerk"), application=application, text=" ")
    assert ApplicationNote.objects.count() == 1
    assert not Notification.objects.filter(recipient=application.applicant).exists()
