"""The API shell: one error envelope for every failure, health endpoints, committed OpenAPI."""

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from yiwang.config.api import api

ROOT = Path(__file__).resolve().parents[4]


def test_version_is_public(client):
    response = client.get("/api/v1/version")
    assert response.status_code == 200
    assert response.json()["name"] == "yiwang"


@pytest.mark.django_db
def test_unauthenticated_request_gets_the_envelope(client):
    response = client.get("/api/v1/notifications/")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "unauthenticated"
    assert body["message"] == "请先登录或提供有效的 API 令牌"
    assert set(body) == {"code", "message", "details"}


@pytest.mark.django_db
def test_bad_bearer_token_is_rejected(client):
    response = client.get("/api/v1/notifications/", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_unknown_api_path_is_404(client):
    assert client.get("/api/v1/no-such-thing").status_code == 404


@pytest.mark.django_db
def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["database"] == "ok"


def test_committed_openapi_matches_the_code():
    committed = json.loads((ROOT / "openapi" / "v1.json").read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(api.get_openapi_schema()))


def test_openapi_check_fails_on_a_stale_file(tmp_path):
    stale = tmp_path / "v1.json"
    stale.write_text("{}", encoding="utf-8")
    with pytest.raises(CommandError, match="已过期"):
        call_command("openapi", check=str(stale))


def test_admin_login_uses_the_platform_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/"


# The catalogue and its guides are public information (办事指南 must be readable without login).
PUBLIC_OPERATIONS = {
    ("get", "/api/v1/version"),
    ("get", "/api/v1/services/items"),
    ("get", "/api/v1/services/items/{implementation_code}"),
    ("get", "/api/v1/services/items/{implementation_code}/guide"),
    ("get", "/api/v1/services/items/{implementation_code}/versions"),
}


def _operations():
    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield method, path, operation


def _concrete(path: str) -> str:
    """Fill path parameters with well-formed values that name nothing."""
    import re

    return re.sub(r"\{[a-z_]*\}", "00000000-0000-4000-8000-000000000000", path)


def test_every_operation_except_the_public_ones_requires_authentication():
    public = {(method, path) for method, path, operation in _operations() if not operation.get("security")}
    assert public == PUBLIC_OPERATIONS


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [(m, p) for m, p, _ in _operations() if (m, p) not in PUBLIC_OPERATIONS],
)
def test_anonymous_callers_get_401_and_the_envelope_everywhere(client, method, path):
    from yiwang.core.models import AuditEvent

    before = AuditEvent.objects.count()
    response = getattr(client, method)(_concrete(path), content_type="application/json")
    assert response.status_code == 401, (method, path, response.content[:200])
    assert response.json()["code"] == "unauthenticated"
    assert AuditEvent.objects.count() == before
