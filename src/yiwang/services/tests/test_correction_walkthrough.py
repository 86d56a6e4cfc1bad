"""Walk-through defects of 补正 (issue 12 §7): a resubmission must answer the notice, a 补正 asked for at
the review goes back to the reviewer, and staff see which materials were uploaded again (a version
marker, the previous file) and preview PDFs and images in the page."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.urls import reverse

from yiwang.core.errors import Conflict, InvalidInput
from yiwang.core.files import file_store
from yiwang.identity.actor import Actor
from yiwang.services.actions import handling
from yiwang.services.actions.applications import application_resubmit, application_submit
from yiwang.services.models import Application, ApplicationMaterial
from yiwang.services.selectors.applications import application_timeline
from yiwang.services.tests.applications_support import PDF_BYTES, PNG_BYTES, pdf, png, valid_data
from yiwang.services.tests.factories import MaterialRequirementFactory, ServiceItemFactory
from yiwang.services.tests.staff_support import Department, citizen, definitions  # noqa: F401
from yiwang.workflow.models import ProcessEvent, ProcessInstance
from yiwang.workflow.selectors import available_actions, inbox_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("definitions")]

REASON_FORM_ONLY = "申请表中经营场所地址与租赁合同不一致，请更正"


def _filed(dept: Department, applicant: Any = None, **item_fields: Any) -> Application:
    item = ServiceItemFactory(organization=dept.organization, **item_fields)
    return application_submit(
        actor=Actor.for_user(applicant or citizen()),
        item=item,
        data=valid_data(),
        materials={"premises_proof": pdf("租赁合同.pdf")},
        idempotency_key=uuid.uuid4().hex,
    )


def _premises(application: Application) -> Any:
    return application.item.materials.get(code="premises_proof")


def _ask(dept: Department, application: Application, *, materials: bool = True) -> None:
    ids = [_premises(application).pk] if materials else []
    handling.application_request_correction(
        actor=dept.actor("clerk"),
        application=application,
        reason="租赁合同已过期" if materials else REASON_FORM_ONLY,
        materials=ids,
    )
    application.refresh_from_db()


def _applicant(application: Application) -> Actor:
    return Actor.for_user(application.applicant)


def _instance(application: Application) -> ProcessInstance:
    return ProcessInstance.objects.get(pk=application.process_instance_id)


def _resubmits(application: Application) -> int:
    return ProcessEvent.objects.filter(
        instance_id=application.process_instance_id, action__startswith="resubmit"
    ).count()


# -- a resubmission answers the notice --------------------------------------------------------------


def test_a_resubmission_without_the_materials_the_notice_named_is_refused_and_changes_nothing():
    dept = Department()
    application = _filed(dept)
    _ask(dept, application)
    held = application.materials.get(requirement__code="premises_proof").file
    for materials in ({}, {"premises_proof": held}, {"premises_proof": str(held.uid)}):
        with pytest.raises(InvalidInput) as error:
            application_resubmit(actor=_applicant(application), application=application, materials=materials)
        assert error.value.code == "application_correction_materials_missing"
        assert error.value.details == [{"code": "premises_proof", "name": "经营场所使用证明"}]
        assert "请按补正告知重新上传以下材料：经营场所使用证明" in error.value.message
    application.refresh_from_db()
    assert application.status == Application.Status.CORRECTION
    assert _resubmits(application) == 0
    timeline = application_timeline(_applicant(application), application)
    assert not any("补齐材料" in row.comment or "已按补正告知" in row.comment for row in timeline)


def test_the_materials_still_to_replace_are_told_with_the_other_problems_at_once():
    dept = Department()
    application = _filed(dept)
    _ask(dept, application)
    with pytest.raises(InvalidInput) as error:
        application_resubmit(
            actor=_applicant(application), application=application, data=valid_data(phone="12")
        )
    assert error.value.code == "application_incomplete"
    assert error.value.details["correction"] == [{"code": "premises_proof", "name": "经营场所使用证明"}]
    assert error.value.details["form"]


def test_a_resubmission_with_the_named_material_uploaded_again_says_what_changed():
    dept = Department()
    application = _filed(dept)
    _ask(dept, application)
    application = application_resubmit(
        actor=_applicant(application), application=application, materials={"premises_proof": pdf("新.pdf")}
    )
    assert application.status == Application.Status.SUBMITTED
    event = ProcessEvent.objects.get(instance_id=application.process_instance_id, action="resubmit")
    assert event.comment == "已按补正告知重新上传经营场所使用证明"


def test_a_notice_naming_no_material_asks_for_a_changed_form():
    dept = Department()
    application = _filed(dept)
    _ask(dept, application, materials=False)
    with pytest.raises(InvalidInput) as error:
        application_resubmit(actor=_applicant(application), application=application)
    assert error.value.code == "application_correction_unchanged"
    with pytest.raises(InvalidInput) as error:  # the same form again is no change either
        application_resubmit(actor=_applicant(application), application=application, data=valid_data())
    assert error.value.code == "application_correction_unchanged"
    assert _resubmits(application) == 0
    application = application_resubmit(
        actor=_applicant(application), application=application, data=valid_data(address="玄武区中山路 2 号")
    )
    assert application.status == Application.Status.SUBMITTED
    event = ProcessEvent.objects.get(instance_id=application.process_instance_id, action="resubmit")
    assert event.comment == "已按补正告知修改申请表"


def _page_post(**overrides: Any) -> dict[str, Any]:
    data = valid_data(**overrides)
    post: dict[str, Any] = {k: v for k, v in data.items() if k != "staff"}
    post["staff-TOTAL"] = str(len(data["staff"]))
    for index, row in enumerate(data["staff"]):
        for name, value in row.items():
            post[f"staff-{index}-{name}"] = value
    return post


def test_the_page_refuses_a_resubmission_that_does_not_upload_the_named_material(client):
    dept = Department()
    application = _filed(dept)
    _ask(dept, application)
    client.force_login(application.applicant)
    url = reverse("services:application-resubmit", kwargs={"uid": application.uid})
    response = client.post(url, _page_post())
    assert response.status_code == 400
    html = response.content.decode()
    assert "请按补正告知重新上传以下材料：经营场所使用证明" in html
    assert "补正告知要求重新上传此材料" in html
    application.refresh_from_db()
    assert application.status == Application.Status.CORRECTION and _resubmits(application) == 0
    # the same form as it was, for a notice about the form only: nothing changed, refused as well
    other = _filed(dept)
    _ask(dept, other, materials=False)
    client.force_login(other.applicant)
    url = reverse("services:application-resubmit", kwargs={"uid": other.uid})
    html = client.post(url, _page_post()).content.decode()
    assert "补正没有任何修改" in html
    other.refresh_from_db()
    assert other.status == Application.Status.CORRECTION
    response = client.post(url, {**_page_post(), "material-premises_proof": pdf("新.pdf")})
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.status == Application.Status.SUBMITTED


def test_the_api_refuses_a_resubmission_that_does_not_upload_the_named_material(client):
    dept = Department()
    application = _filed(dept)
    _ask(dept, application)
    client.force_login(application.applicant)
    url = f"/api/v1/services/applications/{application.uid}/resubmit"
    response = client.post(url, json.dumps({}), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "application_correction_materials_missing"
    application.refresh_from_db()
    assert application.status == Application.Status.CORRECTION


# -- a 补正 asked for at the review goes back to the reviewer ----------------------------------------


def test_a_correction_asked_at_the_review_returns_to_the_reviewer_not_to_acceptance():
    dept = Department()
    application = _filed(dept)
    handling.application_accept(actor=dept.actor("clerk"), application=application)
    accepted_at = application.accepted_at
    handling.application_return_for_correction(
        actor=dept.actor("approver"),
        application=application,
        reason="租赁合同已过期",
        materials=[_premises(application).pk],
    )
    application.refresh_from_db()
    assert application.status == Application.Status.CORRECTION  # 待补正 to the applicant, as any 补正
    assert _instance(application).state == "review_correction"
    applicant_moves = {a.code for a in available_actions(_instance(application), _applicant(application))}
    assert applicant_moves == {"resubmit_to_review", "withdraw"}  # not the window's 提交补正材料 → 待受理

    application = application_resubmit(
        actor=_applicant(application), application=application, materials={"premises_proof": pdf("新.pdf")}
    )
    assert application.status == Application.Status.REVIEWING
    assert application.accepted_at == accepted_at
    instance = _instance(application)
    assert instance.state == "reviewing" and instance.suspended_at is None
    event = ProcessEvent.objects.filter(instance=instance).order_by("-created_at", "-pk").first()
    assert (event.action, event.from_state, event.to_state) == (
        "resubmit_to_review",
        "review_correction",
        "reviewing",
    )
    # The reviewer has it back; the window is not asked to accept it a second time.
    assert instance in inbox_for(dept.actor("approver"))
    assert "accept" not in {a.code for a in available_actions(instance, dept.actor("clerk"))}
    with pytest.raises(Conflict):
        handling.application_accept(actor=dept.actor("clerk"), application=application)
    handling.application_review(actor=dept.actor("approver"), application=application, comment="材料齐全")
    assert application.status == Application.Status.DECIDING


def test_a_correction_at_acceptance_still_returns_to_acceptance():
    dept = Department()
    application = _filed(dept)
    _ask(dept, application)
    assert _instance(application).state == "correction"
    application = application_resubmit(
        actor=_applicant(application), application=application, materials={"premises_proof": pdf("新.pdf")}
    )
    assert application.status == Application.Status.SUBMITTED
    assert _instance(application).state == "submitted"


def test_the_applicant_may_still_withdraw_while_a_review_correction_waits():
    from yiwang.services.actions.applications import application_withdraw

    dept = Department()
    application = _filed(dept)
    handling.application_accept(actor=dept.actor("clerk"), application=application)
    handling.application_return_for_correction(
        actor=dept.actor("approver"), application=application, reason="请补充说明经营场所的用途及面积"
    )
    application = application_withdraw(
        actor=_applicant(application), application=application, reason="不办了"
    )
    assert application.status == Application.Status.WITHDRAWN


# -- staff see what a 补正 replaced, and preview PDFs and images -------------------------------------


def _corrected(dept: Department) -> tuple[Application, Any, Any]:
    application = _filed(dept)
    _ask(dept, application)
    old = application.materials.get(requirement__code="premises_proof").file
    application = application_resubmit(
        actor=_applicant(application),
        application=application,
        materials={"premises_proof": pdf("新租赁合同.pdf")},
    )
    new = application.materials.get(requirement__code="premises_proof").file
    return application, old, new


def test_a_material_uploaded_again_in_a_correction_is_its_next_version():
    dept = Department()
    application, old, new = _corrected(dept)
    row = ApplicationMaterial.objects.get(application=application, requirement__code="premises_proof")
    assert (row.version, row.file_id, row.previous_file_id) == (2, new.pk, old.pk)
    # a second round makes a third version, which keeps the second as its previous one
    handling.application_request_correction(
        actor=dept.actor("clerk"),
        application=application,
        reason="仍不清晰",
        materials=[_premises(application).pk],
    )
    application.refresh_from_db()
    application = application_resubmit(
        actor=_applicant(application),
        application=application,
        materials={"premises_proof": pdf("第三版.pdf")},
    )
    row = ApplicationMaterial.objects.get(application=application, requirement__code="premises_proof")
    assert (row.version, row.previous_file_id) == (3, new.pk)


def test_the_staff_page_marks_the_material_uploaded_again_and_opens_the_previous_version(client):
    dept = Department()
    application, old, new = _corrected(dept)
    client.force_login(dept.clerk)
    html = client.get(reverse("services:staff-application", kwargs={"uid": application.uid})).content.decode()
    row = html.split('id="material-premises_proof"', 1)[1].split("</li>", 1)[0]
    assert "material-corrected" in html.split('id="material-premises_proof"', 1)[0].rsplit("<li", 1)[1]
    assert "补正后第 2 版" in row and "补正时重新上传" in row
    assert f'href="/files/{new.uid}/"' in row
    assert f'href="/files/{old.uid}/"' in row and "上一版" in row
    assert "1 项材料在补正时重新上传" in html
    assert " style=" not in html.split("<main", 1)[1]  # the CSP forbids inline style attributes
    # the department may open the replaced version; another department may not
    assert client.get(f"/files/{old.uid}/").status_code == 200
    client.force_login(Department().clerk)
    assert client.get(f"/files/{old.uid}/").status_code == 404


def test_a_material_never_replaced_has_no_version_marker(client):
    dept = Department()
    application = _filed(dept)
    client.force_login(dept.clerk)
    html = client.get(reverse("services:staff-application", kwargs={"uid": application.uid})).content.decode()
    assert "补正后第" not in html and "material-corrected" not in html and "在补正时重新上传" not in html


def test_the_staff_page_previews_pdfs_and_images_in_place(client):
    dept = Department()
    application = _filed(dept)
    MaterialRequirementFactory(item=application.item, code="photo", name="门头照片", sort_order=4)
    photo = file_store(actor=_applicant(application), upload=png("门头.png"), organization=dept.organization)
    ApplicationMaterial.objects.create(
        application=application, requirement=application.item.materials.get(code="photo"), file=photo
    )
    proof = application.materials.get(requirement__code="premises_proof").file
    client.force_login(dept.clerk)
    html = client.get(reverse("services:staff-application", kwargs={"uid": application.uid})).content.decode()
    assert f'<iframe class="preview-frame" src="/files/{proof.uid}/?inline=1"' in html
    assert f'<img class="preview-image" src="/files/{photo.uid}/?inline=1"' in html
    assert 'href="/static/services/staff.css"' in html or "services/staff.css" in html

    inline = client.get(f"/files/{proof.uid}/?inline=1")
    assert inline.status_code == 200 and b"".join(inline.streaming_content) == PDF_BYTES
    assert inline["Content-Disposition"].startswith("inline;")
    assert inline["Content-Type"] == "application/pdf"
    assert inline["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in inline["Content-Security-Policy"]
    image = client.get(f"/files/{photo.uid}/?inline=1")
    assert (
        image["Content-Disposition"].startswith("inline;") and b"".join(image.streaming_content) == PNG_BYTES
    )
    assert "sandbox" in image["Content-Security-Policy"]
    # the plain link still downloads, and nothing else may frame it
    download = client.get(f"/files/{proof.uid}/")
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Frame-Options"] == "DENY"
    assert "frame-ancestors" not in download["Content-Security-Policy"]
    # a preview asked for by someone who may not open the file is refused like the download
    client.force_login(Department().clerk)
    assert client.get(f"/files/{proof.uid}/?inline=1").status_code == 404


def test_only_pdfs_and_images_are_served_inline(client):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    dept = Department()
    buffer = BytesIO()
    Workbook().save(buffer)
    sheet = file_store(
        actor=dept.actor("clerk"),
        upload=SimpleUploadedFile(
            "清单.xlsx",
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        organization=dept.organization,
    )
    client.force_login(dept.clerk)
    response = client.get(f"/files/{sheet.uid}/?inline=1")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
