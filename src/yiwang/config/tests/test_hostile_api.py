"""Every error of the API comes in the Chinese envelope, including what Django itself refuses: a body
over the size limit (it was Django's English "Bad Request (400)"), too many fields, an overlong URL,
an unexpected error; and lone surrogates are refused like NUL, anywhere in a JSON body."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from yiwang.config.api import api
from yiwang.config.tests.test_api_contract import _assert_envelope
from yiwang.core import selectors
from yiwang.identity.models import ApiToken, DataScope
from yiwang.identity.tests.factories import make_staff

pytestmark = pytest.mark.django_db
TOKENS = "/api/v1/identity/tokens"


@pytest.fixture
def staff(db):
    return make_staff(permissions=["core.view_person"], scope=DataScope.ALL)


def test_a_json_body_over_the_size_limit_is_413_in_the_envelope(client, staff):
    client.force_login(staff)
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024):
        response = client.post(TOKENS, {"name": "令" * 1000}, content_type="application/json")
    body = _assert_envelope(response, 413, "payload_too_large")
    assert body["message"] == "提交的内容超过 1 KB 的上限，请精简后重试；附件请通过上传功能提交。"
    assert not ApiToken.objects.exists()


def test_a_multipart_upload_with_too_many_fields_is_413_in_the_envelope(client, staff):
    client.force_login(staff)
    fields = {f"f{n}": "x" for n in range(20)}
    upload = SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    with override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=10):
        response = client.post("/api/v1/files/", {"file": upload, **fields})
    _assert_envelope(response, 413, "payload_too_large")


def test_an_overlong_url_is_414_in_the_envelope(client):
    with override_settings(YIWANG_URL_MAX_LENGTH=100):
        body = _assert_envelope(
            client.get("/api/v1/core/regions", {"search": "区" * 50}), 414, "uri_too_long"
        )
    assert body["details"] == {"max_length": 100}


def test_an_unexpected_error_is_500_in_the_envelope(staff, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "organization_get", broken)
    client = Client(raise_request_exception=False)
    client.force_login(staff)
    response = client.get("/api/v1/core/organizations/any")
    body = _assert_envelope(response, 500, "internal_error")
    assert body == {"code": "internal_error", "message": "系统繁忙，请稍后再试", "details": None}


@pytest.mark.parametrize(
    "payload",
    [{"name": "同步\ud800脚本"}, {"name": "同步脚本", "note": {"deep": ["ok", "\udfff"]}}, {"\ud800": 1}],
)
def test_lone_surrogates_are_refused_like_nul(client, staff, payload):
    client.force_login(staff)
    response = client.post(TOKENS, payload, content_type="application/json")
    body = _assert_envelope(response, 400, "invalid_characters")
    assert body["message"] == "请求中含有不允许的字符（NUL 控制字符或不成对的 UTF-16 代理码元），请删除后重试"
    assert not ApiToken.objects.exists()


def test_the_openapi_documents_413_for_every_body_and_429_for_uploads():
    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if operation.get("requestBody"):
                assert "413" in {str(s) for s in operation["responses"]}, f"{method} {path}"
    upload = schema["paths"]["/api/v1/files/"]["post"]["responses"]
    assert upload[429]["description"] == "请求过于频繁，或超出上传限额"
