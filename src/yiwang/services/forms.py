"""The application form of a service item as a Chinese Django form.

An item's `form_schema` (JSON Schema Draft 2020-12) describes the data; its `form_ui` holds UI hints
in the convention of `services.forms_schema` (react-jsonschema-form's uiSchema: ``ui:widget``,
``ui:prefill``, ``ui:enumNames``, ``ui:placeholder``, ``ui:help``, ``ui:addLabel``, ``ui:rows``,
``ui:material``, ``ui:order``). Widgets are also inferred from the schema: ``"format": "date"`` →
date, ``"format": "id-number"`` → 身份证号码, ``"format": "uscc"`` → 统一社会信用代码,
``"format": "mobile"`` (or ``"phone"``) → 手机号码, ``enum`` → select, ``boolean`` → checkbox.

Repeating groups (an array of objects) are rendered as numbered rows without any script: the form
carries ``<group>-TOTAL`` rows, each row has a 删除 checkbox, and the submit button
``_add_row=<group>`` re-renders the form with one more blank row (see `ApplicationForm`).

Materials of source 申请人上传 become file fields ``material-<code>``; a schema property with
``ui:widget: file`` bound to a material (``ui:material``) receives the uid of that material's
stored file when the application is filed (`fill_file_fields`).

`form_data_errors(item, data)` is the server-side check every write runs (also for the API):
identifier formats with the core validators, dates, region codes and the JSON Schema itself, all
as Chinese lines."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext as _

from yiwang.core.models import Enterprise, Person, Region
from yiwang.core.validators import schema_errors, validate_id_number, validate_mobile, validate_uscc
from yiwang.services.models import MaterialRequirement, ServiceItem
from yiwang.web.widgets import ChineseFileInput

MAX_GROUP_ROWS = 50
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
REGION_LEVELS = (Region.Level.STREET, Region.Level.COMMUNITY)
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
IDENTIFIER_VALIDATORS = {"id_number": validate_id_number, "uscc": validate_uscc, "phone": validate_mobile}
IDENTIFIER_LENGTH = {"id_number": 18, "uscc": 18, "phone": 11}


def _hint(ui: Mapping[str, Any], key: str) -> Any:
    """A hint by its `ui:` name, also accepting the bare name (``widget`` for ``ui:widget``)."""
    if f"ui:{key}" in ui:
        return ui[f"ui:{key}"]
    return ui.get(key)


def _types(prop: Mapping[str, Any]) -> list[str]:
    kind = prop.get("type")
    if isinstance(kind, list):
        return [str(k) for k in kind if k != "null"]
    return [str(kind)] if kind else ["string"]


def widget_of(prop: Mapping[str, Any], ui: Mapping[str, Any]) -> str:
    """The widget a property is shown with (see the module docstring)."""
    hinted = _hint(ui, "widget")
    if isinstance(hinted, str) and hinted:
        return hinted.replace("-", "_")
    kind = _types(prop)[0]
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
        return _types(self.prop)[0]


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
        return str(_hint(self.ui, "addLabel") or _("添加一行"))

    @property
    def min_items(self) -> int:
        value = self.prop.get("minItems", 0)
        return int(value) if isinstance(value, int) else 0

    @property
    def max_items(self) -> int:
        value = self.prop.get("maxItems", MAX_GROUP_ROWS)
        return max(1, min(int(value) if isinstance(value, int) else MAX_GROUP_ROWS, MAX_GROUP_ROWS))


def _object_specs(schema: Mapping[str, Any], ui: Mapping[str, Any]) -> list[FieldSpec | GroupSpec]:
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
            sub_specs = _object_specs(items, sub_ui if isinstance(sub_ui, Mapping) else {})
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


def form_specs(item: ServiceItem) -> list[FieldSpec | GroupSpec]:
    """The item's form fields in display order (groups hold their own fields)."""
    return _object_specs(item.form_schema or {}, item.form_ui or {})


def file_bindings(item: ServiceItem) -> dict[str, str]:
    """{property name: material code} for the schema's file fields bound to materials."""
    return {
        spec.name: str(_hint(spec.ui, "material"))
        for spec in form_specs(item)
        if isinstance(spec, FieldSpec) and spec.widget == "file" and _hint(spec.ui, "material")
    }


def fill_file_fields(item: ServiceItem, data: dict[str, Any], file_uids: Mapping[str, str]) -> dict[str, Any]:
    """`data` with each bound file field set to the uid of its material's file (`file_uids` by code)."""
    result = dict(data)
    for name, code in file_bindings(item).items():
        if code in file_uids:
            result[name] = file_uids[code]
        else:
            result.pop(name, None)
    return result


# -- prefill ------------------------------------------------------------------------------------


def subject_values(
    *, person: Person | None, enterprise: Enterprise | None, user: Any = None
) -> dict[str, Any]:
    """The values a ``ui:prefill`` may name, from the applicant's subject records."""
    values: dict[str, Any] = {}
    if person is not None:
        values |= {
            "person.name": person.name,
            "person.id_number": person.id_number,
            "person.phone": person.phone,
            "person.address": person.address,
            "person.gender": person.gender,
            "person.birth_date": person.birth_date.isoformat() if person.birth_date else "",
            "person.region": person.region.code if person.region_id and person.region else "",
        }
    if enterprise is not None:
        legal = enterprise.legal_representative
        values |= {
            "enterprise.name": enterprise.name,
            "enterprise.uscc": enterprise.uscc,
            "enterprise.address": enterprise.address,
            "enterprise.legal_representative": legal.name if legal is not None else "",
            "enterprise.legal_representative.name": legal.name if legal is not None else "",
            "enterprise.legal_representative.id_number": legal.id_number if legal is not None else "",
            "enterprise.region": enterprise.region.code if enterprise.region_id and enterprise.region else "",
        }
    if user is not None:
        values["user.phone"] = getattr(user, "phone", "") or ""
        values["user.name"] = str(getattr(user, "display_name", "") or "")
    return {key: value for key, value in values.items() if value not in (None, "")}


def prefill(
    item: ServiceItem, *, person: Person | None, enterprise: Enterprise | None, user: Any = None
) -> dict[str, Any]:
    """Initial form data from the applicant's subject record, following each field's ``ui:prefill``."""
    values = subject_values(person=person, enterprise=enterprise, user=user)
    data: dict[str, Any] = {}
    for spec in form_specs(item):
        if isinstance(spec, FieldSpec):
            source = _hint(spec.ui, "prefill")
            if isinstance(source, str) and source in values:
                data[spec.name] = values[source]
    return data


# -- the Django form ----------------------------------------------------------------------------


def region_choices() -> list[tuple[str, str]]:
    """Streets and communities as 「区 · 街道 · 社区」 choices, by code."""
    rows = Region.objects.filter(level__in=REGION_LEVELS).select_related("parent__parent").order_by("code")
    return [(region.code, _region_label(region)) for region in rows]


def region_labels(codes: Iterable[str]) -> dict[str, str]:
    """「区 · 街道 · 社区」 of the given region codes (one query), as the region picker shows them."""
    rows = Region.objects.filter(code__in=set(codes)).select_related("parent__parent")
    return {region.code: _region_label(region) for region in rows}


def _region_label(region: Region) -> str:
    names = [region.name]
    parent = region.parent
    while parent is not None and len(names) < 3 and parent.level != Region.Level.CITY:
        names.insert(0, parent.name)
        parent = parent.parent if parent.parent_id else None
    return " · ".join(names)


def _required_message(label: str) -> dict[str, str]:
    return {"required": _("请填写「%(label)s」") % {"label": label}}


def _enum_choices(spec: FieldSpec) -> list[tuple[str, str]]:
    values = list(spec.prop.get("enum") or [])
    names = _hint(spec.ui, "enumNames")
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
        "help_text": str(_hint(spec.ui, "help") or prop.get("description") or ""),
        "error_messages": _required_message(label),
    }
    placeholder = _hint(spec.ui, "placeholder")
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
        forms.Textarea(attrs={**attrs, "rows": int(_hint(spec.ui, "rows") or 4)})
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


@dataclass
class MaterialView:
    requirement: MaterialRequirement
    field: forms.BoundField | None
    current: Any = None  # the StoredFile already attached (draft / before correction)
    requested: bool = False  # named in the correction notice


class ApplicationForm(forms.Form):
    """The item's application form plus one upload field per material of source 申请人上传.

    `initial_data` is the stored `form_data` (a draft, or the application being corrected) or the
    prefill; `draft=True` relaxes every requirement (a draft may be incomplete)."""

    def __init__(
        self,
        item: ServiceItem,
        *,
        data: Any = None,
        files: Any = None,
        initial_data: Mapping[str, Any] | None = None,
        draft: bool = False,
        materials: Iterable[MaterialRequirement] | None = None,
        current_files: Mapping[str, Any] | None = None,
        requested_materials: Iterable[str] = (),
        include_form: bool = True,
    ) -> None:
        super().__init__(data=data, files=files)
        self.item = item
        self.draft = draft
        self.specs = form_specs(item) if include_form else []
        self.initial_data = dict(initial_data or {})
        self.current_files = dict(current_files or {})
        self.requested_materials = set(requested_materials)
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
        self.material_requirements = list(materials if materials is not None else item.materials.all())
        for requirement in self.material_requirements:
            if requirement.source != MaterialRequirement.Source.UPLOAD:
                continue
            accept = ",".join(f".{fmt.lower().lstrip('.')}" for fmt in requirement.formats or [])
            self.fields[self.material_field_name(requirement.code)] = forms.FileField(
                label=requirement.name,
                required=False,
                widget=ChineseFileInput(attrs={"accept": accept} if accept else {}),
            )

    # -- repeating groups

    @staticmethod
    def material_field_name(code: str) -> str:
        return f"material-{code}"

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
            hinted = _hint(spec.ui, "rows")
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

    def material_views(self) -> list[MaterialView]:
        return [
            MaterialView(
                requirement=r,
                field=self[self.material_field_name(r.code)]
                if self.material_field_name(r.code) in self.fields
                else None,
                current=self.current_files.get(r.code),
                requested=r.code in self.requested_materials or r.name in self.requested_materials,
            )
            for r in self.material_requirements
        ]

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
        """The cleaned input as the JSON `form_data` of an application (call after `is_valid`)."""
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

    def error_summary(self) -> list[dict[str, str]]:
        """Every problem of the bound form for the summary above it (一次告知): each field's in page
        order, named and linked to its field, then the form-wide lines (the materials' among them).
        The upload fields' own errors are left out: the form-wide lines already name those materials."""
        rows = []
        for bound in self:
            if not bound.errors or bound.name.startswith("material-"):
                continue
            label = str(bound.label or bound.name)
            for error in bound.errors:
                text = str(error) if f"「{label}」" in str(error) else f"{label}：{error}"
                rows.append({"text": text, "field_id": bound.id_for_label})
        return rows + [{"text": str(error), "field_id": ""} for error in self.non_field_errors()]

    def uploads(self) -> dict[str, Any]:
        """{material code: uploaded file} for the materials the applicant chose files for."""
        result = {}
        for requirement in self.material_requirements:
            upload = self.cleaned_data.get(self.material_field_name(requirement.code))
            if upload:
                result[requirement.code] = upload
        return result

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors or self.draft:
            return cleaned
        for spec in self.specs:
            if isinstance(spec, GroupSpec):
                self._check_group(spec)
        if self.errors:
            return cleaned
        problems = form_data_errors(self.item, self.form_data(), check_files=False)
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


# -- server-side validation of form data (forms and API alike) ---------------------------------


def _strip_file_fields(schema: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
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


def form_data_errors(item: ServiceItem, data: Any, *, check_files: bool = True) -> list[str]:
    """Every problem with `data` as the item's `form_data`, as Chinese lines naming the field.

    Runs the identifier, date and region checks the JSON Schema cannot express, then the schema.
    With `check_files=False` the file fields bound to materials are left out (the web form fills
    them in only when the materials are stored)."""
    schema = item.form_schema or {}
    if not isinstance(data, Mapping):
        return [_("申请表应为对象（键值对）")]
    if not schema:
        return []
    problems: list[str] = []
    region_codes: set[str] = set()
    for spec in form_specs(item):
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
        known = set(
            Region.objects.filter(code__in=region_codes, level__in=REGION_LEVELS).values_list(
                "code", flat=True
            )
        )
        for code in sorted(region_codes - known):
            problems.append(_("区划 %(code)s 不存在，请选择街道或社区") % {"code": code[:20]})
    check_schema = schema if check_files else _strip_file_fields(schema, file_bindings(item))
    problems += [_label_path(item, line) for line in schema_errors(dict(data), check_schema)]
    return problems


def _label_path(item: ServiceItem, line: str) -> str:
    """Replace the property name at the start of a schema error by its Chinese title."""
    head, sep, rest = line.partition("：")
    if not sep:
        return line
    first = head.split("/", 1)[0]
    titles = {spec.name: spec.label for spec in form_specs(item)}
    if rest.startswith("缺少必填项 ") and first == "（根）":
        missing = rest.removeprefix("缺少必填项 ")
        return _("请填写「%(label)s」") % {"label": titles.get(missing, missing)}
    if first in titles:
        head = head.replace(first, f"「{titles[first]}」", 1)
    return f"{head}：{rest}"
