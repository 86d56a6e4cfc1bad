"""A plain JSON-Schema form (no domain record) with every widget, for the form engine's tests
(`core.tests.test_forms_*`, `web.tests.test_schema_form`, and 一网通办's item-level form tests)."""

from __future__ import annotations

from datetime import date
from typing import Any

from yiwang.core import identifiers
from yiwang.core.models import Region
from yiwang.core.tests.factories import RegionFactory

ID = identifiers.id_number("320102", date(1985, 3, 9), 21)
USCC = identifiers.uscc_code("320102", 424242)

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "title": "姓名", "maxLength": 10},
        "id_number": {"type": "string", "title": "身份证号码", "format": "id-number"},
        "uscc": {"type": "string", "title": "统一社会信用代码", "format": "uscc"},
        "mobile": {"type": "string", "title": "手机", "format": "mobile"},
        "email": {"type": "string", "title": "邮箱", "format": "email"},
        "birthday": {"type": "string", "title": "出生日期", "format": "date"},
        "count": {"type": "integer", "title": "人数", "minimum": 1, "maximum": 9},
        "amount": {"type": "number", "title": "金额"},
        "agree": {"type": "boolean", "title": "同意承诺"},
        "married": {"type": "boolean", "title": "已婚"},
        "kind": {"type": "string", "title": "类别", "enum": ["a", "b"]},
        "size": {"type": "integer", "title": "规模", "enum": [1, 2]},
        "community": {"type": "string", "title": "所在社区"},
        "story": {"type": "string", "title": "情况说明"},
        "licence": {"type": "string", "title": "营业执照扫描件"},
        "members": {
            "type": "array",
            "title": "家庭成员",
            "maxItems": 3,
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "title": "姓名"},
                    "id_number": {"type": "string", "title": "身份证号码"},
                    "disabled": {"type": "boolean", "title": "残疾"},
                },
                "required": ["name"],
            },
        },
    },
    "required": ["name", "id_number", "kind", "members", "licence"],
}
UI: dict[str, Any] = {
    "name": {"ui:prefill": "person.name", "ui:placeholder": "请输入姓名"},
    "id_number": {"ui:prefill": "person.id_number"},
    "uscc": {"ui:widget": "uscc", "ui:prefill": "enterprise.uscc"},
    "mobile": {"ui:prefill": "person.phone"},
    "married": {"ui:widget": "radio"},
    "kind": {"ui:widget": "select", "ui:enumNames": ["甲类", "乙类"]},
    "size": {"ui:widget": "radio"},
    "community": {"ui:widget": "region"},
    "story": {"ui:widget": "textarea", "ui:help": "简要说明"},
    "licence": {"ui:widget": "file", "ui:material": "licence_scan"},
    "members": {"ui:addLabel": "添加成员", "items": {"id_number": {"ui:widget": "id_number"}}},
}


def make_regions() -> Region:
    """玄武区 › 梅园新村街道 › 长江路社区; returns the district."""
    district = RegionFactory(code="320102", name="玄武区")
    street = RegionFactory(code="320102001", name="梅园新村街道", level=Region.Level.STREET, parent=district)
    RegionFactory(code="320102001001", name="长江路社区", level=Region.Level.COMMUNITY, parent=street)
    return district


def post(**overrides: Any) -> dict[str, str]:
    """A filled-in POST of the example form (None drops a key)."""
    data: dict[str, Any] = {
        "name": "王小明",
        "id_number": ID,
        "uscc": USCC,
        "mobile": "13912345678",
        "email": "a@example.cn",
        "birthday": "1985-03-09",
        "count": "2",
        "amount": "12.5",
        "agree": "on",
        "married": "false",
        "kind": "b",
        "size": "2",
        "community": "320102001001",
        "story": "家庭困难",
        "members-TOTAL": "2",
        "members-0-name": "王大明",
        "members-0-id_number": ID.lower() if ID.endswith("X") else ID,
        "members-0-disabled": "on",
        "members-1-name": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
