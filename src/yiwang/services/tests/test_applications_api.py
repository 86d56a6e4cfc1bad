"""The applicant side of the applications API: submit (idempotent), drafts, list, detail, resubmit,
withdraw and the result download, with every refusal in the envelope and nothing changed."""

from __future__ import annotations

import pytest

from yiwang.core.files import file_store
from yiwang.identity.actor import Actor
from yiwang.services.models import Application
from yiwang.services.tests.applications_support import build_world, pdf, valid_data
from yiwang.workflow.actions import transition
from yiwang.workflow.models import ProcessInstance

pytestmark = pytest.mark.django_db
BASE = "/api/v1/services/applications"


@pytest.fixture
def world(db):
    return build_world()


def upload(user):
    return str(file_store(actor=Actor.for_user(user), upload=pdf()).uid)


def body(world, user=None, **extra):
    return {
        "item": world.item.implementation_code,
        "data": valid_data(),
        "materials": {"premises_proof": upload(user or world.citizen)},
        **extra,
    }


def post(client, url, payload, **headers):
    return client.post(url, payload, content_type="application/json", headers=headers)


def submitted(client, world, key="k-1"):
    client.force_login(world.citizen)
    response = post(client, BASE, body(world), **{"Idempotency-Key": key})
    assert response.status_code == 201, response.json()
    return response.json()


def test_anonymous_gets_401_everywhere(client, world):
    uid = "00000000-0000-0000-0000-000000000000"
    for response in (
        post(client, BASE, {"item": "x"}),
        post(client, f"{BASE}/drafts", {"item": "x"}),
        client.get(BASE),
        client.get(f"{BASE}/{uid}"),
        post(client, f"{BASE}/{uid}/resubmit", {}),
        post(client, f"{BASE}/{uid}/withdraw", {"reason": "x"}),
        client.get(f"{BASE}/{uid}/result"),
        client.delete(f"{BASE}/{uid}"),
    ):
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"


def test_submit_is_idempotent_by_header_or_body(client, world):
    first = submitted(client, world, key="same")
    assert first["application_no"].startswith(world.item.implementation_code)
    assert first["status"] == "submitted" and first["status_label"] == "待受理"
    assert first["due_at"] is not None and "timeline" not in first
    again = post(client, BASE, body(world), **{"Idempotency-Key": "same"})
    assert again.status_code == 201 and again.json()["uid"] == first["uid"]
    # The answer is the summary; the detail (materials, timeline) is where Location points.
    assert again["Location"] == f"{BASE}/{first['uid']}"
    detail = client.get(again["Location"]).json()
    assert [row["action"] for row in detail["timeline"]] == ["start"]
    assert "premises_proof" in {row["code"] for row in detail["materials"]}
    in_body = post(client, BASE, body(world, idempotency_key="same"))
    assert in_body.json()["uid"] == first["uid"]
    assert Application.objects.count() == 1 and ProcessInstance.objects.count() == 1


def test_submit_refusals_are_envelopes_and_change_nothing(client, world):
    client.force_login(world.citizen)
    cases = [
        (body(world), {}, 400, "application_idempotency_key_missing"),
        ({**body(world), "item": "NOPE"}, {"Idempotency-Key": "a"}, 404, "service_item_not_found"),
        (
            {**body(world), "data": valid_data(phone="1")},
            {"Idempotency-Key": "b"},
            400,
            "application_form_invalid",
        ),
        ({**body(world), "materials": {}}, {"Idempotency-Key": "c"}, 400, "application_materials_missing"),
        (
            {**body(world), "materials": {"premises_proof": upload(world.other_citizen)}},
            {"Idempotency-Key": "d"},
            400,
            "application_material_file_invalid",
        ),
    ]
    for payload, headers, status, code in cases:
        response = post(client, BASE, payload, **headers)
        assert response.status_code == status, response.json()
        envelope = response.json()
        assert envelope["code"] == code and set(envelope) == {"code", "message", "details"}
    assert not Application.objects.exists()
    client.force_login(world.clerk)
    response = post(client, BASE, body(world, user=world.clerk), **{"Idempotency-Key": "s"})
    assert response.status_code == 403 and response.json()["code"] == "application_applicant_only"
    assert not Application.objects.exists()


def test_drafts_then_submit_from_draft(client, world):
    client.force_login(world.citizen)
    response = post(client, f"{BASE}/drafts", {"item": world.item.implementation_code, "data": {"area": 5}})
    assert response.status_code == 201
    draft = response.json()
    assert draft["status"] == "draft" and draft["application_no"] is None
    response = post(
        client,
        f"{BASE}/drafts",
        {"item": world.item.implementation_code, "draft": draft["uid"], "data": {"area": 6}},
    )
    assert response.json()["uid"] == draft["uid"] and response.json()["form_data"] == {"area": 6}
    response = post(client, BASE, {**body(world), "draft": draft["uid"]}, **{"Idempotency-Key": "from-draft"})
    assert response.status_code == 201 and response.json()["uid"] == draft["uid"]
    assert response.json()["status"] == "submitted"


def test_list_is_mine_paginated_and_filterable(client, world, django_assert_num_queries):
    mine = submitted(client, world)
    client.force_login(world.other_citizen)
    post(client, BASE, body(world, user=world.other_citizen), **{"Idempotency-Key": "o"})
    client.force_login(world.citizen)
    with django_assert_num_queries(4):
        response = client.get(BASE)
    assert response.json()["count"] == 1 and response.json()["items"][0]["uid"] == mine["uid"]
    for index in range(4):
        post(client, BASE, body(world), **{"Idempotency-Key": f"more-{index}"})
    with django_assert_num_queries(4):
        response = client.get(BASE)
    assert response.json()["count"] == 5
    assert client.get(f"{BASE}?status=completed").json()["count"] == 0
    assert client.get(f"{BASE}?status=bogus").status_code in (400, 422)


def test_detail_scope(client, world):
    application = submitted(client, world)
    url = f"{BASE}/{application['uid']}"
    assert client.get(url).status_code == 200
    for outsider in (world.other_citizen, world.other_clerk, world.viewer_without_perm):
        client.force_login(outsider)
        response = client.get(url)
        assert response.status_code == 404 and response.json()["code"] == "application_not_found"
    client.force_login(world.clerk)
    assert client.get(url).json()["application_no"] == application["application_no"]
    assert client.get(f"{BASE}/not-a-uuid").status_code == 404


def test_correction_resubmit_and_withdraw(client, world):
    application = submitted(client, world)
    row = Application.objects.get(uid=application["uid"])
    instance = ProcessInstance.objects.get(pk=row.process_instance_id)
    transition(
        instance=instance,
        action="request_correction",
        actor=Actor.for_user(world.clerk),
        fields={"reason": "补", "materials": ["premises_proof"]},
    )
    detail = client.get(f"{BASE}/{application['uid']}").json()
    assert detail["status"] == "correction"
    assert detail["correction"]["materials"] == ["经营场所使用证明"]

    client.force_login(world.other_citizen)
    response = post(client, f"{BASE}/{application['uid']}/resubmit", {"materials": {}})
    assert response.status_code == 404
    response = post(client, f"{BASE}/{application['uid']}/withdraw", {"reason": "x"})
    assert response.status_code == 404
    row.refresh_from_db()
    assert row.status == "correction"

    client.force_login(world.citizen)
    response = post(
        client,
        f"{BASE}/{application['uid']}/resubmit",
        {"materials": {"premises_proof": upload(world.citizen)}},
    )
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    response = post(client, f"{BASE}/{application['uid']}/resubmit", {})
    assert response.status_code == 409 and response.json()["code"] == "application_wrong_state"
    response = post(client, f"{BASE}/{application['uid']}/withdraw", {"reason": "不需要了"})
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"


def test_result_download(client, world):
    application = submitted(client, world)
    url = f"{BASE}/{application['uid']}/result"
    response = client.get(url)
    assert response.status_code == 404 and response.json()["code"] == "application_result_not_found"
    result = file_store(
        actor=Actor.for_user(world.clerk), upload=pdf("许可证.pdf"), organization=world.market
    )
    Application.objects.filter(uid=application["uid"]).update(result_file=result)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(world.other_citizen)
    assert client.get(url).status_code == 404


def test_a_submission_costs_a_fixed_number_of_statements(client, world, django_assert_num_queries):
    """The statements docs/decisions/0006 lists (session and user — the actor's grants come from the
    cache, decision 0007 — which item version is current, number, which definition version is
    published, application inserted in step with its prepared instance, workflow start, one audit
    row — a single INSERT: no lock, the sealer chains it later), plus this item's materials: the uploaded file looked up by uid, and one INSERT for its row
    and the e-licence's. A replay is looked up only when filing fails."""
    client.force_login(world.citizen)
    post(client, BASE, body(world), **{"Idempotency-Key": "warm"})  # caches: calendar, types, actor
    payload = body(world)
    with django_assert_num_queries(14):
        response = post(client, BASE, payload, **{"Idempotency-Key": "count"})
    assert response.status_code == 201


def test_a_draft_is_deleted_by_its_applicant_only_and_a_filed_one_never(client, world):
    client.force_login(world.citizen)
    draft = post(client, f"{BASE}/drafts", body(world)).json()
    client.force_login(world.other_citizen)
    response = client.delete(f"{BASE}/{draft['uid']}")
    assert response.status_code == 404 and Application.objects.filter(uid=draft["uid"]).exists()
    client.force_login(world.citizen)
    assert client.delete(f"{BASE}/{draft['uid']}").status_code == 204
    assert not Application.objects.filter(uid=draft["uid"]).exists()
    filed = submitted(client, world)
    response = client.delete(f"{BASE}/{filed['uid']}")
    assert response.status_code == 409 and response.json()["code"] == "application_not_draft"


def test_the_detail_does_not_show_internal_assignments(client, world):
    """指派 is the department's business: the applicant's 办理进度 in the API leaves it out."""
    from yiwang.identity.tests.factories import make_staff
    from yiwang.services.actions.handling import application_assign

    assigner = make_staff(world.market, role_code="window_clerk", display_name="窗口赵")
    application = submitted(client, world)
    row = Application.objects.get(uid=application["uid"])
    application_assign(actor=world.actor(assigner), application=row, to_user=world.clerk)
    assert ProcessInstance.objects.get(pk=row.process_instance_id).assignee_id == world.clerk.pk

    response = client.get(f"{BASE}/{application['uid']}")
    assert response.status_code == 200
    assert [step["action"] for step in response.json()["timeline"]] == ["start"]
    text = response.content.decode()
    assert "指派" not in text and "窗口张" not in text and "窗口赵" not in text
