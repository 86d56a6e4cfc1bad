"""The guarded workbook reader (`core.spreadsheets`): hostile workbooks, built part by part in the
test, are refused from their directory or their first bytes with a Chinese error and a stable code —
before openpyxl touches them — and a good workbook is read row by row under the limits."""

from __future__ import annotations

import io
import itertools
import random
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from yiwang.core.errors import InvalidInput
from yiwang.core.files import file_store
from yiwang.core.models import StoredFile
from yiwang.core.spreadsheets import (
    SpreadsheetLimits,
    archive_inspect,
    spreadsheet_check,
    spreadsheet_open,
)
from yiwang.core.tests.spreadsheet_files import (
    cell,
    huge_shared_strings,
    shared_strings_xml,
    sheet_xml,
    table_rows,
    xlsx,
)
from yiwang.identity.actor import Actor
from yiwang.identity.tests.factories import CitizenFactory


@pytest.fixture
def openpyxl_untouched(monkeypatch):
    """Fail the test if the workbook reaches openpyxl: the guard must refuse it first."""

    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl 不应读取被拒绝的文件")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def _refused(source, code, **kwargs):
    with pytest.raises(InvalidInput) as caught, spreadsheet_open(source, **kwargs) as workbook:
        for name in workbook.sheet_names:
            list(workbook.rows(name))
    assert caught.value.code == code, caught.value.message
    return caught.value


# -- a good workbook ---------------------------------------------------------------------------------


def test_a_workbook_is_read_row_by_row_without_trusting_its_declared_range():
    rows = [*table_rows([["名称", 1, "甲"], ["乙", 2]]), '<row r="5"><c r="B5" t="s"><v>0</v></c></row>']
    content = xlsx(sheet=sheet_xml(rows, dimension="A1:C2"), shared_strings=shared_strings_xml(["共享"]))

    with spreadsheet_open(content) as workbook:
        assert workbook.sheet_names == ["数据"]
        read = list(workbook.rows("数据"))

    # Row 5 lies outside the (wrong) declared range A1:C2 and is still read; missing rows are empty.
    assert read == [("名称", 1, "甲"), ("乙", 2), (), (), (None, "共享")]
    summary = spreadsheet_check(content)
    assert summary.worksheets == {"xl/worksheets/sheet1.xml": "A1:C2"} and summary.cells == 3 + 2 + 2


def test_an_openpyxl_workbook_reads_as_openpyxl_wrote_it():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "事项"
    sheet.append(["事项名称", "时限"])
    sheet.append(["食品经营许可", 20])
    buffer = io.BytesIO()
    book.save(buffer)

    with spreadsheet_open(io.BytesIO(buffer.getvalue())) as workbook:
        assert list(workbook.rows("事项")) == [("事项名称", "时限"), ("食品经营许可", 20)]


# -- declared dimensions -------------------------------------------------------------------------------


def test_a_small_file_declaring_the_whole_sheet_is_refused_before_openpyxl_reads_it(openpyxl_untouched):
    # The bomb: a ~10 KB workbook declaring A1:XFD1048576 kept the worker busy for 25 minutes
    # (a reader trusting the declaration pads every row to 16,384 cells).
    rows = [f'<row r="{n}">{cell(f"A{n}", "数据")}</row>' for n in range(1, 200)]
    content = xlsx(sheet=sheet_xml(rows, dimension="A1:XFD1048576"))
    assert len(content) < 12_000

    error = _refused(content, "spreadsheet_too_large")
    assert error.status == 413
    assert error.message == (
        "工作表声明的数据范围 A1:XFD1048576 过大（1048576 行 × 16384 列），超过上限（100000 行、2000000 个单元格）。"
        "请删除多余的空行空列，或拆分后上传"
    )
    assert error.details["dimension"] == "A1:XFD1048576"
    # The quick check an upload page makes (no row scan) refuses it too.
    with pytest.raises(InvalidInput, match="A1:XFD1048576"):
        spreadsheet_check(content, scan_rows=False)


def test_a_declared_range_within_the_limits_is_accepted():
    content = xlsx(sheet=sheet_xml(table_rows([["a", 1]]), dimension="A1:T5000"))
    limits = SpreadsheetLimits(max_rows=5000, max_cells=100_000)
    with spreadsheet_open(content, limits=limits) as workbook:
        assert list(workbook.rows("数据")) == [("a", 1)]


# -- the archive --------------------------------------------------------------------------------------


def test_a_shared_strings_part_inflating_to_100_mb_is_refused_from_the_directory(openpyxl_untouched):
    content = xlsx(shared_strings=huge_shared_strings(100))
    assert len(content) < 1_000_000  # ~0.3 MB on disk, 100 MB inflated: it pushed the worker to 2.4 GB

    error = _refused(content, "spreadsheet_too_large")
    assert error.details["part"] == "xl/sharedStrings.xml"
    assert "疑似压缩炸弹" in error.message and "xl/sharedStrings.xml" in error.message


def test_a_shared_strings_part_over_the_part_limit_is_refused(openpyxl_untouched):
    strings = [f"第{n}条说明文字{n * 7919 % 100_003:06d}" for n in range(60_000)]
    content = xlsx(shared_strings=shared_strings_xml(strings))
    limits = SpreadsheetLimits(max_part_bytes=1024 * 1024)

    error = _refused(content, "spreadsheet_too_large", limits=limits)
    assert error.message.startswith("Excel 文件中的共享字符串表（sharedStrings.xml）过大（解压后约")
    assert error.message.endswith("上限 1 MB），请减少文字内容或拆分后上传")


def test_the_total_uncompressed_size_is_limited(openpyxl_untouched):
    picture = b"\x89PNG" + random.Random(7).randbytes(2 * 1024 * 1024)  # does not compress
    content = xlsx(extra={"xl/media/image1.png": picture})
    error = _refused(
        content, "spreadsheet_too_large", limits=SpreadsheetLimits(max_uncompressed_bytes=1_000_000)
    )
    assert error.message.startswith("Excel 文件解压后过大（约 2.0 MB，上限 1.0 MB）")


def test_too_many_members_are_refused_from_the_end_record(openpyxl_untouched, monkeypatch):
    content = xlsx(extra={f"xl/extra/{n}.xml": b"<a/>" for n in range(20)})

    def never(*args, **kwargs):
        raise AssertionError("the directory must not be parsed")

    monkeypatch.setattr(zipfile, "ZipFile", never)
    error = _refused(content, "spreadsheet_too_large", limits=SpreadsheetLimits(max_members=10))
    assert error.message == "Excel 文件内部包含的文件过多（上限 10 个），不予读取"


def test_an_encrypted_or_broken_archive_is_not_a_workbook():
    assert (
        _refused(b"PK\x03\x04" + bytes(64), "spreadsheet_invalid").message
        == "Excel 文件已损坏或不是 zip 格式"
    )
    assert _refused(b"not a zip at all", "spreadsheet_invalid").details == {
        "reason": "no end of central directory"
    }
    content = bytearray(xlsx())
    # Set the "encrypted" flag of the first central directory entry.
    at = content.find(b"PK\x01\x02")
    content[at + 8] |= 0x1
    assert "已加密" in _refused(bytes(content), "spreadsheet_invalid").message


def test_zip_uploads_with_too_many_members_are_refused_by_file_store(db):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n in range(30):
            archive.writestr(f"扫描件/{n}.txt", b"x")
    upload = SimpleUploadedFile("材料.zip", buffer.getvalue(), content_type="application/zip")
    actor = Actor.for_user(CitizenFactory())
    with override_settings(YIWANG_ARCHIVE_MAX_MEMBERS=20), pytest.raises(InvalidInput) as caught:
        file_store(actor=actor, upload=upload)
    assert (caught.value.code, caught.value.status) == ("archive_too_large", 413)
    assert caught.value.message == "压缩包内部包含的文件过多（上限 20 个），不予读取"
    assert not StoredFile.objects.exists()
    assert file_store(actor=actor, upload=upload).content_type == "application/zip"


def test_archive_inspect_lists_the_members_of_a_good_archive():
    infos = archive_inspect(io.BytesIO(xlsx()))
    assert "xl/worksheets/sheet1.xml" in {info.filename for info in infos}


# -- XML ---------------------------------------------------------------------------------------------


def test_a_doctype_is_refused_wherever_it_is(openpyxl_untouched):
    laughs = '<!DOCTYPE sst [<!ENTITY a "哈哈哈哈哈哈哈哈"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    bomb = shared_strings_xml(["&b;"]).replace('<?xml version="1.0" encoding="UTF-8"?>', "")
    content = xlsx(shared_strings=laughs + bomb.replace("&amp;b;", "&b;"))
    error = _refused(content, "spreadsheet_invalid")
    assert error.message == "Excel 文件中含有不允许的 XML 文档类型声明（DOCTYPE），不予读取"
    sheet = sheet_xml(table_rows([["a"]]), prolog="<!DOCTYPE worksheet>")
    assert _refused(xlsx(sheet=sheet), "spreadsheet_invalid").details == {"part": "xl/worksheets/sheet1.xml"}


# -- rows and cells ------------------------------------------------------------------------------------


def test_a_row_numbered_past_the_row_limit_is_refused_while_scanning(openpyxl_untouched):
    rows = [f'<row r="1">{cell("A1", "表头")}</row>', f'<row r="1048576">{cell("A1048576", "x")}</row>']
    error = _refused(xlsx(sheet=sheet_xml(rows, dimension=None)), "spreadsheet_too_large")
    assert error.message == "工作表超过 100000 行的上限（第 1048576 行），请拆分后分批上传"


def test_a_cell_past_column_xfd_is_refused(openpyxl_untouched):
    rows = [f'<row r="1">{cell("A1", "a")}{cell("XFE1", "b")}</row>']
    error = _refused(xlsx(sheet=sheet_xml(rows, dimension=None)), "spreadsheet_too_large")
    assert error.message == "工作表第 1 行超过 Excel 的 16384 列上限，不是正常的工作簿"


def test_a_row_of_empty_cells_counts_against_the_cell_limit(openpyxl_untouched):
    # <c/> without a reference: openpyxl would build the whole row in memory before anyone counts it.
    rows = ['<row r="1">' + "<c/>" * 5_000 + "</row>"]
    limits = SpreadsheetLimits(max_cells=1_000)
    error = _refused(xlsx(sheet=sheet_xml(rows, dimension=None)), "spreadsheet_too_large", limits=limits)
    assert error.message == "工作簿的单元格超过 1000 个的上限，请拆分后分批上传"


def test_the_cell_limit_counts_a_row_up_to_its_last_cell():
    rows = [f'<row r="{n}">{cell(f"A{n}", "a")}{cell(f"J{n}", "j")}</row>' for n in range(1, 11)]
    content = xlsx(sheet=sheet_xml(rows, dimension=None))
    assert spreadsheet_check(content).cells == 100
    _refused(content, "spreadsheet_too_large", limits=SpreadsheetLimits(max_cells=99))


def test_limits_come_from_settings():
    with override_settings(YIWANG_SPREADSHEET_MAX_ROWS=7, YIWANG_SPREADSHEET_SECONDS=3):
        limits = SpreadsheetLimits.from_settings(max_cells=11)
    assert (limits.max_rows, limits.seconds, limits.max_cells) == (7, 3.0, 11)
    rows = table_rows([["a"]] * 8)
    with override_settings(YIWANG_SPREADSHEET_MAX_ROWS=7):
        error = _refused(xlsx(sheet=sheet_xml(rows, dimension=None)), "spreadsheet_too_large")
    assert error.message == "工作表超过 7 行的上限（第 8 行），请拆分后分批上传"


# -- the time budget ----------------------------------------------------------------------------------


def test_a_read_past_its_time_budget_stops_with_a_chinese_error(openpyxl_untouched):
    ticks = itertools.count(step=10.0)  # every look at the clock: ten seconds later
    limits = SpreadsheetLimits(seconds=30)
    error = _refused(xlsx(), "spreadsheet_too_slow", limits=limits, clock=lambda: next(ticks))
    assert error.message == "读取 Excel 文件超过 30 秒的时间上限，已停止读取。请拆分后分批上传"
    assert error.details == {"seconds": 30.0}


def test_the_time_budget_also_covers_reading_the_rows():
    now = [0.0]
    content = xlsx(sheet=sheet_xml(table_rows([["a", 1]] * 600), dimension=None))
    with spreadsheet_open(content, limits=SpreadsheetLimits(seconds=60), clock=lambda: now[0]) as workbook:
        rows = workbook.rows("数据")
        assert next(rows) == ("a", 1)
        now[0] = 61.0
        with pytest.raises(InvalidInput) as caught:
            list(rows)
    assert caught.value.code == "spreadsheet_too_slow"
