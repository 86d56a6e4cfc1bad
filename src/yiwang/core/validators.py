"""Validators for national identifiers and structured data. Every message is Chinese and says what to fix."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import jsonschema
from django.core.exceptions import ValidationError
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_REGION_CODE = re.compile(r"^\d{6}(\d{3}(\d{3})?)?$")
_GEOMETRY_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}


def validate_id_number(value: str) -> None:
    """GB 11643 公民身份号码: 18 characters, a real birth date and a valid check digit.

    The first six digits are not looked up in a historical region table: codes are retired and
    reassigned over time, and a card stays valid after its region code is withdrawn."""
    if len(value) != 18:
        raise ValidationError("身份证号码应为 18 位", code="id_number_length")
    if not value[:-1].isdigit() or not (value[-1].isdigit() or value[-1] == "X"):
        raise ValidationError(
            "身份证号码格式不正确（前 17 位为数字，末位为数字或大写 X）", code="id_number_format"
        )
    if value[-1] != ric.calc_check_digit(value):
        raise ValidationError("身份证号码校验位不正确，请核对最后一位", code="id_number_checksum")
    try:
        birth = ric.get_birth_date(value)
    except stdnum_errors.ValidationError as exc:
        raise ValidationError("身份证号码中的出生日期无效", code="id_number_birth_date") from exc
    if birth.year < 1900 or birth > date.today():
        raise ValidationError("身份证号码中的出生日期无效", code="id_number_birth_date")


def validate_uscc(value: str) -> None:
    """GB 32100 统一社会信用代码: 18 characters and a valid check character."""
    try:
        uscc.validate(value)
    except stdnum_errors.InvalidLength as exc:
        raise ValidationError("统一社会信用代码应为 18 位", code="uscc_length") from exc
    except stdnum_errors.InvalidChecksum as exc:
        raise ValidationError("统一社会信用代码校验位不正确，请核对最后一位", code="uscc_checksum") from exc
    except stdnum_errors.ValidationError as exc:
        raise ValidationError("统一社会信用代码含有无效字符", code="uscc_format") from exc
    if value != value.upper():
        raise ValidationError("统一社会信用代码中的字母请使用大写", code="uscc_format")


def validate_mobile(value: str) -> None:
    if value and not _MOBILE.match(value):
        raise ValidationError("手机号码应为 11 位，以 1 开头", code="mobile_format")


def validate_region_code(value: str) -> None:
    """GB/T 2260 code (6 digits) extended to streets (9) and communities (12) as the statistics codes are."""
    if not _REGION_CODE.match(value):
        raise ValidationError("区划代码应为 6、9 或 12 位数字", code="region_code_format")


def validate_geojson_geometry(value: Any) -> None:
    if value in (None, {}):
        return
    if not isinstance(value, dict) or value.get("type") not in _GEOMETRY_TYPES or "coordinates" not in value:
        raise ValidationError("边界应为 GeoJSON 几何对象（如 Polygon、MultiPolygon）", code="geometry_format")


def validate_json_schema(value: Any) -> None:
    """The value must itself be a valid JSON Schema (Draft 2020-12)."""
    try:
        jsonschema.Draft202012Validator.check_schema(value or {})
    except jsonschema.SchemaError as exc:
        raise ValidationError(f"JSON Schema 无效：{exc.message}", code="schema_invalid") from exc


def schema_errors(data: Any, schema: dict[str, Any]) -> list[str]:
    """All violations of `schema` by `data`, as Chinese lines naming the path."""
    validator = jsonschema.Draft202012Validator(schema or {})
    lines = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in error.absolute_path) or "（根）"
        lines.append(f"{where}：{_explain(error)}")
    return lines


def validate_against_schema(data: Any, schema: dict[str, Any], *, field: str = "data") -> None:
    errors = schema_errors(data, schema)
    if errors:
        raise ValidationError({field: errors}, code="schema_mismatch")


def _explain(error: jsonschema.ValidationError) -> str:
    validator = error.validator
    if validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        return f"缺少必填项 {missing}"
    if validator == "type":
        return f"类型应为 {error.validator_value}"
    if validator == "enum":
        return f"取值应为以下之一：{'、'.join(map(str, error.validator_value))}"
    if validator in {"maxLength", "minLength"}:
        return f"长度不符合要求（{validator}={error.validator_value}）"
    if validator in {"maximum", "minimum"}:
        return f"数值超出范围（{validator}={error.validator_value}）"
    if validator == "pattern":
        return "格式不正确"
    if validator == "additionalProperties":
        return "含有未定义的属性"
    return f"不符合规则 {validator}"
