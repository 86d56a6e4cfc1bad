"""The printable blank application form (空白申请表) of a service item, as PDF via reportlab.

Generated from the item version's JSON Schema and UI hints (see `forms_schema`), next to the Excel
template of `excel.form_template`: the title (事项名称 + 申请表), the applicant block (the fields
prefilled from the applicant's record, or a standard block when the form has none), one labelled
blank box per field (required ones marked *, choices as □ boxes, dates as 年月日), a section per
repeating group with a few empty rows, the checklist of the item's materials, the applicant's
declaration and signature line, and a box for the counter. Chinese is set in the platform's PDF
font (`core.documents.chinese_font`)."""

from __future__ import annotations

from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from yiwang.core.documents import chinese_font
from yiwang.services.forms_schema import form_fields
from yiwang.services.models import MaterialRequirement, ServiceItem

PAGE_WIDTH = A4[0]
MARGIN = 18 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
LABEL_WIDTH = 52 * mm
LINE = 9 * mm  # height of one handwritten line
GROUP_ROWS = 4  # empty rows per repeating group (more when the schema asks for more)
BOX = "□"
GRID = colors.HexColor("#4b5563")
SHADE = colors.HexColor("#e5e7eb")
MUTED = colors.HexColor("#6b7280")
APPLICANT_PREFILLS = ("person.", "enterprise.", "user.")
SIGNATURE = "申请人（签字/盖章）："
DECLARATION = (
    "本人（单位）承诺：所填写的内容和提交的申请材料真实、准确、完整、有效，如有虚假，愿意承担相应的法律责任。"
)
ID_HINTS = {"id_number": "18 位公民身份号码", "uscc": "18 位统一社会信用代码", "phone": "11 位手机号码"}
CHINESE_NUMBERS = "一二三四五六七八九十"

Field = tuple[str, dict[str, Any], dict[str, Any]]


def _styles() -> dict[str, ParagraphStyle]:
    font = chinese_font()
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=20, leading=28, alignment=TA_CENTER),
        "sub": ParagraphStyle(
            "sub", fontName=font, fontSize=9, leading=14, alignment=TA_CENTER, textColor=MUTED
        ),
        "note": ParagraphStyle("note", fontName=font, fontSize=9, leading=14, textColor=MUTED),
        "section": ParagraphStyle("section", fontName=font, fontSize=12, leading=16),
        "label": ParagraphStyle("label", fontName=font, fontSize=10.5, leading=14),
        "hint": ParagraphStyle("hint", fontName=font, fontSize=8, leading=11, textColor=MUTED),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=10.5, leading=15),
        "small": ParagraphStyle("small", fontName=font, fontSize=9, leading=12),
        "body": ParagraphStyle("body", fontName=font, fontSize=10.5, leading=18, firstLineIndent=21),
        "signature": ParagraphStyle("signature", fontName=font, fontSize=11, leading=18),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _spaced(parts: list[tuple[str, float]], style: ParagraphStyle, *, align: str = "LEFT") -> Table:
    """Words at fixed positions with blanks between them (e.g. ＿年＿月＿日): reportlab collapses
    runs of spaces, and the CID font has no glyph for a no-break space."""
    table = Table([[_p(text, style) if text else "" for text, _ in parts]], colWidths=[w for _, w in parts])
    table.hAlign = align
    table.setStyle(
        TableStyle(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _date_parts(year_width: float = 20 * mm) -> list[tuple[str, float]]:
    gap = 10 * mm
    return [("", year_width), ("年", 6 * mm), ("", gap), ("月", 6 * mm), ("", gap), ("日", 6 * mm)]


def _date_blank(style: ParagraphStyle, *, year_width: float = 20 * mm) -> Table:
    return _spaced(_date_parts(year_width), style)


def _title(prop: dict[str, Any], name: str) -> str:
    return str(prop.get("title") or name)


def _label(prop: dict[str, Any], name: str, required: bool) -> str:
    return _title(prop, name) + (" *" if required else "")


def _hint(prop: dict[str, Any], hint: dict[str, Any]) -> str:
    notes = []
    widget = str(hint.get("ui:widget") or "")
    if widget in ID_HINTS:
        notes.append(ID_HINTS[widget])
    if prop.get("type") in {"number", "integer"}:
        bounds = [
            f"≥{prop['minimum']}" if "minimum" in prop else "",
            f"≤{prop['maximum']}" if "maximum" in prop else "",
        ]
        notes.append("填写数字" + "".join(f"，{b}" for b in bounds if b))
    if hint.get("ui:help"):
        notes.append(str(hint["ui:help"]))
    return "；".join(notes)


def _choices(prop: dict[str, Any], hint: dict[str, Any]) -> list[str]:
    if prop.get("type") == "boolean":
        return ["是", "否"]
    labels = hint.get("ui:enumNames") or prop.get("enum") or []
    return [str(label) for label in labels]


def _value_cell(
    prop: dict[str, Any], hint: dict[str, Any], styles: dict[str, ParagraphStyle], materials: dict[str, str]
) -> list[Flowable]:
    """The blank to write in: boxes for choices, 年月日 for dates, a tall box for long text."""
    widget = hint.get("ui:widget")
    choices = _choices(prop, hint)
    if choices:
        return [_p("  ".join(f"{BOX} {c}" for c in choices), styles["cell"])]
    if prop.get("format") == "date" or widget == "date":
        return [_date_blank(styles["cell"])]
    if widget == "file":
        material = materials.get(str(hint.get("ui:material") or ""), "")
        text = f"{BOX} 已随表提交" + (f"「{material}」" if material else "") + "（见申请材料清单）"
        return [_p(text, styles["cell"])]
    rows = hint.get("ui:rows")
    lines = int(rows) if isinstance(rows, int) and 1 <= rows <= 8 else (3 if widget == "textarea" else 1)
    return [Spacer(1, LINE * lines - 4 * mm)]


def _label_cell(
    name: str, prop: dict[str, Any], hint: dict[str, Any], required: bool, styles: dict[str, ParagraphStyle]
) -> list[Flowable]:
    cell: list[Flowable] = [_p(_label(prop, name, required), styles["label"])]
    note = _hint(prop, hint)
    if note:
        cell.append(_p(note, styles["hint"]))
    return cell


def _section(
    heading: str, rows: list[list[Any]], col_widths: list[float], styles: dict[str, ParagraphStyle]
) -> Table:
    """A bordered table whose first row is the shaded section heading spanning every column."""
    header: list[Any] = [_p(heading, styles["section"])] + [""] * (len(col_widths) - 1)
    table = Table([header, *rows], colWidths=col_widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("SPAN", (0, 0), (-1, 0)),
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("GRID", (0, 0), (-1, -1), 0.6, GRID),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ("LEFTPADDING", (0, 0), (-1, -1), 5),
                ("RIGHTPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return table


def _field_rows(
    fields: list[Field], required: set[str], styles: dict[str, ParagraphStyle], materials: dict[str, str]
) -> list[list[Any]]:
    return [
        [_label_cell(name, prop, hint, name in required, styles), _value_cell(prop, hint, styles, materials)]
        for name, prop, hint in fields
    ]


def _default_applicant(item: ServiceItem) -> list[Field]:
    """The applicant block for forms that do not ask for the applicant themselves."""
    enterprise = "enterprise" in (item.served_subjects or [])
    person = "person" in (item.served_subjects or []) or not enterprise
    who = (
        "申请人姓名或单位名称" if person and enterprise else ("申请单位名称" if enterprise else "申请人姓名")
    )
    id_title = (
        "身份证号码或统一社会信用代码"
        if person and enterprise
        else ("统一社会信用代码" if enterprise else "身份证号码")
    )
    fields: list[Field] = [
        ("applicant", {"type": "string", "title": who}, {}),
        ("applicant_id", {"type": "string", "title": id_title}, {}),
    ]
    if enterprise:
        fields.append(("legal_representative", {"type": "string", "title": "法定代表人"}, {}))
    fields += [
        ("applicant_phone", {"type": "string", "title": "联系电话"}, {"ui:widget": "phone"}),
        ("applicant_address", {"type": "string", "title": "通讯地址"}, {}),
    ]
    return fields


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _group_section(
    number: str,
    name: str,
    prop: dict[str, Any],
    hint: dict[str, Any],
    required: bool,
    styles: dict[str, ParagraphStyle],
) -> Table:
    """A repeating group (e.g. 从业人员): a grid with one column per sub-field and a few empty rows."""
    items = prop.get("items") or {}
    sub_required = set(items.get("required", []))
    sub_ui = hint.get("items", {}) if isinstance(hint.get("items"), dict) else {}
    columns = form_fields(items, sub_ui)
    minimum = _count(prop.get("minItems")) or 0
    maximum = _count(prop.get("maxItems"))
    count = max(GROUP_ROWS, minimum)
    if maximum is not None and maximum > 0:
        count = min(count, maximum)
    notes = []
    if required or minimum:
        notes.append(f"至少填写 {max(minimum, 1)} 行")
    if maximum:
        notes.append(f"最多 {maximum} 行")
    notes.append("不够可另附页")
    heading = f"{number}、{_label(prop, name, required)}（{'，'.join(notes)}）"
    small = len(columns) > 4
    label_style = styles["small"] if small else styles["label"]
    width = (CONTENT_WIDTH - 10 * mm) / max(len(columns), 1)
    header = [_p("序号", label_style)] + [
        _p(_label(p, n, n in sub_required), label_style) for n, p, _ in columns
    ]
    blanks = [
        [_p(str(i), styles["small"])] + [_value_cell(p, h, styles, {}) for _, p, h in columns]
        for i in range(1, count + 1)
    ]
    if not columns:  # a group of plain values: one blank column
        header = [_p("序号", label_style), _p("内容", label_style)]
        blanks = [[_p(str(i), styles["small"]), Spacer(1, LINE - 4 * mm)] for i in range(1, count + 1)]
        width = CONTENT_WIDTH - 10 * mm
    table = _section(heading, [header, *blanks], [10 * mm] + [width] * (len(header) - 1), styles)
    table.setStyle(TableStyle([("BACKGROUND", (0, 1), (-1, 1), colors.HexColor("#f3f4f6"))]))
    return table


def _materials_section(
    number: str, materials: list[MaterialRequirement], styles: dict[str, ParagraphStyle]
) -> Table | Paragraph:
    heading = f"{number}、申请材料清单（请在已提交的材料前打 √）"
    if not materials:
        return _section(heading, [[_p("本事项无需提交申请材料。", styles["cell"])]], [CONTENT_WIDTH], styles)
    header = [_p(text, styles["small"]) for text in ("序号", "材料名称", "必要性", "来源", "份数", "已提交")]
    rows: list[list[Any]] = [header]
    for index, material in enumerate(materials, start=1):
        name: list[Flowable] = [_p(material.name, styles["cell"])]
        extra = [x for x in (material.condition, material.notes) if x]
        if extra:
            name.append(_p("；".join(extra), styles["hint"]))
        requirement = (
            "必要" if material.requirement == MaterialRequirement.Requirement.REQUIRED else "容缺/情形"
        )
        source = material.get_source_display()
        if material.source != MaterialRequirement.Source.UPLOAD:
            source += "（可免于提交）"
        rows.append(
            [
                _p(str(index), styles["small"]),
                name,
                _p(requirement, styles["small"]),
                _p(source, styles["small"]),
                _p(f"{material.copies} 份", styles["small"]),
                _p(BOX, styles["cell"]),
            ]
        )
    widths = [
        10 * mm,
        CONTENT_WIDTH - 10 * mm - 22 * mm - 34 * mm - 14 * mm - 16 * mm,
        22 * mm,
        34 * mm,
        14 * mm,
        16 * mm,
    ]
    table = _section(heading, rows, widths, styles)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 1), (-1, 1), colors.HexColor("#f3f4f6")),
                ("ALIGN", (-1, 2), (-1, -1), "CENTER"),
            ]
        )
    )
    return table


def _counter_box(styles: dict[str, ParagraphStyle]) -> Table:
    """以下由受理窗口填写: number, clerk and date."""
    rows = [
        [
            _p("受理编号", styles["small"]),
            Spacer(1, LINE - 4 * mm),
            _p("受理人", styles["small"]),
            Spacer(1, LINE - 4 * mm),
            _p("受理日期", styles["small"]),
            _date_blank(styles["small"], year_width=8 * mm),
        ]
    ]
    widths = [18 * mm, 40 * mm, 14 * mm, 36 * mm, 18 * mm, CONTENT_WIDTH - 126 * mm]
    return _section("以下由受理窗口填写", rows, widths, styles)


def blank_form(item: ServiceItem) -> bytes:
    """The printable blank form of one item version (with its organisation and materials)."""
    styles = _styles()
    schema = item.form_schema or {}
    ui = item.form_ui or {}
    required = set(schema.get("required", []))
    materials = list(item.materials.all())
    material_names = {m.code: m.name for m in materials}
    fields = form_fields(schema, ui)
    singles = [f for f in fields if f[1].get("type") != "array"]
    groups = [f for f in fields if f[1].get("type") == "array"]
    applicant = [f for f in singles if str(f[2].get("ui:prefill") or "").startswith(APPLICANT_PREFILLS)]
    others = [f for f in singles if f not in applicant]

    title = f"{item.name}申请表"
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=item.organization.name,
        subject=item.implementation_code,
    )
    story: list[Flowable] = [
        _p(title, styles["title"]),
        _p(
            f"实施编码：{item.implementation_code} | 版本：v{item.version} | 实施主体：{item.organization.name}",
            styles["sub"],
        ),
        Spacer(1, 3 * mm),
        _p(
            "填写说明：请用黑色签字笔正楷填写；带“*”的为必填项，选择项请在 □ 内打 √；填写不下的可另附页。",
            styles["note"],
        ),
        Spacer(1, 2 * mm),
    ]
    numbers = iter(CHINESE_NUMBERS)
    label_widths = [LABEL_WIDTH, CONTENT_WIDTH - LABEL_WIDTH]
    applicant_fields = applicant or _default_applicant(item)
    applicant_required = required if applicant else {"applicant", "applicant_id", "applicant_phone"}
    applicant_rows = _field_rows(applicant_fields, applicant_required, styles, material_names)
    agent: Field = ("agent", {"type": "string", "title": "委托代理人及电话（如有）"}, {})
    applicant_rows += _field_rows([agent], set(), styles, material_names)
    story += [
        _section(f"{next(numbers)}、申请人信息", applicant_rows, label_widths, styles),
        Spacer(1, 4 * mm),
    ]
    if others:
        rows = _field_rows(others, required, styles, material_names)
        story += [_section(f"{next(numbers)}、申请事项信息", rows, label_widths, styles), Spacer(1, 4 * mm)]
    for name, prop, hint in groups:
        story += [
            _group_section(next(numbers), name, prop, hint, name in required, styles),
            Spacer(1, 4 * mm),
        ]
    story += [_materials_section(next(numbers), materials, styles), Spacer(1, 5 * mm)]
    story += [
        _p(DECLARATION, styles["body"]),
        Spacer(1, 10 * mm),
        _spaced(
            [(SIGNATURE, 42 * mm), ("", 36 * mm), *_date_parts(16 * mm)], styles["signature"], align="RIGHT"
        ),
        Spacer(1, 8 * mm),
        _counter_box(styles),
    ]

    def footer(canvas: Canvas, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(chinese_font(), 8)
        canvas.setFillColor(MUTED)
        canvas.drawCentredString(
            PAGE_WIDTH / 2, 10 * mm, f"{title}　实施编码 {item.implementation_code}　第 {document.page} 页"
        )
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
