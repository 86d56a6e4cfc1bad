"""The API contract the property-based tests (test_api_fuzz.py) hold the API to, pinned down case by
case: what the OpenAPI documents, and the answers to the odd inputs schemathesis found."""

import re
import warnings
from typing import get_args

import pytest
from django.core.cache.backends.base import CacheKeyWarning
from pydantic import BaseModel

from yiwang.config.api import api
from yiwang.core.models import Notification, Region
from yiwang.identity.models import ApiToken, DataScope
from yiwang.identity.tests.factories import make_staff

CJK = re.compile(r"[\u4e00-\u9fff]")
ENVELOPE = {"$ref": "#/components/schemas/ErrorEnvelope"}


def _operations():
    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield f"{method.upper()} {path}", operation


def _assert_envelope(response, status, code):
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    assert CJK.search(body["message"]), body["message"]
    return body


@pytest.fixture
def staff(db):
    return make_staff(permissions=["core.view_person"], scope=DataScope.ALL)


# -- what the OpenAPI documents ------------------------------------------------------------------


def test_every_documented_error_is_the_envelope_with_a_chinese_description():
    for name, operation in _operations():
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert response["content"]["application/json"]["schema"] == ENVELOPE, (name, status)
                assert CJK.search(response["description"]), (name, status)


def test_shared_errors_are_documented_wherever_they_can_happen():
    for name, operation in _operations():
        documented = {int(status) for status in operation["responses"]}
        if operation.get("security"):
            assert 401 in documented, name
        if operation.get("parameters") or operation.get("requestBody"):
            assert {400, 422} <= documented, name
        if operation.get("security") and name.split()[0] in {"POST", "PUT", "PATCH", "DELETE"}:
            assert 403 in documented, name
    public = dict(_operations())["GET /api/v1/version"]
    assert set(public["responses"]) == {200}


def _reachable_schemas():
    seen: set[type[BaseModel]] = set()

    def walk(annotation):
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation in seen:
                return
            seen.add(annotation)
            for field in annotation.model_fields.values():
                walk(field.annotation)
        for argument in get_args(annotation):
            walk(argument)

    for router in api._get_bound_routers():
        for view in router.path_operations.values():
            for operation in view.operations:
                for model in operation.response_models.values():
                    walk(model)
                for model in operation.models:
                    walk(model)
    return {model for model in seen if model.__module__.startswith("yiwang.")}


def test_no_two_schemas_share_a_component_name():
    """Ninja names an OpenAPI component after the class: two `EnterpriseOut`s (core's subject and
    identity's authorisation) silently documented /core/enterprises with the wrong fields."""
    by_name: dict[str, list[str]] = {}
    for model in _reachable_schemas():
        by_name.setdefault(model.__name__, []).append(f"{model.__module__}.{model.__qualname__}")
    assert {name: where for name, where in by_name.items() if len(where) > 1} == {}
    assert {"EnterpriseOut", "MembershipOut", "EnterpriseAuthorizationOut", "ErrorEnvelope"} <= set(by_name)


def test_filters_checked_by_the_selectors_document_their_values():
    parameters = {
        name: {p["name"]: p["schema"] for p in operation.get("parameters", [])}
        for name, operation in _operations()
    }
    level = parameters["GET /api/v1/core/regions"]["level"]["anyOf"][0]
    assert level["enum"] == ["", "city", "district", "street", "community"]
    assert "street_office" in parameters["GET /api/v1/core/organizations"]["type"]["anyOf"][0]["enum"]
    assert parameters["GET /api/v1/core/regions"]["page"]["maximum"] == 1_000_000


# -- odd input, answered with the envelope --------------------------------------------------------


def test_a_method_the_path_does_not_serve_is_405_in_the_envelope(client):
    response = client.post("/api/v1/version")
    body = _assert_envelope(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"
    assert body["details"] == {"allowed_methods": ["GET"]}


def test_nul_characters_are_refused_in_query_path_and_body(client, staff):
    client.force_login(staff)
    _assert_envelope(client.get("/api/v1/core/regions?search=a%00b"), 400, "invalid_characters")
    _assert_envelope(client.get("/api/v1/core/organizations/a%00b"), 400, "invalid_characters")
    response = client.post(
        "/api/v1/identity/tokens",
        {"name": "同步脚本", "note": {"deep": ["ok", "a\u0000b"]}},
        content_type="application/json",
    )
    _assert_envelope(response, 400, "invalid_characters")
    assert not ApiToken.objects.exists()


def test_a_body_that_is_not_json_is_400_in_chinese(client, staff):
    client.force_login(staff)
    response = client.post("/api/v1/identity/tokens", "{", content_type="application/json")
    body = _assert_envelope(response, 400, "malformed_request")
    assert body["details"] == {"reason": "Cannot parse request body"}
    assert not ApiToken.objects.exists()


def test_the_page_number_is_bounded(client, staff):
    """An unbounded page made an OFFSET the database driver could not bind: a 500."""
    client.force_login(staff)
    body = _assert_envelope(client.get(f"/api/v1/core/regions?page={10**20}"), 422, "validation_error")
    assert body["details"][0]["loc"] == ["query", "page"]
    last = client.get("/api/v1/core/regions?page=1000000").json()
    assert last == {"items": [], "count": Region.objects.count()}


def test_integers_in_json_bodies_are_json_integers(client, staff):
    """`true` and "1" are not ids (Pydantic alone took them for 1); 1.0 is; an id past bigint is
    refused before it reaches the database (it was a 500)."""
    notification = Notification.objects.create(recipient=staff, title="新的待办", body="您有一件新的待办。")
    client.force_login(staff)

    def mark(ids):
        return client.post("/api/v1/notifications/read", {"ids": ids}, content_type="application/json")

    for bad in ([True], [str(notification.pk)], [2**70], [0]):
        _assert_envelope(mark(bad), 422, "validation_error")
    notification.refresh_from_db()
    assert notification.read_at is None
    assert mark([float(notification.pk)]).json() == {"updated": 1}

    response = client.post(
        "/api/v1/identity/tokens", {"name": "同步脚本", "days": True}, content_type="application/json"
    )
    _assert_envelope(response, 422, "validation_error")
    response = client.post(
        "/api/v1/identity/tokens", {"name": "同步脚本", "days": 30.0}, content_type="application/json"
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    "start", ["0369-09-18T11:10:25Z", "9999-12-31T00:00:00Z", "1969-12-31T23:00:00+08:00"]
)
def test_deadlines_start_in_a_plausible_year(client, staff, start):
    """Year 369 came back with Beijing's local mean time offset +08:05:43 (not RFC 3339), and
    year 9999 overflowed."""
    client.force_login(staff)
    response = client.get("/api/v1/core/calendar/deadline", {"start": start, "working_days": 3})
    _assert_envelope(response, 400, "deadline_start_out_of_range")


def test_a_deadline_in_range_keeps_a_whole_hour_offset(client, staff):
    client.force_login(staff)
    response = client.get(
        "/api/v1/core/calendar/deadline", {"start": "1970-01-05T10:00:00+08:00", "working_days": 1}
    )
    assert response.status_code == 200
    assert response.json()["deadline"].endswith("+08:00")


def test_a_dictionary_code_that_is_no_slug_never_becomes_a_cache_key(client, staff):
    client.force_login(staff)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)
        response = client.get("/api/v1/core/dictionaries/c%3B%C2%B1%7C%0E%20x")
    _assert_envelope(response, 404, "dictionary_not_found")
