"""Catalogue API: public browsing, detail, guide, versions; staff create / patch / publish with the
permission matrix (anonymous, citizen, other department, without the permission, allowed)."""

from __future__ import annotations

import pytest

from yiwang.core.dictionaries import dictionary_get
from yiwang.core.models import AuditEvent
from yiwang.services.models import ServiceItem
from yiwang.services.tests.catalogue_support import *  # noqa: F403
from yiwang.services.tests.factories import ServiceItemFactory, form_schema, form_ui

BASE = "/api/v1/services/items"


@pytest.fixture
def food(world):
    return ServiceItemFactory(organization=world.market, name="食品经营许可", popularity=50)


def _login(client, user):
    client.force_login(user)


def _new_item(**overrides):
    body = {
        "organization_code": "scjg",
        "basic_code": "000172009000",
        "name": "食品小作坊登记",
        "item_type": "licensing",
        "served_subjects": ["enterprise"],
        "themes": ["operation"],
        "form_schema": form_schema(),
        "form_ui": form_ui(),
        "materials": [
            {"code": "id_card", "name": "经营者身份证明"},
            {
                "code": "licence",
                "name": "营业执照",
                "source": "licence",
                "licence_type_code": "business_licence",
            },
        ],
    }
    body.update(overrides)
    return body


def test_list_search_and_filters(client, world, food, django_assert_num_queries):
    ServiceItemFactory(organization=world.health, name="出生医学证明签发", themes=["birth"], keywords="")
    for _ in range(3):
        ServiceItemFactory(organization=world.health, themes=["birth"])
    dictionary_get("item_type")  # cached: labels cost no query per row
    with django_assert_num_queries(2):  # count + page
        body = client.get(BASE).json()
    assert body["count"] == 5
    assert body["items"][0]["implementation_code"] == food.implementation_code  # most popular first
    assert body["items"][0]["item_type_label"] == "行政许可"
    found = client.get(BASE, {"q": "开餐馆"}).json()
    assert found["items"][0]["name"] == "食品经营许可"
    assert client.get(BASE, {"theme": "birth", "department": "wjw"}).json()["count"] == 4
    assert client.get(BASE, {"served_subject": "enterprise", "department": "scjg"}).json()["count"] == 1
    bad = client.get(BASE, {"level": "galaxy"})
    assert bad.status_code in (400, 422) and bad.json()["code"]


def test_detail_guide_versions(client, world, food):
    detail = client.get(f"{BASE}/{food.implementation_code}").json()
    assert detail["version"] == 1 and len(detail["materials"]) == 3
    assert detail["form_schema"]["properties"]["staff"]["type"] == "array"
    guide = client.get(f"{BASE}/{food.implementation_code}/guide").json()
    assert [e["label"] for e in guide["elements"]][:2] == ["事项名称", "实施主体"] and len(
        guide["elements"]
    ) == 14
    assert {"submitted", "completed"} <= {s["code"] for s in guide["process"]["states"]}
    assert guide["apply_url"] == f"/services/items/{food.implementation_code}/apply/"
    assert guide["form_download_url"].endswith("/form.xlsx")
    versions = client.get(f"{BASE}/{food.implementation_code}/versions").json()
    assert [v["version"] for v in versions] == [1]
    missing = client.get(f"{BASE}/NOPE")
    assert missing.status_code == 404 and missing.json()["code"] == "catalog_item_not_found"


def test_staff_create_patch_publish_flow(client, world):
    _login(client, world.catalog_admin)
    created = client.post(BASE, _new_item(), content_type="application/json")
    assert created.status_code == 201, created.json()
    code = created.json()["implementation_code"]
    assert created.json()["status"] == "draft" and len(created.json()["materials"]) == 2
    assert client.get(f"{BASE}/{code}").status_code == 404  # drafts are not public
    published = client.post(f"{BASE}/{code}/publish", content_type="application/json")
    assert published.status_code == 200, published.json()
    assert published.json()["is_current"] is True
    patched = client.patch(f"{BASE}/{code}", {"promised_days": 2}, content_type="application/json")
    assert (
        patched.status_code == 200 and patched.json()["version"] == 2 and patched.json()["status"] == "draft"
    )
    assert client.get(f"{BASE}/{code}").json()["promised_days"] == 5  # v1 still current
    assert client.post(f"{BASE}/{code}/publish", content_type="application/json").json()["version"] == 2
    assert client.get(f"{BASE}/{code}").json()["promised_days"] == 2
    again = client.post(f"{BASE}/{code}/publish", content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "catalog_not_draft"


def test_create_validation_and_conflicts(client, world):
    _login(client, world.catalog_admin)
    bad = client.post(BASE, _new_item(online_depth=4, site_visits=1), content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "catalog_item_invalid"
    assert "全程网办" in bad.json()["message"]
    assert (
        client.post(BASE, _new_item(organization_code="nowhere"), content_type="application/json").status_code
        == 404
    )
    assert client.post(BASE, _new_item(), content_type="application/json").status_code == 201
    dup = client.post(BASE, _new_item(), content_type="application/json")
    assert dup.status_code == 409 and dup.json()["code"] == "catalog_code_exists"
    assert ServiceItem.objects.count() == 1


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 401), ("citizen", 403), ("clerk", 403), ("health_admin", 403), ("office_admin", 403)],
)
def test_create_permission_matrix(client, world, who, status):
    if who:
        _login(client, getattr(world, who))
    response = client.post(BASE, _new_item(), content_type="application/json")
    assert response.status_code == status
    assert ServiceItem.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="services.").exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 401), ("citizen", 403), ("clerk", 403), ("health_admin", 404), ("office_admin", 404)],
)
def test_patch_and_publish_permission_matrix(client, world, food, who, status):
    if who:
        _login(client, getattr(world, who))
    patch = client.patch(
        f"{BASE}/{food.implementation_code}", {"name": "乱改"}, content_type="application/json"
    )
    publish = client.post(f"{BASE}/{food.implementation_code}/publish", content_type="application/json")
    assert (patch.status_code, publish.status_code) == (status, status)
    assert ServiceItem.objects.count() == 1 and ServiceItem.objects.get().name == "食品经营许可"


def test_the_allowed_manager_patches(client, world, food):
    _login(client, world.catalog_admin)
    response = client.patch(
        f"{BASE}/{food.implementation_code}", {"name": "改名"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["version"] == 2
