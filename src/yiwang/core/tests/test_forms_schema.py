"""The form convention (`core.forms.schema`) and its reading (`core.forms.specs`), on plain dicts:
a usable form has no problems, each broken rule is told in Chinese, and fields come in display
order with the widget each is shown with."""

from __future__ import annotations

import pytest

from yiwang.core.forms.schema import form_fields, form_problems
from yiwang.core.forms.specs import FieldSpec, GroupSpec, bound_files, specs_of, widget_of
from yiwang.core.tests.form_examples import SCHEMA, UI


def _form(prop, hint=None):
    return {"type": "object", "properties": {"f": prop}}, ({"f": hint} if hint is not None else {})


def test_the_example_form_is_usable():
    assert form_problems(SCHEMA, UI) == []
    assert form_problems(SCHEMA, UI, material_codes=["licence_scan"]) == []
    assert form_problems({}, {}) == [] and form_problems(None, None) == []


@pytest.mark.parametrize(
    ("prop", "hint", "problem"),
    [
        ({"type": "string"}, None, "f：缺少中文标题 title"),
        ({"type": "string", "title": "甲"}, {"ui:widget": "slider"}, "f：未知的控件 slider"),
        (
            {"type": "string", "title": "甲"},
            {"ui:widget": "checkbox"},
            "f：控件 checkbox 与字段类型 string 不符",
        ),
        ({"type": "string", "title": "甲"}, {"ui:widget": "date"}, "f：日期控件要求字段声明 format: date"),
        (
            {"type": "string", "title": "甲"},
            {"ui:widget": "select"},
            "f：下拉/单选控件要求字段声明 enum 取值",
        ),
        (
            {"type": "string", "title": "甲"},
            {"ui:widget": "file"},
            "f：文件控件应以 ui:material 绑定一项申请材料",
        ),
        ({"type": "string", "title": "甲"}, {"ui:material": "x"}, "f：只有文件控件可以绑定申请材料"),
        (
            {"type": "string", "title": "甲"},
            {"ui:prefill": "person.shoe_size"},
            "f：未知的预填来源 person.shoe_size",
        ),
        ({"type": "string", "title": "甲"}, {"ui:colour": "red"}, "f：不支持的界面提示 ui:colour"),
        (
            {"type": "string", "title": "甲", "enum": ["a", "b"]},
            {"ui:enumNames": ["甲"]},
            "f：ui:enumNames 的个数应与 enum 取值个数一致",
        ),
        ({"type": "object", "title": "甲"}, None, "f：不支持嵌套对象，请改用重复组（array）或拆分字段"),
        (
            {"type": "array", "title": "甲", "items": {"type": "string"}},
            None,
            "f：重复组的 items 应为含 properties 的对象",
        ),
    ],
)
def test_each_broken_rule_is_told_in_chinese(prop, hint, problem):
    schema, ui = _form(prop, hint)
    problems = form_problems(schema, ui)
    assert any(line.startswith(problem) for line in problems), problems


def test_form_level_problems():
    assert form_problems({"type": "string"}, {}) == [
        "申请表 JSON Schema 的根应为 type=object 且含 properties"
    ]
    assert form_problems({"type": "object", "properties": {}}, []) == ["界面提示应为对象"]
    assert form_problems({}, {"a": {}}) == ["没有申请表 JSON Schema 时不应填写界面提示"]
    assert form_problems({"type": "nothing"}, {})[0].startswith("申请表 JSON Schema 无效（Draft 2020-12）")
    schema = {"type": "object", "properties": {"a": {"type": "string", "title": "甲"}}, "required": ["b"]}
    ui = {"ui:order": ["a", "a", "c"], "d": {}}
    assert form_problems(schema, ui) == [
        "必填项 b 没有在 properties 中定义",
        "ui:order 含有未定义的字段：c",
        "ui:order 中有重复的字段",
        "界面提示中的 d 没有在 JSON Schema 中定义",
    ]


def test_file_fields_bind_only_to_known_attachments_and_groups_are_checked_inside():
    problems = form_problems(SCHEMA, UI, material_codes=["other"])
    assert problems == ["licence：绑定的申请材料 licence_scan 不存在"]
    ui = {"members": {"items": {"id_number": {"ui:widget": "checkbox"}}}}
    assert form_problems(SCHEMA, ui) == ["members/id_number：控件 checkbox 与字段类型 string 不符"]


def test_fields_come_in_display_order_with_their_widgets():
    ui = {**UI, "ui:order": ["members", "story"]}
    assert [name for name, _, _ in form_fields(SCHEMA, ui)][:3] == ["members", "story", "name"]
    specs = specs_of(SCHEMA, ui)
    assert [s.name for s in specs][:3] == ["members", "story", "name"]
    widgets = {s.name: s.widget for s in specs if isinstance(s, FieldSpec)}
    assert widgets == {
        "story": "textarea",
        "name": "text",
        "id_number": "id_number",  # from "format": "id-number"
        "uscc": "uscc",
        "mobile": "phone",  # from "format": "mobile"
        "email": "email",
        "birthday": "date",
        "count": "number",
        "amount": "number",
        "agree": "checkbox",
        "married": "radio",
        "kind": "select",
        "size": "radio",
        "community": "region",
        "licence": "file",
    }
    [group] = [s for s in specs if isinstance(s, GroupSpec)]
    assert (group.label, group.add_label, group.required, group.min_items, group.max_items) == (
        "家庭成员",
        "添加成员",
        True,
        0,
        3,
    )
    assert [(f.name, f.widget, f.required) for f in group.fields] == [
        ("name", "text", True),
        ("id_number", "id_number", False),
        ("disabled", "checkbox", False),
    ]


def test_widgets_are_inferred_and_hints_accept_bare_names():
    assert widget_of({"type": ["integer", "null"]}, {}) == "number"
    assert widget_of({"type": "string", "enum": ["a"]}, {}) == "select"
    assert widget_of({"type": "string", "format": "phone"}, {}) == "phone"
    assert widget_of({"type": "string"}, {"widget": "id-number"}) == "id_number"
    assert GroupSpec("g", {"maxItems": 500}, {}, False, []).max_items == 50  # capped
    assert GroupSpec("g", {}, {}, False, []).add_label == "添加一行"


def test_bound_files_names_each_file_field_s_attachment():
    assert bound_files(SCHEMA, UI) == {"licence": "licence_scan"}
    assert bound_files(SCHEMA, {}) == {}
