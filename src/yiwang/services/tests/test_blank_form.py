"""The printable blank application form (PDF) next to the Excel template on the guide page."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from yiwang.core.forms.schema import form_fields
from yiwang.identity.actor import Actor
from yiwang.services.actions.catalogue import item_publish, item_update
from yiwang.services.blank_form import blank_form
from yiwang.services.tests.catalogue_support import *  # noqa: F403
from yiwang.services.tests.factories import MaterialRequirementFactory, ServiceItemFactory
from yiwang.services.tests.staff_support import pdf_text


@pytest.fixture
def food(world):
    return ServiceItemFactory(organization=world.market, name="食品经营许可")


def _compact(content: bytes) -> str:
    """The PDF's text without whitespace: a label may wrap inside its table cell."""
    return re.sub(r"\s+", "", pdf_text(content))


def _labels(item):
    """Every field title of the item's form, the repeating groups' own fields included."""
    labels = []
    for name, prop, hint in form_fields(item.form_schema, item.form_ui):
        labels.append(prop.get("title") or name)
        if prop.get("type") == "array":
            labels += [p.get("title") or n for n, p, _ in form_fields(prop["items"], hint.get("items", {}))]
    return labels


def test_the_pdf_has_the_name_every_field_and_every_material(client, food):
    response = client.get(f"/services/items/{food.implementation_code}/form.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    filename = quote(f"{food.implementation_code}-v1-申请表.pdf")
    assert response["Content-Disposition"] == f"attachment; filename*=UTF-8''{filename}"
    text = _compact(response.content)
    assert "食品经营许可申请表" in text
    labels = _labels(food)
    assert labels == [
        "经营者名称",
        "法定代表人（负责人）",
        "身份证号码",
        "联系电话",
        "经营场所",
        "经营场所面积（平方米）",
        "拟开业日期",
        "主体业态",
        "从业人员",
        "姓名",
        "身份证号码",
        "健康证号",
    ]
    for label in labels:
        assert label in text, label
    for material in food.materials.all():
        assert material.name in text, material.name
    assert [m.name for m in food.materials.all()] == [
        "营业执照",
        "经营场所使用证明",
        "委托书及受托人身份证明",
    ]


def test_the_pdf_marks_required_fields_and_lays_out_blanks(food):
    text = _compact(blank_form(food))
    assert "经营者名称*" in text and "主体业态*" in text and "姓名*" in text
    assert "拟开业日期*" not in text and "健康证号*" not in text
    assert "□单位食堂□餐饮服务□食品销售" in text  # choices as boxes with their Chinese names
    assert "一、申请人信息" in text and "二、申请事项信息" in text
    assert "三、从业人员*（至少填写1行，最多20行，不够可另附页）" in text
    assert "四、申请材料清单" in text
    assert "申请人（签字/盖章）：" in text and text.count("年月日") >= 2
    # the applicant block holds the fields prefilled from the applicant's record
    assert text.index("一、申请人信息") < text.index("经营者名称") < text.index("二、申请事项信息")
    assert text.index("二、申请事项信息") < text.index("经营场所面积") < text.index("三、从业人员")


def test_a_form_without_applicant_fields_gets_the_standard_block(world):
    item = ServiceItemFactory(
        organization=world.market,
        name="户外广告设置许可",
        served_subjects=["enterprise"],
        form_schema={
            "type": "object",
            "properties": {
                "agreed": {"type": "boolean", "title": "同意现场核查"},
                "plan": {"type": "string", "title": "设置方案"},
            },
            "required": ["plan"],
        },
        form_ui={
            "agreed": {"ui:widget": "checkbox"},
            "plan": {"ui:widget": "file", "ui:material": "plan_doc"},
        },
        materials=False,
    )
    MaterialRequirementFactory(item=item, code="plan_doc", name="广告设置方案图")
    text = _compact(blank_form(item))
    assert "户外广告设置许可申请表" in text
    assert "申请单位名称*" in text and "统一社会信用代码*" in text and "法定代表人" in text
    assert "同意现场核查" in text and "□是□否" in text
    assert "设置方案*" in text and "已随表提交「广告设置方案图」" in text
    assert text.count("广告设置方案图") == 2  # the field and the checklist


def test_the_guide_links_both_forms_and_an_item_without_form_has_none(client, world, food):
    html = client.get(f"/services/items/{food.implementation_code}/").content.decode()
    assert f'href="/services/items/{food.implementation_code}/form.pdf"' in html
    assert f'href="/services/items/{food.implementation_code}/form.xlsx"' in html
    assert "下载申请表（PDF，可打印）" in html
    plain = ServiceItemFactory(organization=world.market, form_schema={}, form_ui={})
    assert client.get(f"/services/items/{plain.implementation_code}/form.pdf").status_code == 404
    assert "form.pdf" not in client.get(f"/services/items/{plain.implementation_code}/").content.decode()


def test_an_old_version_keeps_its_own_form(client, world, food):
    actor = Actor.for_user(world.catalog_admin)
    item_publish(actor=actor, item=item_update(actor=actor, item=food, name="食品经营许可（2027 版）"))
    old = client.get(f"/services/items/{food.implementation_code}/form.pdf", {"version": 1})
    new = client.get(f"/services/items/{food.implementation_code}/form.pdf")
    assert "食品经营许可申请表" in _compact(old.content)
    assert "食品经营许可（2027版）申请表" in _compact(new.content)
