"""Codes of service items after GB/T 39554.1-2020 (全国一体化政务服务平台 政务服务事项基本目录及实施清单
第 1 部分：编码要求), as we best know it:

* 基本编码 (basic code, shared by every implementation of one item at every level — 四级四同):
  12 digits = 事项类型代码 (2) + 主项编码 (5) + 子项编码 (3) + 业务办理项编码 (2).
  Regex: ``^\\d{12}$``.
* 实施编码 (implementation code): the 统一社会信用代码 of the implementing organisation (18 characters,
  GB 32100 alphabet) + 行使层级代码 (1 digit: 1 国家级, 2 省级, 3 市级, 4 县级/区级, 5 乡镇级/街道级,
  6 村级/社区级) + the 基本编码 (12). Regex:
  ``^[0-9A-HJ-NPQRTUWXY]{18}[1-6]\\d{12}$`` (31 characters).

An implementation code must also agree with its item: it begins with the organisation's USCC, its
level digit is the item's level, and it ends with the item's basic code."""

from __future__ import annotations

import re

from yiwang.services.models import ItemLevel

BASIC_CODE_RE = re.compile(r"^\d{12}$")
IMPLEMENTATION_CODE_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}[1-6]\d{12}$")
# Loose shape accepted in URLs and API paths (anything else is a 404 without a database query).
CODE_IN_URL_RE = r"[0-9A-Za-z]{1,40}"

LEVEL_DIGITS: dict[str, str] = {ItemLevel.CITY: "3", ItemLevel.DISTRICT: "4", ItemLevel.STREET: "5"}


def implementation_code(*, organization_uscc: str, level: str, basic_code: str) -> str:
    """The 实施编码 of an item: organisation USCC + level digit + basic code."""
    return f"{organization_uscc}{LEVEL_DIGITS[level]}{basic_code}"


def code_problems(
    *, basic_code: str, implementation_code: str, organization_uscc: str, level: str
) -> list[str]:
    """Chinese descriptions of what is wrong with an item's codes (empty when they are fine)."""
    problems = []
    if not BASIC_CODE_RE.fullmatch(basic_code or ""):
        problems.append("基本编码应为 12 位数字（事项类型 2 位 + 主项 5 位 + 子项 3 位 + 业务办理项 2 位）")
    if not IMPLEMENTATION_CODE_RE.fullmatch(implementation_code or ""):
        problems.append("实施编码应为 31 位：实施主体统一社会信用代码 18 位 + 层级代码 1 位 + 基本编码 12 位")
        return problems
    if implementation_code[:18] != organization_uscc:
        problems.append("实施编码前 18 位应为实施主体的统一社会信用代码")
    expected_digit = LEVEL_DIGITS.get(level)
    if expected_digit and implementation_code[18] != expected_digit:
        problems.append(f"实施编码第 19 位（层级代码）应为 {expected_digit}")
    if basic_code and implementation_code[19:] != basic_code:
        problems.append("实施编码后 12 位应与基本编码一致")
    return problems
