"""A form's stored data as staff read it (`core.forms.display.form_rows`): titles, choice labels,
是/否, repeating groups row by row, region names — and ID numbers and phones masked."""

from __future__ import annotations

import pytest

from yiwang.core.forms.display import form_rows
from yiwang.core.tests.form_examples import ID, SCHEMA, UI, USCC, make_regions

pytestmark = pytest.mark.django_db


def test_staff_read_labels_names_and_masked_identifiers(django_assert_num_queries):
    make_regions()
    data = {
        "name": "王小明",
        "id_number": ID,
        "uscc": USCC,
        "mobile": "13912345678",
        "married": False,
        "kind": "b",
        "community": "320102001001",
        "licence": "0b6f0c4e-uid-of-the-file",
        "members": [{"name": "王大明", "id_number": ID, "disabled": True}, {"name": "王小红"}],
    }
    with django_assert_num_queries(1):  # the region names, in one query
        rows = form_rows(SCHEMA, UI, data)
    assert (
        rows
        == [
            {"label": "姓名", "value": "王小明"},
            {"label": "身份证号码", "value": f"{ID[:6]}********{ID[-4:]}"},
            {"label": "统一社会信用代码", "value": USCC},
            {"label": "手机", "value": "139****5678"},
            {"label": "已婚", "value": "否"},
            {"label": "类别", "value": "乙类"},
            {"label": "所在社区", "value": "玄武区 · 梅园新村街道 · 长江路社区"},
            {"label": "营业执照扫描件", "value": "见申请材料"},  # a file's uid is not shown
            {
                "label": "家庭成员",
                "value": f"姓名：王大明，身份证号码：{ID[:6]}********{ID[-4:]}，残疾：是；姓名：王小红",
            },
        ]
    )


def test_file_fields_can_be_named_and_odd_data_shows_nothing():
    rows = form_rows(SCHEMA, UI, {"story": "家庭困难"}, file_fields=["story"])
    assert rows == [{"label": "情况说明", "value": "见申请材料"}]
    assert form_rows(SCHEMA, UI, ["not", "an", "object"]) == []
    assert form_rows({}, {}, {"free": "13912345678"}) == [{"label": "free", "value": "13912345678"}]
