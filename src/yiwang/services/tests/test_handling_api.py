"""The staff API: inbox, detail, operations and notes; permissions and the error envelope."""

from __future__ import annotations

from datetime import date

import pytest

from yiwang.core.tests.factories import EnterpriseFactory
from yiwang.identity.models import EnterpriseAuthorization, User
from yiwang.identity.tests.factories import CitizenFactory, UserFactory
from yiwang.services.models import Application, ApplicationNote
from yiwang.services.tests.factories import ServiceItemFactory
from yiwang.services.tests.staff_support import (
    Department,
    definitions,  # noqa: F401
    submitted,
)
from yiwang.workflow.models import ProcessEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("definitions")]
API = "/api/v1/services/staff/applications"


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_inbox_lists_only_the_department(client):
    dept, other = Department(), Department()
    item = ServiceItemFactory(organization=dept.organization)
    mine = [submitted(item) for _ in range(3)]
    submitted(organization=other.organization)
    client.force_login(dept.clerk)
    response = client.get(API)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert {row["application_no"] for row in body["items"]} == {a.application_no for a in mine}
    row = next(r for r in body["items"] if r["application_no"] == mine[0].application_no)
    first = Application.objects.select_related("item", "organization", "person").get(pk=mine[0].pk)
    assert {k: row[k] for k in ("uid", "item_code", "item_name", "organization", "applicant_name")} == {
        "uid": str(first.uid),
        "item_code": first.item.implementation_code,
        "item_name": first.item.name,
        "organization": first.organization.name,
        "applicant_name": first.person.name,
    }
    assert (row["status"], row["status_label"], row["result_file"]) == ("submitted", "待受理", None)
    response = client.get(API, {"status": "nonsense"})
    assert response.status_code in (400, 422)


def test_inbox_names_the_enterprise_for_an_enterprise_application(client):
    dept = Department()
    item = ServiceItemFactory(organization=dept.organization, served_subjects=[])
    enterprise = EnterpriseFactory(name="南京示范餐饮有限公司")
    agent = UserFactory(kind=User.Kind.ENTERPRISE)
    EnterpriseAuthorization.objects.create(user=agent, enterprise=enterprise, valid_from=date(2020, 1, 1))
    filed = submitted(item, applicant=agent)
    assert filed.enterprise == enterprise and filed.person is None
    client.force_login(dept.clerk)
    (row,) = client.get(API).json()["items"]
    assert row["applicant_name"] == "南京示范餐饮有限公司"


def test_inbox_permissions(client):
    dept = Department()
    assert client.get(API).status_code == 401
    client.force_login(CitizenFactory())
    response = client.get(API)
    assert response.status_code == 403 and response.json()["code"] == "services_forbidden"
    client.force_login(dept.catalog_admin)
    assert client.get(API).status_code == 403


def test_operations_through_the_api(client):
    dept = Department()
    application = submitted(organization=dept.organization)
    url = f"{API}/{application.uid}"
    client.force_login(dept.clerk)
    detail = client.get(url).json()
    assert {"accept", "refuse", "request_correction", "assign"} <= set(detail["operations"])
    response = _post(client, url + "/actions", {"op": "accept", "comment": "材料齐全"})
    assert response.status_code == 200
    assert response.json()["application"]["status"] == "reviewing"
    response = _post(client, url + "/actions", {"op": "accept"})
    assert response.status_code == 409 and response.json()["code"] == "workflow_wrong_state"
    response = _post(client, url + "/notes", {"text": "已核对原件"})
    assert response.status_code == 200 and response.json()["text"] == "已核对原件"

    client.force_login(dept.approver)
    response = _post(client, url + "/actions", {"op": "review", "comment": "符合条件"})
    assert response.status_code == 200
    response = _post(client, url + "/actions", {"op": "decide", "decision": "approve", "decision_text": ""})
    assert response.status_code == 400 and response.json()["message"] == "请填写决定内容"
    response = _post(
        client, url + "/actions", {"op": "decide", "decision": "approve", "decision_text": "同意"}
    )
    assert response.status_code == 200
    assert response.json()["application"]["result_file"]


def test_other_department_gets_404_and_nothing_changes(client):
    dept, other = Department(), Department()
    application = submitted(organization=dept.organization)
    events = ProcessEvent.objects.count()
    client.force_login(other.clerk)
    url = f"{API}/{application.uid}"
    assert client.get(url).status_code == 404
    response = _post(client, url + "/actions", {"op": "accept"})
    assert response.status_code == 404 and response.json()["code"] == "services_application_not_found"
    assert _post(client, url + "/notes", {"text": "x"}).status_code == 404
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert ProcessEvent.objects.count() == events and not ApplicationNote.objects.exists()
    client.force_login(application.applicant)
    assert _post(client, url + "/actions", {"op": "accept"}).status_code == 403


def test_inbox_query_count_does_not_grow_with_rows(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    dept = Department()
    item = ServiceItemFactory(organization=dept.organization)
    submitted(item)
    client.force_login(dept.clerk)
    client.get(API)
    with CaptureQueriesContext(connection) as few:
        client.get(API)
    for _ in range(4):
        submitted(item)
    with CaptureQueriesContext(connection) as many:
        assert client.get(API).json()["count"] == 5
    assert len(many.captured_queries) == len(few.captured_queries)
