"""The JSON Schema + UI hints → Django form renderer: every widget renders and validates in Chinese,
repeating groups work without script, prefill comes from the subject record, and the server-side
check (`form_data_errors`) catches what the schema cannot say."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yiwang.core import identifiers
from yiwang.core.models import Region
from yiwang.core.tests.factories import EnterpriseFactory, PersonFactory, RegionFactory
from yiwang.services.forms import ApplicationForm, fill_file_fields, form_data_errors, prefill
from yiwang.services.tests.factories import MaterialRequirementFactory, ServiceItemFactory

pytestmark = pytest.mark.django_db

ID = identifiers.id_number("320102", date(1985, 3, 9), 21)
USCC = identifiers.uscc_code("320102", 424242)

SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "title": "姓名", "maxLength": 10},
        "id_number": {"type": "string", "title": "身份证号码", "format": "id-number"},
        "uscc": {"type": "string", "title": "统一社会信用代码", "format": "uscc"},
        "mobile": {"type": "string", "title": "手机", "format": "mobile"},
        "email": {"type": "string", "title": "邮箱", "format": "email"},
        "birthday": {"type": "string", "title": "出生日期", "format": "date"},
        "count": {"type": "integer", "title": "人数", "minimum": 1, "maximum": 9},
        "amount": {"type": "number", "title": "金额"},
        "agree": {"type": "boolean", "title": "同意承诺"},
        "married": {"type": "boolean", "title": "已婚"},
        "kind": {"type": "string", "title": "类别", "enum": ["a", "b"]},
        "size": {"type": "integer", "title": "规模", "enum": [1, 2]},
        "community": {"type": "string", "title": "所在社区"},
        "story": {"type": "string", "title": "情况说明"},
        "licence": {"type": "string", "title": "营业执照扫描件"},
        "members": {
            "type": "array",
            "title": "家庭成员",
            "maxItems": 3,
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "title": "姓名"},
                    "id_number": {"type": "string", "title": "身份证号码"},
                    "disabled": {"type": "boolean", "title": "残疾"},
                },
                "required": ["name"],
            },
        },
    },
    "required": ["name", "id_number", "kind", "members", "licence"],
}
UI = {
    "name": {"ui:prefill": "person.name", "ui:placeholder": "请输入姓名"},
    "id_number": {"ui:prefill": "person.id_number"},
    "uscc": {"ui:widget": "uscc", "ui:prefill": "enterprise.uscc"},
    "mobile": {"ui:prefill": "person.phone"},
    "married": {"ui:widget": "radio"},
    "kind": {"ui:widget": "select", "ui:enumNames": ["甲类", "乙类"]},
    "size": {"ui:widget": "radio"},
    "community": {"ui:widget": "region"},
    "story": {"ui:widget": "textarea", "ui:help": "简要说明"},
    "licence": {"ui:widget": "file", "ui:material": "licence_scan"},
    "members": {"ui:addLabel": "添加成员", "items": {"id_number": {"ui:widget": "id_number"}}},
}


@pytest.fixture
def regions(db):
    district = RegionFactory(code="320102", name="玄武区")
    street = RegionFactory(code="320102001", name="梅园新村街道", level=Region.Level.STREET, parent=district)
    RegionFactory(code="320102001001", name="长江路社区", level=Region.Level.COMMUNITY, parent=street)
    return district


@pytest.fixture
def item(regions):
    item = ServiceItemFactory(form_schema=SCHEMA, form_ui=UI, materials=False)
    MaterialRequirementFactory(item=item, code="licence_scan", name="营业执照扫描件", formats=["pdf"])
    return item


def post(**overrides):
    data = {
        "name": "王小明",
        "id_number": ID,
        "uscc": USCC,
        "mobile": "13912345678",
        "email": "a@example.cn",
        "birthday": "1985-03-09",
        "count": "2",
        "amount": "12.5",
        "agree": "on",
        "married": "false",
        "kind": "b",
        "size": "2",
        "community": "320102001001",
        "story": "家庭困难",
        "members-TOTAL": "2",
        "members-0-name": "王大明",
        "members-0-id_number": ID.lower() if ID.endswith("X") else ID,
        "members-0-disabled": "on",
        "members-1-name": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_every_widget_renders(item):
    html = ApplicationForm(item).as_p() + "".join(
        str(row.field) for row in ApplicationForm(item).material_views()
    )
    assert 'type="date"' in html and 'name="birthday"' in html
    assert 'type="number"' in html and 'name="count"' in html and 'step="any"' in html
    assert 'type="checkbox" name="agree"' in html
    assert 'type="radio" name="married"' in html and 'type="radio" name="size"' in html
    assert '<option value="a">甲类</option>' in html
    assert "梅园新村街道 · 长江路社区" in html and "玄武区 · 梅园新村街道" in html
    assert 'maxlength="18"' in html and 'inputmode="tel"' in html and 'type="email"' in html
    assert "<textarea" in html and "简要说明" in html and 'placeholder="请输入姓名"' in html
    assert 'name="members-0-name"' in html and 'name="members-0-DELETE"' in html
    assert 'name="material-licence_scan"' in html and 'accept=".pdf"' in html
    assert 'name="licence"' not in html  # bound to the material's upload field
    layout = ApplicationForm(item).layout()
    assert [e["field"].name if "field" in e else e["group"].spec.name for e in layout][-1] == "members"


def test_valid_input_becomes_schema_json(item):
    form = ApplicationForm(
        item, data=post(), files={"material-licence_scan": SimpleUploadedFile("a.pdf", b"%PDF")}
    )
    assert form.is_valid(), form.errors
    data = form.form_data()
    assert data == {
        "name": "王小明",
        "id_number": ID,
        "uscc": USCC,
        "mobile": "13912345678",
        "email": "a@example.cn",
        "birthday": "1985-03-09",
        "count": 2,
        "amount": 12.5,
        "agree": True,
        "married": False,
        "kind": "b",
        "size": 2,
        "community": "320102001001",
        "story": "家庭困难",
        "members": [{"name": "王大明", "id_number": ID, "disabled": True}],
    }
    assert list(form.uploads()) == ["licence_scan"]
    assert form_data_errors(item, fill_file_fields(item, data, {"licence_scan": "uid-1"})) == []
    assert form_data_errors(item, data)  # the bound file field is required by the schema


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "请填写「姓名」"),
        ("name", "一二三四五六七八九十十", "不超过 10"),
        ("id_number", "320102198503090000", "身份证号码校验位不正确"),
        ("uscc", "91320102MA1234567X", "统一社会信用代码"),
        ("mobile", "2345", "手机号码应为 11 位"),
        ("email", "nope", "有效"),
        ("birthday", "2026-02-30", "日期"),
        ("count", "10", "9"),
        ("count", "x", "整数"),
        ("amount", "abc", "数"),
        ("kind", "c", "选择"),
        ("community", "999999", "选择"),
    ],
)
def test_each_widget_refuses_bad_input_in_chinese(item, field, value, message):
    form = ApplicationForm(item, data=post(**{field: value}))
    assert not form.is_valid()
    assert any(message in error for error in form.errors.get(field, [])), form.errors


def test_group_rows_required_fields_delete_and_add_row(item):
    form = ApplicationForm(item, data=post(**{"members-1-id_number": ID}))
    assert not form.is_valid()
    assert form.errors["members-1-name"] == ["第 2 行请填写「姓名」"]
    form = ApplicationForm(item, data=post(**{"members-0-DELETE": "on"}))
    assert not form.is_valid()
    assert "「家庭成员」至少填写 1 行" in form.non_field_errors()
    form = ApplicationForm(item, data=post(_add_row="members"), draft=True)
    assert form.groups["members"].total == 3 and "members-2-name" in form.fields
    capped = ApplicationForm(item, data=post(**{"members-TOTAL": "3", "_add_row": "members"}), draft=True)
    assert capped.groups["members"].total == 3  # maxItems
    bogus = ApplicationForm(item, data=post(**{"members-TOTAL": "many"}))
    assert bogus.groups["members"].total == 1


def test_draft_relaxes_requirements(item):
    form = ApplicationForm(item, data={"members-TOTAL": "1"}, draft=True)
    assert form.is_valid(), form.errors
    assert form.form_data() == {"agree": False, "members": []}


def test_prefill_from_person_and_enterprise(item, regions):
    person = PersonFactory(name="赵六", phone="13800000000", address="中山路 1 号")
    enterprise = EnterpriseFactory(uscc=USCC, legal_representative=person)
    values = prefill(item, person=person, enterprise=enterprise)
    assert values == {"name": "赵六", "id_number": person.id_number, "uscc": USCC, "mobile": "13800000000"}
    form = ApplicationForm(item, initial_data=values)
    html = form.as_p()
    assert 'value="赵六"' in html and f'value="{USCC}"' in html
    assert prefill(item, person=None, enterprise=None) == {}


def test_stored_data_is_shown_again(item):
    form = ApplicationForm(item, initial_data={"married": True, "members": [{"name": "甲"}, {"name": "乙"}]})
    assert form.groups["members"].total == 2
    assert form["members-1-name"].value() == "乙"
    assert form["married"].value() == "true"


def test_server_side_check_names_fields_in_chinese(item):
    errors = form_data_errors(
        item,
        {
            "name": 5,
            "id_number": "123",
            "kind": "z",
            "community": "110101001001",
            "birthday": "19850309",
            "members": [{"name": "甲", "id_number": "1"}],
            "licence": "x",
        },
    )
    text = "\n".join(errors)
    assert "「身份证号码」：身份证号码应为 18 位" in text
    assert "家庭成员第 1 行「身份证号码」" in text
    assert "区划 110101001001 不存在" in text
    assert "日期格式应为 YYYY-MM-DD" in text
    assert "「姓名」：类型应为 string" in text
    assert "「类别」：取值应为以下之一：a、b" in text
    assert form_data_errors(item, ["x"]) == ["申请表应为对象（键值对）"]
    missing = form_data_errors(item, {})
    assert "请填写「姓名」" in missing


def test_an_item_without_a_form_accepts_anything(regions):
    item = ServiceItemFactory(form_schema={}, form_ui={}, materials=False)
    assert form_data_errors(item, {"free": 1}) == []
    assert ApplicationForm(item).layout() == []
