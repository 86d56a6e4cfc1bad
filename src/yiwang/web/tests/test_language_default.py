"""Walk-through defect (issue 12 §7): the interface is Chinese by default whatever the browser's
Accept-Language; English only by the switch in the footer."""

from __future__ import annotations

import pytest
from django.conf import settings

from yiwang.identity.models import User
from yiwang.identity.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ENGLISH_BROWSER = "en-US,en;q=0.9"


def _is_chinese(html: str) -> bool:
    return '<html lang="zh-Hans">' in html and "首页" in html and ">Home<" not in html


def _is_english(html: str) -> bool:
    return '<html lang="en">' in html and ">Home<" in html and "首页" not in html.split("<footer", 1)[0]


@pytest.mark.parametrize("accept", [ENGLISH_BROWSER, "en", "en-GB,fr;q=0.8", "de-DE", "zh-TW", ""])
def test_an_english_browser_still_gets_chinese(client, accept):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 200
    assert _is_chinese(response.content.decode())
    assert response["Content-Language"] == "zh-hans"
    assert "Accept-Language" not in response.get("Vary", "")


def test_the_login_page_and_a_signed_in_page_are_chinese_for_an_english_browser(client):
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER).content.decode()
    assert '<html lang="zh-Hans">' in html and "登录" in html
    client.force_login(UserFactory(kind=User.Kind.STAFF))
    html = client.get("/workbench/", HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER).content.decode()
    assert '<html lang="zh-Hans">' in html and "<h1>工作台</h1>" in html


def test_english_only_by_the_switch_and_back(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert _is_english(html)  # the switch wins over the browser's Chinese too
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"}, HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER)
    assert _is_chinese(client.get("/", HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER).content.decode())


def test_an_unknown_language_cookie_falls_back_to_chinese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert _is_chinese(client.get("/", HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER).content.decode())
