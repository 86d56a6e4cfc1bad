"""The layout: navigation per persona, probes, security headers, no inline script or style."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from yiwang.core.models import Notification
from yiwang.core.tests.factories import OrganizationFactory
from yiwang.identity.models import User
from yiwang.identity.tests.factories import CitizenFactory, UserFactory, make_staff

pytestmark = pytest.mark.django_db

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)
HTML_TAG = re.compile(r"<(?!!)[^>]+>")


def nav_of(html: str) -> str:
    return html.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]


def test_anonymous_nav_offers_home_services_and_login(client):
    response = client.get("/")

    assert response.status_code == 200
    nav = nav_of(response.content.decode())
    assert "首页" in nav
    assert '<a href="/services/">办事服务</a>' in nav
    assert client.get("/services/").status_code == 200
    assert 'href="/accounts/login/"' in nav
    assert "工作台" not in nav
    assert "消息中心" not in nav
    assert "退出" not in nav


def test_citizen_nav_has_messages_with_unread_count_account_and_logout(client):
    citizen = CitizenFactory(display_name="李小梅")
    Notification.objects.create(recipient=citizen, title="您的办件已受理", body="…")
    Notification.objects.create(recipient=citizen, title="请补正材料", body="…")
    client.force_login(citizen)

    nav = nav_of(client.get("/").content.decode())

    assert '<a href="/services/">办事服务</a>' in nav
    assert '<a href="/my/">我的事项</a>' in nav
    assert 'href="/notifications/"' in nav
    assert '<span class="nav-count" title="未读消息">2</span>' in nav
    assert 'href="/accounts/profile/"' in nav
    assert 'action="/accounts/logout/"' in nav and 'method="post"' in nav
    assert "李小梅" in nav
    assert "工作台" not in nav
    assert "管理后台" not in nav


def test_read_notifications_are_not_counted(client):
    from django.utils import timezone

    citizen = CitizenFactory()
    Notification.objects.create(recipient=citizen, title="已读", body="…", read_at=timezone.now())
    client.force_login(citizen)

    assert "nav-count" not in nav_of(client.get("/").content.decode())


def test_staff_nav_has_workbench_but_no_admin_link_without_is_staff(client):
    staff = make_staff(OrganizationFactory(), permissions=["workflow.view_instance"])
    client.force_login(staff)

    nav = nav_of(client.get("/").content.decode())

    assert 'href="/workbench/"' in nav
    assert "消息中心" in nav
    assert "管理后台" not in nav
    assert "我的事项" not in nav


def test_admin_link_for_django_staff(client):
    admin_user = UserFactory(kind=User.Kind.STAFF, is_staff=True)
    client.force_login(admin_user)

    nav = nav_of(client.get("/").content.decode())

    assert 'href="/admin/"' in nav
    assert 'href="/workbench/"' in nav


def test_page_has_viewport_csrf_meta_and_vendored_assets_only(client):
    html = client.get("/").content.decode()

    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert re.search(r'<meta name="csrf-token" content="[A-Za-z0-9]{32,}">', html)
    assert 'src="/static/vendor/htmx/htmx.min.js"' in html
    assert 'href="/static/yiwang/app.css"' in html
    assert "//cdn" not in html and "https://" not in html


@pytest.mark.parametrize("path", ["/", "/?q=食品", "/accounts/login/"])
def test_no_inline_script_or_style_attribute(client, path):
    html = client.get(path).content.decode()

    for attributes in SCRIPT_TAG.findall(html):
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes
    assert not STYLE_ATTRIBUTE.search(html)
    assert "<style" not in html


def test_csp_and_security_headers(client):
    response = client.get("/")

    assert response["Content-Security-Policy"] == settings.YIWANG_CSP
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=(self)" in response["Permissions-Policy"]


def test_healthz(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_the_database(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok"}


def test_readyz_reports_unavailable_database(client, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "error"}


def test_healthz_needs_no_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/healthz").status_code == 200


def test_unknown_page_is_a_chinese_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_switching_to_english_shows_english_nav(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"

    html = client.get("/").content.decode()
    nav = nav_of(html)

    assert '<html lang="en">' in html
    assert "Home" in nav
    assert "Sign in" in nav
    assert "首页" not in nav
    assert reverse("set_language") == "/i18n/setlang/"


def test_switching_back_to_chinese(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})

    nav = nav_of(client.get("/").content.decode())

    assert "首页" in nav
    assert "Home" not in nav


def test_portal_search_and_tiles_lead_to_the_catalogue(client):
    """The home page's search box searches the catalogue; 个人办事 / 法人办事 browse it; the modules
    not built yet are marked and are not links."""
    html = client.get("/").content.decode()

    assert '<form class="search-form" method="get" action="/services/search" role="search">' in html
    assert 'href="/services/?served_subject=person"' in html
    assert 'href="/services/?served_subject=enterprise"' in html
    assert 'href="#"' not in html
    assert html.count('<span class="badge badge-muted">即将上线</span>') == 2
    result = client.get("/services/search", {"q": "食品经营许可"})
    assert result.status_code == 200 and "事项目录将在后续版本上线" not in result.content.decode()
