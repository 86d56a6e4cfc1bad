"""The application form of a service item: the kernel's JSON-Schema form (tested in
`core.tests.test_forms_*` and `web.tests.test_schema_form`) plus the item's own parts — one upload
field per material, file fields bound to materials, and the item-level server-side check."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yiwang.core.tests.form_examples import ID, SCHEMA, UI, USCC, make_regions, post
from yiwang.services.forms import ApplicationForm, file_bindings, fill_file_fields, form_data_errors
from yiwang.services.tests.factories import MaterialRequirementFactory, ServiceItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(db):
    make_regions()
    item = ServiceItemFactory(form_schema=SCHEMA, form_ui=UI, materials=False)
    MaterialRequirementFactory(item=item, code="licence_scan", name="营业执照扫描件", formats=["pdf"])
    return item


def test_the_form_has_an_upload_field_per_material_instead_of_the_bound_file_field(item):
    form = ApplicationForm(item)
    html = form.as_p() + "".join(str(row.field) for row in form.material_views())
    assert 'name="material-licence_scan"' in html and 'accept=".pdf"' in html
    assert 'name="licence"' not in html  # bound to the material's upload field
    assert 'name="members-0-name"' in html and 'name="kind"' in html  # the kernel's fields
    layout = form.layout()
    assert [e["field"].name if "field" in e else e["group"].spec.name for e in layout][-1] == "members"
    assert file_bindings(item) == {"licence": "licence_scan"}


def test_valid_input_becomes_schema_json(item):
    form = ApplicationForm(
        item, data=post(), files={"material-licence_scan": SimpleUploadedFile("a.pdf", b"%PDF")}
    )
    assert form.is_valid(), form.errors
    data = form.form_data()
    assert data == {
        "name": "王小明",
        "id_number": ID,
        "uscc": USCC,
        "mobile": "13912345678",
        "email": "a@example.cn",
        "birthday": "1985-03-09",
        "count": 2,
        "amount": 12.5,
        "agree": True,
        "married": False,
        "kind": "b",
        "size": 2,
        "community": "320102001001",
        "story": "家庭困难",
        "members": [{"name": "王大明", "id_number": ID, "disabled": True}],
    }
    assert list(form.uploads()) == ["licence_scan"]
    assert form_data_errors(item, fill_file_fields(item, data, {"licence_scan": "uid-1"})) == []
    assert form_data_errors(item, data) == ["请填写「营业执照扫描件」"]  # the bound file field is required
    assert form_data_errors(item, data, check_files=False) == []  # …unless the files come later
    assert "licence" not in fill_file_fields(item, {**data, "licence": "stale"}, {})


def test_the_error_summary_leaves_out_the_upload_fields(item):
    form = ApplicationForm(item, data=post(name=""))
    assert not form.is_valid()
    form.add_error("material-licence_scan", "文件太大")  # as the view does for a refused upload
    texts = [row["text"] for row in form.error_summary()]
    assert texts == ["请填写「姓名」"]


def test_requested_materials_are_marked_for_correction(item):
    form = ApplicationForm(item, requested_materials=["营业执照扫描件"])
    [view] = form.material_views()
    assert view.requested and view.field is not None and view.current is None


def test_an_item_without_a_form_accepts_anything(db):
    make_regions()
    item = ServiceItemFactory(form_schema={}, form_ui={}, materials=False)
    assert form_data_errors(item, {"free": 1}) == []
    assert ApplicationForm(item).layout() == []
