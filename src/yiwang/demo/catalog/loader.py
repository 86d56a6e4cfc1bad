"""The catalogue files' data model and loader: `shared.yaml` (shared materials, shared field groups and
the standard texts) and the item files `NN-*.yaml`, read in file-name order, become `ItemSpec`s.

Everything is checked while loading; a mistake raises `CatalogError` with a Chinese message naming
the file and the item (e.g. an unknown material key, a missing or misspelt field, a wrong type)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import yaml

CATALOG_DIR = Path(__file__).resolve().parent
SHARED_FILE = "shared.yaml"
ITEM_FILES = re.compile(r"\d\d-[a-z0-9_-]+\.yaml")

# 事项类型 → the 2-digit 事项类型代码 that opens the 基本编码.
TYPE_DIGITS: dict[str, str] = {
    "licensing": "01",
    "penalty": "02",
    "enforcement": "03",
    "levy": "04",
    "benefit": "05",
    "inspection": "06",
    "confirmation": "07",
    "reward": "08",
    "adjudication": "09",
    "other_power": "10",
    "public_service": "20",
}
DEFAULT_VISITS = {1: 2, 2: 1, 3: 1, 4: 0}
SUBJECTS = ("person", "enterprise")
RESULT_TYPES = ("证照", "批文", "其他")
# The field kinds the form builder knows (services_catalog._property / _hint).
FIELD_KINDS = (
    "text",
    "textarea",
    "date",
    "number",
    "integer",
    "select",
    "radio",
    "region",
    "phone",
    "id_number",
    "uscc",
    "checkbox",
    "group",
    "file",
)
DISTRICT_DEPARTMENTS = ("district-amr", "district-urban", "street")  # one implementation per district
REQUIRED_GROUPS = ("person_basics", "enterprise_basics")


@dataclass(frozen=True)
class MaterialSpec:
    code: str
    name: str
    requirement: str = "required"  # required / conditional
    condition: str = ""
    source: str = "upload"  # upload / licence / data
    licence_type_code: str = ""
    data_resource_code: str = ""
    formats: tuple[str, ...] = ("pdf", "jpg", "png")
    copies: int = 1
    notes: str = ""


@dataclass(frozen=True)
class FieldSpec:
    name: str
    title: str
    kind: str = "text"  # one of FIELD_KINDS
    choices: tuple[str, ...] = ()
    required: bool = True
    children: tuple[FieldSpec, ...] = ()
    help: str = ""
    material: str = ""  # for kind="file"


@dataclass(frozen=True)
class ItemSpec:
    main: int  # 主项编码 serial within the item type (5 digits)
    name: str
    item_type: str
    department: str  # "city-amr", or "district-amr" / "district-urban" / "street" for every district
    legal_basis: str
    conditions: str
    statutory_days: int
    promised_days: int
    online_depth: int
    subjects: tuple[str, ...]
    themes: tuple[str, ...]
    keywords: str
    result_name: str
    result_type: str
    materials: tuple[MaterialSpec, ...]
    fields: tuple[FieldSpec, ...]
    instant: bool = False
    fee_basis: str = ""
    fee_standard: str = ""
    sub: int = 1  # 子项编码
    site_visits: int | None = None
    delivery: str = "窗口领取、邮政寄递、电子证照"
    process: str = ""

    @property
    def basic_code(self) -> str:
        return f"{TYPE_DIGITS[self.item_type]}{self.main:05d}{self.sub:03d}00"

    @property
    def visits(self) -> int:
        if self.online_depth == 4:
            return 0
        return DEFAULT_VISITS[self.online_depth] if self.site_visits is None else self.site_visits


@dataclass(frozen=True)
class Catalog:
    materials: Mapping[str, MaterialSpec]  # shared materials by key (= code)
    field_groups: Mapping[str, tuple[FieldSpec, ...]]  # shared field groups by key
    items: tuple[ItemSpec, ...]  # in file order
    files: tuple[str, ...]  # the item files read


class CatalogError(ValueError):
    """A catalogue file is wrong; the message (Chinese) names the file and, where there is one, the item."""


# -- checking ---------------------------------------------------------------------------------------

T = TypeVar("T")


class _Where:
    """Where a value sits, for error messages: file, item, then the path inside it."""

    def __init__(self, file: str, item: str = "", path: str = "") -> None:
        self.file, self.item, self.path = file, item, path

    def at(self, part: str | int) -> _Where:
        step = f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if self.path else part)
        return _Where(self.file, self.item, f"{self.path}{step}")

    def error(self, message: str) -> CatalogError:
        where = f"事项目录文件 {self.file}"
        if self.item:
            where += f"，{self.item}"
        if self.path:
            where += f"，{self.path}"
        return CatalogError(f"{where}：{message}")


_TYPE_NAMES = {str: "文本", int: "整数", bool: "true 或 false", list: "列表", dict: "键值表"}


def _typed(value: Any, kind: type[T], where: _Where) -> T:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        shown = "空值" if value is None else repr(value)
        raise where.error(f"应为{_TYPE_NAMES.get(kind, kind.__name__)}，实为 {shown}")
    return value


def _keys(data: dict[str, Any], required: tuple[str, ...], optional: tuple[str, ...], where: _Where) -> None:
    missing = [k for k in required if k not in data]
    unknown = [str(k) for k in data if k not in required and k not in optional]
    problems = [f"缺少必填项 {'、'.join(missing)}"] if missing else []
    if unknown:
        problems.append(f"未知的项 {'、'.join(unknown)}（可用的项：{'、'.join((*required, *optional))}）")
    if problems:
        raise where.error("；".join(problems))


def _text(data: dict[str, Any], key: str, where: _Where, default: str | None = None) -> str:
    if key not in data and default is not None:
        return default
    value = _typed(data.get(key), str, where.at(key))
    if not value.strip():
        raise where.at(key).error("不能为空")
    return value


def _number(
    data: dict[str, Any], key: str, where: _Where, low: int, high: int, default: int | None = None
) -> int:
    if key not in data and default is not None:
        return default
    value = _typed(data.get(key), int, where.at(key))
    if not low <= value <= high:
        raise where.at(key).error(f"应在 {low}—{high} 之间，实为 {value}")
    return value


def _flag(data: dict[str, Any], key: str, where: _Where, default: bool) -> bool:
    return default if key not in data else _typed(data[key], bool, where.at(key))


def _words(
    data: dict[str, Any], key: str, where: _Where, allowed: Mapping[str, Any] | tuple[str, ...] | None = None
) -> tuple[str, ...]:
    values = _typed(data.get(key, []), list, where.at(key))
    words = tuple(_typed(v, str, where.at(key).at(i)) for i, v in enumerate(values))
    if len(set(words)) != len(words):
        raise where.at(key).error("有重复的值")
    if allowed is not None:
        bad = [w for w in words if w not in allowed]
        if bad:
            raise where.at(key).error(f"未知的值 {'、'.join(bad)}（可用的值：{'、'.join(allowed)}）")
    return words


def _choose(
    data: dict[str, Any], key: str, where: _Where, allowed: Mapping[str, Any] | tuple[str, ...]
) -> str:
    value = _text(data, key, where)
    if value not in allowed:
        raise where.at(key).error(f"未知的值 {value}（可用的值：{'、'.join(allowed)}）")
    return value


# -- materials and fields -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Texts:
    standard_conditions: str
    licence_notes: str
    data_notes: str


_MATERIAL_KEYS = ("condition", "licence", "data", "formats", "copies", "notes")


def _material(code: str, data: Any, texts: _Texts, where: _Where) -> MaterialSpec:
    data = _typed(data, dict, where)
    _keys(data, ("name",), ("code", *_MATERIAL_KEYS), where)
    if "licence" in data and "data" in data:
        raise where.error("licence（电子证照）与 data（数据共享）只能填一个")
    condition = _text(data, "condition", where, "")
    source, licence, resource, notes = "upload", "", "", ""
    if "licence" in data:
        source, licence, notes = "licence", _text(data, "licence", where), texts.licence_notes
    elif "data" in data:
        source, resource, notes = "data", _text(data, "data", where), texts.data_notes
    formats = _words(data, "formats", where) if "formats" in data else MaterialSpec.formats
    if not formats:
        raise where.at("formats").error("不能为空")
    return MaterialSpec(
        code=code,
        name=_text(data, "name", where),
        requirement="conditional" if condition else "required",
        condition=condition,
        source=source,
        licence_type_code=licence,
        data_resource_code=resource,
        formats=formats,
        copies=_number(data, "copies", where, 1, 99, 1),
        notes=_text(data, "notes", where, notes),
    )


_CODE = re.compile(r"[a-z][a-z0-9_]*")


def _code(value: Any, where: _Where) -> str:
    code = _typed(value, str, where)
    if not _CODE.fullmatch(code):
        raise where.error(f"编码 {code} 只能由小写字母、数字和下划线组成，并以字母开头")
    return code


def _field(data: Any, where: _Where) -> FieldSpec:
    data = _typed(data, dict, where)
    _keys(data, ("name", "title"), ("kind", "choices", "required", "help", "material", "fields"), where)
    name = _code(data["name"], where.at("name"))
    kind = _choose(data, "kind", where, FIELD_KINDS) if "kind" in data else "text"
    where = _Where(where.file, where.item, f"{where.path}（{name}）")
    choices = _words(data, "choices", where)
    if kind in ("select", "radio") and not choices:
        raise where.error(f"{kind} 类字段须列出 choices（可选项）")
    if kind not in ("select", "radio") and choices:
        raise where.error("只有 select、radio 类字段可以有 choices")
    if (kind == "file") != ("material" in data):
        raise where.error("file 类字段须且只有它须填 material（所上传的材料编码）")
    if (kind == "group") != ("fields" in data):
        raise where.error("group 类字段须且只有它须填 fields（每行的字段）")
    children: tuple[FieldSpec, ...] = ()
    if kind == "group":
        rows = _typed(data["fields"], list, where.at("fields"))
        children = tuple(_field(child, where.at("fields").at(i)) for i, child in enumerate(rows))
        _unique_names(children, where.at("fields"))
        if not children:
            raise where.at("fields").error("不能为空")
    return FieldSpec(
        name=name,
        title=_text(data, "title", where),
        kind=kind,
        choices=choices,
        required=_flag(data, "required", where, kind != "group"),
        children=children,
        help=_text(data, "help", where, ""),
        material=_code(data["material"], where.at("material")) if kind == "file" else "",
    )


def _unique_names(fields: tuple[FieldSpec, ...], where: _Where) -> None:
    seen: set[str] = set()
    for spec in fields:
        if spec.name in seen:
            raise where.error(f"字段名 {spec.name} 重复")
        seen.add(spec.name)


# -- shared.yaml --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Shared:
    texts: _Texts
    materials: dict[str, MaterialSpec]
    field_groups: dict[str, tuple[FieldSpec, ...]]


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"事项目录文件 {path.name} 无法读取：{exc}") from exc
    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 (safe loader)
    except yaml.YAMLError as exc:
        raise CatalogError(f"事项目录文件 {path.name} 不是有效的 YAML：{exc}") from exc


def _shared(path: Path) -> _Shared:
    where = _Where(path.name)
    data = _typed(_read(path), dict, where)
    _keys(
        data, ("standard_conditions", "licence_notes", "data_notes", "materials", "field_groups"), (), where
    )
    texts = _Texts(
        standard_conditions=_text(data, "standard_conditions", where),
        licence_notes=_text(data, "licence_notes", where),
        data_notes=_text(data, "data_notes", where),
    )
    materials: dict[str, MaterialSpec] = {}
    for key, entry in _typed(data["materials"], dict, where.at("materials")).items():
        at = _Where(path.name, f"共用材料“{key}”")
        if isinstance(entry, dict) and "code" in entry:
            raise at.error("共用材料的编码就是它的键，不要另填 code")
        materials[key] = _material(_code(key, at), entry, texts, at)
    groups: dict[str, tuple[FieldSpec, ...]] = {}
    for key, entry in _typed(data["field_groups"], dict, where.at("field_groups")).items():
        at = _Where(path.name, f"共用字段组“{key}”")
        rows = _typed(entry, list, at)
        groups[_code(key, at)] = tuple(_field(row, at.at(i)) for i, row in enumerate(rows))
        _unique_names(groups[key], at)
        if not groups[key]:
            raise at.error("不能为空")
    missing = [key for key in REQUIRED_GROUPS if key not in groups]
    if missing:
        raise where.at("field_groups").error(
            f"缺少共用字段组 {'、'.join(missing)}（申请人基本信息，每张表单都用）"
        )
    return _Shared(texts, materials, groups)


# -- item files ---------------------------------------------------------------------------------------

_ITEM_REQUIRED = (
    "name",
    "main",
    "item_type",
    "department",
    "legal_basis",
    "conditions",
    "statutory_days",
    "promised_days",
    "online_depth",
    "subjects",
    "themes",
    "keywords",
    "result_name",
    "result_type",
    "materials",
)
_ITEM_OPTIONAL = (
    "sub",
    "instant",
    "fee_basis",
    "fee_standard",
    "site_visits",
    "delivery",
    "process",
    "fields",
)


def _item_materials(entries: Any, shared: _Shared, where: _Where) -> tuple[MaterialSpec, ...]:
    out: list[MaterialSpec] = []
    for i, entry in enumerate(_typed(entries, list, where)):
        at = where.at(i)
        if isinstance(entry, str):
            if entry not in shared.materials:
                raise at.error(f"未知的共用材料“{entry}”（共用材料在 {SHARED_FILE} 的 materials 中定义）")
            out.append(shared.materials[entry])
            continue
        data = _typed(entry, dict, at)
        if "code" not in data:
            raise at.error("本事项专有的材料须填 code（材料编码）与 name（材料名称）")
        code = _code(data["code"], at.at("code"))
        if code in shared.materials:
            raise at.error(f"材料编码 {code} 与共用材料重名：请直接写“- {code}”引用共用材料，或另取编码")
        out.append(_material(code, data, shared.texts, at))
    if not out:
        raise where.error("至少要有一项申请材料")
    codes = [m.code for m in out]
    for code in codes:
        if codes.count(code) > 1:
            raise where.error(f"材料编码 {code} 重复")
    return tuple(out)


def _item_fields(entries: Any, shared: _Shared, where: _Where) -> tuple[FieldSpec, ...]:
    out: list[FieldSpec] = []
    for i, entry in enumerate(_typed(entries, list, where)):
        at = where.at(i)
        if isinstance(entry, str):
            out += _group(entry, shared, at)
            continue
        data = _typed(entry, dict, at)
        if "group" not in data:
            out.append(_field(data, at))
            continue
        _keys(data, ("group", "only"), (), at)
        group = _group(_typed(data["group"], str, at.at("group")), shared, at)
        by_name = {f.name: f for f in group}
        names = _words(data, "only", at, by_name)
        if not names:
            raise at.at("only").error("不能为空")
        out += [by_name[name] for name in names]
    return tuple(out)


def _group(key: str, shared: _Shared, where: _Where) -> tuple[FieldSpec, ...]:
    if key not in shared.field_groups:
        raise where.error(f"未知的共用字段组“{key}”（共用字段组在 {SHARED_FILE} 的 field_groups 中定义）")
    return shared.field_groups[key]


def _item(data: Any, shared: _Shared, departments: frozenset[str], file: str, index: int) -> ItemSpec:
    where = _Where(file, f"第 {index + 1} 个事项")
    data = _typed(data, dict, where)
    if isinstance(data.get("name"), str) and data["name"].strip():
        where = _Where(file, f"事项“{data['name']}”")
    _keys(data, _ITEM_REQUIRED, _ITEM_OPTIONAL, where)
    subjects = _words(data, "subjects", where, SUBJECTS)
    if not subjects:
        raise where.at("subjects").error("不能为空")
    statutory = _number(data, "statutory_days", where, 0, 999)
    promised = _number(data, "promised_days", where, 0, 999)
    if promised > statutory:
        raise where.at("promised_days").error(f"承诺时限 {promised} 天不能超过法定时限 {statutory} 天")
    conditions = _text(data, "conditions", where)
    conditions = f"{conditions}{'' if conditions.endswith('。') else '。'}{shared.texts.standard_conditions}"
    fields = _item_fields(data.get("fields", []), shared, where.at("fields"))
    basics = shared.field_groups["enterprise_basics" if subjects == ("enterprise",) else "person_basics"]
    _unique_names((*basics, *fields), where.at("fields"))
    materials = _item_materials(data["materials"], shared, where.at("materials"))
    codes = {m.code for m in materials}
    for spec in (*fields, *(child for f in fields for child in f.children)):
        if spec.kind == "file" and spec.material not in codes:
            raise where.at("fields").error(
                f"上传字段 {spec.name} 的材料 {spec.material} 不在本事项的申请材料中"
            )
    return ItemSpec(
        main=_number(data, "main", where, 1, 99_999),
        name=_text(data, "name", where),
        item_type=_choose(data, "item_type", where, TYPE_DIGITS),
        department=_choose(data, "department", where, tuple(sorted(departments))),
        legal_basis=_text(data, "legal_basis", where),
        conditions=conditions,
        statutory_days=statutory,
        promised_days=promised,
        online_depth=_number(data, "online_depth", where, 1, 4),
        subjects=subjects,
        themes=_themes(data, where),
        keywords=_text(data, "keywords", where),
        result_name=_text(data, "result_name", where),
        result_type=_choose(data, "result_type", where, RESULT_TYPES),
        materials=materials,
        fields=fields,
        instant=_flag(data, "instant", where, False),
        fee_basis=_text(data, "fee_basis", where, ""),
        fee_standard=_text(data, "fee_standard", where, ""),
        sub=_number(data, "sub", where, 1, 999, 1),
        site_visits=_number(data, "site_visits", where, 0, 9) if "site_visits" in data else None,
        delivery=_text(data, "delivery", where, ItemSpec.delivery),
        process=_text(data, "process", where, ""),
    )


def _themes(data: dict[str, Any], where: _Where) -> tuple[str, ...]:
    from yiwang.services.constants import THEMES

    themes = _words(data, "themes", where, THEMES)
    if not themes:
        raise where.at("themes").error("不能为空")
    return themes


def known_departments() -> frozenset[str]:
    """The city departments of the demo city, plus the per-district implementers."""
    from yiwang.demo.organizations import organization_specs

    city = {spec.code for spec in organization_specs() if spec.code.startswith("city-")}
    return frozenset(city | set(DISTRICT_DEPARTMENTS))


def load_catalog(directory: Path = CATALOG_DIR, *, departments: frozenset[str] | None = None) -> Catalog:
    """Read and check `shared.yaml` and every `NN-*.yaml` in `directory` (in file-name order)."""
    directory = Path(directory)
    departments = known_departments() if departments is None else departments
    shared = _shared(directory / SHARED_FILE)
    names = sorted(p.name for p in directory.iterdir() if ITEM_FILES.fullmatch(p.name))
    if not names:
        raise CatalogError(f"目录 {directory} 中没有事项文件（应命名为“两位序号-名称.yaml”，如 01-amr.yaml）")
    items: list[ItemSpec] = []
    seen: dict[tuple[str, str], str] = {}
    for name in names:
        where = _Where(name)
        data = _typed(_read(directory / name), dict, where)
        _keys(data, ("items",), (), where)
        for index, entry in enumerate(_typed(data["items"], list, where.at("items"))):
            item = _item(entry, shared, departments, name, index)
            key = (item.department, item.basic_code)
            if key in seen:
                raise _Where(name, f"事项“{item.name}”").error(
                    f"{item.department} 的基本编码 {item.basic_code} 与 {seen[key]}重复（请检查 main / sub）"
                )
            seen[key] = f"{name} 中的事项“{item.name}”"
            items.append(item)
    return Catalog(shared.materials, shared.field_groups, tuple(items), tuple(names))


@cache
def catalog() -> Catalog:
    """The demo city's catalogue, read once per process."""
    return load_catalog()
