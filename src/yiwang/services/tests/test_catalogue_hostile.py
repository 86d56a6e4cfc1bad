"""The catalogue import (实施清单) with hostile workbooks, through each of its entry points — the
import page, the background job, `yiwang import_catalog` — reads through the kernel's guarded reader
(`core.spreadsheets`): it gets the kernel's Chinese error and changes nothing (no item, no job, no
stored file)."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from yiwang.core.models import AuditEvent, BackgroundJob, StoredFile
from yiwang.core.tests.spreadsheet_files import huge_shared_strings
from yiwang.identity.actor import Actor
from yiwang.services.actions.imports import catalogue_import
from yiwang.services.models import ServiceItem
from yiwang.services.tests.catalogue_support import *  # noqa: F403
from yiwang.services.tests.test_catalogue_import_job import IMPORT, _login, _post
from yiwang.services.tests.test_excel_import import _row, _workbook

SHEET = "xl/worksheets/sheet1.xml"  # the 事项实施清单 sheet openpyxl writes first
DIMENSION = re.compile(rb'<dimension ref="[^"]*" ?/>')


def _rewritten(content: bytes, *, dimension: str | None, extra: dict[str, object] | None = None) -> bytes:
    """The workbook with the first sheet's declared range replaced (None: removed) and parts added
    (bytes, or an iterator of byte chunks streamed in)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == SHEET:
                declared = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
                data, replaced = DIMENSION.subn(declared, data)
                assert replaced == 1
            archive.writestr(info.filename, data)
        for name, part in (extra or {}).items():
            if isinstance(part, bytes):
                archive.writestr(name, part)
            else:
                with archive.open(name, "w", force_zip64=True) as handle:
                    for chunk in part:  # type: ignore[attr-defined]
                        handle.write(chunk)
    return buffer.getvalue()


def _snapshot():
    return (
        ServiceItem.objects.count(),
        BackgroundJob.objects.count(),
        StoredFile.objects.count(),
        AuditEvent.objects.count(),
    )


# A declared range of 5,000 rows × 32 columns (160,000 cells) under a limit of 50,000 cells: the
# issue's A1:XFD1048576 scaled down, so that without the guard the test fails at once (the file would
# import) instead of padding a billion cells for 25 minutes.
SMALL_LIMITS = override_settings(YIWANG_SPREADSHEET_MAX_CELLS=50_000)


@SMALL_LIMITS
def test_the_import_page_refuses_a_declared_range_bomb_and_queues_nothing(
    client, world, django_capture_on_commit_callbacks
):
    admin = _login(client, world.catalog_admin)
    bomb = _rewritten(_workbook([_row(world, 1), _row(world, 2)]), dimension="A1:AF5000")
    before = _snapshot()

    response = _post(admin, bomb, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "工作表声明的数据范围 A1:AF5000 过大（5000 行 × 32 列），超过上限（100000 行、50000 个单元格）"
        in html
    )
    assert _snapshot() == before  # no item, no job, no stored upload (its bytes removed with the row)
    assert admin.get(IMPORT).status_code == 200


def test_the_import_page_refuses_a_shared_strings_bomb(client, world, django_capture_on_commit_callbacks):
    admin = _login(client, world.catalog_admin)
    bomb = _rewritten(
        _workbook([_row(world, 1)]),
        dimension="A1:AF2",
        extra={"xl/sharedStrings.xml": huge_shared_strings(100)},
    )
    assert len(bomb) < 1_000_000
    before = _snapshot()

    response = _post(admin, bomb, django_capture_on_commit_callbacks)

    assert "「xl/sharedStrings.xml」的压缩比异常" in response.content.decode()
    assert _snapshot() == before


@SMALL_LIMITS
def test_the_command_refuses_the_bomb_and_imports_nothing(world, tmp_path, capsys):
    path = tmp_path / "实施清单.xlsx"
    path.write_bytes(_rewritten(_workbook([_row(world, 1)]), dimension="A1:AF5000"))
    before = _snapshot()

    with pytest.raises(CommandError, match="导入失败：共 1 处错误，未导入任何事项"):
        call_command("import_catalog", str(path))

    assert "文件：工作表声明的数据范围 A1:AF5000 过大" in capsys.readouterr().err
    assert _snapshot() == before


@override_settings(YIWANG_SPREADSHEET_MAX_ROWS=4)
def test_the_job_reads_with_every_limit_and_fails_with_the_kernel_s_error(
    client, world, django_capture_on_commit_callbacks
):
    # No declared range: the page's quick check lets it through; the job's full read counts the rows.
    admin = _login(client, world.catalog_admin)
    content = _rewritten(_workbook([_row(world, n) for n in range(1, 7)]), dimension=None)

    response = _post(admin, content, django_capture_on_commit_callbacks)

    job = BackgroundJob.objects.get()
    assert response.status_code == 302 and job.status == "failed"
    assert job.message == "发现 1 处错误，未导入任何事项。"
    assert job.result["errors"] == [
        {"sheet": "", "row": 0, "column": "", "message": "工作表超过 4 行的上限（第 5 行），请拆分后分批上传"}
    ]
    assert ServiceItem.objects.count() == 0


def test_catalogue_import_reports_the_guard_s_error_as_the_file_s_one_error(world):
    content = _rewritten(_workbook([_row(world, 1)]), dimension="A1:XFD1048576")
    result = catalogue_import(actor=Actor.for_user(world.catalog_admin), content=content)
    assert [(e.sheet, e.row, e.message[:24]) for e in result.errors] == [
        ("", 0, "工作表声明的数据范围 A1:XFD1048576")
    ]
    assert ServiceItem.objects.count() == 0


def test_a_json_column_with_a_lone_surrogate_is_a_row_error(world):
    row = _row(world, 1, **{"申请表JSON Schema": '{"type": "object", "title": "\\ud800"}'})
    result = catalogue_import(actor=Actor.for_user(world.catalog_admin), content=_workbook([row]))
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "申请表JSON Schema", "含有不允许的字符（NUL 控制字符或不成对的 UTF-16 代理码元）")
    ]
    assert ServiceItem.objects.count() == 0
