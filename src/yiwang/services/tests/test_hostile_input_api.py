"""Lone UTF-16 surrogates in JSON bodies (`"\\ud800"`, which json.loads accepts) gave a 500 on draft,
submit and resubmit, and were saved through `PATCH /api/v1/services/items/{code}` (after which the
apply page, the PDF form and `dumpdata` failed). The API's parser now refuses them, and NUL, with the
400 envelope `invalid_characters` — in values and in keys, at any depth — and nothing is written."""

from __future__ import annotations

import pytest

from yiwang.core.models import AuditEvent
from yiwang.identity.actor import Actor
from yiwang.services.models import Application, ServiceItem
from yiwang.services.tests.applications_support import build_world, valid_data
from yiwang.services.tests.test_applications_api import BASE, body, post, submitted
from yiwang.workflow.actions import transition
from yiwang.workflow.models import ProcessInstance

pytestmark = pytest.mark.django_db
ITEMS = "/api/v1/services/items"
MESSAGE = "请求中含有不允许的字符（NUL 控制字符或不成对的 UTF-16 代理码元），请删除后重试"


@pytest.fixture
def world(db):
    return build_world()


def _refused(response):
    assert response.status_code == 400, response.content
    assert response.json() == {"code": "invalid_characters", "message": MESSAGE, "details": None}


@pytest.mark.parametrize(
    "data",
    [
        valid_data(operator_name="小王\ud800餐馆"),
        valid_data(staff=[{"name": "\udfff", "id_number": "x"}]),
        {**valid_data(), "\ud83d": "key"},
        valid_data(address="中山路\x001 号"),
    ],
    ids=["value", "nested", "key", "nul"],
)
def test_draft_and_submit_refuse_lone_surrogates(client, world, data):
    client.force_login(world.citizen)
    before = AuditEvent.objects.count()
    _refused(post(client, f"{BASE}/drafts", {"item": world.item.implementation_code, "data": data}))
    _refused(post(client, BASE, {**body(world), "data": data}, **{"Idempotency-Key": "k"}))
    assert not Application.objects.exists()
    # The refusal comes before anything is stored (the material uploaded for `body` wrote one row).
    assert AuditEvent.objects.count() == before + 1


def test_resubmit_refuses_lone_surrogates(client, world):
    application = submitted(client, world)
    row = Application.objects.get(uid=application["uid"])
    transition(
        instance=ProcessInstance.objects.get(pk=row.process_instance_id),
        action="request_correction",
        actor=Actor.for_user(world.clerk),
        fields={"reason": "补", "materials": ["premises_proof"]},
    )
    _refused(post(client, f"{BASE}/{application['uid']}/resubmit", {"data": valid_data(phone="\ud800")}))
    row.refresh_from_db()
    assert row.status == "correction" and row.form_data == valid_data()


def test_an_item_cannot_be_patched_with_a_lone_surrogate(client, world):
    from yiwang.identity.models import DataScope
    from yiwang.identity.tests.factories import make_staff
    from yiwang.services.permissions import MANAGE_CATALOG

    client.force_login(make_staff(world.market, permissions=[MANAGE_CATALOG], scope=DataScope.DEPARTMENT))
    url = f"{ITEMS}/{world.item.implementation_code}"
    for payload in ({"name": "食品\ud800经营许可"}, {"form_ui": {"\udc00": {}}}, {"conditions": "a\x00b"}):
        _refused(client.patch(url, payload, content_type="application/json"))
    assert ServiceItem.objects.filter(implementation_code=world.item.implementation_code).count() == 1
    world.item.refresh_from_db()
    assert "\ud800" not in world.item.name
    # A raw body with the escape (what a client actually sends) is refused the same way.
    _refused(client.patch(url, '{"name": "\\ud800"}', content_type="application/json"))
