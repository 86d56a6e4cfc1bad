"""In Chromium: staff preview a PDF material and an image in the 办件办理 page (issue 12 §7), under the
platform's CSP — the file is framed by our own page only, nothing is blocked, and a material uploaded
again in a 补正 carries its version marker."""

from __future__ import annotations

import tempfile
import uuid
from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yiwang.core.files import file_store
from yiwang.identity.actor import Actor
from yiwang.services.actions import handling
from yiwang.services.actions.applications import application_resubmit, application_submit
from yiwang.services.models import ApplicationMaterial
from yiwang.services.tests.applications_support import valid_data
from yiwang.services.tests.factories import MaterialRequirementFactory, ServiceItemFactory
from yiwang.services.tests.staff_support import SYSTEM, Department, citizen
from yiwang.workflow.actions import definitions_load

SCREENSHOTS = Path(tempfile.gettempdir())  # the test leaves material-preview.png there to look at


def _pdf(name: str, text: str) -> SimpleUploadedFile:
    from reportlab.pdfgen import canvas

    buffer = BytesIO()
    document = canvas.Canvas(buffer)
    document.setFont("Helvetica", 28)
    document.drawString(72, 720, text)
    document.showPage()
    document.save()
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def _png(name: str) -> SimpleUploadedFile:
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (120, 80), (20, 98, 212)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_preview_a_corrected_pdf_and_an_image_in_the_page(signed_in):
    definitions_load(actor=SYSTEM)
    dept = Department()
    item = ServiceItemFactory(organization=dept.organization)
    MaterialRequirementFactory(item=item, code="photo", name="门头照片", sort_order=4)
    applicant = citizen()
    actor = Actor.for_user(applicant)
    application = application_submit(
        actor=actor,
        item=item,
        data=valid_data(),
        materials={"premises_proof": _pdf("租赁合同.pdf", "Lease 2025"), "photo": _png("门头.png")},
        idempotency_key=uuid.uuid4().hex,
    )
    handling.application_request_correction(
        actor=dept.actor("clerk"),
        application=application,
        reason="租赁合同已过期",
        materials=[item.materials.get(code="premises_proof").pk],
    )
    application.refresh_from_db()
    application = application_resubmit(
        actor=actor,
        application=application,
        materials={"premises_proof": _pdf("新租赁合同.pdf", "Lease 2026")},
    )
    proof = ApplicationMaterial.objects.get(application=application, requirement__code="premises_proof")
    photo = ApplicationMaterial.objects.get(application=application, requirement__code="photo")
    assert proof.version == 2

    page = signed_in(dept.clerk)
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.goto(f"/services/staff/applications/{application.uid}/")
    row = page.locator("#material-premises_proof")
    assert "补正后第 2 版" in row.inner_text()
    assert row.get_by_role("link", name="上一版：租赁合同.pdf").is_visible()

    # 预览 opens the PDF in a frame of the page, served inline and framable by our own pages only.
    with page.expect_response(lambda r: f"/files/{proof.file.uid}/?inline=1" in r.url) as served:
        row.locator("summary", has_text="预览").click()
    response = served.value
    assert response.status == 200
    assert response.headers["content-disposition"].startswith("inline;")
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    frame_box = row.locator("iframe.preview-frame")
    frame_box.wait_for(state="visible")
    assert frame_box.bounding_box()["height"] > 300
    frame = next(f for f in page.frames if f.url.endswith(f"/files/{proof.file.uid}/?inline=1"))
    frame.wait_for_load_state()
    assert not frame.url.startswith("chrome-error:")  # not refused by X-Frame-Options or the CSP

    # An image shows in place too.
    picture = page.locator("#material-photo")
    with page.expect_response(lambda r: f"/files/{photo.file.uid}/?inline=1" in r.url):
        picture.locator("summary", has_text="预览").click()
    image = picture.locator("img.preview-image")
    image.wait_for(state="visible")
    page.wait_for_function("(img) => img.complete && img.naturalWidth === 120", arg=image.element_handle())

    page.screenshot(path=str(SCREENSHOTS / "material-preview.png"), full_page=True)
    refused = [
        text for text in problems if "Refused" in text or "frame" in text or "Content Security" in text
    ]
    assert refused == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_another_department_cannot_preview_the_file(signed_in):
    definitions_load(actor=SYSTEM)
    dept = Department()
    stored = file_store(
        actor=dept.actor("clerk"), upload=_pdf("内部.pdf", "Internal"), organization=dept.organization
    )
    page = signed_in(Department().clerk)
    response = page.request.get(f"/files/{stored.uid}/?inline=1")
    assert response.status == 404
