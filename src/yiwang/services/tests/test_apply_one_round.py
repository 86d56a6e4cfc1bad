"""一次告知 on the apply page and in the actions: a refused submission names every problem at once —
the form's, the files refused and the materials still missing — not one per round. Also the
small ones: the file-type error names the material's own formats, whole numbers stay whole, 即办件
reads 当场办结, the guide's 办理条件 once, the withdrawal reason's error in Chinese, and the
materials tables stacking as cards on a phone."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from yiwang.core.errors import InvalidInput
from yiwang.identity.actor import Actor
from yiwang.services.actions.applications import application_resubmit, application_submit
from yiwang.services.models import Application, ApplicationMaterial, ServiceItem
from yiwang.services.tests.applications_support import build_world, pdf, valid_data
from yiwang.services.tests.factories import MaterialRequirementFactory, ServiceItemFactory
from yiwang.services.tests.test_applications_views import form_post
from yiwang.workflow.actions import transition
from yiwang.workflow.models import ProcessInstance

pytestmark = pytest.mark.django_db
FAKE_PDF = b"GIF89a not a pdf at all" + b"\x00" * 64


@pytest.fixture
def world(db):
    world = build_world()
    MaterialRequirementFactory(item=world.item, code="id_card", name="身份证复印件", sort_order=4)
    return world


def apply_url(item):
    return reverse("services:apply", kwargs={"implementation_code": item.implementation_code})


def submit(world, key="k", **kwargs):
    kwargs.setdefault("data", valid_data())
    kwargs.setdefault("materials", {"premises_proof": pdf(), "id_card": pdf("身份证.pdf")})
    return application_submit(
        actor=Actor.for_user(world.citizen), item=world.item, idempotency_key=key, **kwargs
    )


def fake_pdf(name="证明.pdf"):
    return SimpleUploadedFile(name, FAKE_PDF, content_type="application/pdf")


# -- the actions: one error with everything --------------------------------------------------------


def test_form_errors_and_missing_materials_are_told_in_one_error(world):
    with pytest.raises(InvalidInput) as error:
        submit(world, data=valid_data(phone="12"), materials={"premises_proof": pdf()})
    assert error.value.code == "application_incomplete"
    details = error.value.details
    assert any("联系电话" in line for line in details["form"]), details
    assert details["materials"] == [{"code": "id_card", "name": "身份证复印件"}]
    assert details["files"] == []
    assert "联系电话" in error.value.message and "身份证复印件" in error.value.message
    assert not Application.objects.exists()


def test_a_refused_file_is_told_with_the_rest_and_not_as_missing(world):
    with pytest.raises(InvalidInput) as error:
        submit(world, data=valid_data(phone="12"), materials={"premises_proof": pdf("证明.docx")})
    details = error.value.details
    assert error.value.code == "application_incomplete"
    assert [f["material"] for f in details["files"]] == ["premises_proof"]
    assert details["files"][0]["code"] == "application_material_format"
    assert [m["code"] for m in details["materials"]] == ["id_card"]  # not premises_proof again
    assert details["form"]


def test_one_kind_of_problem_keeps_its_own_code(world):
    with pytest.raises(InvalidInput) as error:
        submit(world, data=valid_data(phone="12"))
    assert error.value.code == "application_form_invalid" and isinstance(error.value.details, list)
    with pytest.raises(InvalidInput) as error:
        submit(world, materials={"premises_proof": pdf()})
    assert error.value.code == "application_materials_missing"
    assert error.value.details == [{"code": "id_card", "name": "身份证复印件"}]


def test_resubmission_tells_everything_at_once_too(world):
    application = submit(world)
    instance = ProcessInstance.objects.get(pk=application.process_instance_id)
    transition(
        instance=instance,
        action="request_correction",
        actor=Actor.for_user(world.clerk),
        fields={"reason": "补", "materials": ["x"]},
    )
    application.refresh_from_db()
    MaterialRequirementFactory(item=world.item, code="floor_plan", name="平面布局图", sort_order=5)
    with pytest.raises(InvalidInput) as error:
        application_resubmit(
            actor=Actor.for_user(world.citizen), application=application, data=valid_data(phone="12")
        )
    assert error.value.code == "application_incomplete"
    assert [m["code"] for m in error.value.details["materials"]] == ["floor_plan"]


# -- the file-type error names the material's formats ---------------------------------------------


def test_a_fake_pdf_is_refused_with_the_formats_of_its_material(world):
    with pytest.raises(InvalidInput) as error:
        submit(world, materials={"premises_proof": fake_pdf(), "id_card": pdf()})
    message = error.value.message
    assert "经营场所使用证明" in message and "允许的类型：PDF、JPG、PNG" in message
    assert "ZIP" not in message and "XLSX" not in message and "OFD" not in message
    assert error.value.details["material"] == "premises_proof"
    assert error.value.details["allowed"] == ["pdf", "jpg", "png"]


def test_the_page_tells_the_material_formats_of_a_fake_pdf(client, world):
    client.force_login(world.citizen)
    post = {**form_post(), "material-premises_proof": fake_pdf(), "material-id_card": pdf()}
    html = client.post(apply_url(world.item), post).content.decode()
    assert "允许的类型：PDF、JPG、PNG" in html and "ZIP" not in html
    assert not Application.objects.exists()


# -- the apply page: one round, HTMX ---------------------------------------------------------------


def test_page_tells_form_errors_and_missing_materials_in_the_same_round(client, world):
    client.force_login(world.citizen)
    post = form_post(phone="12")  # a wrong field; 经营场所使用证明 chosen, 身份证复印件 not
    html = client.post(apply_url(world.item), post).content.decode()
    summary = html.split('class="form-errors"', 1)[1].split("</div>", 1)[0]  # the lot, above the form
    assert '<a href="#id_phone">联系电话：手机号码应为 11 位' in summary
    assert "请上传以下申请材料：身份证复印件" in summary
    assert "请上传以下申请材料：经营场所使用证明" not in html  # the file chosen counts
    id_card_cell = html.split('id="pick-id_material-id_card"', 1)[1].split("</td>", 1)[0]
    assert "请上传此材料" in id_card_cell  # told beside its upload field too
    # A wrongly named file is told in the same round as well.
    post = {**form_post(phone="12"), "material-premises_proof": pdf("证明.docx")}
    html = client.post(apply_url(world.item), post).content.decode()
    assert "手机号码应为 11 位" in html and "只接受 PDF、JPG、PNG 格式的文件" in html
    assert "身份证复印件" in html
    assert not Application.objects.exists()


def test_page_tells_the_action_incomplete_error_line_by_line(client, world):
    client.force_login(world.citizen)
    # The form is valid for the page, the file is refused by its content and a material is missing.
    post = {**form_post(), "material-premises_proof": fake_pdf()}
    html = client.post(apply_url(world.item), post).content.decode()
    errors = html.split('class="form-errors"', 1)[1].split("</div>", 1)[0]
    assert "允许的类型：PDF、JPG、PNG" in errors and "请上传以下申请材料：身份证复印件" in errors


def test_the_form_posts_with_htmx_and_keeps_the_file_pickers(client, world):
    client.force_login(world.citizen)
    html = client.get(apply_url(world.item)).content.decode()
    form = re.search(r"<form id=\"apply-form\"[^>]*>", html).group(0)
    assert 'method="post"' in form and 'enctype="multipart/form-data"' in form  # works without script
    assert 'hx-post="' in form and 'hx-target="this"' in form
    for code in ("premises_proof", "id_card"):
        assert f'id="pick-id_material-{code}" hx-preserve="true"' in html


def test_htmx_refusal_swaps_in_the_form_and_success_redirects(client, world):
    client.force_login(world.citizen)
    url = apply_url(world.item)
    refused = client.post(url, form_post(phone="12"), headers={"HX-Request": "true"})
    html = refused.content.decode()
    assert refused.status_code == 200  # HTMX swaps 2xx answers only
    assert html.lstrip().startswith('<form id="apply-form"') and "<html" not in html
    assert "手机号码应为 11 位" in html and "身份证复印件" in html
    post = {**form_post(), "material-id_card": pdf("身份证.pdf")}
    done = client.post(url, post, headers={"HX-Request": "true"})
    application = Application.objects.get()
    assert done.status_code == 200
    assert done["HX-Redirect"] == reverse("services:application", kwargs={"uid": application.uid})
    draft = client.post(
        url, {"_action": "draft", "operator_name": "草稿", "staff-TOTAL": "1"}, headers={"HX-Request": "true"}
    )
    saved = Application.objects.get(status=Application.Status.DRAFT)
    assert draft["HX-Redirect"] == f"{url}?draft={saved.uid}"


# -- small ones -------------------------------------------------------------------------------------


def test_whole_numbers_stay_whole_in_a_saved_draft(client, world):
    world.item.form_schema["properties"]["employees"] = {"type": "integer", "title": "职工人数"}
    world.item.save()
    client.force_login(world.citizen)
    url = apply_url(world.item)
    post = {"_action": "draft", "area": "56", "employees": "5", "staff-TOTAL": "1", "idempotency_key": "x"}
    response = client.post(url, post)
    draft = Application.objects.get()
    assert type(draft.form_data["area"]) is int and draft.form_data["area"] == 56
    assert type(draft.form_data["employees"]) is int and draft.form_data["employees"] == 5
    html = client.get(response["Location"]).content.decode()
    assert re.search(r'<input type="number" name="area" value="56"', html)
    assert re.search(r'<input type="number" name="employees" value="5"', html)
    client.post(url, {**post, "area": "56.5", "draft": str(draft.uid)})
    draft.refresh_from_db()
    assert draft.form_data["area"] == 56.5


def test_instant_items_read_on_the_spot_not_zero_days(client, world):
    instant = ServiceItemFactory(
        organization=world.market,
        name="第二类医疗器械经营备案",
        handling_kind=ServiceItem.HandlingKind.INSTANT,
        statutory_days=0,
        promised_days=0,
        popularity=999,
    )
    html = client.get("/services/", {"department": world.market.code}).content.decode()
    row = html.split(instant.name, 1)[1].split("</li>", 1)[0]
    assert "即办件，当场办结" in row and "0 个工作日" not in row
    assert "承诺 5 个工作日" in html  # a committed item keeps its days
    client.force_login(world.citizen)
    html = client.get(apply_url(instant)).content.decode()
    assert "0 个工作日" not in html and "当场办结" in html


def test_guide_shows_the_conditions_once(client, world):
    html = client.get(reverse("services:guide", args=[world.item.implementation_code])).content.decode()
    assert html.count('id="guide-conditions"') == 1
    assert html.count("<dt>办理条件</dt>") == 1 and "<h2>办理条件</h2>" not in html
    assert html.count(world.item.conditions) == 1


def test_materials_tables_stack_as_cards_on_a_phone(client, world):
    html = client.get(reverse("services:guide", args=[world.item.implementation_code])).content.decode()
    table = html.split('id="guide-materials"', 1)[1].split("</table>", 1)[0]
    assert 'class="table table-stack' in table
    for label in ("序号", "材料名称", "必要性", "来源", "格式与份数", "说明"):
        assert f'<td data-label="{label}"><span class="cell-value">' in table, label
    client.force_login(world.citizen)
    html = client.get(apply_url(world.item)).content.decode()
    table = html.split('class="table table-stack"', 1)[1].split("</table>", 1)[0]
    assert "hide-phone" not in table  # 格式与份数 is shown on a phone too
    assert '<td data-label="格式与份数">' in table and "PDF、JPG、PNG" in table


def test_withdrawal_reason_is_checked_by_the_server_in_chinese(client, world):
    application = submit(world)
    client.force_login(world.citizen)
    detail = reverse("services:application", kwargs={"uid": application.uid})
    html = client.get(detail).content.decode()
    form = re.search(r'<form[^>]*action="[^"]*/withdraw/"[^>]*>', html).group(0)
    assert "novalidate" in form  # the browser's own (English) bubble does not pre-empt ours
    url = reverse("services:application-withdraw", kwargs={"uid": application.uid})
    response = client.post(url, {"reason": "  "}, follow=True)
    assert "请填写撤回理由" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert ApplicationMaterial.objects.filter(application=application).exists()
