"""Actions on applications: drafts, submission (validation, numbering, idempotency), the workflow hook
keeping the status in step, correction and resubmission, withdrawal, and who may do what."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.db import connection
from django.utils import timezone

from yiwang.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from yiwang.core.files import file_open_for, file_store
from yiwang.core.models import AuditEvent, StoredFile
from yiwang.identity.actor import Actor
from yiwang.services.actions.applications import (
    application_resubmit,
    application_save_draft,
    application_submit,
    application_withdraw,
    condition_applies,
)
from yiwang.services.actions.catalogue import item_publish, item_update
from yiwang.services.models import Application, ApplicationMaterial, ApplicationSequence, MaterialRequirement
from yiwang.services.selectors.applications import application_timeline, correction_notice
from yiwang.services.tests.applications_support import build_world, enterprise_agent, pdf, png, valid_data
from yiwang.services.tests.factories import MaterialRequirementFactory, ServiceItemFactory
from yiwang.workflow.actions import transition
from yiwang.workflow.models import ProcessInstance

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_world()


def submit(world, user=None, key="k-1", **kwargs):
    kwargs.setdefault("item", world.item)
    kwargs.setdefault("data", valid_data())
    kwargs.setdefault("materials", {"premises_proof": pdf()})
    return application_submit(actor=Actor.for_user(user or world.citizen), idempotency_key=key, **kwargs)


def act(world, application, action, user=None, comment="", **fields):
    instance = ProcessInstance.objects.get(pk=application.process_instance_id)
    actor = Actor.for_user(user or world.clerk)
    transition(instance=instance, action=action, actor=actor, comment=comment, fields=fields)
    application.refresh_from_db()
    return application


# -- submission -------------------------------------------------------------------------------


def test_submit_numbers_starts_the_workflow_and_records_everything(world):
    now = timezone.make_aware(datetime(2026, 11, 23, 10, 0))
    application = submit(world, now=now)
    assert application.application_no == f"{world.item.implementation_code}202611230001"
    assert application.status == Application.Status.SUBMITTED
    assert application.submitted_at == now
    assert application.person == world.citizen.person and application.enterprise is None
    assert application.organization == world.market and application.region == world.district
    instance = ProcessInstance.objects.get(pk=application.process_instance_id)
    assert instance.owner == world.citizen and instance.organization == world.market
    assert instance.object_id == str(application.pk) and instance.state == "submitted"
    assert application.due_at == instance.deadline
    # 5 promised working days from Monday 23 Nov 2026 10:00 end on Monday 30 Nov.
    assert timezone.localtime(instance.deadline).date() == datetime(2026, 11, 30).date()
    rows = {m.requirement.code: m for m in application.materials.select_related("requirement", "file")}
    assert rows["premises_proof"].file.name == "证明.pdf"
    assert rows["business_licence"].file is None  # an e-licence: satisfied from the licence later
    assert "power_of_attorney" not in rows
    # One act, one audit row: it names the workflow instance (no separate workflow.start row).
    (row,) = AuditEvent.objects.filter(action__in=["services.application_submit", "workflow.start"])
    assert row.action == "services.application_submit" and row.object_id == str(application.pk)
    assert row.data["instance"] == str(instance.pk) and row.data["definition"] == instance.definition.code


def test_numbering_is_a_daily_sequence_per_implementation_code(world):
    day1 = timezone.make_aware(datetime(2026, 11, 23, 10, 0))
    first = submit(world, key="a", now=day1)
    second = submit(world, key="b", now=day1 + timedelta(hours=1))
    next_day = submit(world, key="c", now=day1 + timedelta(days=1))
    other_item = ServiceItemFactory(organization=world.market)
    other = submit(world, key="d", item=other_item, now=day1)
    code = world.item.implementation_code
    assert [first.application_no, second.application_no, next_day.application_no] == [
        f"{code}202611230001",
        f"{code}202611230002",
        f"{code}202611240001",
    ]
    assert other.application_no == f"{other_item.implementation_code}202611230001"
    assert ApplicationSequence.objects.get(implementation_code=code, day=day1.date()).last_number == 2


def test_same_idempotency_key_gives_one_application_and_one_instance(world):
    first = submit(world, key="same")
    again = submit(world, key="same", materials={"premises_proof": pdf("again.pdf")})
    assert again.pk == first.pk
    assert Application.objects.count() == 1
    assert ProcessInstance.objects.count() == 1
    assert ApplicationSequence.objects.get().last_number == 1
    # The same key of another applicant is another application.
    other = submit(world, user=world.other_citizen, key="same")
    assert other.pk != first.pk


def test_a_replay_is_answered_even_after_the_item_has_a_newer_version(world):
    """A replay is looked up only when filing fails — here on the superseded version's check."""
    first = submit(world, key="same")
    system = Actor.system()
    item_publish(actor=system, item=item_update(actor=system, item=world.item, name="食品经营许可（新版）"))
    world.item.refresh_from_db()
    assert not world.item.is_current
    again = submit(world, key="same")
    assert again.pk == first.pk and again.item_id == world.item.pk
    with pytest.raises(Conflict) as error:
        submit(world, key="new")  # a new filing under the old version is refused
    assert error.value.code == "application_item_unavailable"
    assert Application.objects.count() == 1


def test_the_row_is_inserted_in_step_with_its_workflow_instance(world):
    application = submit(world)
    stored = Application.objects.get(pk=application.pk)
    instance = ProcessInstance.objects.get(pk=stored.process_instance_id)
    assert instance.object_id == str(stored.pk)
    assert (stored.status, stored.due_at) == (Application.Status.SUBMITTED, instance.deadline)
    assert stored.is_open and stored.accepted_at is None and stored.completed_at is None


def test_idempotency_key_reused_for_another_item_is_a_conflict(world):
    submit(world, key="same")
    with pytest.raises(Conflict) as error:
        submit(world, key="same", item=ServiceItemFactory(organization=world.market))
    assert error.value.code == "application_idempotency_conflict"


@pytest.mark.parametrize(
    ("key", "code"),
    [("", "application_idempotency_key_missing"), ("x" * 65, "application_idempotency_key_invalid")],
)
def test_bad_idempotency_key_is_refused(world, key, code):
    with pytest.raises(InvalidInput) as error:
        submit(world, key=key)
    assert error.value.code == code
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (valid_data(id_number="320102199005170000"), "身份证号码校验位不正确"),
        (valid_data(phone="12345"), "联系电话"),
        (valid_data(category="bar"), "主体业态"),
        (valid_data(area="大"), "经营场所面积"),
        (valid_data(opening_date="2026-13-01"), "日期格式"),
        (valid_data(staff=[]), "从业人员"),
        (valid_data(staff=[{"name": "张三", "id_number": "123"}]), "从业人员第 1 行"),
        ({k: v for k, v in valid_data().items() if k != "operator_name"}, "请填写「经营者名称」"),
    ],
)
def test_every_form_error_is_refused_in_chinese_and_nothing_is_stored(world, data, fragment):
    with pytest.raises(InvalidInput) as error:
        submit(world, data=data)
    assert error.value.code == "application_form_invalid"
    assert any(fragment in line for line in error.value.details), error.value.details
    assert not Application.objects.exists() and not ProcessInstance.objects.exists()
    assert not ApplicationSequence.objects.exists()


def test_form_must_be_an_object(world):
    with pytest.raises(InvalidInput) as error:
        submit(world, data=["not", "an", "object"])
    assert error.value.code == "application_form_invalid"


def test_missing_required_material_lists_every_missing_one(world):
    MaterialRequirementFactory(item=world.item, code="id_card", name="身份证复印件", sort_order=4)
    with pytest.raises(InvalidInput) as error:
        submit(world, materials={})
    assert error.value.code == "application_materials_missing"
    assert {d["code"] for d in error.value.details} == {"premises_proof", "id_card"}
    assert "经营场所使用证明" in error.value.message and "身份证复印件" in error.value.message
    assert not Application.objects.exists()


def test_a_refused_submission_keeps_none_of_its_uploads(world):
    """The upload was stored before the missing material was found: its row rolled back with the
    submission, and its bytes are deleted too (no orphan ID-card scan in the storage)."""
    MaterialRequirementFactory(item=world.item, code="id_card", name="身份证复印件", sort_order=4)
    root = Path(storages["yiwang_files"].location)  # type: ignore[attr-defined]
    before = {p for p in root.rglob("*") if p.is_file()}
    with pytest.raises(InvalidInput) as error:
        submit(world)  # 经营场所使用证明 uploaded, 身份证复印件 missing
    assert error.value.code == "application_materials_missing"
    assert {p for p in root.rglob("*") if p.is_file()} == before
    assert not StoredFile.objects.exists() and not Application.objects.exists()


def test_conditional_material_is_required_only_when_its_condition_holds(world):
    world.item.form_schema["properties"]["has_agent"] = {"type": "boolean", "title": "委托代办"}
    world.item.save()
    MaterialRequirement.objects.filter(code="power_of_attorney").update(condition="has_agent")
    with pytest.raises(InvalidInput) as error:
        submit(world, data=valid_data(has_agent=True))
    assert [d["code"] for d in error.value.details] == ["power_of_attorney"]
    application = submit(world, data=valid_data(has_agent=False))
    assert application.status == Application.Status.SUBMITTED


def test_condition_expressions():
    data = {"category": "restaurant", "has_agent": True, "count": 2}
    assert condition_applies("has_agent", data) is True
    assert condition_applies("!has_agent", data) is False
    assert condition_applies("category=restaurant", data) is True
    assert condition_applies("category != restaurant", data) is False
    assert condition_applies("count == 2", data) is True
    assert condition_applies("missing_field", data) is False
    assert condition_applies("委托他人代为办理的", data) is None  # free text: not expressible


def test_material_format_size_and_ownership_are_checked(world):
    with pytest.raises(InvalidInput) as error:
        submit(world, materials={"premises_proof": pdf("证明.docx")})
    assert error.value.code == "application_material_format"
    MaterialRequirement.objects.filter(code="premises_proof").update(formats=["pdf"])
    with pytest.raises(InvalidInput) as error:
        submit(world, materials={"premises_proof": png()})
    assert error.value.code == "application_material_format"
    MaterialRequirement.objects.filter(code="premises_proof").update(max_size_mb=0)
    with pytest.raises(InvalidInput) as error:
        submit(world, materials={"premises_proof": pdf()})
    assert error.value.code == "application_material_too_large"
    MaterialRequirement.objects.filter(code="premises_proof").update(max_size_mb=10)
    foreign = file_store(actor=Actor.for_user(world.other_citizen), upload=pdf())
    with pytest.raises(InvalidInput) as error:
        submit(world, materials={"premises_proof": str(foreign.uid)})
    assert error.value.code == "application_material_file_invalid"
    with pytest.raises(InvalidInput) as error:
        submit(world, materials={"premises_proof": "not-a-uuid"})
    assert error.value.code == "application_material_file_invalid"
    with pytest.raises(InvalidInput) as error:
        submit(world, materials={"no_such": pdf()})
    assert error.value.code == "application_material_unknown"
    with pytest.raises(InvalidInput) as error:
        submit(world, materials={"premises_proof": pdf(), "business_licence": pdf()})
    assert error.value.code == "application_material_not_uploadable"
    assert not Application.objects.exists()


def test_a_previously_uploaded_file_can_be_referenced_by_uid(world):
    stored = file_store(actor=Actor.for_user(world.citizen), upload=pdf())
    application = submit(world, materials={"premises_proof": str(stored.uid)})
    assert application.materials.get(requirement__code="premises_proof").file == stored


def test_unpublished_or_superseded_items_cannot_be_applied_for(world):
    world.item.is_current = False
    world.item.save()
    with pytest.raises(Conflict) as error:
        submit(world)
    assert error.value.code == "application_item_unavailable"


def test_subject_rules(world):
    with pytest.raises(PermissionDenied) as error:
        submit(world, user=world.clerk)
    assert error.value.code == "application_applicant_only"
    with pytest.raises(PermissionDenied):
        application_submit(actor=Actor.for_user(None), item=world.item, data={}, idempotency_key="x")
    world.item.served_subjects = ["enterprise"]
    world.item.save()
    with pytest.raises(InvalidInput) as error:
        submit(world)
    assert error.value.code == "application_subject_not_served"
    agent, enterprise = enterprise_agent(world)
    application = submit(world, user=agent)
    assert application.enterprise == enterprise and application.person is None
    _agent2, foreign = enterprise_agent(world)
    with pytest.raises(PermissionDenied) as error:
        submit(world, user=agent, key="k-2", enterprise=foreign)
    assert error.value.code == "application_enterprise_forbidden"


# -- drafts -----------------------------------------------------------------------------------


def test_draft_keeps_incomplete_data_and_uploads_then_submits(world):
    actor = Actor.for_user(world.citizen)
    draft = application_save_draft(
        actor=actor, item=world.item, data={"operator_name": "半截"}, files={"premises_proof": pdf()}
    )
    assert draft.status == Application.Status.DRAFT and draft.application_no is None
    assert draft.process_instance_id is None
    draft = application_save_draft(actor=actor, item=world.item, draft=draft, data=valid_data(), files={})
    assert draft.form_data["operator_name"] == "玄武区小王餐馆"
    application = application_submit(actor=actor, draft=draft, data=valid_data(), idempotency_key="d-1")
    assert application.pk == draft.pk and application.status == Application.Status.SUBMITTED
    assert application.materials.get(requirement__code="premises_proof").file is not None
    with pytest.raises(Conflict):
        application_save_draft(actor=actor, item=world.item, draft=application, data={}, files={})


def test_another_citizen_cannot_touch_a_draft(world):
    draft = application_save_draft(actor=Actor.for_user(world.citizen), item=world.item, data={}, files={})
    other = Actor.for_user(world.other_citizen)
    with pytest.raises(NotFound):
        application_save_draft(actor=other, item=world.item, draft=draft, data={"x": 1}, files={})
    with pytest.raises(NotFound):
        application_submit(actor=other, draft=draft, data=valid_data(), idempotency_key="z")
    draft.refresh_from_db()
    assert draft.form_data == {} and draft.status == Application.Status.DRAFT


# -- the workflow hook ------------------------------------------------------------------------


def test_full_loop_keeps_status_in_step(world):
    application = submit(world)
    assert act(world, application, "accept").status == Application.Status.REVIEWING
    assert application.accepted_at is not None
    assert act(world, application, "review", comment="材料齐全").status == Application.Status.DECIDING
    assert act(world, application, "approve", comment="准予许可").status == Application.Status.APPROVED
    assert application.completed_at is None
    act(world, application, "complete")
    assert application.status == Application.Status.COMPLETED
    assert application.completed_at is not None and application.completed_on_time is True
    instance = ProcessInstance.objects.get(pk=application.process_instance_id)
    assert application.completed_at == instance.completed_at


def test_completion_after_the_deadline_is_not_on_time(world):
    start = timezone.make_aware(datetime(2026, 11, 23, 10, 0))
    application = submit(world, now=start)
    instance = ProcessInstance.objects.get(pk=application.process_instance_id)
    clerk = Actor.for_user(world.clerk)
    late = start + timedelta(days=30)
    transition(instance=instance, action="accept", actor=clerk, now=late)
    transition(instance=instance, action="review", actor=clerk, comment="ok", now=late)
    transition(instance=instance, action="deny", actor=clerk, now=late, fields={"reason": "不符合条件"})
    transition(instance=instance, action="complete", actor=clerk, now=late)
    application.refresh_from_db()
    assert application.status == Application.Status.COMPLETED
    assert application.completed_on_time is False


def test_correction_round_lists_everything_and_resubmission_resumes(world):
    application = submit(world)
    act(
        world,
        application,
        "request_correction",
        reason="材料不全",
        materials=["premises_proof", "身份证复印件"],
    )
    assert application.status == Application.Status.CORRECTION
    actor = Actor.for_user(world.citizen)
    notice = correction_notice(actor, application)
    assert notice.reason == "材料不全"
    assert notice.materials == ["经营场所使用证明", "身份证复印件"]
    assert notice.requested_codes == ["premises_proof"]
    timeline = application_timeline(actor, application)
    assert [row.action for row in timeline] == ["start", "request_correction"]
    assert timeline[0].action_name == "提交申请"  # not the engine's 「发起」
    assert timeline[-1].missing_materials == ["经营场所使用证明", "身份证复印件"]

    old_file = application.materials.get(requirement__code="premises_proof").file
    application = application_resubmit(
        actor=actor,
        application=application,
        data=valid_data(area=80),
        materials={"premises_proof": pdf("新.pdf")},
    )
    assert application.status == Application.Status.SUBMITTED
    assert application.form_data["area"] == 80
    new_file = application.materials.get(requirement__code="premises_proof").file
    assert new_file != old_file and new_file.name == "新.pdf"
    assert correction_notice(actor, application) is None
    assert act(world, application, "accept").status == Application.Status.REVIEWING


def test_resubmit_rules(world):
    application = submit(world)
    actor = Actor.for_user(world.citizen)
    with pytest.raises(Conflict) as error:
        application_resubmit(actor=actor, application=application, data=None, materials={})
    assert error.value.code == "application_wrong_state"
    act(world, application, "request_correction", reason="补正", materials=["premises_proof"])
    with pytest.raises(NotFound):
        application_resubmit(actor=Actor.for_user(world.other_citizen), application=application)
    with pytest.raises(InvalidInput) as error:
        application_resubmit(
            actor=actor,
            application=application,
            data=valid_data(phone="1"),
            materials={"premises_proof": pdf()},  # the material the notice named, uploaded again
        )
    assert error.value.code == "application_form_invalid"
    application.refresh_from_db()
    assert application.status == Application.Status.CORRECTION


def test_withdraw(world):
    application = submit(world)
    with pytest.raises(NotFound):
        application_withdraw(actor=Actor.for_user(world.other_citizen), application=application, reason="x")
    with pytest.raises(InvalidInput) as error:
        application_withdraw(actor=Actor.for_user(world.citizen), application=application, reason=" ")
    assert error.value.code == "application_reason_required"
    application = application_withdraw(
        actor=Actor.for_user(world.citizen), application=application, reason="不办了"
    )
    assert application.status == Application.Status.WITHDRAWN
    assert application.completed_at is not None
    accepted = act(world, submit(world, key="k-2"), "accept")
    with pytest.raises(Conflict) as error:
        application_withdraw(actor=Actor.for_user(world.citizen), application=accepted, reason="不办了")
    assert error.value.code == "application_wrong_state"
    draft = application_save_draft(actor=Actor.for_user(world.citizen), item=world.item, data={}, files={})
    assert (
        application_withdraw(actor=Actor.for_user(world.citizen), application=draft, reason="不要了").status
        == Application.Status.WITHDRAWN
    )


def test_instant_item_completes_on_acceptance():
    world = build_world(handling_kind="instant", promised_days=0, statutory_days=0)
    application = submit(world)
    act(world, application, "accept")
    assert application.status == Application.Status.COMPLETED
    assert application.accepted_at is not None and application.completed_on_time is True
    instance = ProcessInstance.objects.get(pk=application.process_instance_id)
    assert instance.state == "completed"
    assert list(instance.events.order_by("pk").values_list("action", flat=True)) == [
        "start",
        "accept",
        "review",
        "approve",
        "complete",
    ]


# -- file access ------------------------------------------------------------------------------


def test_materials_open_for_applicant_and_staff_in_scope_only(world):
    application = submit(world)
    stored = ApplicationMaterial.objects.get(application=application, requirement__code="premises_proof").file
    assert file_open_for(Actor.for_user(world.citizen), stored.uid) == stored
    assert file_open_for(Actor.for_user(world.clerk), stored.uid) == stored
    for outsider in (world.other_citizen, world.other_clerk):
        with pytest.raises(NotFound):
            file_open_for(Actor.for_user(outsider), stored.uid)


# -- concurrency (PostgreSQL only) ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_get_unique_numbers_and_one_per_key():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite 不支持行锁与并发写事务，并发编号由 PostgreSQL 验证")
    world = build_world()
    results: list = []
    errors: list = []

    def worker(key):
        try:
            results.append(submit(world, key=key, materials={"premises_proof": pdf()}).application_no)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(f"key-{i % 4}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert Application.objects.count() == 4
    assert len(set(results)) == 4
    assert ProcessInstance.objects.count() == 4
