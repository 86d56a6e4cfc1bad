"""The blank form of a JSON-Schema form as a workbook (表格下载), next to the printable PDF.

For applicants and intermediaries who prepare data in Excel: one sheet 「申请表」 for the single
fields (字段 / 填写内容 / 填写说明, with drop-downs for choices) and one sheet per repeating group
(a column per sub-field). It returns the `Workbook`, so a domain may add sheets of its own before
saving it."""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from yiwang.core.forms.schema import form_fields

ID_NOTES = {"id_number": "18 位公民身份号码", "uscc": "18 位统一社会信用代码", "phone": "11 位手机号码"}


def _describe(prop: dict[str, Any], hint: dict[str, Any], required: bool) -> str:
    notes = ["必填" if required else "选填"]
    widget = hint.get("ui:widget")
    if prop.get("format") == "date" or widget == "date":
        notes.append("日期，格式 2026-01-31")
    if prop.get("type") in {"number", "integer"}:
        bounds = [
            f"≥{prop['minimum']}" if "minimum" in prop else "",
            f"≤{prop['maximum']}" if "maximum" in prop else "",
        ]
        notes.append("数字" + "".join(f"，{b}" for b in bounds if b))
    if prop.get("enum"):
        labels = hint.get("ui:enumNames") or prop["enum"]
        notes.append("可选：" + "、".join(map(str, labels)))
    notes.append(ID_NOTES.get(widget or "", ""))
    if hint.get("ui:help"):
        notes.append(str(hint["ui:help"]))
    return "；".join(n for n in notes if n)


def blank_workbook(schema: dict[str, Any], ui: dict[str, Any], *, title: str, subtitle: str = "") -> Workbook:
    """The blank form of `schema` + `ui`: `title` in A1, `subtitle` (if any) below it, then the fields,
    and the signature line at the end of the first sheet."""
    required = set(schema.get("required", []))
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "申请表"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    if subtitle:
        sheet.append([subtitle])
    sheet.append(["字段", "填写内容", "填写说明"])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DBEAFE")
    for name, prop, hint in form_fields(schema, ui):
        if prop.get("type") == "array":
            group = workbook.create_sheet(str(prop.get("title") or name)[:31])
            items = prop.get("items") or {}
            sub_required = set(items.get("required", []))
            sub_ui = hint.get("items", {}) if isinstance(hint, dict) else {}
            columns = form_fields(items, sub_ui)
            group.append(
                [str(p.get("title") or n) + ("*" if n in sub_required else "") for n, p, _ in columns]
            )
            group.append([_describe(p, h, n in sub_required) for n, p, h in columns])
            for index in range(1, len(columns) + 1):
                group.column_dimensions[get_column_letter(index)].width = 22
                group.cell(row=1, column=index).font = Font(bold=True)
            sheet.append(
                [
                    str(prop.get("title") or name),
                    f"见工作表「{group.title}」",
                    _describe(prop, hint, name in required),
                ]
            )
            continue
        sheet.append(
            [
                str(prop.get("title") or name) + ("*" if name in required else ""),
                "",
                _describe(prop, hint, name in required),
            ]
        )
        if prop.get("enum"):
            labels = [str(x) for x in (hint.get("ui:enumNames") or prop["enum"])]
            validation = DataValidation(type="list", formula1='"' + ",".join(labels) + '"', allow_blank=True)
            sheet.add_data_validation(validation)
            validation.add(f"B{sheet.max_row}")
    for letter, width in zip("ABC", (26, 36, 48), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=header_row + 1):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.append([])
    sheet.append(["申请人签字：", "", "日期：　　年　　月　　日"])
    return workbook
