"""The workflow API: inbox, instance detail, transitions and definitions, with data-scope checks."""

from __future__ import annotations

import pytest

from yiwang.identity.models import DataScope
from yiwang.workflow.actions import instance_start
from yiwang.workflow.models import ProcessEvent
from yiwang.workflow.permissions import VIEW_DEFINITION, VIEW_INSTANCE

from .factories import actor, staff

ACCEPT = "services.accept_application"
BASE = "/api/v1/workflow"


@pytest.fixture
def case(definitions, city, citizen, subject):
    return instance_start(
        actor=actor(citizen),
        definition_code="yiwang_tongban",
        obj=subject,
        organization=city["market"],
        title="食品经营许可（新办）",
        owner=citizen,
    )


def _post(client, case, body):
    return client.post(f"{BASE}/instances/{case.pk}/transitions", body, content_type="application/json")


def test_anonymous_gets_401_everywhere(client, case):
    for response in (
        client.get(f"{BASE}/inbox"),
        client.get(f"{BASE}/instances/{case.pk}"),
        _post(client, case, {"action": "accept"}),
        client.get(f"{BASE}/definitions"),
    ):
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"
    assert case.events.count() == 1


def test_clerk_sees_the_case_in_the_inbox_and_accepts_it(client, city, case):
    clerk = staff(city["market"], permissions=[ACCEPT])
    client.force_login(clerk)

    inbox = client.get(f"{BASE}/inbox").json()
    assert inbox["count"] == 1
    row = inbox["items"][0]
    assert (row["id"], row["state"], row["state_name"]) == (str(case.pk), "submitted", "待受理")
    assert row["deadline_status"] == "ok" and row["object_type"] == "core.person"

    detail = client.get(f"{BASE}/instances/{case.pk}").json()
    assert [a["code"] for a in detail["available_actions"]] == ["accept", "refuse", "request_correction"]
    assert [e["action"] for e in detail["history"]] == ["start"]

    response = _post(client, case, {"action": "accept", "comment": "材料齐全"})
    assert response.status_code == 200
    body = response.json()
    assert body["instance"]["state"] == "reviewing"
    assert body["event"]["action_name"] == "受理" and body["event"]["comment"] == "材料齐全"
    assert client.get(f"{BASE}/inbox").json()["count"] == 0


def test_domain_errors_come_back_in_the_envelope(client, city, case):
    clerk = staff(city["market"], permissions=[ACCEPT])
    client.force_login(clerk)

    response = _post(client, case, {"action": "refuse", "fields": {"reason": ""}})
    assert response.status_code == 400
    assert response.json() == {
        "code": "workflow_field_required",
        "message": "「不予受理」需要填写：理由",
        "details": {"fields": ["reason"]},
    }
    response = _post(client, case, {"action": "approve", "comment": "同意"})
    assert response.status_code == 403  # holds no decide permission
    assert response.json()["code"] == "workflow_action_not_allowed"
    response = _post(client, case, {"action": "accept", "fields": {"now": "2030-01-01T00:00:00+08:00"}})
    assert response.status_code == 400 and response.json()["code"] == "workflow_fields_invalid"
    assert case.events.count() == 1


@pytest.mark.parametrize("who", ["other_citizen", "other_department", "no_permission"])
def test_outsiders_get_404_and_change_nothing(client, city, case, other_citizen, who):
    user = {
        "other_citizen": lambda: other_citizen,
        "other_department": lambda: staff(city["other"], permissions=[ACCEPT, VIEW_INSTANCE]),
        "no_permission": lambda: staff(city["market"], permissions=["services.view_item"]),
    }[who]()
    client.force_login(user)

    assert client.get(f"{BASE}/inbox").json()["count"] == 0
    detail = client.get(f"{BASE}/instances/{case.pk}")
    assert detail.status_code == 404
    assert detail.json()["code"] == "workflow_instance_not_found"
    response = _post(client, case, {"action": "accept"})
    assert response.status_code == 404
    assert ProcessEvent.objects.filter(instance=case).count() == 1


def test_viewer_sees_the_case_but_may_not_act(client, city, case):
    viewer = staff(city["market"], permissions=[VIEW_INSTANCE])
    client.force_login(viewer)

    detail = client.get(f"{BASE}/instances/{case.pk}").json()
    assert detail["available_actions"] == []
    response = _post(client, case, {"action": "accept"})
    assert response.status_code == 403
    assert case.events.count() == 1


def test_applicant_sees_own_case_and_acts_only_when_it_is_their_turn(client, city, case, citizen):
    client.force_login(citizen)

    assert client.get(f"{BASE}/inbox").json()["count"] == 0  # waiting for the window, not for them
    detail = client.get(f"{BASE}/instances/{case.pk}").json()
    assert [a["code"] for a in detail["available_actions"]] == ["withdraw"]

    clerk = staff(city["market"], permissions=[ACCEPT])
    client.force_login(clerk)
    _post(client, case, {"action": "request_correction", "fields": {"reason": "缺少健康证明"}})
    client.force_login(citizen)
    inbox = client.get(f"{BASE}/inbox").json()
    assert [row["state"] for row in inbox["items"]] == ["correction"]
    response = _post(client, case, {"action": "resubmit", "comment": "已补充"})
    assert response.status_code == 200 and response.json()["instance"]["state"] == "submitted"


def test_dispatch_needs_an_existing_department(client, definitions, city, subject):
    agent = staff(city["hotline"], roles=["hotline_agent"])
    dispatcher = staff(city["hotline"], roles=["hotline_dispatcher"], scope=DataScope.REGION)
    ticket = instance_start(
        actor=actor(agent),
        definition_code="hotline_12345",
        obj=subject,
        organization=city["hotline"],
        title="占道经营",
    )
    client.force_login(dispatcher)

    missing = _post(client, ticket, {"action": "dispatch", "comment": "转办"})
    assert missing.json()["code"] == "workflow_field_required"
    unknown = _post(client, ticket, {"action": "dispatch", "comment": "转办", "organization_id": 999999})
    assert unknown.json()["code"] == "workflow_organization_invalid"
    ok = _post(
        client, ticket, {"action": "dispatch", "comment": "转办", "organization_id": city["housing"].pk}
    )
    assert ok.status_code == 200
    assert ok.json()["instance"]["organization_name"] == "玄武区住房和城乡建设局"


def test_definitions_need_the_view_permission(client, city, definitions, citizen):
    client.force_login(citizen)
    response = client.get(f"{BASE}/definitions")
    assert response.status_code == 403 and response.json()["code"] == "workflow_forbidden"

    client.force_login(staff(city["market"], permissions=[VIEW_DEFINITION]))
    body = client.get(f"{BASE}/definitions").json()
    assert sorted(d["code"] for d in body["items"]) == ["hotline_12345", "hotline_joint", "yiwang_tongban"]
    assert all(d["status"] == "published" and d["version"] == 1 for d in body["items"])


def test_inbox_endpoint_query_count_does_not_grow(
    client, city, definitions, citizen, django_assert_max_num_queries
):
    from yiwang.core.tests.factories import PersonFactory

    clerk = staff(city["market"], permissions=[ACCEPT])
    client.force_login(clerk)
    for n in range(8):
        instance_start(
            actor=actor(citizen),
            definition_code="yiwang_tongban",
            obj=PersonFactory(),
            organization=city["market"],
            title=f"申请{n}",
            owner=citizen,
        )
    # session + user + grants (2) + count + page
    with django_assert_max_num_queries(7):
        body = client.get(f"{BASE}/inbox?search=申请").json()
    assert body["count"] == 8
