"""The demo catalogue's data files (yiwang/demo/catalog/*.yaml) and their loader: every file loads and
checks out, and a mistake in a file is reported in Chinese with the file and the item named."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from yiwang.demo import services_catalog
from yiwang.demo.catalog.loader import CATALOG_DIR, ITEM_FILES, SHARED_FILE, CatalogError, load_catalog


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_every_file_loads(catalog):
    files = sorted(p.name for p in CATALOG_DIR.glob("*.yaml") if p.name != SHARED_FILE)
    assert files and all(ITEM_FILES.fullmatch(name) for name in files), "item files are named NN-name.yaml"
    assert catalog.files == tuple(files)
    assert len(catalog.items) >= 120
    assert {name[:2] for name in files} == {f"{n:02d}" for n in range(1, len(files) + 1)}
    assert services_catalog.item_specs() == catalog.items  # the module serves what the files say


def test_basic_codes_are_unique_per_department(catalog):
    keys = Counter((item.department, item.basic_code) for item in catalog.items)
    assert [key for key, n in keys.items() if n > 1] == []
    assert all(len(item.basic_code) == 12 and item.basic_code.isdigit() for item in catalog.items)


def test_shared_parts_are_referenced_not_copied(catalog):
    shared = catalog.materials
    id_card = [m for item in catalog.items for m in item.materials if m.code == "id_card"]
    assert len(id_card) > 50 and all(m is shared["id_card"] for m in id_card)
    assert catalog.field_groups["person_basics"] == services_catalog.PERSON_BASICS
    bank = catalog.field_groups["bank"]
    assert sum(1 for item in catalog.items if item.fields[-len(bank) :] == bank) >= 5
    # The standard text is appended to every item's conditions.
    text = (CATALOG_DIR / SHARED_FILE).read_text(encoding="utf-8")
    standard = yaml.safe_load(text)["standard_conditions"]
    assert all(item.conditions.endswith(standard) for item in catalog.items)


# -- mistakes in a file -----------------------------------------------------------------------------


def _item(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "name": "测试事项",
        "main": 99001,
        "item_type": "licensing",
        "department": "city-amr",
        "subjects": ["person"],
        "themes": ["certificates"],
        "legal_basis": "《测试条例》第一条",
        "conditions": "符合测试条件",
        "statutory_days": 10,
        "promised_days": 5,
        "online_depth": 4,
        "keywords": "测试",
        "result_name": "测试证",
        "result_type": "证照",
        "materials": ["id_card", {"code": "test_proof", "name": "测试证明"}],
        "fields": ["bank", {"name": "reason", "title": "理由", "kind": "textarea"}],
    }
    for key, value in changes.items():
        if value is None:
            del item[key]
        else:
            item[key] = value
    return item


def _directory(tmp_path: Path, *items: dict[str, Any], name: str = "01-test.yaml") -> Path:
    shutil.copy(CATALOG_DIR / SHARED_FILE, tmp_path / SHARED_FILE)
    text = yaml.safe_dump({"items": list(items)}, allow_unicode=True, sort_keys=False)
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_a_tiny_valid_file_loads(tmp_path):
    catalog = load_catalog(_directory(tmp_path, _item(), _item(name="测试事项（变更）", sub=2)))
    first, second = catalog.items
    assert first.basic_code == "019900100100" and second.basic_code == "019900100200"
    assert [m.code for m in first.materials] == ["id_card", "test_proof"]
    assert [f.name for f in first.fields] == ["bank_name", "bank_account", "reason"]
    assert first.conditions.startswith("符合测试条件。申请人具有完全民事行为能力")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"materials": ["id_card", "no_such_material"]}, "未知的共用材料“no_such_material”"),
        ({"legal_basis": None}, "缺少必填项 legal_basis"),
        ({"promise_days": 3}, "未知的项 promise_days"),
        ({"fields": ["no_such_group"]}, "未知的共用字段组“no_such_group”"),
        ({"fields": [{"group": "bank", "only": ["iban"]}]}, "未知的值 iban"),
        ({"item_type": "permit"}, "未知的值 permit"),
        ({"department": "city-nowhere"}, "未知的值 city-nowhere"),
        ({"themes": ["fishing"]}, "未知的值 fishing"),
        ({"statutory_days": "十"}, "应为整数"),
        ({"promised_days": 20}, "不能超过法定时限"),
        ({"materials": ["id_card", {"code": "id_card", "name": "身份证"}]}, "与共用材料重名"),
        ({"fields": [{"name": "phone", "title": "电话"}]}, "字段名 phone 重复"),
        (
            {"fields": [{"name": "f", "title": "附件", "kind": "file", "material": "floor_plan"}]},
            "材料 floor_plan 不在本事项的申请材料中",
        ),
    ],
)
def test_a_mistake_names_the_file_and_the_item(tmp_path, changes, message):
    with pytest.raises(CatalogError) as caught:
        load_catalog(_directory(tmp_path, _item(), _item(name="有错的事项", main=99002, **changes)))
    text = str(caught.value)
    assert text.startswith("事项目录文件 01-test.yaml，事项“有错的事项”")
    assert message in text


def test_duplicate_basic_codes_and_broken_yaml_are_reported(tmp_path):
    with pytest.raises(
        CatalogError, match=r"01-test\.yaml.*基本编码 019900100100 与 01-test\.yaml 中的事项“测试事项”重复"
    ):
        load_catalog(_directory(tmp_path, _item(), _item(name="另一个事项")))
    (tmp_path / "01-test.yaml").write_text("items:\n  - name: [未闭合\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"事项目录文件 01-test\.yaml 不是有效的 YAML"):
        load_catalog(tmp_path)
