"""Login / logout pages: username or phone, Chinese errors, lockout after the limit, audit, redirects."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.urls import reverse

from yiwang.core.models import AuditEvent
from yiwang.identity.tests.factories import PASSWORD, CitizenFactory, make_staff

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _post_login(client: Client, login_name: str, password: str, **extra):
    return client.post(LOGIN, {"username": login_name, "password": password, **extra})


def _logged_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def test_login_page_is_chinese_and_mobile_ready(client):
    response = client.get(LOGIN)

    assert response.status_code == 200
    html = response.content.decode()
    assert "用户名或手机号" in html
    assert "密码" in html
    assert 'name="viewport"' in html
    assert 'autocomplete="username"' in html
    assert reverse("identity:login") == LOGIN


def test_citizen_logs_in_by_username_and_lands_on_portal(client):
    citizen = CitizenFactory(username="zhangsan", phone="13800138001")

    response = _post_login(client, "zhangsan", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert _logged_in_user_id(client) == str(citizen.pk)


def test_citizen_logs_in_by_phone(client):
    citizen = CitizenFactory(username="lisi", phone="13800138002")

    response = _post_login(client, "13800138002", PASSWORD)

    assert response.status_code == 302
    assert _logged_in_user_id(client) == str(citizen.pk)


def test_staff_lands_on_workbench(client):
    staff = make_staff(username="clerk1")

    response = _post_login(client, "clerk1", PASSWORD)

    assert response.status_code == 302
    try:
        expected = reverse("web:workbench")
    except Exception:  # the web helper's workbench may not exist yet
        expected = "/"
    assert response["Location"] == expected
    assert _logged_in_user_id(client) == str(staff.pk)


def test_safe_next_is_respected_and_foreign_next_ignored(client):
    CitizenFactory(username="wangwu")

    response = _post_login(client, "wangwu", PASSWORD, next="/accounts/profile/")
    assert response["Location"] == "/accounts/profile/"

    client.logout()
    response = _post_login(client, "wangwu", PASSWORD, next="https://evil.example.com/steal")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_successful_login_and_logout_are_audited(client):
    citizen = CitizenFactory(username="zhaoliu")

    _post_login(client, "zhaoliu", PASSWORD)
    response = client.post(reverse("identity:logout"))

    assert response.status_code == 302
    assert _logged_in_user_id(client) is None
    events = list(AuditEvent.objects.filter(object_id=str(citizen.pk)).order_by("sequence"))
    assert [e.action for e in events] == ["identity.login", "identity.logout"]
    assert events[0].actor_id == citizen.pk
    assert events[0].ip_address == "127.0.0.1"


def test_logout_refuses_get(client):
    citizen = CitizenFactory()
    client.force_login(citizen)

    response = client.get(reverse("identity:logout"))

    assert response.status_code == 405
    assert _logged_in_user_id(client) == str(citizen.pk)
    assert not AuditEvent.objects.filter(action="identity.logout").exists()


def test_wrong_password_shows_chinese_error_with_remaining_attempts(client):
    CitizenFactory(username="sunqi")

    first = _post_login(client, "sunqi", "wrong-password-1")
    second = _post_login(client, "sunqi", "wrong-password-2")

    assert first.status_code == 200
    assert "用户名或密码不正确，还可尝试 4 次" in first.content.decode()
    assert "用户名或密码不正确，还可尝试 3 次" in second.content.decode()
    assert _logged_in_user_id(client) is None


def test_unknown_account_gets_the_same_message(client):
    response = _post_login(client, "nobody", "whatever123")

    assert response.status_code == 200
    assert "用户名或密码不正确，还可尝试 4 次" in response.content.decode()


def test_account_locks_after_five_failures_even_for_the_right_password(client, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    citizen = CitizenFactory(username="zhouba")

    responses = [_post_login(client, "zhouba", f"wrong{i}abc") for i in range(5)]

    assert [r.status_code for r in responses] == [200, 200, 200, 200, 403]
    assert "还可尝试 1 次" in responses[3].content.decode()
    locked_html = responses[4].content.decode()
    assert "登录失败次数过多，请于 " in locked_html and " 后重试，或联系管理员解除锁定" in locked_html

    right = _post_login(client, "zhouba", PASSWORD)
    assert right.status_code == 403
    assert "账号已锁定" in right.content.decode()
    assert _logged_in_user_id(client) is None

    locked = AuditEvent.objects.get(action="identity.account_locked")
    assert locked.object_id == str(citizen.pk)
    assert locked.data["login_name"] == "zhouba"
    assert AuditEvent.objects.filter(action="identity.login_blocked").count() == 1
    assert not AuditEvent.objects.filter(action="identity.login").exists()


def test_failures_by_phone_and_by_username_count_together(client):
    CitizenFactory(username="wujiu", phone="13800138009")

    for i in range(3):
        _post_login(client, "wujiu", f"wrong{i}abc")
    fourth = _post_login(client, "13800138009", "wrong3abc")
    fifth = _post_login(client, "13800138009", "wrong4abc")

    assert "还可尝试 1 次" in fourth.content.decode()
    assert fifth.status_code == 403
    assert _post_login(client, "wujiu", PASSWORD).status_code == 403


def test_success_resets_the_failure_count(client):
    CitizenFactory(username="zhengshi")
    for i in range(4):
        _post_login(client, "zhengshi", f"wrong{i}abc")

    assert _post_login(client, "zhengshi", PASSWORD).status_code == 302
    client.post(reverse("identity:logout"))

    again = _post_login(client, "zhengshi", "wrong-again1")
    assert "还可尝试 4 次" in again.content.decode()


def test_inactive_account_cannot_log_in(client):
    CitizenFactory(username="inactive1", is_active=False)

    response = _post_login(client, "inactive1", PASSWORD)

    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert _logged_in_user_id(client) is None


def test_argon2_is_the_default_hasher_in_base_settings(settings):
    from yiwang.config.settings import base

    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS

    encoded = make_password("Yiwang2026!")

    assert encoded.startswith("argon2$")


def test_login_with_argon2_hash(client, settings):
    from yiwang.config.settings import base

    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
    citizen = CitizenFactory(username="argonuser")
    assert citizen.password.startswith("argon2$")

    assert _post_login(client, "argonuser", PASSWORD).status_code == 302


def test_anonymous_visitor_of_the_admin_goes_to_the_platform_login(client):
    from urllib.parse import unquote

    response = client.get("/admin/", follow=True)

    assert [unquote(url) for url, _status in response.redirect_chain] == [
        "/admin/login/?next=/admin/",
        "/accounts/login/?next=/admin/",
    ]
    assert response.status_code == 200 and 'name="username"' in response.content.decode()


def test_signed_in_citizen_gets_a_chinese_403_from_the_admin_not_a_redirect_loop(client):
    citizen = CitizenFactory()
    client.force_login(citizen)

    response = client.get("/admin/", follow=True)

    assert response.status_code == 403
    assert [url for url, _status in response.redirect_chain] == ["/admin/login/?next=/admin/"]
    html = response.content.decode()
    assert "无权访问" in html and "您的账号没有进入平台管理后台的权限。" in html
    assert _logged_in_user_id(client) == str(citizen.pk)  # still signed in


def test_staff_with_admin_access_is_sent_on_from_the_admin_login(client):
    staff = make_staff(is_staff=True)
    client.force_login(staff)

    assert client.get("/admin/login/?next=/admin/core/").headers["Location"] == "/admin/core/"
    assert client.get("/admin/login/?next=https://evil.example/").headers["Location"] == "/admin/"
