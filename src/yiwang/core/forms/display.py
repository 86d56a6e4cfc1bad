"""A form's stored data as staff read it: one row per field, its title and its value in words.

Stored data is codes and uids (enum values, region codes, booleans, nested rows); staff read choice
labels, region names, 是/否 and each row's titles — with ID numbers and phones masked
(`core.masking`), as everywhere on the platform. Every domain's handling page shows its forms so."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.utils.translation import gettext as _

from yiwang.core.forms.regions import region_labels
from yiwang.core.forms.specs import bound_files, widget_of
from yiwang.core.masking import mask_id_number, mask_phone

# Personal information a form may declare (by `ui:widget` or `format`): masked wherever the data
# leaves the domain — pages, API, exports, documents — unless it is revealed with a reason.
PII_MASKS = {"id_number": mask_id_number, "phone": mask_phone}


def form_rows(
    schema: dict[str, Any], ui: dict[str, Any], data: Any, file_fields: Collection[str] | None = None
) -> list[dict[str, str]]:
    """The form's values as staff read them ({"label", "value"} per stored property). A file field
    (holding its file's uid) points to the materials list, where the file is opened; `file_fields`
    defaults to the fields the UI hints bind to attachments (`specs.bound_files`)."""
    if not isinstance(data, dict):
        return []
    if file_fields is None:
        file_fields = bound_files(schema, ui)
    codes = _region_codes(data, schema, ui)
    regions = region_labels(codes) if codes else {}
    properties = _dict(schema.get("properties"))
    return [
        {
            "label": str(_dict(properties.get(name)).get("title", name)),
            "value": _("见申请材料")
            if name in file_fields
            else _value_text(name, value, _dict(properties.get(name)), _dict(ui.get(name)), regions),
        }
        for name, value in data.items()
    ]


def _pii_kind(name: str, prop: dict[str, Any], ui: dict[str, Any]) -> str | None:
    """The kind of personal information a field holds: its declared widget or format, and for data
    of forms older than their declarations, a name that says so."""
    widget = widget_of(prop, ui)
    if widget in PII_MASKS:
        return widget
    if "id_number" in name:
        return "id_number"
    if "phone" in name or "mobile" in name:
        return "phone"
    return None


def _masked(name: str, prop: dict[str, Any], ui: dict[str, Any], value: Any) -> str:
    kind = _pii_kind(name, prop, ui)
    return PII_MASKS[kind](str(value)) if kind is not None else str(value)


def masked_form_data(schema: dict[str, Any], ui: dict[str, Any], data: Any) -> Any:
    """The stored data with every ID number and phone masked, same shape (for the API, exports)."""
    return _mask_value("", data, _dict(schema), _dict(ui))


def pii_fields(schema: dict[str, Any], ui: dict[str, Any], data: Any) -> list[str]:
    """The names of the fields in `data` holding personal information (what a reveal shows)."""
    found: set[str] = set()
    _collect_pii("", data, _dict(schema), _dict(ui), found)
    return sorted(found)


def _mask_value(name: str, value: Any, schema: dict[str, Any], ui: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        properties = _dict(schema.get("properties"))
        return {
            key: _mask_value(key, item, _dict(properties.get(key)), _dict(ui.get(key)))
            for key, item in value.items()
        }
    if isinstance(value, list):
        items_schema, items_ui = _dict(schema.get("items")), _dict(ui.get("items"))
        return [_mask_value(name, item, items_schema, items_ui) for item in value]
    if isinstance(value, str) and value and _pii_kind(name, schema, ui) is not None:
        return _masked(name, schema, ui, value)
    return value


def _collect_pii(name: str, value: Any, schema: dict[str, Any], ui: dict[str, Any], found: set[str]) -> None:
    if isinstance(value, dict):
        properties = _dict(schema.get("properties"))
        for key, item in value.items():
            _collect_pii(key, item, _dict(properties.get(key)), _dict(ui.get(key)), found)
    elif isinstance(value, list):
        for item in value:
            _collect_pii(name, item, _dict(schema.get("items")), _dict(ui.get("items")), found)
    elif isinstance(value, str) and value and _pii_kind(name, schema, ui) is not None:
        found.add(name)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _value_text(
    name: str, value: Any, schema: dict[str, Any], ui: dict[str, Any], regions: dict[str, str]
) -> str:
    """One form value for staff: enum labels, region names, nested groups with their titles,
    ID/phone masked. `regions` maps the region codes met in the form to their names."""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        items_schema, items_ui = _dict(schema.get("items")), _dict(ui.get("items"))
        return "；".join(_value_text(name, v, items_schema, items_ui, regions) for v in value)
    if isinstance(value, dict):
        properties = _dict(schema.get("properties"))
        parts = []
        for key, item in value.items():
            sub_schema, sub_ui = _dict(properties.get(key)), _dict(ui.get(key))
            label = sub_schema.get("title", key)
            parts.append(f"{label}：{_value_text(key, item, sub_schema, sub_ui, regions)}")
        return "，".join(parts)
    enum, names = schema.get("enum"), ui.get("ui:enumNames")
    if isinstance(enum, list) and isinstance(names, list) and value in enum and len(names) == len(enum):
        return str(names[enum.index(value)])
    if ui.get("ui:widget") == "region":
        return regions.get(str(value), str(value))
    return _masked(name, schema, ui, value)


def _region_codes(value: Any, schema: dict[str, Any], ui: dict[str, Any]) -> set[str]:
    """The values of the region-picker fields anywhere in a form's data."""
    if isinstance(value, list):
        return set().union(
            *(_region_codes(v, _dict(schema.get("items")), _dict(ui.get("items"))) for v in value)
        )
    if isinstance(value, dict):
        properties = _dict(schema.get("properties"))
        return set().union(
            *(_region_codes(v, _dict(properties.get(k)), _dict(ui.get(k))) for k, v in value.items())
        )
    return {str(value)} if ui.get("ui:widget") == "region" and value else set()
