"""The server-side check of a form's data: what every write runs, from the web form and the API alike.

JSON Schema cannot say that an ID number's check digit is right, that a date exists or that a region
code names a street or community, so the identifier, date and region checks run first (with the
core validators), then the schema itself; every problem comes back as a Chinese line naming the
field by its title, so a domain can tell the applicant everything at once (一次告知)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from yiwang.core.forms.regions import pickable_codes
from yiwang.core.forms.specs import FieldSpec, GroupSpec, specs_of
from yiwang.core.validators import schema_errors, validate_id_number, validate_mobile, validate_uscc

IDENTIFIER_VALIDATORS = {"id_number": validate_id_number, "uscc": validate_uscc, "phone": validate_mobile}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def form_data_errors(
    schema: Mapping[str, Any], ui: Mapping[str, Any], data: Any, *, leave_out: Iterable[str] = ()
) -> list[str]:
    """Every problem with `data` as the data of the form `schema` + `ui`, as Chinese lines naming the
    field (empty when it is fine; a form without a schema accepts any object).

    `leave_out` names properties the schema check skips (e.g. file fields bound to attachments, filled
    in only once the files are stored)."""
    if not isinstance(data, Mapping):
        return [_("申请表应为对象（键值对）")]
    if not schema:
        return []
    specs = specs_of(schema, ui)
    problems: list[str] = []
    region_codes: set[str] = set()
    for spec in specs:
        value = data.get(spec.name)
        if value is None:
            continue
        if isinstance(spec, GroupSpec):
            if isinstance(value, list):
                for index, row in enumerate(value):
                    if not isinstance(row, Mapping):
                        continue
                    for sub in spec.fields:
                        if row.get(sub.name) is not None:
                            where = f"{spec.label}第 {index + 1} 行「{sub.label}」"
                            _check_value(sub, row[sub.name], where, problems, region_codes)
        else:
            _check_value(spec, value, f"「{spec.label}」", problems, region_codes)
    if region_codes:
        for code in sorted(region_codes - pickable_codes(region_codes)):
            problems.append(_("区划 %(code)s 不存在，请选择街道或社区") % {"code": code[:20]})
    titles = {spec.name: spec.label for spec in specs}
    check_schema = _without(schema, leave_out)
    problems += [_label_path(titles, line) for line in schema_errors(dict(data), check_schema)]
    return problems


def _without(schema: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    names = set(names)
    if not names:
        return dict(schema)
    result = dict(schema)
    result["properties"] = {k: v for k, v in (schema.get("properties") or {}).items() if k not in names}
    result["required"] = [n for n in schema.get("required") or [] if n not in names]
    return result


def _check_value(
    spec: FieldSpec, value: Any, where: str, problems: list[str], region_codes: set[str]
) -> None:
    if spec.widget in IDENTIFIER_VALIDATORS and isinstance(value, str):
        try:
            IDENTIFIER_VALIDATORS[spec.widget](value)
        except ValidationError as exc:
            problems.append(f"{where}：{exc.messages[0]}")
    elif spec.widget == "date" or spec.prop.get("format") == "date":
        if isinstance(value, str):
            try:
                if not _ISO_DATE.match(value):
                    raise ValueError(value)
                date.fromisoformat(value)
            except ValueError:
                problems.append(f"{where}：日期格式应为 YYYY-MM-DD")
    elif spec.widget == "region" and isinstance(value, str):
        region_codes.add(value)


def _label_path(titles: Mapping[str, str], line: str) -> str:
    """Replace the property name at the start of a schema error by its Chinese title."""
    head, sep, rest = line.partition("：")
    if not sep:
        return line
    first = head.split("/", 1)[0]
    if rest.startswith("缺少必填项 ") and first == "（根）":
        missing = rest.removeprefix("缺少必填项 ")
        return _("请填写「%(label)s」") % {"label": titles.get(missing, missing)}
    if first in titles:
        head = head.replace(first, f"「{titles[first]}」", 1)
    return f"{head}：{rest}"
