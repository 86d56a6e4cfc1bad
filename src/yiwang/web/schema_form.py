"""A JSON-Schema form (`core.forms`) as a Chinese Django form, for every domain's pages.

`SchemaForm(schema, ui, …)` makes one Django field per property (widgets from `core.forms.specs`:
select/radio from ``enum``, dates, numbers, 身份证号码 / 统一社会信用代码 / 手机号码 with the core
validators, the region picker, text areas), with Chinese messages, and gives the cleaned input back
as the JSON the schema describes (`form_data`). Its full check is the kernel's `form_data_errors`,
so the web form and the API refuse the same data with the same words.

Repeating groups (an array of objects) are rendered as numbered rows without any script: the form
carries ``<group>-TOTAL`` rows, each row has a 删除 checkbox, and the submit button
``_add_row=<group>`` re-renders the form with one more blank row. File fields (``ui:widget: file``)
are not typed in: a domain adds its own upload fields (一网通办: one per material) by subclassing.

Templates: ``web/partials/schema_form.html`` walks `layout()` (with the error summary above it,
一次告知); ``web/partials/schema_field.html`` is one field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext as _

from yiwang.core.forms.regions import region_choices
from yiwang.core.forms.specs import FieldSpec, GroupSpec, bound_files, specs_of, ui_hint
from yiwang.core.forms.validation import IDENTIFIER_VALIDATORS, form_data_errors

IDENTIFIER_LENGTH = {"id_number": 18, "uscc": 18, "phone": 11}


def _required_message(label: str) -> dict[str, str]:
    return {"required": _("请填写「%(label)s」") % {"label": label}}


def _enum_choices(spec: FieldSpec) -> list[tuple[str, str]]:
    values = list(spec.prop.get("enum") or [])
    names = ui_hint(spec.ui, "enumNames")
    labels = names if isinstance(names, list) and len(names) == len(values) else values
    return [(str(v), str(label)) for v, label in zip(values, labels, strict=True)]


def _coerce_enum(spec: FieldSpec) -> Any:
    values = {str(v): v for v in spec.prop.get("enum") or []}
    return lambda raw: values.get(raw, raw)


def make_field(spec: FieldSpec, *, required: bool, regions: list[tuple[str, str]] | None) -> forms.Field:
    """One Django field for one schema property."""
    prop, label = spec.prop, spec.label
    common: dict[str, Any] = {
        "label": label,
        "required": required,
        "help_text": str(ui_hint(spec.ui, "help") or prop.get("description") or ""),
        "error_messages": _required_message(label),
    }
    placeholder = ui_hint(spec.ui, "placeholder")
    attrs: dict[str, Any] = {"placeholder": str(placeholder)} if placeholder else {}
    widget = spec.widget
    if widget in ("select", "radio") and "enum" in prop:
        choices = _enum_choices(spec)
        if widget == "select":
            choices = [("", _("请选择")), *choices]
        return forms.TypedChoiceField(
            choices=choices,
            coerce=_coerce_enum(spec),
            empty_value=None,
            widget=forms.RadioSelect if widget == "radio" else forms.Select,
            **common,
        )
    if spec.kind == "boolean":
        if widget == "radio":
            return forms.TypedChoiceField(
                choices=[("true", _("是")), ("false", _("否"))],
                coerce=lambda raw: raw == "true",
                empty_value=None,
                widget=forms.RadioSelect,
                **common,
            )
        # A checkbox always has a value (unticked = false); "required" in JSON means "present".
        return forms.BooleanField(**{**common, "required": False})
    if widget == "region":
        return forms.ChoiceField(choices=[("", _("请选择街道或社区"))] + (regions or []), **common)
    if spec.kind == "integer":
        return forms.IntegerField(
            min_value=prop.get("minimum"),
            max_value=prop.get("maximum"),
            widget=forms.NumberInput(attrs=attrs),
            **common,
        )
    if spec.kind == "number":
        return forms.FloatField(
            min_value=prop.get("minimum"),
            max_value=prop.get("maximum"),
            widget=forms.NumberInput(attrs={**attrs, "step": "any"}),
            **common,
        )
    if widget == "date":
        return forms.DateField(widget=forms.DateInput(attrs={**attrs, "type": "date"}), **common)
    validators: list[Any] = []
    if isinstance(prop.get("pattern"), str):
        validators.append(
            RegexValidator(re.compile(prop["pattern"]), _("「%(label)s」格式不正确") % {"label": label})
        )
    if widget in IDENTIFIER_VALIDATORS:
        validators.append(IDENTIFIER_VALIDATORS[widget])
        length = IDENTIFIER_LENGTH[widget]
        input_attrs = {**attrs, "maxlength": str(length), "autocomplete": "off"}
        if widget == "phone":
            input_attrs |= {"inputmode": "tel", "autocomplete": "tel"}
        return forms.CharField(validators=validators, widget=forms.TextInput(attrs=input_attrs), **common)
    if widget == "email":
        return forms.EmailField(
            max_length=prop.get("maxLength"), widget=forms.EmailInput(attrs=attrs), **common
        )
    text_widget = (
        forms.Textarea(attrs={**attrs, "rows": int(ui_hint(spec.ui, "rows") or 4)})
        if widget == "textarea"
        else forms.TextInput(attrs=attrs)
    )
    return forms.CharField(
        max_length=prop.get("maxLength"),
        min_length=prop.get("minLength"),
        validators=validators,
        widget=text_widget,
        **common,
    )


def _json_value(spec: FieldSpec, value: Any) -> Any:
    """A cleaned Django value as the JSON the schema expects (None = leave the property out)."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()
    if spec.widget in ("id_number", "uscc") and isinstance(value, str):
        return value.strip().upper()
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return int(value)  # a whole number typed as 5 stays 5, not 5.0 (JSON numbers need no point)
    return value


def _to_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return int(value)  # shown as 5, not 5.0 (drafts saved before whole numbers were kept whole)
    return value


@dataclass
class GroupRow:
    index: int
    fields: list[forms.BoundField]
    delete: forms.BoundField


@dataclass
class GroupView:
    spec: GroupSpec
    rows: list[GroupRow] = field(default_factory=list)
    total_name: str = ""
    total: int = 0
    errors: list[str] = field(default_factory=list)


class SchemaForm(forms.Form):
    """The form `schema` + `ui` as Django fields, repeating groups as numbered rows.

    `initial_data` is stored data (a draft, a record being corrected) or the prefill
    (`core.forms.prefill`); `draft=True` relaxes every requirement (a draft may be incomplete)."""

    def __init__(
        self,
        schema: Mapping[str, Any],
        ui: Mapping[str, Any],
        *,
        data: Any = None,
        files: Any = None,
        initial_data: Mapping[str, Any] | None = None,
        draft: bool = False,
    ) -> None:
        super().__init__(data=data, files=files)
        self.schema = schema
        self.ui = ui
        self.draft = draft
        self.specs = specs_of(schema, ui)
        self.initial_data = dict(initial_data or {})
        self.groups: dict[str, GroupView] = {}
        needs_regions = any(
            (isinstance(s, FieldSpec) and s.widget == "region")
            or (isinstance(s, GroupSpec) and any(f.widget == "region" for f in s.fields))
            for s in self.specs
        )
        regions = region_choices() if needs_regions else None
        add_row = data.get("_add_row") if data is not None else None
        for spec in self.specs:
            if isinstance(spec, GroupSpec):
                self._add_group(spec, regions, add_row)
            elif spec.widget != "file":
                self.fields[spec.name] = make_field(
                    spec, required=spec.required and not draft, regions=regions
                )
                if spec.name in self.initial_data:
                    self.initial[spec.name] = _to_text(self.initial_data[spec.name])

    # -- repeating groups

    def _group_total(self, spec: GroupSpec, add_row: Any) -> int:
        if self.is_bound:
            try:
                total = int(self.data.get(f"{spec.name}-TOTAL", 1))
            except (TypeError, ValueError):
                total = 1
            if add_row == spec.name:
                total += 1
        else:
            existing = self.initial_data.get(spec.name)
            rows = len(existing) if isinstance(existing, list) else 0
            hinted = ui_hint(spec.ui, "rows")
            total = max(rows, spec.min_items, int(hinted) if isinstance(hinted, int) else 1)
        return max(1, min(total, spec.max_items))

    def _add_group(self, spec: GroupSpec, regions: list[tuple[str, str]] | None, add_row: Any) -> None:
        total = self._group_total(spec, add_row)
        view = GroupView(spec=spec, total_name=f"{spec.name}-TOTAL", total=total)
        existing = self.initial_data.get(spec.name)
        rows = existing if isinstance(existing, list) else []
        for index in range(total):
            for sub in spec.fields:
                name = f"{spec.name}-{index}-{sub.name}"
                self.fields[name] = make_field(sub, required=False, regions=regions)
                if index < len(rows) and isinstance(rows[index], Mapping) and sub.name in rows[index]:
                    self.initial[name] = _to_text(rows[index][sub.name])
            self.fields[f"{spec.name}-{index}-DELETE"] = forms.BooleanField(
                label=_("删除此行"), required=False
            )
        self.groups[spec.name] = view

    def group_views(self) -> list[GroupView]:
        for view in self.groups.values():
            view.rows = [
                GroupRow(
                    index=index,
                    fields=[self[f"{view.spec.name}-{index}-{sub.name}"] for sub in view.spec.fields],
                    delete=self[f"{view.spec.name}-{index}-DELETE"],
                )
                for index in range(view.total)
            ]
        return list(self.groups.values())

    def layout(self) -> list[dict[str, Any]]:
        """What the template walks through: fields and groups in the schema's order."""
        views = {v.spec.name: v for v in self.group_views()}
        result: list[dict[str, Any]] = []
        for spec in self.specs:
            if isinstance(spec, GroupSpec):
                result.append({"group": views[spec.name]})
            elif spec.name in self.fields:
                result.append({"field": self[spec.name], "widget": spec.widget, "required": spec.required})
        return result

    # -- cleaning

    def _group_data(self, spec: GroupSpec) -> list[dict[str, Any]]:
        view = self.groups[spec.name]
        rows = []
        for index in range(view.total):
            if self.cleaned_data.get(f"{spec.name}-{index}-DELETE"):
                continue
            row = {}
            for sub in spec.fields:
                value = _json_value(sub, self.cleaned_data.get(f"{spec.name}-{index}-{sub.name}"))
                if (
                    sub.kind == "boolean"
                    and value is False
                    and not any(
                        self.cleaned_data.get(f"{spec.name}-{index}-{other.name}") not in (None, "", False)
                        for other in spec.fields
                    )
                ):
                    value = None  # an untouched checkbox does not make a blank row count
                if value is not None:
                    row[sub.name] = value
            if row:
                rows.append(row)
        return rows

    def form_data(self) -> dict[str, Any]:
        """The cleaned input as the JSON the schema describes (call after `is_valid`)."""
        data: dict[str, Any] = {}
        for spec in self.specs:
            if isinstance(spec, GroupSpec):
                rows = self._group_data(spec)
                if rows or spec.required:
                    data[spec.name] = rows
            elif spec.name in self.fields:
                value = _json_value(spec, self.cleaned_data.get(spec.name))
                if value is not None:
                    data[spec.name] = value
        return data

    def in_summary(self, name: str) -> bool:
        """Whether the field's own errors are listed in `error_summary` (a subclass may leave out
        fields whose problems a form-wide line already names)."""
        return True

    def error_summary(self) -> list[dict[str, str]]:
        """Every problem of the bound form for the summary above it (一次告知): each field's in page
        order, named and linked to its field, then the form-wide lines."""
        rows = []
        for bound in self:
            if not bound.errors or not self.in_summary(bound.name):
                continue
            label = str(bound.label or bound.name)
            for error in bound.errors:
                text = str(error) if f"「{label}」" in str(error) else f"{label}：{error}"
                rows.append({"text": text, "field_id": bound.id_for_label})
        return rows + [{"text": str(error), "field_id": ""} for error in self.non_field_errors()]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors or self.draft:
            return cleaned
        for spec in self.specs:
            if isinstance(spec, GroupSpec):
                self._check_group(spec)
        if self.errors:
            return cleaned
        # The file fields are filled in by the domain once the files are stored: not checked here.
        problems = form_data_errors(
            self.schema, self.ui, self.form_data(), leave_out=bound_files(self.schema, self.ui)
        )
        for problem in problems:
            self.add_error(None, problem)
        return cleaned

    def _check_group(self, spec: GroupSpec) -> None:
        view = self.groups[spec.name]
        required = [sub for sub in spec.fields if sub.required]
        for index in range(view.total):
            if self.cleaned_data.get(f"{spec.name}-{index}-DELETE"):
                continue
            names = [f"{spec.name}-{index}-{sub.name}" for sub in spec.fields if sub.kind != "boolean"]
            if not any(self.cleaned_data.get(n) not in (None, "") for n in names):
                continue
            for sub in required:
                name = f"{spec.name}-{index}-{sub.name}"
                if sub.kind != "boolean" and self.cleaned_data.get(name) in (None, ""):
                    self.add_error(
                        name,
                        _("第 %(row)d 行请填写「%(label)s」") % {"row": index + 1, "label": sub.label},
                    )
        count = len(self._group_data(spec))
        if count < max(spec.min_items, 1 if spec.required else 0):
            self.add_error(
                None,
                _("「%(label)s」至少填写 %(count)d 行")
                % {"label": spec.label, "count": max(spec.min_items, 1)},
            )
