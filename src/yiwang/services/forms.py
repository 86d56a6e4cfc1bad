"""The application form of a service item: the kernel's JSON-Schema form plus the item's materials.

An item's `form_schema` (JSON Schema Draft 2020-12) and `form_ui` (UI hints) follow the kernel's
form convention (`core.forms.schema`); rendering, repeating groups, validation and prefill are the
kernel's (`core.forms`, `web.schema_form`). What is the item's own lives here:

- materials of source 申请人上传 become file fields ``material-<code>`` of `ApplicationForm`;
- a schema property with ``ui:widget: file`` bound to a material (``ui:material``) receives the uid of
  that material's stored file when the application is filed (`file_bindings`, `fill_file_fields`);
- `form_data_errors(item, data)` is the server-side check every write runs (also for the API)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms

from yiwang.core.forms import validation
from yiwang.core.forms.specs import FieldSpec, GroupSpec, bound_files, specs_of
from yiwang.services.models import MaterialRequirement, ServiceItem
from yiwang.web.schema_form import SchemaForm
from yiwang.web.widgets import ChineseFileInput


def form_specs(item: ServiceItem) -> list[FieldSpec | GroupSpec]:
    """The item's form fields in display order (groups hold their own fields)."""
    return specs_of(item.form_schema or {}, item.form_ui or {})


def file_bindings(item: ServiceItem) -> dict[str, str]:
    """{property name: material code} for the schema's file fields bound to materials."""
    return bound_files(item.form_schema or {}, item.form_ui or {})


def fill_file_fields(item: ServiceItem, data: dict[str, Any], file_uids: Mapping[str, str]) -> dict[str, Any]:
    """`data` with each bound file field set to the uid of its material's file (`file_uids` by code)."""
    result = dict(data)
    for name, code in file_bindings(item).items():
        if code in file_uids:
            result[name] = file_uids[code]
        else:
            result.pop(name, None)
    return result


def form_data_errors(item: ServiceItem, data: Any, *, check_files: bool = True) -> list[str]:
    """Every problem with `data` as the item's `form_data`, as Chinese lines naming the field
    (`core.forms.validation.form_data_errors`). With `check_files=False` the file fields bound to
    materials are left out (the web form fills them in only when the materials are stored)."""
    return validation.form_data_errors(
        item.form_schema or {},
        item.form_ui or {},
        data,
        leave_out=() if check_files else file_bindings(item),
    )


@dataclass
class MaterialView:
    requirement: MaterialRequirement
    field: forms.BoundField | None
    current: Any = None  # the StoredFile already attached (draft / before correction)
    requested: bool = False  # named in the correction notice


class ApplicationForm(SchemaForm):
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
        super().__init__(
            (item.form_schema or {}) if include_form else {},
            (item.form_ui or {}) if include_form else {},
            data=data,
            files=files,
            initial_data=initial_data,
            draft=draft,
        )
        self.item = item
        self.current_files = dict(current_files or {})
        self.requested_materials = set(requested_materials)
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

    @staticmethod
    def material_field_name(code: str) -> str:
        return f"material-{code}"

    def in_summary(self, name: str) -> bool:
        # The upload fields' own errors are left out: the form-wide lines already name those materials.
        return not name.startswith("material-")

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

    def uploads(self) -> dict[str, Any]:
        """{material code: uploaded file} for the materials the applicant chose files for."""
        result = {}
        for requirement in self.material_requirements:
            upload = self.cleaned_data.get(self.material_field_name(requirement.code))
            if upload:
                result[requirement.code] = upload
        return result
