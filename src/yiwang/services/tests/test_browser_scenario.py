"""The issue's browser scenario, end to end in Chromium.

A citizen finds 食品经营许可 by search, reads the guide, applies with materials, receives a 补正
notice and resubmits; the window accepts, reviews and approves; the citizen sees 办结 and downloads
the result."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from yiwang.identity.tests.factories import CitizenFactory
from yiwang.services.models import Application
from yiwang.services.tests.factories import ServiceItemFactory
from yiwang.services.tests.staff_support import SYSTEM, Department
from yiwang.workflow.actions import definitions_load

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FORM_SCHEMA = {
    "type": "object",
    "title": "食品经营许可申请书",
    "properties": {
        "operator_name": {"type": "string", "title": "经营者名称", "minLength": 1, "maxLength": 100},
        "address": {"type": "string", "title": "经营场所", "minLength": 1, "maxLength": 200},
    },
    "required": ["operator_name", "address"],
}


def _pdf(name):
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def _staff_page(signed_in, user, application):
    page = signed_in(user)
    page.goto("/services/staff/")
    page.get_by_role("link", name=application.application_no).click()
    page.wait_for_url(re.compile(r"/services/staff/applications/"))
    return page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_citizen_applies_corrects_and_downloads_result(signed_in):
    definitions_load(actor=SYSTEM)
    dept = Department()
    ServiceItemFactory(
        organization=dept.organization, name="食品经营许可（新办）", form_schema=FORM_SCHEMA, form_ui={}
    )
    ServiceItemFactory(
        organization=dept.organization, name="药品经营许可", form_schema=FORM_SCHEMA, form_ui={}
    )
    citizen = CitizenFactory(display_name="王小明")

    # The citizen searches, reads the guide and applies with materials.
    page = signed_in(citizen)
    page.goto("/services/search?q=食品经营许可")
    page.get_by_role("link", name="食品经营许可（新办）").first.click()
    page.get_by_text("办理流程").first.wait_for()
    page.get_by_role("link", name="在线办理").click()
    page.fill("#id_operator_name", "玄武区小王餐馆")
    page.fill("#id_address", "玄武区中山路 1 号")
    picker = page.locator(".file-pick", has=page.locator("#id_material-premises_proof"))
    assert picker.locator("label").inner_text() == "选择文件"  # Chinese whatever the browser's language
    assert picker.locator(".file-pick-name").inner_text() == "未选择文件"
    page.set_input_files("#id_material-premises_proof", files=[_pdf("租赁合同.pdf")])
    expect(picker.locator(".file-pick-name")).to_have_text("租赁合同.pdf")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(re.compile(r"/services/applications/[0-9a-f-]+/$"))
    application = Application.objects.get(applicant=citizen)
    assert application.status == Application.Status.SUBMITTED
    assert page.get_by_text(application.application_no).first.is_visible()

    # The window asks for a correction, listing the missing material once.
    clerk = _staff_page(signed_in, dept.clerk, application)
    clerk.get_by_text("一次性告知补正").click()
    clerk.get_by_label("经营场所使用证明").check()
    clerk.get_by_label("补正理由（必填）").fill("租赁合同已过期，请提供有效的场所使用证明")
    clerk.get_by_role("button", name="出具补正材料告知书").click()
    clerk.get_by_text("已一次性告知补正").wait_for()
    application.refresh_from_db()
    assert application.status == Application.Status.CORRECTION

    # The citizen sees the notice and resubmits.
    page.goto(f"/services/applications/{application.uid}/")
    page.get_by_text("经营场所使用证明").first.wait_for()
    page.set_input_files("#id_material-premises_proof", files=[_pdf("新租赁合同.pdf")])
    page.get_by_role("button", name="提交补正").click()
    page.get_by_text("补正材料已提交").wait_for()
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED

    # The window accepts, the approver reviews and approves, the window completes.
    clerk.goto(clerk.url)
    clerk.get_by_role("button", name="受理").click()
    clerk.get_by_text("已受理").first.wait_for()
    approver = _staff_page(signed_in, dept.approver, application)
    approver.get_by_label("审查意见（必填）").fill("材料齐全，符合条件")
    approver.get_by_role("button", name="审查通过").click()
    approver.get_by_text("已审查通过").wait_for()
    approver.get_by_label("决定内容（必填）").fill("准予食品经营许可，经营项目：热食类食品制售")
    asked = []  # 作出决定 cannot be undone: the browser asks first
    approver.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    approver.get_by_role("button", name="作出决定").click()
    approver.get_by_text("已作出决定").wait_for()
    assert asked and "不能撤销" in asked[0]
    clerk.goto(clerk.url)
    clerk.get_by_role("button", name="办结").click()
    clerk.get_by_text("已办结").first.wait_for()
    application.refresh_from_db()
    assert application.status == Application.Status.COMPLETED

    # The citizen sees 办结 and downloads the result.
    page.goto(f"/services/applications/{application.uid}/")
    page.get_by_text("已办结").first.wait_for()
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("下载")).first.click()
    download = info.value
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert download.suggested_filename.endswith(".pdf")
