"""Personal data in an application's form leaves masked for staff: the API's form_data hides every ID
number and phone the form declares, and shows them only to `core.unmask_pii` with a reason, writing
one audit row per look. The applicant reads their own form in clear."""

from __future__ import annotations

import pytest

from yiwang.core.forms.display import masked_form_data, pii_fields
from yiwang.core.masking import mask_id_number, mask_phone
from yiwang.core.models import AuditEvent
from yiwang.identity.models import DataScope
from yiwang.identity.tests.factories import make_staff
from yiwang.services.tests.applications_support import valid_data
from yiwang.services.tests.staff_support import Department, definitions, submitted  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("definitions")]
API = "/api/v1/services/applications"


def _get(client, user, uid, **query):
    client.force_login(user)
    return client.get(f"{API}/{uid}", query)


def test_staff_read_the_form_masked_and_the_applicant_in_clear(client):
    dept = Department()
    application = submitted(organization=dept.organization)
    data = valid_data()
    staff_view = _get(client, dept.clerk, application.uid).json()["form_data"]
    assert staff_view["id_number"] == mask_id_number(data["id_number"])
    assert staff_view["phone"] == mask_phone(data["phone"])
    assert staff_view["staff"][0]["id_number"] == mask_id_number(data["id_number"])  # in a repeating group
    assert staff_view["legal_person"] == data["legal_person"]  # not personal data by declaration
    own_view = _get(client, application.applicant, application.uid).json()["form_data"]
    assert own_view["id_number"] == data["id_number"] and own_view["phone"] == data["phone"]
    assert not AuditEvent.objects.filter(action="core.pii_unmask").exists()


def test_unmasking_needs_the_permission_and_a_reason_and_is_audited(client):
    dept = Department()
    application = submitted(organization=dept.organization)
    data = valid_data()
    denied = _get(client, dept.clerk, application.uid, unmask="true", reason="核对身份")
    assert denied.status_code == 403
    unmasker = make_staff(
        dept.organization,
        permissions=["services.view_application", "core.unmask_pii"],
        scope=DataScope.DEPARTMENT,
    )
    no_reason = _get(client, unmasker, application.uid, unmask="true")
    assert no_reason.status_code == 400 and no_reason.json()["code"] == "unmask_reason_required"
    assert not AuditEvent.objects.filter(action="core.pii_unmask").exists()
    shown = _get(client, unmasker, application.uid, unmask="true", reason="窗口核对身份证原件")
    assert shown.status_code == 200 and shown.json()["form_data"]["id_number"] == data["id_number"]
    event = AuditEvent.objects.get(action="core.pii_unmask")
    assert event.data["reason"] == "窗口核对身份证原件"
    assert event.data["fields"] == ["id_number", "phone"]


def test_masking_follows_the_declared_type_not_the_field_name():
    schema = {
        "type": "object",
        "properties": {
            "contact": {"type": "string", "format": "mobile", "title": "联系方式"},
            "card": {"type": "string", "title": "证件"},
            "note": {"type": "string", "title": "备注"},
        },
    }
    ui = {"card": {"ui:widget": "id_number"}}
    data = {"contact": "13912345678", "card": "110105199001010021", "note": "13912345678"}
    assert masked_form_data(schema, ui, data) == {
        "contact": "139****5678",
        "card": "110105********0021",
        "note": "13912345678",  # free text is not declared personal data
    }
    assert pii_fields(schema, ui, data) == ["card", "contact"]
