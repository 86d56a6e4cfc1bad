"""Excel for the catalogue: export, reading and checking an import in the national upload layout
(`catalogue_plan`: reads only; `services.actions.imports.catalogue_import` writes), the error report,
and the blank application form (表格下载) of an item (drawn by the kernel's `core.forms.blank_excel`).

Layout (our best knowledge of the 国家政务服务平台 实施清单 upload template; header row 1, data from
row 2, headers matched by their Chinese names so the column order may differ):

Sheet 「事项实施清单」 (* = required column):
  基本编码*, 实施编码*, 事项名称*, 事项类型* (字典 item_type 名称或编码, 如 行政许可), 实施主体,
  实施主体编码* (实施主体的统一社会信用代码), 行使层级* (市级 / 区级 / 街道（乡镇）级), 设定依据, 受理条件,
  法定办结时限* (工作日), 承诺办结时限* (工作日), 办件类型 (即办件 / 承诺件), 是否收费 (是 / 否), 收费依据,
  收费标准, 办理形式, 网上办理深度* (Ⅰ–Ⅳ 或 1–4), 到办事现场次数, 服务对象* (自然人、法人),
  主题分类 (如 设立开办、经营许可), 关键词, 办理地点, 办理时间, 咨询电话, 监督投诉电话, 审批结果名称,
  审批结果类型, 结果送达方式, 办理流程, 流程定义编码, 申请表JSON Schema, 申请表界面提示 (JSON 文本).
Sheet 「申请材料」 (optional):
  实施编码*, 材料编码*, 材料名称*, 必要性 (必要 / 容缺 / 情形), 适用情形, 材料来源 (申请人上传 / 电子证照 /
  共享数据), 电子证照类型, 共享数据资源, 材料格式 (pdf、jpg), 大小上限(MB), 份数, 填报须知, 排序.

The workbook is read through the kernel's guarded reader (`core.spreadsheets`: archive and part
sizes, declared ranges, row and cell limits, a time budget), so a hostile file fails fast with one
Chinese error. Import validates every row (formats, codes, the dictionary, the department, duplicates, permissions
and every publish rule) before writing anything; with any error nothing is imported and the errors
come back row by row (sheet, row number, column, problem), also as an Excel report with a 错误说明
column. Without errors `catalogue_import` creates each row (or, for an existing code, makes a new
version) and publishes it, all in one transaction."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from yiwang.core import dictionaries
from yiwang.core.characters import has_invalid_characters
from yiwang.core.errors import InvalidInput
from yiwang.core.forms.blank_excel import blank_workbook
from yiwang.core.models import Organization
from yiwang.core.spreadsheets import Spreadsheet, spreadsheet_open
from yiwang.identity.actor import Actor
from yiwang.services.constants import DEFAULT_PROCESS, THEMES
from yiwang.services.models import ItemLevel, MaterialRequirement, ServiceItem
from yiwang.services.permissions import can_manage_catalog as can_manage
from yiwang.services.rules import publish_problems

ITEMS_SHEET = "事项实施清单"
MATERIALS_SHEET = "申请材料"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 5000

ITEM_COLUMNS: list[tuple[str, str, bool]] = [  # (key, header, required)
    ("basic_code", "基本编码", True),
    ("implementation_code", "实施编码", True),
    ("name", "事项名称", True),
    ("item_type", "事项类型", True),
    ("organization_name", "实施主体", False),
    ("organization_uscc", "实施主体编码", True),
    ("level", "行使层级", True),
    ("legal_basis", "设定依据", False),
    ("conditions", "受理条件", False),
    ("statutory_days", "法定办结时限", True),
    ("promised_days", "承诺办结时限", True),
    ("handling_kind", "办件类型", False),
    ("is_charged", "是否收费", False),
    ("fee_basis", "收费依据", False),
    ("fee_standard", "收费标准", False),
    ("handling_form", "办理形式", False),
    ("online_depth", "网上办理深度", True),
    ("site_visits", "到办事现场次数", False),
    ("served_subjects", "服务对象", True),
    ("themes", "主题分类", False),
    ("keywords", "关键词", False),
    ("place", "办理地点", False),
    ("office_hours", "办理时间", False),
    ("consultation_phone", "咨询电话", False),
    ("complaint_phone", "监督投诉电话", False),
    ("result_name", "审批结果名称", False),
    ("result_type", "审批结果类型", False),
    ("delivery_methods", "结果送达方式", False),
    ("process_description", "办理流程", False),
    ("process_definition_code", "流程定义编码", False),
    ("form_schema", "申请表JSON Schema", False),
    ("form_ui", "申请表界面提示", False),
]
MATERIAL_COLUMNS: list[tuple[str, str, bool]] = [
    ("implementation_code", "实施编码", True),
    ("code", "材料编码", True),
    ("name", "材料名称", True),
    ("requirement", "必要性", False),
    ("condition", "适用情形", False),
    ("source", "材料来源", False),
    ("licence_type_code", "电子证照类型", False),
    ("data_resource_code", "共享数据资源", False),
    ("formats", "材料格式", False),
    ("max_size_mb", "大小上限(MB)", False),
    ("copies", "份数", False),
    ("notes", "填报须知", False),
    ("sort_order", "排序", False),
]
ITEM_HEADERS = {key: header for key, header, _ in ITEM_COLUMNS}
MATERIAL_HEADERS = {key: header for key, header, _ in MATERIAL_COLUMNS}
# A problem reported by the publish rules, by field, is shown in this column.
FIELD_COLUMN = {
    **ITEM_HEADERS,
    "organization": "实施主体编码",
    "region": "实施主体编码",
    "materials": "申请材料",
}

ROMAN = {"Ⅰ": 1, "Ⅱ": 2, "Ⅲ": 3, "Ⅳ": 4, "I": 1, "II": 2, "III": 3, "IV": 4}
LEVEL_LABELS = {str(label): value for value, label in ItemLevel.choices} | {
    "市级": ItemLevel.CITY,
    "区级": ItemLevel.DISTRICT,
    "县级": ItemLevel.DISTRICT,
    "街道级": ItemLevel.STREET,
    "乡镇级": ItemLevel.STREET,
}
SUBJECT_LABELS = {"自然人": "person", "个人": "person", "法人": "enterprise", "企业": "enterprise"}
SUBJECT_NAMES = {"person": "自然人", "enterprise": "法人"}
THEME_CODES = {label: code for code, label in THEMES.items()}
KIND_LABELS = {str(label): value for value, label in ServiceItem.HandlingKind.choices}
REQUIREMENT_LABELS = {str(label): value for value, label in MaterialRequirement.Requirement.choices} | {
    "必要": MaterialRequirement.Requirement.REQUIRED,
    "必须": MaterialRequirement.Requirement.REQUIRED,
    "容缺": MaterialRequirement.Requirement.CONDITIONAL,
    "情形": MaterialRequirement.Requirement.CONDITIONAL,
    "非必要": MaterialRequirement.Requirement.CONDITIONAL,
}
SOURCE_LABELS = {str(label): value for value, label in MaterialRequirement.Source.choices}
_LIST_SPLIT = re.compile(r"[、,，;；/\s]+")


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int  # 1-based spreadsheet row; 0 for the file as a whole
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _RowInvalid(Exception):
    pass


# -- export -------------------------------------------------------------------------------------


def _header(sheet: Worksheet, columns: list[tuple[str, str, bool]]) -> None:
    sheet.append([header for _, header, _ in columns])
    for index, (_, _, required) in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="B91C1C" if required else "1D4ED8")
        sheet.column_dimensions[get_column_letter(index)].width = 18
    sheet.freeze_panes = "A2"


def _item_row(item: ServiceItem, type_labels: dict[str, str]) -> list[Any]:
    values: dict[str, Any] = {
        "item_type": type_labels.get(item.item_type, item.item_type),
        "organization_name": item.organization.name,
        "organization_uscc": item.organization.uscc,
        "level": str(ItemLevel(item.level).label) if item.level in ItemLevel.values else item.level,
        "handling_kind": item.get_handling_kind_display(),
        "is_charged": "是" if item.is_charged else "否",
        "online_depth": item.online_depth,
        "served_subjects": "、".join(SUBJECT_NAMES.get(s, s) for s in item.served_subjects),
        "themes": "、".join(THEMES.get(t, t) for t in item.themes),
        "form_schema": json.dumps(item.form_schema, ensure_ascii=False) if item.form_schema else "",
        "form_ui": json.dumps(item.form_ui, ensure_ascii=False) if item.form_ui else "",
    }
    return [values[key] if key in values else getattr(item, key) for key, _, _ in ITEM_COLUMNS]


def _material_row(item: ServiceItem, material: MaterialRequirement) -> list[Any]:
    values: dict[str, Any] = {
        "implementation_code": item.implementation_code,
        "requirement": "必要" if material.requirement == MaterialRequirement.Requirement.REQUIRED else "容缺",
        "source": material.get_source_display(),
        "formats": "、".join(material.formats),
    }
    return [values[key] if key in values else getattr(material, key) for key, _, _ in MATERIAL_COLUMNS]


def export_catalogue(items: Iterable[ServiceItem]) -> bytes:
    """The items (pass current versions, with organisation and materials loaded) as an upload workbook."""
    type_labels = {
        e.code: e.label for e in dictionaries.dictionary_entries("item_type", include_inactive=True)
    }
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = ITEMS_SHEET
    _header(sheet, ITEM_COLUMNS)
    materials_sheet = workbook.create_sheet(MATERIALS_SHEET)
    _header(materials_sheet, MATERIAL_COLUMNS)
    for item in items:
        sheet.append(_item_row(item, type_labels))
        for material in item.materials.all():
            materials_sheet.append(_material_row(item, material))
    return _save(workbook)


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def error_report(errors: Iterable[RowError]) -> bytes:
    """The import errors as a workbook: 工作表, 行号, 列, 错误说明."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "错误报告"
    sheet.append(["工作表", "行号", "列", "错误说明"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for error in errors:
        sheet.append([error.sheet, error.row or "", error.column, error.message])
    for letter, width in zip("ABCD", (16, 8, 20, 80), strict=True):
        sheet.column_dimensions[letter].width = width
    return _save(workbook)


# -- import -------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _integer(value: Any, *, minimum: int = 0, maximum: int = 10_000) -> int:
    if isinstance(value, bool):
        raise _RowInvalid("应为整数")
    if isinstance(value, int | float) and float(value).is_integer():
        number = int(value)
    else:
        text = _text(value)
        if not re.fullmatch(r"\d+", text):
            raise _RowInvalid(f"应为整数，实际为「{text[:20]}」")
        number = int(text)
    if not minimum <= number <= maximum:
        raise _RowInvalid(f"应在 {minimum}–{maximum} 之间")
    return number


def _choice(value: Any, labels: dict[str, str], values: Iterable[str], what: str) -> str:
    text = _text(value)
    if text in labels:
        return labels[text]
    if text in set(values):
        return text
    raise _RowInvalid(f"{what}「{text[:20]}」无效，可选：{'、'.join(dict.fromkeys(labels))}")


def _depth(value: Any) -> int:
    text = _text(value).removesuffix("级")
    if text in ROMAN:
        return ROMAN[text]
    number = _integer(value, minimum=1, maximum=4)
    return number


def _list(value: Any) -> list[str]:
    return [part for part in _LIST_SPLIT.split(_text(value)) if part]


def _json_object(value: Any) -> dict[str, Any]:
    text = _text(value)
    if not text:
        return {}
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _RowInvalid(f"不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）") from exc
    if not isinstance(parsed, dict):
        raise _RowInvalid("应为 JSON 对象")
    if has_invalid_characters(parsed):  # "\u0000" or a lone "\ud800" escape: json.loads takes both
        raise _RowInvalid("含有不允许的字符（NUL 控制字符或不成对的 UTF-16 代理码元）")
    return parsed


def _bool(value: Any) -> bool:
    text = _text(value)
    if text in {"是", "收费", "1", "True", "true"} or value is True:
        return True
    if text in {"", "否", "不收费", "0", "False", "false"} or value is False:
        return False
    raise _RowInvalid("应填「是」或「否」")


def _read_sheet(
    workbook: Spreadsheet, title: str, columns: list[tuple[str, str, bool]], errors: list[RowError]
) -> list[tuple[int, dict[str, Any]]] | None:
    rows = workbook.rows(title)
    header = next(rows, None)
    if header is None:
        errors.append(RowError(title, 1, "", "工作表为空，缺少表头"))
        return None
    positions = {_text(h): i for i, h in enumerate(header) if _text(h)}
    missing = [h for _, h, required in columns if required and h not in positions]
    for name in missing:
        errors.append(RowError(title, 1, name, f"缺少必填列「{name}」"))
    if missing:
        return None
    result: list[tuple[int, dict[str, Any]]] = []
    for number, row in enumerate(rows, start=2):
        if row is None or all(_text(v) == "" for v in row):
            continue
        if len(result) >= MAX_ROWS:
            errors.append(RowError(title, number, "", f"一次最多导入 {MAX_ROWS} 行"))
            break
        result.append(
            (
                number,
                {
                    key: (row[positions[h]] if h in positions and positions[h] < len(row) else None)
                    for key, h, _ in columns
                },
            )
        )
    return result


@dataclass
class PlannedItem:
    row: int
    fields: dict[str, Any]
    materials: list[tuple[int, dict[str, Any]]]
    existing: ServiceItem | None


def _parse_item(
    row: int, raw: dict[str, Any], organizations: dict[str, Organization], errors: list[RowError]
) -> dict[str, Any] | None:
    fields: dict[str, Any] = {}
    start = len(errors)

    def cell(key: str, parse: Callable[[Any], Any]) -> None:
        try:
            fields[key] = parse(raw[key])
        except _RowInvalid as exc:
            errors.append(RowError(ITEMS_SHEET, row, ITEM_HEADERS[key], str(exc)))

    for key in (
        "basic_code",
        "implementation_code",
        "name",
        "legal_basis",
        "conditions",
        "fee_basis",
        "fee_standard",
        "handling_form",
        "keywords",
        "place",
        "office_hours",
        "consultation_phone",
        "complaint_phone",
        "result_name",
        "result_type",
        "delivery_methods",
        "process_description",
    ):
        text = _text(raw[key])
        if text or key in {"basic_code", "implementation_code", "name"}:
            fields[key] = text
    for key in ("basic_code", "implementation_code", "name"):
        if not fields[key]:
            errors.append(RowError(ITEMS_SHEET, row, ITEM_HEADERS[key], "不能为空"))
    type_entries = dictionaries.dictionary_entries("item_type")
    cell(
        "item_type",
        lambda v: _choice(
            v, {e.label: e.code for e in type_entries}, [e.code for e in type_entries], "事项类型"
        ),
    )
    cell("level", lambda v: _choice(v, LEVEL_LABELS, ItemLevel.values, "行使层级"))
    cell("statutory_days", lambda v: _integer(v, maximum=365))
    cell("promised_days", lambda v: _integer(v, maximum=365))
    cell("online_depth", _depth)
    if _text(raw["handling_kind"]):
        cell("handling_kind", lambda v: _choice(v, KIND_LABELS, ServiceItem.HandlingKind.values, "办件类型"))
    cell("is_charged", _bool)
    if _text(raw["site_visits"]):
        cell("site_visits", lambda v: _integer(v, maximum=10))
    elif fields.get("online_depth") == 4:
        fields["site_visits"] = 0
    cell(
        "served_subjects",
        lambda v: [_choice(s, SUBJECT_LABELS, SUBJECT_NAMES, "服务对象") for s in _list(v)],
    )
    cell("themes", lambda v: [_choice(t, THEME_CODES, THEMES, "主题分类") for t in _list(v)])
    cell("form_schema", _json_object)
    cell("form_ui", _json_object)
    fields["process_definition_code"] = _text(raw["process_definition_code"]) or DEFAULT_PROCESS
    uscc = _text(raw["organization_uscc"])
    organization = organizations.get(uscc)
    if organization is None:
        errors.append(
            RowError(ITEMS_SHEET, row, "实施主体编码", f"实施主体「{uscc or '（空）'}」不存在或已停用")
        )
    else:
        fields["organization"] = organization
        fields["region"] = organization.region
    return fields if len(errors) == start else None


def _parse_material(row: int, raw: dict[str, Any], errors: list[RowError]) -> dict[str, Any] | None:
    start = len(errors)
    fields: dict[str, Any] = {
        "code": _text(raw["code"]),
        "name": _text(raw["name"]),
        "condition": _text(raw["condition"]),
        "licence_type_code": _text(raw["licence_type_code"]),
        "data_resource_code": _text(raw["data_resource_code"]),
        "notes": _text(raw["notes"]),
        "formats": [f.lower().lstrip(".") for f in _list(raw["formats"])],
    }
    for key in ("code", "name"):
        if not fields[key]:
            errors.append(RowError(MATERIALS_SHEET, row, MATERIAL_HEADERS[key], "不能为空"))
    parsers: dict[str, Callable[[Any], Any]] = {
        "requirement": lambda v: _choice(
            v, REQUIREMENT_LABELS, MaterialRequirement.Requirement.values, "必要性"
        ),
        "source": lambda v: _choice(v, SOURCE_LABELS, MaterialRequirement.Source.values, "材料来源"),
        "max_size_mb": lambda v: _integer(v, minimum=1, maximum=1024),
        "copies": lambda v: _integer(v, minimum=1, maximum=99),
        "sort_order": lambda v: _integer(v, maximum=10_000),
    }
    for key, parse in parsers.items():
        if _text(raw[key]):
            try:
                fields[key] = parse(raw[key])
            except _RowInvalid as exc:
                errors.append(RowError(MATERIALS_SHEET, row, MATERIAL_HEADERS[key], str(exc)))
    return fields if len(errors) == start else None


NOT_A_WORKBOOK = "文件不是有效的 Excel 工作簿（.xlsx），请使用导出的模板填写后上传"


def _file_error(error: InvalidInput) -> RowError:
    """A refusal of the kernel's guarded reader (`core.spreadsheets`) as the file's one row error."""
    return RowError("", 0, "", NOT_A_WORKBOOK if error.code == "spreadsheet_invalid" else error.message)


def _read_workbook(
    content: bytes, errors: list[RowError]
) -> tuple[list[tuple[int, dict[str, Any]]] | None, list[tuple[int, dict[str, Any]]] | None]:
    """The rows of both sheets, read through the kernel's guarded reader (archive, part sizes,
    declared ranges, row and cell limits, time budget); (None, None) with the errors otherwise."""
    try:
        with spreadsheet_open(content) as workbook:
            if ITEMS_SHEET not in workbook.sheet_names:
                errors.append(RowError(ITEMS_SHEET, 0, "", f"缺少工作表「{ITEMS_SHEET}」"))
                return None, None
            item_rows = _read_sheet(workbook, ITEMS_SHEET, ITEM_COLUMNS, errors)
            material_rows: list[tuple[int, dict[str, Any]]] | None = []
            if MATERIALS_SHEET in workbook.sheet_names:
                material_rows = _read_sheet(workbook, MATERIALS_SHEET, MATERIAL_COLUMNS, errors)
    except InvalidInput as error:
        errors.append(_file_error(error))
        return None, None
    return item_rows, material_rows


def catalogue_plan(
    *, actor: Actor, content: bytes, progress: Callable[[int, int], None] | None = None
) -> tuple[ImportResult, list[PlannedItem]]:
    """Read and check the whole workbook (reads only): the result with every row error, and — when
    there is none — the plan of what to create or re-version, which `services.actions.imports.
    catalogue_import` writes. `progress(done, total)` is called as rows are checked."""
    result = ImportResult()
    planned: list[PlannedItem] = []
    errors = result.errors
    item_rows, material_rows = _read_workbook(content, errors)
    if item_rows is None or material_rows is None:
        return result, planned
    if not item_rows:
        errors.append(RowError(ITEMS_SHEET, 2, "", "没有可导入的数据行"))
        return result, planned
    result.rows = len(item_rows)
    total = len(item_rows)
    organizations = {o.uscc: o for o in Organization.objects.filter(is_active=True).select_related("region")}

    # materials by implementation code
    materials_by_code: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for number, raw in material_rows:
        code = _text(raw["implementation_code"])
        parsed = _parse_material(number, raw, errors)
        if not code:
            errors.append(RowError(MATERIALS_SHEET, number, "实施编码", "不能为空"))
        elif parsed is not None:
            materials_by_code.setdefault(code, []).append((number, parsed))

    seen: dict[str, int] = {}
    codes_in_file = set()
    for done, (number, raw) in enumerate(item_rows, start=1):
        fields = _parse_item(number, raw, organizations, errors)
        code = _text(raw["implementation_code"])
        if code:
            if code in seen:
                errors.append(RowError(ITEMS_SHEET, number, "实施编码", f"实施编码与第 {seen[code]} 行重复"))
                fields = None
            seen.setdefault(code, number)
            codes_in_file.add(code)
        if fields is not None:
            planned_item = _plan(number, fields, materials_by_code.get(code, []), actor, errors)
            if planned_item is not None:
                planned.append(planned_item)
        if progress is not None and (done % 50 == 0 or done == total):
            progress(done, total)
    for code, rows in materials_by_code.items():
        if code not in codes_in_file:
            for number, _ in rows:
                errors.append(
                    RowError(MATERIALS_SHEET, number, "实施编码", f"实施编码 {code} 不在事项实施清单中")
                )
    if errors:
        errors.sort(key=lambda e: (e.sheet != ITEMS_SHEET, e.row))
        planned = []
    return result, planned


def _plan(
    number: int,
    fields: dict[str, Any],
    materials: list[tuple[int, dict[str, Any]]],
    actor: Actor,
    errors: list[RowError],
) -> PlannedItem | None:
    organization: Organization = fields["organization"]
    if not can_manage(actor, organization):
        errors.append(
            RowError(ITEMS_SHEET, number, "实施主体编码", f"您没有维护「{organization.name}」事项的权限")
        )
        return None
    existing = (
        ServiceItem.objects.filter(implementation_code=fields["implementation_code"])
        .filter(Q(is_current=True) | Q(status=ServiceItem.Status.DRAFT))
        .select_related("organization__region")
        .order_by("-is_current", "-version")
        .first()
    )
    if existing is not None and existing.organization_id != organization.pk:
        errors.append(RowError(ITEMS_SHEET, number, "实施主体编码", "与该实施编码已发布事项的实施主体不一致"))
        return None
    candidate = ServiceItem(version=1, status=ServiceItem.Status.DRAFT, **fields)
    candidate_materials = [MaterialRequirement(**m) for _, m in materials]
    start = len(errors)
    for problem in publish_problems(candidate, candidate_materials):
        if problem.field.startswith("materials."):
            code = problem.field.split(".", 1)[1]
            row = next((n for n, m in materials if m["code"] == code), number)
            errors.append(RowError(MATERIALS_SHEET, row, "材料", problem.message))
        else:
            errors.append(
                RowError(ITEMS_SHEET, number, FIELD_COLUMN.get(problem.field, problem.field), problem.message)
            )
    if len(errors) != start:
        return None
    return PlannedItem(row=number, fields=fields, materials=materials, existing=existing)


# -- the blank application form (表格下载) -----------------------------------------------------------


def form_template(item: ServiceItem) -> bytes:
    """A blank application form for the item as a workbook (`core.forms.blank_excel`): one sheet for
    the single fields (字段 / 填写内容 / 填写说明, with drop-downs for choices) and one sheet per
    repeating group, titled with the item's name, 实施编码, version and 实施主体."""
    workbook = blank_workbook(
        item.form_schema or {},
        item.form_ui or {},
        title=f"{item.name} 申请表",
        subtitle=f"实施编码：{item.implementation_code}　版本：v{item.version}　实施主体：{item.organization.name}",
    )
    return _save(workbook)
