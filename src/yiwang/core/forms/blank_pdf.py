"""The printable blank form (空白申请表) of a JSON-Schema form, as PDF via reportlab.

For people who fill in on paper or bring the form to the counter: every domain's form prints the
same way. The title, an optional subtitle line, the applicant block (the fields prefilled from the
applicant's record, or a standard block when the form has none), one labelled blank box per field
(required ones marked *, choices as □ boxes, dates as 年月日), a section per repeating group with a
few empty rows, the domain's own sections (`sections`: e.g. 一网通办's checklist of materials), the
applicant's declaration and signature line, and a box for the counter. Chinese is set in the
platform's PDF font (`core.documents.chinese_font`).

A domain's section is a function of its number (一、二、…) and the styles returning one flowable;
`paragraph`, `section`, `BOX` and `CONTENT_WIDTH` draw it like the rest."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
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
from yiwang.core.forms.schema import form_fields

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
Styles = dict[str, ParagraphStyle]
Section = Callable[[str, Styles], Flowable]  # (its number 一、二…, the styles) → one flowable


def _styles() -> Styles:
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


def paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    """Plain text (escaped; line breaks kept) in one of the form's styles."""
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _spaced(parts: list[tuple[str, float]], style: ParagraphStyle, *, align: str = "LEFT") -> Table:
    """Words at fixed positions with blanks between them (e.g. ＿年＿月＿日): reportlab collapses
    runs of spaces, and the CID font has no glyph for a no-break space."""
    table = Table(
        [[paragraph(text, style) if text else "" for text, _ in parts]], colWidths=[w for _, w in parts]
    )
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
    prop: dict[str, Any], hint: dict[str, Any], styles: Styles, attachments: Mapping[str, str]
) -> list[Flowable]:
    """The blank to write in: boxes for choices, 年月日 for dates, a tall box for long text."""
    widget = hint.get("ui:widget")
    choices = _choices(prop, hint)
    if choices:
        return [paragraph("  ".join(f"{BOX} {c}" for c in choices), styles["cell"])]
    if prop.get("format") == "date" or widget == "date":
        return [_date_blank(styles["cell"])]
    if widget == "file":
        material = attachments.get(str(hint.get("ui:material") or ""), "")
        text = f"{BOX} 已随表提交" + (f"「{material}」" if material else "") + "（见申请材料清单）"
        return [paragraph(text, styles["cell"])]
    rows = hint.get("ui:rows")
    lines = int(rows) if isinstance(rows, int) and 1 <= rows <= 8 else (3 if widget == "textarea" else 1)
    return [Spacer(1, LINE * lines - 4 * mm)]


def _label_cell(
    name: str, prop: dict[str, Any], hint: dict[str, Any], required: bool, styles: Styles
) -> list[Flowable]:
    cell: list[Flowable] = [paragraph(_label(prop, name, required), styles["label"])]
    note = _hint(prop, hint)
    if note:
        cell.append(paragraph(note, styles["hint"]))
    return cell


def section(heading: str, rows: list[list[Any]], col_widths: list[float], styles: Styles) -> Table:
    """A bordered table whose first row is the shaded section heading spanning every column."""
    header: list[Any] = [paragraph(heading, styles["section"])] + [""] * (len(col_widths) - 1)
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
    fields: list[Field], required: set[str], styles: Styles, attachments: Mapping[str, str]
) -> list[list[Any]]:
    return [
        [
            _label_cell(name, prop, hint, name in required, styles),
            _value_cell(prop, hint, styles, attachments),
        ]
        for name, prop, hint in fields
    ]


def standard_applicant(served_subjects: Collection[str]) -> list[Field]:
    """The applicant block for forms that do not ask for the applicant themselves: a person's or an
    enterprise's (法定代表人 added), or either, after the subjects served ("person", "enterprise")."""
    enterprise = "enterprise" in served_subjects
    person = "person" in served_subjects or not enterprise
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
    number: str, name: str, prop: dict[str, Any], hint: dict[str, Any], required: bool, styles: Styles
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
    header = [paragraph("序号", label_style)] + [
        paragraph(_label(p, n, n in sub_required), label_style) for n, p, _ in columns
    ]
    blanks = [
        [paragraph(str(i), styles["small"])] + [_value_cell(p, h, styles, {}) for _, p, h in columns]
        for i in range(1, count + 1)
    ]
    if not columns:  # a group of plain values: one blank column
        header = [paragraph("序号", label_style), paragraph("内容", label_style)]
        blanks = [[paragraph(str(i), styles["small"]), Spacer(1, LINE - 4 * mm)] for i in range(1, count + 1)]
        width = CONTENT_WIDTH - 10 * mm
    table = section(heading, [header, *blanks], [10 * mm] + [width] * (len(header) - 1), styles)
    table.setStyle(TableStyle([("BACKGROUND", (0, 1), (-1, 1), colors.HexColor("#f3f4f6"))]))
    return table


def _counter_box(styles: Styles) -> Table:
    """以下由受理窗口填写: number, clerk and date."""
    rows = [
        [
            paragraph("受理编号", styles["small"]),
            Spacer(1, LINE - 4 * mm),
            paragraph("受理人", styles["small"]),
            Spacer(1, LINE - 4 * mm),
            paragraph("受理日期", styles["small"]),
            _date_blank(styles["small"], year_width=8 * mm),
        ]
    ]
    widths = [18 * mm, 40 * mm, 14 * mm, 36 * mm, 18 * mm, CONTENT_WIDTH - 126 * mm]
    return section("以下由受理窗口填写", rows, widths, styles)


def blank_pdf(
    schema: dict[str, Any],
    ui: dict[str, Any],
    *,
    title: str,
    subtitle: str = "",
    footer: str = "",
    author: str = "",
    subject: str = "",
    served_subjects: Collection[str] = (),
    attachments: Mapping[str, str] | None = None,
    sections: Sequence[Section] = (),
) -> bytes:
    """The printable blank form of `schema` + `ui`.

    `subtitle` is the line under the title; `footer` starts each page's footer (the title by
    default), followed by the page number; `author` and `subject` go into the PDF's metadata.
    `served_subjects` chooses the standard applicant block (see `standard_applicant`),
    `attachments` names the attachment of each file field by its ``ui:material`` code, and
    `sections` are the domain's own sections, numbered after the form's, before the declaration."""
    styles = _styles()
    required = set(schema.get("required", []))
    attachments = attachments or {}
    fields = form_fields(schema, ui)
    singles = [f for f in fields if f[1].get("type") != "array"]
    groups = [f for f in fields if f[1].get("type") == "array"]
    applicant = [f for f in singles if str(f[2].get("ui:prefill") or "").startswith(APPLICANT_PREFILLS)]
    others = [f for f in singles if f not in applicant]

    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=author,
        subject=subject,
    )
    story: list[Flowable] = [paragraph(title, styles["title"])]
    if subtitle:
        story.append(paragraph(subtitle, styles["sub"]))
    story += [
        Spacer(1, 3 * mm),
        paragraph(
            "填写说明：请用黑色签字笔正楷填写；带“*”的为必填项，选择项请在 □ 内打 √；填写不下的可另附页。",
            styles["note"],
        ),
        Spacer(1, 2 * mm),
    ]
    numbers = iter(CHINESE_NUMBERS)
    label_widths = [LABEL_WIDTH, CONTENT_WIDTH - LABEL_WIDTH]
    applicant_fields = applicant or standard_applicant(served_subjects)
    applicant_required = required if applicant else {"applicant", "applicant_id", "applicant_phone"}
    applicant_rows = _field_rows(applicant_fields, applicant_required, styles, attachments)
    agent: Field = ("agent", {"type": "string", "title": "委托代理人及电话（如有）"}, {})
    applicant_rows += _field_rows([agent], set(), styles, attachments)
    blocks: list[Flowable] = [section(f"{next(numbers)}、申请人信息", applicant_rows, label_widths, styles)]
    if others:
        rows = _field_rows(others, required, styles, attachments)
        blocks.append(section(f"{next(numbers)}、申请事项信息", rows, label_widths, styles))
    for name, prop, hint in groups:
        blocks.append(_group_section(next(numbers), name, prop, hint, name in required, styles))
    blocks += [make(next(numbers), styles) for make in sections]
    for index, block in enumerate(blocks):
        story += [block, Spacer(1, (5 if index == len(blocks) - 1 else 4) * mm)]  # more before the pledge
    story += [
        paragraph(DECLARATION, styles["body"]),
        Spacer(1, 10 * mm),
        _spaced(
            [(SIGNATURE, 42 * mm), ("", 36 * mm), *_date_parts(16 * mm)], styles["signature"], align="RIGHT"
        ),
        Spacer(1, 8 * mm),
        _counter_box(styles),
    ]
    footer = footer or title

    def draw_footer(canvas: Canvas, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(chinese_font(), 8)
        canvas.setFillColor(MUTED)
        canvas.drawCentredString(PAGE_WIDTH / 2, 10 * mm, f"{footer}　第 {document.page} 页")
        canvas.restoreState()

    doc.build(story, onFirstPage=draw_footer, onLaterPages=draw_footer)
    return buffer.getvalue()
