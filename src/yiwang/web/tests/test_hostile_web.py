"""Hostile requests on the web side get the Chinese error page, never Django's English one or a 500:
NUL in a query string (a 500 on PostgreSQL for `/services/` and `/services/search`) or in a form post,
a body over the size limit, an overlong URL, a failed CSRF check, a bad Host header."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from yiwang.identity.models import User
from yiwang.identity.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
CHARACTERS = "请求中含有不允许的字符（NUL 控制字符或不成对的 UTF-16 代理码元），请删除后重试"


def _chinese_page(response, status, *texts):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html and f'<div class="error-code">{status}</div>' in html
    for text in texts:
        assert text in html
    assert "Bad Request" not in html and "Forbidden" not in html
    return html


@pytest.mark.parametrize(
    "url",
    [
        "/services/?q=%E9%A4%90%00",
        "/services/?department=a%00b",
        "/services/search?q=a%00b",
        "/services/search?theme=%00",
        "/services/items/a%00b/",
        "/workbench/?q=%00",
        "/?next=%00",
    ],
)
def test_nul_in_the_url_is_the_chinese_400_page(client, url):
    _chinese_page(client.get(url), 400, "请求含有不允许的字符", CHARACTERS)


def test_nul_in_a_form_post_is_refused_before_the_view(client):
    response = client.post("/accounts/login/", {"username": "wang\x00", "password": "x"})
    _chinese_page(response, 400, CHARACTERS)


def test_a_form_post_over_the_size_limit_is_the_chinese_413_page(client):
    client.force_login(UserFactory(kind=User.Kind.STAFF))
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024):
        response = client.post("/accounts/login/", {"username": "王" * 2000, "password": "x"})
    _chinese_page(response, 413, "提交的内容过大", "提交的内容超过 1 KB 的上限")


def test_a_form_post_over_the_size_limit_names_the_limit(client):
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2_621_440):
        response = client.post("/accounts/login/", {"username": "王" * 1_000_000, "password": "x"})
    _chinese_page(response, 413, "提交的内容超过 2.5 MB 的上限，请精简后重试；附件请通过上传功能提交。")


def test_too_many_fields_is_the_chinese_413_page(client):
    with override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=10):
        response = client.post("/accounts/login/", {f"f{n}": "x" for n in range(20)})
    _chinese_page(response, 413, "一次提交的字段过多，请分批提交。")


def test_an_overlong_url_is_the_chinese_414_page(client):
    with override_settings(YIWANG_URL_MAX_LENGTH=200):
        _chinese_page(client.get("/services/search", {"q": "餐" * 100}), 414, "网址过长", "超过 200 个字符")
        assert client.get("/services/search", {"q": "餐馆"}).status_code == 200


def test_a_failed_csrf_check_is_the_chinese_403_page():
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/accounts/login/", {"username": "wang", "password": "x"})
    _chinese_page(response, 403, "页面已过期，请刷新后重试")


@override_settings(ALLOWED_HOSTS=["yiwang.example.gov.cn"])
def test_a_host_not_served_is_the_chinese_400_page(client):
    response = client.get("/", HTTP_HOST="evil.example.com")
    _chinese_page(response, 400, "请求的主机名不在本平台的服务范围内，请核对访问地址。")


def test_an_unexpected_error_on_a_page_is_still_the_chinese_500_page(monkeypatch):
    from yiwang.web import views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "render", broken)
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 500
    assert "系统繁忙，请稍后再试" in response.content.decode()
