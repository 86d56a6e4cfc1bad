"""Excel import/export of the catalogue: round trip, atomicity, and broken files with every error listed."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from yiwang.core.models import AuditEvent
from yiwang.identity.actor import Actor
from yiwang.services import codes
from yiwang.services.actions.imports import catalogue_import
from yiwang.services.excel import (
    ITEM_COLUMNS,
    ITEMS_SHEET,
    MATERIAL_COLUMNS,
    MATERIALS_SHEET,
    error_report,
    export_catalogue,
)
from yiwang.services.models import MaterialRequirement, ServiceItem
from yiwang.services.selectors.catalogue import item_get_current
from yiwang.services.tests.catalogue_support import *  # noqa: F403
from yiwang.services.tests.factories import ServiceItemFactory

HEADERS = [h for _, h, _ in ITEM_COLUMNS]
M_HEADERS = [h for _, h, _ in MATERIAL_COLUMNS]


def _row(world, n, **values):
    basic = f"0001720{n:02d}000"
    row = {
        "基本编码": basic,
        "实施编码": codes.implementation_code(
            organization_uscc=world.market.uscc, level="city", basic_code=basic
        ),
        "事项名称": f"食品经营许可{n}",
        "事项类型": "行政许可",
        "实施主体": world.market.name,
        "实施主体编码": world.market.uscc,
        "行使层级": "市级",
        "法定办结时限": 20,
        "承诺办结时限": 5,
        "办件类型": "承诺件",
        "是否收费": "否",
        "网上办理深度": "Ⅲ",
        "到办事现场次数": 1,
        "服务对象": "法人、自然人",
        "主题分类": "经营许可",
        "关键词": "餐饮 开餐馆",
    }
    row.update(values)
    return row


def _workbook(item_rows, material_rows=(), headers=HEADERS):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = ITEMS_SHEET
    sheet.append(headers)
    for row in item_rows:
        sheet.append([row.get(h) for h in headers])
    materials = workbook.create_sheet(MATERIALS_SHEET)
    materials.append(M_HEADERS)
    for row in material_rows:
        materials.append([row.get(h) for h in M_HEADERS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _snapshot():
    return (
        list(
            ServiceItem.objects.order_by("pk").values_list(
                "pk", "implementation_code", "version", "name", "is_current"
            )
        ),
        MaterialRequirement.objects.count(),
        AuditEvent.objects.count(),
    )


def test_import_creates_and_publishes_items_with_materials(world):
    content = _workbook(
        [_row(world, 1), _row(world, 2, 网上办理深度="Ⅳ", 到办事现场次数=None)],
        [
            {
                "实施编码": _row(world, 1)["实施编码"],
                "材料编码": "premises",
                "材料名称": "经营场所证明",
                "必要性": "必要",
                "材料格式": "pdf、jpg",
            }
        ],
    )
    result = catalogue_import(actor=Actor.for_user(world.catalog_admin), content=content)
    assert result.errors == [] and (result.rows, result.created, result.updated) == (2, 2, 0)
    first = item_get_current(_row(world, 1)["实施编码"])
    assert first.status == "published" and first.served_subjects == ["enterprise", "person"]
    assert [m.formats for m in first.materials.all()] == [["pdf", "jpg"]]
    assert item_get_current(_row(world, 2)["实施编码"]).site_visits == 0
    assert AuditEvent.objects.filter(action="services.catalog_import").count() == 1


def test_export_then_import_makes_new_versions(world):
    item = ServiceItemFactory(organization=world.market, name="食品经营许可")
    content = export_catalogue([item_get_current(item.implementation_code)])
    workbook = load_workbook(io.BytesIO(content))
    assert [c.value for c in workbook[ITEMS_SHEET][1]] == HEADERS
    assert workbook[MATERIALS_SHEET].max_row == 4
    sheet = workbook[ITEMS_SHEET]
    sheet.cell(row=2, column=HEADERS.index("事项名称") + 1, value="食品经营许可（更新）")
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = catalogue_import(actor=Actor.for_user(world.catalog_admin), content=buffer.getvalue())
    assert result.errors == [] and result.updated == 1
    current = item_get_current(item.implementation_code)
    assert (current.version, current.name, current.materials.count()) == (2, "食品经营许可（更新）", 3)
    assert current.form_schema == item.form_schema
    item.refresh_from_db()
    assert not item.is_current and item.name == "食品经营许可"


def test_broken_rows_import_nothing_and_list_every_error(world):
    ServiceItemFactory(organization=world.market)
    before = _snapshot()
    good = _row(world, 1)
    rows = [
        good,
        _row(world, 2, 基本编码="12AB", 实施编码="XYZ"),  # bad codes
        _row(world, 3, 法定办结时限="二十天", 网上办理深度=7),  # wrong types
        _row(world, 4, 实施编码=good["实施编码"], 基本编码=good["基本编码"]),  # duplicate code
        _row(world, 5, 实施主体编码="91320100MA1XXXXXXX"),  # unknown department
        _row(world, 6, 事项类型="行政魔法", 服务对象="外星人", 承诺办结时限=30),
    ]
    materials = [{"实施编码": "NOT-IN-FILE", "材料编码": "x", "材料名称": "某材料"}]
    result = catalogue_import(actor=Actor.for_user(world.catalog_admin), content=_workbook(rows, materials))
    assert _snapshot() == before
    assert result.created == 0
    found = {(e.sheet, e.row, e.column) for e in result.errors}
    assert (ITEMS_SHEET, 3, "基本编码") in found or any(
        e.row == 3 and "基本编码" in e.message for e in result.errors
    )
    assert any(e.row == 3 and "实施编码" in e.message for e in result.errors)
    assert (ITEMS_SHEET, 4, "法定办结时限") in found and (ITEMS_SHEET, 4, "网上办理深度") in found
    assert any(e.row == 5 and e.column == "实施编码" and "第 2 行重复" in e.message for e in result.errors)
    assert (ITEMS_SHEET, 6, "实施主体编码") in found
    assert (ITEMS_SHEET, 7, "事项类型") in found and (ITEMS_SHEET, 7, "服务对象") in found
    assert (MATERIALS_SHEET, 2, "实施编码") in found
    assert all(e.row != 2 for e in result.errors if e.sheet == ITEMS_SHEET)  # the good row is fine
    report = load_workbook(io.BytesIO(error_report(result.errors)))["错误报告"]
    assert [c.value for c in report[1]] == ["工作表", "行号", "列", "错误说明"]
    assert report.max_row == len(result.errors) + 1


def test_missing_columns_are_reported(world):
    headers = [h for h in HEADERS if h not in {"事项类型", "服务对象"}]
    result = catalogue_import(
        actor=Actor.for_user(world.catalog_admin), content=_workbook([_row(world, 1)], headers=headers)
    )
    assert {(e.row, e.column) for e in result.errors} == {(1, "事项类型"), (1, "服务对象")}
    assert ServiceItem.objects.count() == 0


def test_a_file_that_is_not_xlsx(world):
    for content in (b"name,code\n1,2\n", b"PK\x03\x04 broken zip", b""):
        result = catalogue_import(actor=Actor.for_user(world.catalog_admin), content=content)
        assert len(result.errors) == 1 and "不是有效的 Excel" in result.errors[0].message
    assert ServiceItem.objects.count() == 0


def test_rows_of_another_department_are_refused(world):
    result = catalogue_import(actor=Actor.for_user(world.health_admin), content=_workbook([_row(world, 1)]))
    assert [(e.row, e.column) for e in result.errors] == [(2, "实施主体编码")]
    assert "没有维护" in result.errors[0].message and ServiceItem.objects.count() == 0


def test_a_publish_rule_failing_row_names_the_column(world):
    result = catalogue_import(
        actor=Actor.for_user(world.catalog_admin),
        content=_workbook([_row(world, 1, 网上办理深度="Ⅳ", 到办事现场次数=2)]),
    )
    assert [(e.row, e.column) for e in result.errors] == [(2, "到办事现场次数")]


def test_management_command(world, tmp_path, capsys):
    good = tmp_path / "good.xlsx"
    good.write_bytes(_workbook([_row(world, 1)]))
    call_command("import_catalog", str(good))
    assert ServiceItem.objects.filter(is_current=True).count() == 1
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(_workbook([_row(world, 2, 行使层级="银河级")]))
    report = tmp_path / "report.xlsx"
    with pytest.raises(CommandError):
        call_command("import_catalog", str(bad), "--report", str(report))
    assert "行使层级" in capsys.readouterr().err
    assert load_workbook(report)["错误报告"].max_row == 2
    assert ServiceItem.objects.count() == 1
