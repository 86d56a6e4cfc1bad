"""The server-side check of a form's data (`core.forms.validation.form_data_errors`), on a plain
schema + UI hints: what JSON Schema cannot say (check digits, real dates, known regions) and the
schema itself, every line in Chinese naming the field by its title."""

from __future__ import annotations

import pytest

from yiwang.core.forms.validation import form_data_errors
from yiwang.core.tests.form_examples import ID, SCHEMA, UI, USCC, make_regions

pytestmark = pytest.mark.django_db

VALID = {
    "name": "王小明",
    "id_number": ID,
    "uscc": USCC,
    "mobile": "13912345678",
    "birthday": "1985-03-09",
    "kind": "a",
    "community": "320102001001",
    "licence": "uid-of-the-file",
    "members": [{"name": "王大明", "id_number": ID}],
}


@pytest.fixture(autouse=True)
def regions(db):
    return make_regions()


def test_valid_data_has_no_problem():
    assert form_data_errors(SCHEMA, UI, VALID) == []


def test_every_problem_is_told_at_once_naming_the_field():
    errors = form_data_errors(
        SCHEMA,
        UI,
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
    assert "「身份证号码」：身份证号码应为 18 位" in errors
    assert any(line.startswith("家庭成员第 1 行「身份证号码」：") for line in errors), errors
    assert "区划 110101001001 不存在，请选择街道或社区" in errors
    assert "「出生日期」：日期格式应为 YYYY-MM-DD" in errors
    assert "「姓名」：类型应为 string" in errors
    assert "「类别」：取值应为以下之一：a、b" in errors


@pytest.mark.parametrize(
    ("field", "value", "line"),
    [
        ("birthday", "2026-02-30", "「出生日期」：日期格式应为 YYYY-MM-DD"),
        ("uscc", "91320102MA1234567X", "「统一社会信用代码」：统一社会信用代码校验位不正确，请核对最后一位"),
        ("mobile", "2345", "「手机」：手机号码应为 11 位，以 1 开头"),
        ("community", "320102", "区划 320102 不存在，请选择街道或社区"),  # a district, not a street
    ],
)
def test_what_the_schema_cannot_say(field, value, line):
    assert form_data_errors(SCHEMA, UI, {**VALID, field: value}) == [line]


def test_missing_required_fields_are_asked_for_by_title():
    errors = form_data_errors(SCHEMA, UI, {})
    assert errors == [
        "请填写「姓名」",
        "请填写「身份证号码」",
        "请填写「类别」",
        "请填写「家庭成员」",
        "请填写「营业执照扫描件」",
    ]


def test_left_out_fields_are_not_checked_by_the_schema():
    data = {key: value for key, value in VALID.items() if key != "licence"}
    assert form_data_errors(SCHEMA, UI, data) == ["请填写「营业执照扫描件」"]
    assert form_data_errors(SCHEMA, UI, data, leave_out=["licence"]) == []


def test_data_must_be_an_object_and_a_form_without_schema_takes_any():
    assert form_data_errors(SCHEMA, UI, ["x"]) == ["申请表应为对象（键值对）"]
    assert form_data_errors({}, {}, {"free": 1}) == []
