"""The blank forms of a plain schema + UI hints (`core.forms.blank_pdf`, `core.forms.blank_excel`):
every field labelled, required ones marked, choices as boxes or drop-downs, repeating groups as
grids, and a domain's own section numbered after the form's."""

from __future__ import annotations

import re
from io import BytesIO

from openpyxl import load_workbook
from pypdf import PdfReader

from yiwang.core.forms.blank_excel import blank_workbook
from yiwang.core.forms.blank_pdf import CONTENT_WIDTH, Styles, blank_pdf, paragraph, section
from yiwang.core.tests.form_examples import SCHEMA, UI


def _text(content: bytes) -> str:
    """The PDF's text without whitespace: a label may wrap inside its table cell."""
    assert content.startswith(b"%PDF")
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages))


def _checklist(number: str, styles: Styles):
    return section(
        f"{number}、附件清单", [[paragraph("营业执照扫描件 1 份", styles["cell"])]], [CONTENT_WIDTH], styles
    )


def test_the_pdf_lays_out_every_field_and_the_domain_s_section():
    content = blank_pdf(
        SCHEMA,
        UI,
        title="家庭情况登记表",
        subtitle="编号：DJ-001",
        footer="家庭情况登记表　DJ-001",
        author="示范市民政局",
        attachments={"licence_scan": "营业执照"},
        sections=[_checklist],
    )
    text = _text(content)
    assert text.startswith("家庭情况登记表DJ-001第1页家庭情况登记表编号：DJ-001填写说明")  # footer first
    # 一: the fields prefilled from the applicant's record; 二: the others; 三: the group; 四: the domain's
    assert text.index("一、申请人信息") < text.index("姓名*") < text.index("二、申请事项信息")
    assert text.index("二、申请事项信息") < text.index("类别*") < text.index("三、家庭成员")
    assert "□甲类□乙类" in text and "□是□否" in text  # choices as boxes, by their Chinese names
    assert "人数填写数字，≥1，≤9" in text and "情况说明简要说明" in text
    assert "营业执照扫描件*□已随表提交「营业执照」（见申请材料清单）" in text
    assert "三、家庭成员*（至少填写1行，最多3行，不够可另附页）序号姓名*身份证号码残疾" in text
    assert (
        text.index("三、家庭成员")
        < text.index("四、附件清单营业执照扫描件1份")
        < text.index("申请人（签字/盖章）")
    )
    assert "以下由受理窗口填写" in text and "家庭情况登记表DJ-001第1页" in text
    metadata = PdfReader(BytesIO(content)).metadata
    assert metadata is not None and (metadata.title, metadata.author) == ("家庭情况登记表", "示范市民政局")


def test_a_form_without_applicant_fields_gets_the_standard_block_for_its_subjects():
    schema = {"type": "object", "properties": {"plan": {"type": "string", "title": "设置方案"}}}
    enterprise = _text(blank_pdf(schema, {}, title="广告设置申请表", served_subjects=["enterprise"]))
    assert "一、申请人信息申请单位名称*统一社会信用代码*法定代表人联系电话*11位手机号码通讯地址" in enterprise
    assert "二、申请事项信息设置方案" in enterprise and "广告设置申请表第1页" in enterprise
    either = _text(blank_pdf(schema, {}, title="登记表", served_subjects=["person", "enterprise"]))
    assert "申请人姓名或单位名称*身份证号码或统一社会信用代码*" in either
    person = _text(blank_pdf(schema, {}, title="登记表"))
    assert "申请人姓名*身份证号码*联系电话*" in person and "法定代表人" not in person


def test_the_workbook_has_a_sheet_for_the_fields_and_one_per_group():
    workbook = load_workbook(
        BytesIO(_saved(blank_workbook(SCHEMA, UI, title="家庭情况登记表", subtitle="编号：DJ-001")))
    )
    assert workbook.sheetnames == ["申请表", "家庭成员"]
    sheet = workbook["申请表"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[:4] == [
        ["家庭情况登记表", None, None],
        ["编号：DJ-001", None, None],
        ["字段", "填写内容", "填写说明"],
        ["姓名*", None, "必填"],
    ]
    by_label = {row[0]: row for row in rows if row[0]}
    assert by_label["身份证号码*"][2] == "必填"
    assert by_label["人数"][2] == "选填；数字，≥1，≤9"
    assert by_label["出生日期"][2] == "选填；日期，格式 2026-01-31"
    assert by_label["类别*"][2] == "必填；可选：甲类、乙类"
    assert by_label["家庭成员"][1:] == ["见工作表「家庭成员」", "必填"]
    assert rows[-1] == ["申请人签字：", None, "日期：　　年　　月　　日"]
    kind_row = next(i for i, row in enumerate(rows, start=1) if row[0] == "类别*")
    choices = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert choices[f"B{kind_row}"] == '"甲类,乙类"'
    group = [[cell.value for cell in row] for row in workbook["家庭成员"].iter_rows()]
    assert group[0] == ["姓名*", "身份证号码", "残疾"]
    assert group[1] == ["必填", "选填；18 位公民身份号码", "选填"]


def test_a_workbook_without_subtitle_starts_its_fields_below_the_title():
    workbook = blank_workbook(SCHEMA, UI, title="登记表")
    sheet = workbook["申请表"]
    assert [sheet["A1"].value, sheet["A2"].value, sheet["A3"].value] == ["登记表", "字段", "姓名*"]


def _saved(workbook) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
