"""A form's fields in display order, each with the widget it is shown with.

One reading of a schema + UI hints (see `schema` for the convention) shared by everything that walks
a form — the Django form (`web.schema_form`), the server-side check (`validation`), prefill — so that
they agree on the order, the widgets and what is a repeating group.

Widgets come from ``ui:widget`` or are inferred from the schema: ``"format": "date"`` → date,
``"format": "id-number"`` → 身份证号码, ``"format": "uscc"`` → 统一社会信用代码, ``"format": "mobile"``
(or ``"phone"``) → 手机号码, ``enum`` → select, ``boolean`` → checkbox, an array (of objects) → a
repeating group."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

MAX_GROUP_ROWS = 50
FORMAT_WIDGETS = {
    "date": "date",
    "id-number": "id_number",
    "id_number": "id_number",
    "uscc": "uscc",
    "mobile": "phone",
    "phone": "phone",
    "email": "email",
    "region": "region",
}


def ui_hint(ui: Mapping[str, Any], key: str) -> Any:
    """A hint by its `ui:` name, also accepting the bare name (``widget`` for ``ui:widget``)."""
    if f"ui:{key}" in ui:
        return ui[f"ui:{key}"]
    return ui.get(key)


def kinds(prop: Mapping[str, Any]) -> list[str]:
    """The property's JSON types without ``null`` (a string when it declares none)."""
    kind = prop.get("type")
    if isinstance(kind, list):
        return [str(k) for k in kind if k != "null"]
    return [str(kind)] if kind else ["string"]


def widget_of(prop: Mapping[str, Any], ui: Mapping[str, Any]) -> str:
    """The widget a property is shown with (see the module docstring)."""
    hinted = ui_hint(ui, "widget")
    if isinstance(hinted, str) and hinted:
        return hinted.replace("-", "_")
    kind = kinds(prop)[0]
    if kind == "array":
        return "group"
    if kind == "boolean":
        return "checkbox"
    if "enum" in prop:
        return "select"
    if kind in ("integer", "number"):
        return "number"
    fmt = prop.get("format")
    if isinstance(fmt, str) and fmt in FORMAT_WIDGETS:
        return FORMAT_WIDGETS[fmt]
    return "text"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    prop: Mapping[str, Any]
    ui: Mapping[str, Any]
    widget: str
    required: bool

    @property
    def label(self) -> str:
        return str(self.prop.get("title") or self.name)

    @property
    def kind(self) -> str:
        return kinds(self.prop)[0]


@dataclass(frozen=True)
class GroupSpec:
    name: str
    prop: Mapping[str, Any]
    ui: Mapping[str, Any]
    required: bool
    fields: list[FieldSpec]

    @property
    def label(self) -> str:
        return str(self.prop.get("title") or self.name)

    @property
    def add_label(self) -> str:
        return str(ui_hint(self.ui, "addLabel") or _("添加一行"))

    @property
    def min_items(self) -> int:
        value = self.prop.get("minItems", 0)
        return int(value) if isinstance(value, int) else 0

    @property
    def max_items(self) -> int:
        value = self.prop.get("maxItems", MAX_GROUP_ROWS)
        return max(1, min(int(value) if isinstance(value, int) else MAX_GROUP_ROWS, MAX_GROUP_ROWS))


def specs_of(schema: Mapping[str, Any], ui: Mapping[str, Any]) -> list[FieldSpec | GroupSpec]:
    """The form's fields in display order (``ui:order`` first); groups hold their own fields."""
    properties: Mapping[str, Any] = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    order = [n for n in (ui.get("ui:order") or []) if isinstance(n, str) and n in properties]
    names = order + [n for n in properties if n not in order]
    specs: list[FieldSpec | GroupSpec] = []
    for name in names:
        prop = properties[name]
        if not isinstance(prop, Mapping):
            continue
        hint = ui.get(name) or {}
        hint = hint if isinstance(hint, Mapping) else {}
        widget = widget_of(prop, hint)
        if widget == "group":
            items = prop.get("items") or {}
            sub_ui = hint.get("items") or {}
            sub_specs = specs_of(items, sub_ui if isinstance(sub_ui, Mapping) else {})
            specs.append(
                GroupSpec(
                    name=name,
                    prop=prop,
                    ui=hint,
                    required=name in required,
                    fields=[s for s in sub_specs if isinstance(s, FieldSpec)],
                )
            )
        else:
            specs.append(FieldSpec(name=name, prop=prop, ui=hint, widget=widget, required=name in required))
    return specs


def bound_files(schema: Mapping[str, Any], ui: Mapping[str, Any]) -> dict[str, str]:
    """{property name: attachment code} for the top-level file fields bound with ``ui:material``.

    Such a field is not typed in: it receives the uid of the stored file when the domain stores it."""
    return {
        spec.name: str(ui_hint(spec.ui, "material"))
        for spec in specs_of(schema, ui)
        if isinstance(spec, FieldSpec) and spec.widget == "file" and ui_hint(spec.ui, "material")
    }
