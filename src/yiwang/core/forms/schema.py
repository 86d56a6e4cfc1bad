"""The form engine's conventions: a JSON Schema (Draft 2020-12) plus UI hints, and their checks.

Kept pure (jsonschema only) so that a domain can check a form before it publishes it, in an import
as well as in an action, and every domain's forms follow one documented convention.

The schema describes the data (e.g. the `form_data` of an application): an object whose properties are
strings (text, dates as ``"format": "date"``, selects as ``"enum"``), numbers/integers, booleans and
arrays of objects (repeating groups, e.g. 从业人员). Titles are the Chinese labels.

The UI hints follow react-jsonschema-form's uiSchema convention, keyed by property name:

```
{
  "ui:order": ["applicant_name", "id_number", ...],          # optional, property names only
  "id_number": {"ui:widget": "id_number", "ui:prefill": "person.id_number",
                "ui:placeholder": "18 位身份证号码", "ui:help": "…"},
  "category": {"ui:widget": "select", "ui:enumNames": ["热食类", "冷食类"]},
  "staff": {"ui:addLabel": "添加从业人员",
            "items": {"id_number": {"ui:widget": "id_number"}}},  # hints for the group's fields
  "licence": {"ui:widget": "file", "ui:material": "business_licence"},
}
```

Widgets (``ui:widget``) and the schema types they need:
text / textarea / email → string; number → number or integer; date → string with format date;
select / radio → a property with ``enum``; checkbox → boolean; region → string (a region code);
id_number / uscc / phone → string (validated as 身份证号码 / 统一社会信用代码 / 手机号码);
file → string (the uid of an uploaded file), with ``ui:material`` naming the attachment it is bound to
(a material code of a service item).
``ui:prefill`` names a field of the applicant's subject record: see `PREFILL_SOURCES`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import jsonschema

WIDGET_TYPES: dict[str, set[str]] = {
    "text": {"string"},
    "textarea": {"string"},
    "email": {"string"},
    "number": {"number", "integer"},
    "date": {"string"},
    "select": {"string", "integer", "number"},
    "radio": {"string", "integer", "number", "boolean"},
    "checkbox": {"boolean"},
    "region": {"string"},
    "id_number": {"string"},
    "uscc": {"string"},
    "phone": {"string"},
    "file": {"string"},
}

PREFILL_SOURCES: dict[str, str] = {
    "person.name": "申请人姓名",
    "person.id_number": "申请人身份证号码",
    "person.phone": "申请人手机号码",
    "person.address": "申请人住址",
    "person.region": "申请人所在区划",
    "enterprise.name": "企业名称",
    "enterprise.uscc": "统一社会信用代码",
    "enterprise.address": "企业住所",
    "enterprise.legal_representative": "法定代表人",
    "enterprise.region": "企业登记区划",
    "user.phone": "账号手机号码",
}

_KNOWN_UI_KEYS = {
    "ui:widget",
    "ui:prefill",
    "ui:placeholder",
    "ui:help",
    "ui:enumNames",
    "ui:material",
    "ui:addLabel",
    "ui:rows",
    "items",
}


def _types(prop: dict[str, Any]) -> set[str]:
    kind = prop.get("type")
    if isinstance(kind, list):
        return {str(k) for k in kind}
    return {str(kind)} if kind else set()


def form_problems(schema: Any, ui: Any, *, material_codes: Iterable[str] | None = None) -> list[str]:
    """Every problem with a form, as Chinese lines (empty when the form is usable).

    `material_codes`, when given, are the codes a file field may bind to (``ui:material``)."""
    if schema in (None, {}):
        return [] if not ui else ["没有申请表 JSON Schema 时不应填写界面提示"]
    if not isinstance(schema, dict):
        return ["申请表 JSON Schema 应为对象"]
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        return [f"申请表 JSON Schema 无效（Draft 2020-12）：{exc.message}"]
    problems: list[str] = []
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        return ["申请表 JSON Schema 的根应为 type=object 且含 properties"]
    if ui is None:
        ui = {}
    if not isinstance(ui, dict):
        return ["界面提示应为对象"]
    codes = set(material_codes) if material_codes is not None else None
    _check_object(schema, ui, "", problems, codes)
    return problems


def _check_object(
    schema: dict[str, Any], ui: dict[str, Any], where: str, problems: list[str], codes: set[str] | None
) -> None:
    properties: dict[str, Any] = schema.get("properties") or {}
    for name in schema.get("required", []):
        if name not in properties:
            problems.append(f"{where}必填项 {name} 没有在 properties 中定义")
    for name, prop in properties.items():
        if not isinstance(prop, dict):
            problems.append(f"{where}{name}：字段定义应为对象")
            continue
        if not prop.get("title"):
            problems.append(f"{where}{name}：缺少中文标题 title")
        if "array" in _types(prop):
            items = prop.get("items")
            if not isinstance(items, dict) or items.get("type") != "object" or not items.get("properties"):
                problems.append(f"{where}{name}：重复组的 items 应为含 properties 的对象")
            else:
                hint = ui.get(name, {})
                sub_ui = hint.get("items", {}) if isinstance(hint, dict) else {}
                if not isinstance(sub_ui, dict):
                    problems.append(f"{where}{name}：items 界面提示应为对象")
                    sub_ui = {}
                _check_object(items, sub_ui, f"{where}{name}/", problems, codes)
        elif "object" in _types(prop):
            problems.append(f"{where}{name}：不支持嵌套对象，请改用重复组（array）或拆分字段")
    order = ui.get("ui:order")
    if order is not None:
        if not isinstance(order, list) or not all(isinstance(n, str) for n in order):
            problems.append(f"{where}ui:order 应为字段名列表")
        else:
            unknown = [n for n in order if n != "*" and n not in properties]
            if unknown:
                problems.append(f"{where}ui:order 含有未定义的字段：{'、'.join(unknown)}")
            if len(set(order)) != len(order):
                problems.append(f"{where}ui:order 中有重复的字段")
    for name, hint in ui.items():
        if name.startswith("ui:"):
            if name != "ui:order":
                problems.append(f"{where}不支持的表单级界面提示 {name}")
            continue
        if name not in properties:
            problems.append(f"{where}界面提示中的 {name} 没有在 JSON Schema 中定义")
            continue
        if not isinstance(hint, dict):
            problems.append(f"{where}{name}：界面提示应为对象")
            continue
        _check_hint(name, properties[name], hint, where, problems, codes)


def _check_hint(
    name: str,
    prop: dict[str, Any],
    hint: dict[str, Any],
    where: str,
    problems: list[str],
    codes: set[str] | None,
) -> None:
    label = f"{where}{name}"
    unknown = sorted(set(hint) - _KNOWN_UI_KEYS)
    if unknown:
        problems.append(f"{label}：不支持的界面提示 {'、'.join(unknown)}")
    if "items" in hint and "array" not in _types(prop):
        problems.append(f"{label}：只有重复组（array）可以有 items 界面提示")
    widget = hint.get("ui:widget")
    types = _types(prop)
    if widget is not None:
        if widget not in WIDGET_TYPES:
            problems.append(f"{label}：未知的控件 {widget}（可用：{'、'.join(WIDGET_TYPES)}）")
        elif not types & WIDGET_TYPES[widget]:
            problems.append(f"{label}：控件 {widget} 与字段类型 {'/'.join(sorted(types)) or '未声明'} 不符")
        elif widget == "date" and prop.get("format") != "date":
            problems.append(f"{label}：日期控件要求字段声明 format: date")
        elif widget in {"select", "radio"} and not prop.get("enum") and "boolean" not in types:
            problems.append(f"{label}：下拉/单选控件要求字段声明 enum 取值")
        elif widget == "file":
            material = hint.get("ui:material")
            if not material:
                problems.append(f"{label}：文件控件应以 ui:material 绑定一项申请材料")
            elif codes is not None and material not in codes:
                problems.append(f"{label}：绑定的申请材料 {material} 不存在")
    if "ui:material" in hint and widget != "file":
        problems.append(f"{label}：只有文件控件可以绑定申请材料")
    names = hint.get("ui:enumNames")
    if names is not None and (not isinstance(names, list) or len(names) != len(prop.get("enum") or [])):
        problems.append(f"{label}：ui:enumNames 的个数应与 enum 取值个数一致")
    prefill = hint.get("ui:prefill")
    if prefill is not None and prefill not in PREFILL_SOURCES:
        problems.append(f"{label}：未知的预填来源 {prefill}（可用：{'、'.join(PREFILL_SOURCES)}）")


def form_fields(
    schema: dict[str, Any], ui: dict[str, Any]
) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """The top-level fields in display order: (name, property schema, UI hint)."""
    properties: dict[str, Any] = (schema or {}).get("properties") or {}
    order = [n for n in (ui or {}).get("ui:order", []) if n in properties]
    names = order + [n for n in properties if n not in order]
    return [(n, properties[n], (ui or {}).get(n) or {}) for n in names]
