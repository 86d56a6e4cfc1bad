"""A plain JSON-Schema form as a Django form (`web.schema_form.SchemaForm`), with no domain record:
every widget renders and refuses bad input in Chinese, repeating groups work without script, stored
or prefilled data is shown again, and the template tells every problem at once."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string

from yiwang.core.forms.prefill import prefill
from yiwang.core.tests.factories import EnterpriseFactory, PersonFactory
from yiwang.core.tests.form_examples import ID, SCHEMA, UI, USCC, make_regions, post
from yiwang.web.schema_form import SchemaForm

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def regions(db):
    return make_regions()


def test_every_widget_renders():
    html = SchemaForm(SCHEMA, UI).as_p()
    assert 'type="date"' in html and 'name="birthday"' in html
    assert 'type="number"' in html and 'name="count"' in html and 'step="any"' in html
    assert 'type="checkbox" name="agree"' in html
    assert 'type="radio" name="married"' in html and 'type="radio" name="size"' in html
    assert '<option value="a">甲类</option>' in html
    assert "梅园新村街道 · 长江路社区" in html and "玄武区 · 梅园新村街道" in html
    assert 'maxlength="18"' in html and 'inputmode="tel"' in html and 'type="email"' in html
    assert "<textarea" in html and "简要说明" in html and 'placeholder="请输入姓名"' in html
    assert 'name="members-0-name"' in html and 'name="members-0-DELETE"' in html
    assert 'name="licence"' not in html  # a file field is the domain's to add


def test_valid_input_becomes_the_json_the_schema_describes():
    form = SchemaForm(SCHEMA, UI, data=post())
    assert form.is_valid(), form.errors  # the file field is left to the domain, not required here
    assert form.form_data() == {
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
def test_each_widget_refuses_bad_input_in_chinese(field, value, message):
    form = SchemaForm(SCHEMA, UI, data=post(**{field: value}))
    assert not form.is_valid()
    assert any(message in error for error in form.errors.get(field, [])), form.errors


def test_group_rows_required_fields_delete_and_add_row():
    form = SchemaForm(SCHEMA, UI, data=post(**{"members-1-id_number": ID}))
    assert not form.is_valid()
    assert form.errors["members-1-name"] == ["第 2 行请填写「姓名」"]
    form = SchemaForm(SCHEMA, UI, data=post(**{"members-0-DELETE": "on"}))
    assert not form.is_valid()
    assert "「家庭成员」至少填写 1 行" in form.non_field_errors()
    form = SchemaForm(SCHEMA, UI, data=post(_add_row="members"), draft=True)
    assert form.groups["members"].total == 3 and "members-2-name" in form.fields
    capped = SchemaForm(SCHEMA, UI, data=post(**{"members-TOTAL": "3", "_add_row": "members"}), draft=True)
    assert capped.groups["members"].total == 3  # maxItems
    bogus = SchemaForm(SCHEMA, UI, data=post(**{"members-TOTAL": "many"}))
    assert bogus.groups["members"].total == 1


def test_the_full_check_runs_after_the_fields_pass():
    """What no field checks (here a number's multipleOf) is found by `form_data_errors`, named by title."""
    schema = {
        "type": "object",
        "properties": {"pairs": {"type": "integer", "title": "双数", "multipleOf": 2}},
    }
    form = SchemaForm(schema, {}, data={"pairs": "3"})
    assert not form.is_valid()
    assert form.non_field_errors() == ["「双数」：不符合规则 multipleOf"]
    assert SchemaForm(schema, {}, data={"pairs": "4"}).is_valid()


def test_draft_relaxes_requirements():
    form = SchemaForm(SCHEMA, UI, data={"members-TOTAL": "1"}, draft=True)
    assert form.is_valid(), form.errors
    assert form.form_data() == {"agree": False, "members": []}


def test_prefilled_and_stored_data_are_shown_again():
    person = PersonFactory(name="赵六", phone="13800000000")
    enterprise = EnterpriseFactory(uscc=USCC, legal_representative=person)
    html = SchemaForm(
        SCHEMA, UI, initial_data=prefill(SCHEMA, UI, person=person, enterprise=enterprise)
    ).as_p()
    assert 'value="赵六"' in html and f'value="{USCC}"' in html and 'value="13800000000"' in html
    form = SchemaForm(SCHEMA, UI, initial_data={"married": True, "members": [{"name": "甲"}, {"name": "乙"}]})
    assert form.groups["members"].total == 2
    assert form["members-1-name"].value() == "乙"
    assert form["married"].value() == "true"


def test_the_template_tells_every_problem_at_once_and_offers_one_more_row():
    form = SchemaForm(SCHEMA, UI, data=post(name="", mobile="2345"))
    assert not form.is_valid()
    html = render_to_string("web/partials/schema_form.html", {"form": form})
    assert '<div class="form-errors" role="alert">' in html
    assert '<li><a href="#id_name">请填写「姓名」</a></li>' in html
    assert '<li><a href="#id_mobile">手机：手机号码应为 11 位，以 1 开头</a></li>' in html
    assert '<fieldset class="card form-group" id="group-members">' in html
    assert '<input type="hidden" name="members-TOTAL" value="2">' in html
    assert (
        '<button type="submit" class="btn" name="_add_row" value="members" formnovalidate>添加成员</button>'
        in html
    )
    full = SchemaForm(SCHEMA, UI, data=post(**{"members-TOTAL": "3"}))
    assert 'name="_add_row"' not in render_to_string("web/partials/schema_form.html", {"form": full})
