"""In Chromium: a refused submission on the apply page tells every problem in one round, and the files
already chosen stay in their inputs (the form is posted with HTMX; the pickers are hx-preserve'd)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from yiwang.identity.actor import Actor
from yiwang.identity.tests.factories import CitizenFactory
from yiwang.services.models import Application
from yiwang.services.tests.factories import MaterialRequirementFactory, ServiceItemFactory
from yiwang.services.tests.staff_support import Department
from yiwang.workflow.actions import definitions_load

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FORM_SCHEMA = {
    "type": "object",
    "title": "食品经营许可申请书",
    "properties": {
        "operator_name": {"type": "string", "title": "经营者名称", "minLength": 1, "maxLength": 100},
        "phone": {"type": "string", "title": "联系电话", "format": "mobile"},
    },
    "required": ["operator_name", "phone"],
}


def _pdf(name):
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_one_round_of_errors_keeps_the_chosen_file(signed_in):
    definitions_load(actor=Actor.system())
    dept = Department()
    item = ServiceItemFactory(organization=dept.organization, form_schema=FORM_SCHEMA, form_ui={})
    MaterialRequirementFactory(item=item, code="id_card", name="身份证复印件", sort_order=4)
    citizen = CitizenFactory(display_name="王小明")
    page = signed_in(citizen)
    page.goto(f"/services/items/{item.implementation_code}/apply/")
    page.evaluate("window.stillTheSamePage = true")

    # A wrong phone number, one material chosen and the other not: both told at once.
    page.fill("#id_operator_name", "玄武区小王餐馆")
    page.fill("#id_phone", "12")
    page.set_input_files("#id_material-premises_proof", files=[_pdf("租赁合同.pdf")])
    page.get_by_role("button", name="提交申请").click()
    errors = page.locator("#apply-form .form-errors")
    expect(errors).to_contain_text("手机号码应为 11 位")
    expect(errors).to_contain_text("请上传以下申请材料：身份证复印件")
    assert page.evaluate("window.stillTheSamePage") is True  # swapped in place, not reloaded
    assert not Application.objects.exists()

    # The chosen file is still there, and the picker still says so.
    picker = page.locator("#pick-id_material-premises_proof")
    assert page.eval_on_selector("#id_material-premises_proof", "input => input.files.length") == 1
    assert (
        page.eval_on_selector("#id_material-premises_proof", "input => input.files[0].name") == "租赁合同.pdf"
    )
    expect(picker.locator(".file-pick-name")).to_have_text("租赁合同.pdf")
    expect(page.locator("#id_phone")).to_have_value("12")

    # Fixed and completed: filed, and the applicant lands on the application's page.
    page.fill("#id_phone", "13912345678")
    page.set_input_files("#id_material-id_card", files=[_pdf("身份证.pdf")])
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(re.compile(r"/services/applications/[0-9a-f-]+/$"))
    application = Application.objects.get(applicant=citizen)
    assert application.status == Application.Status.SUBMITTED
    expect(page.get_by_text(f"申请已提交，办件编号 {application.application_no}")).to_be_visible()
    files = {
        m.requirement.code: m.file.name
        for m in application.materials.select_related("requirement", "file")
        if m.file
    }
    assert files == {"premises_proof": "租赁合同.pdf", "id_card": "身份证.pdf"}
