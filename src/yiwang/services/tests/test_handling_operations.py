"""The 办件办理 page and the staff API carry out operations from one table (`services.operations`)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yiwang.config.api import api
from yiwang.services.models import Application, ApplicationNote
from yiwang.services.operations import HANDLING
from yiwang.services.tests.staff_support import (
    Department,
    definitions,  # noqa: F401
    submitted,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("definitions")]
API = "/api/v1/services/staff/applications"


def _act(application):
    return reverse("services:staff-act", kwargs={"uid": application.uid})


def test_the_api_documents_each_operation_with_its_own_input():
    schema = api.get_openapi_schema()
    body = schema["paths"]["/api/v1/services/staff/applications/{uid}/actions"]["post"]["requestBody"]
    union = body["content"]["application/json"]["schema"]
    assert set(union["discriminator"]["mapping"]) == set(HANDLING.codes)
    components = schema["components"]["schemas"]
    assert set(components["RefuseIn"]["properties"]) == {"op", "reason", "comment"}
    assert set(components["DecideIn"]["properties"]) == {"op", "decision", "decision_text"}


def test_page_and_api_run_the_same_operation(client):
    dept = Department()
    application = submitted(organization=dept.organization)
    client.force_login(dept.clerk)
    client.post(_act(application), {"op": "note", "text": "页面备注"})
    response = client.post(
        f"{API}/{application.uid}/actions",
        {"op": "note", "text": "接口备注"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert "note" in response.json()["operations"]
    assert set(response.json()["operations"]) <= set(HANDLING.codes)
    assert sorted(ApplicationNote.objects.values_list("text", flat=True)) == ["接口备注", "页面备注"]


def test_bad_input_is_refused_on_both_sides_and_changes_nothing(client):
    dept = Department()
    application = submitted(organization=dept.organization)
    client.force_login(dept.clerk)
    too_long = "理" * 1001
    response = client.post(_act(application), {"op": "refuse", "reason": too_long}, follow=True)
    assert "理由不能超过 1000 个字" in response.content.decode()
    response = client.post(
        f"{API}/{application.uid}/actions",
        {"op": "refuse", "reason": too_long},
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["code"] == "validation_error"
    response = client.post(
        f"{API}/{application.uid}/actions", {"op": "teleport"}, content_type="application/json"
    )
    assert response.status_code == 422
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
