"""「我的账号」, password change and token pages."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from yiwang.core.models import AuditEvent
from yiwang.core.tests.factories import OrganizationFactory, PersonFactory
from yiwang.identity.actions import api_token_create
from yiwang.identity.actor import Actor
from yiwang.identity.api_auth import hash_token
from yiwang.identity.models import ApiToken
from yiwang.identity.tests.factories import PASSWORD, CitizenFactory, make_staff

pytestmark = pytest.mark.django_db

PROFILE = "/accounts/profile/"


def test_profile_requires_login(client):
    response = client.get(PROFILE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login"))


def test_citizen_profile_masks_phone_and_id_number(client):
    person = PersonFactory(name="陈青山")
    citizen = CitizenFactory(person=person, phone="13800138001", display_name="")
    client.force_login(citizen)

    html = client.get(PROFILE).content.decode()

    assert "陈青山" in html
    assert "138****8001" in html
    assert "13800138001" not in html
    assert f"{person.id_number[:6]}********{person.id_number[-4:]}" in html
    assert person.id_number not in html
    assert "L1 自助注册" in html
    assert "API 令牌" not in html  # citizens do not get tokens


def test_staff_profile_lists_roles_and_tokens(client):
    org = OrganizationFactory(name="市数据局")
    staff = make_staff(org, role_code="data_officer")
    api_token_create(actor=Actor.for_user(staff), name="目录同步")
    client.force_login(staff)

    html = client.get(PROFILE).content.decode()

    assert "市数据局" in html
    assert "数据管理员" in html  # the seeded role's name
    assert "目录同步" in html
    assert "创建令牌" in html


def test_staff_creates_token_on_profile_and_sees_plaintext_once(client):
    staff = make_staff()
    client.force_login(staff)

    response = client.post(reverse("identity:token_create"), {"name": "报表脚本", "days": 30})

    assert response.status_code == 200
    html = response.content.decode()
    plaintext = re.search(r"<code>(yw_[^<]+)</code>", html).group(1)
    token = ApiToken.objects.get(user=staff)
    assert token.token_hash == hash_token(plaintext)
    assert plaintext not in client.get(PROFILE).content.decode()


def test_token_form_errors_are_chinese_and_nothing_is_created(client):
    client.force_login(make_staff())

    response = client.post(reverse("identity:token_create"), {"name": "", "days": 999})

    assert response.status_code == 400
    html = response.content.decode()
    assert "这个字段是必填项。" in html
    assert not ApiToken.objects.exists()


def test_citizen_cannot_create_token_on_profile(client):
    client.force_login(CitizenFactory())

    response = client.post(reverse("identity:token_create"), {"name": "x", "days": 30})

    assert response.status_code == 403
    assert "只有工作人员账号可以创建 API 令牌" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoke_token_from_profile(client):
    staff = make_staff()
    token, _ = api_token_create(actor=Actor.for_user(staff), name="x")
    client.force_login(staff)

    response = client.post(reverse("identity:token_revoke", args=[token.uid]))

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_cannot_revoke_someone_elses_token_from_profile(client):
    token, _ = api_token_create(actor=Actor.for_user(make_staff()), name="x")
    client.force_login(make_staff())

    response = client.post(reverse("identity:token_revoke", args=[token.uid]))

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_password_change_page(client):
    citizen = CitizenFactory()
    client.force_login(citizen)

    bad = client.post(
        reverse("identity:password_change"), {"old": PASSWORD, "new": "abc", "new_again": "abc"}
    )
    assert bad.status_code == 400
    assert "密码太短，至少需要 8 个字符。" in bad.content.decode()

    mismatch = client.post(
        reverse("identity:password_change"),
        {"old": PASSWORD, "new": "Changjiang88", "new_again": "Changjiang89"},
    )
    assert "两次输入的新密码不一致" in mismatch.content.decode()

    wrong_old = client.post(
        reverse("identity:password_change"),
        {"old": "nope1234", "new": "Changjiang88", "new_again": "Changjiang88"},
    )
    assert "原密码不正确" in wrong_old.content.decode()
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)

    ok = client.post(
        reverse("identity:password_change"),
        {"old": PASSWORD, "new": "Changjiang88", "new_again": "Changjiang88"},
    )
    assert ok.status_code == 302
    citizen.refresh_from_db()
    assert citizen.check_password("Changjiang88")
    assert client.get(PROFILE).status_code == 200  # still logged in after the change
    assert AuditEvent.objects.filter(action="identity.password_changed").count() == 1
