"""The printable blank application form (空白申请表) of a service item, as PDF.

The kernel's blank form (`core.forms.blank_pdf`) drawn from the item version's JSON Schema and UI
hints, with what only a service item has: the title (事项名称 + 申请表) with its 实施编码, version and
实施主体, the standard applicant block for the subjects it serves, the names of the materials its file
fields are bound to, and the checklist of its materials. Next to the Excel template of
`excel.form_template`."""

from __future__ import annotations

from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from yiwang.core.forms.blank_pdf import BOX, CONTENT_WIDTH, Styles, blank_pdf, paragraph, section
from yiwang.services.models import MaterialRequirement, ServiceItem


def _materials_section(
    number: str, materials: list[MaterialRequirement], styles: Styles
) -> Table | Paragraph:
    heading = f"{number}、申请材料清单（请在已提交的材料前打 √）"
    if not materials:
        return section(
            heading, [[paragraph("本事项无需提交申请材料。", styles["cell"])]], [CONTENT_WIDTH], styles
        )
    header = [
        paragraph(text, styles["small"]) for text in ("序号", "材料名称", "必要性", "来源", "份数", "已提交")
    ]
    rows: list[list[Any]] = [header]
    for index, material in enumerate(materials, start=1):
        name: list[Flowable] = [paragraph(material.name, styles["cell"])]
        extra = [x for x in (material.condition, material.notes) if x]
        if extra:
            name.append(paragraph("；".join(extra), styles["hint"]))
        requirement = (
            "必要" if material.requirement == MaterialRequirement.Requirement.REQUIRED else "容缺/情形"
        )
        source = material.get_source_display()
        if material.source != MaterialRequirement.Source.UPLOAD:
            source += "（可免于提交）"
        rows.append(
            [
                paragraph(str(index), styles["small"]),
                name,
                paragraph(requirement, styles["small"]),
                paragraph(source, styles["small"]),
                paragraph(f"{material.copies} 份", styles["small"]),
                paragraph(BOX, styles["cell"]),
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
    table = section(heading, rows, widths, styles)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 1), (-1, 1), colors.HexColor("#f3f4f6")),
                ("ALIGN", (-1, 2), (-1, -1), "CENTER"),
            ]
        )
    )
    return table


def blank_form(item: ServiceItem) -> bytes:
    """The printable blank form of one item version (with its organisation and materials)."""
    materials = list(item.materials.all())
    title = f"{item.name}申请表"
    return blank_pdf(
        item.form_schema or {},
        item.form_ui or {},
        title=title,
        subtitle=(
            f"实施编码：{item.implementation_code} | 版本：v{item.version} | 实施主体：{item.organization.name}"
        ),
        footer=f"{title}　实施编码 {item.implementation_code}",
        author=item.organization.name,
        subject=item.implementation_code,
        served_subjects=item.served_subjects or [],
        attachments={m.code: m.name for m in materials},
        sections=[lambda number, styles: _materials_section(number, materials, styles)],
    )
