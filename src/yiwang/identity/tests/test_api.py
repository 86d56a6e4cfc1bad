"""/api/v1/identity/: me and tokens; bearer-token and session (CSRF) authentication."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from yiwang.core.models import AuditEvent
from yiwang.core.tests.factories import OrganizationFactory, PersonFactory
from yiwang.identity.actions import api_token_create, api_token_revoke
from yiwang.identity.actor import Actor
from yiwang.identity.models import ApiToken, DataScope, Membership
from yiwang.identity.tests.factories import CitizenFactory, RoleFactory, make_staff

pytestmark = pytest.mark.django_db

ME = "/api/v1/identity/me"
TOKENS = "/api/v1/identity/tokens"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _token_for(user, name="脚本", days=30) -> tuple[ApiToken, str]:
    return api_token_create(actor=Actor.for_user(user), name=name, days=days)


# --------------------------------------------------------------------------- me


def test_me_requires_authentication(client):
    response = client.get(ME)

    assert response.status_code == 401
    assert response.json() == {
        "code": "unauthenticated",
        "message": "请先登录或提供有效的 API 令牌",
        "details": None,
    }


def test_me_for_citizen_masks_phone_and_lists_no_permissions(client):
    person = PersonFactory(name="陈青山")
    citizen = CitizenFactory(person=person, phone="13800138001", display_name="")
    client.force_login(citizen)

    body = client.get(ME).json()

    assert body["kind"] == "citizen"
    assert body["kind_label"] == "自然人"
    assert body["name"] == "陈青山"
    assert body["phone"] == "138****8001"
    assert body["assurance_level"] == 1
    assert body["permissions"] == []
    assert body["organizations"] == []
    assert "13800138001" not in str(body)
    assert person.id_number not in str(body)


def test_me_for_staff_lists_permissions_and_organizations(client, django_assert_max_num_queries):
    org = OrganizationFactory(name="市场监管局")
    staff = make_staff(
        org, permissions=["services.view_application", "workflow.view_instance"], role_code="clerk-x"
    )
    second = OrganizationFactory(name="政务服务中心")
    Membership.objects.create(user=staff, organization=second, is_primary=False).roles.add(
        RoleFactory(
            code="hall", name="大厅", permissions=["services.accept_application"], data_scope=DataScope.ALL
        )
    )
    _, plaintext = _token_for(staff)

    with django_assert_max_num_queries(8):
        body = Client().get(ME, headers=_bearer(plaintext)).json()

    assert body["kind"] == "staff"
    assert body["permissions"] == [
        "services.accept_application",
        "services.view_application",
        "workflow.view_instance",
    ]
    assert [o["name"] for o in body["organizations"]] == ["市场监管局", "政务服务中心"]
    assert body["organizations"][0]["is_primary"] is True
    assert body["organizations"][1]["roles"] == [
        {"code": "hall", "name": "大厅", "data_scope": "all", "data_scope_label": "全部"}
    ]


# --------------------------------------------------------------------------- token authentication


def test_valid_token_authenticates_and_records_last_use():
    staff = make_staff(username="apiuser")
    token, plaintext = _token_for(staff)

    response = Client().get(ME, headers=_bearer(plaintext))

    assert response.status_code == 200
    assert response.json()["username"] == "apiuser"
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("state", ["revoked", "expired", "unknown", "inactive_user"])
def test_unusable_tokens_get_the_401_envelope(state):
    staff = make_staff()
    token, plaintext = _token_for(staff)
    if state == "revoked":
        api_token_revoke(actor=Actor.for_user(staff), token=token)
    elif state == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif state == "unknown":
        plaintext = plaintext[:-4] + "AAAA"
    else:
        staff.is_active = False
        staff.save()

    response = Client().get(ME, headers=_bearer(plaintext))

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


# --------------------------------------------------------------------------- tokens endpoints


def test_token_list_shows_only_own_tokens_without_secrets(client, django_assert_num_queries):
    staff = make_staff()
    colleague = make_staff()
    mine, plaintext = _token_for(staff, name="我的")
    _token_for(staff, name="我的二")
    _token_for(colleague, name="别人的")
    client.force_login(staff)

    for n in range(5):
        _token_for(colleague, name=f"多{n}")
    # session, user, memberships + roles (actor), enterprises (actor), count, page — independent of rows
    with django_assert_num_queries(7):
        response = client.get(TOKENS)

    body = response.json()
    assert body["count"] == 2
    assert [t["name"] for t in body["items"]] == ["我的二", "我的"]
    assert "token_hash" not in body["items"][0] and plaintext not in response.content.decode()
    assert body["items"][1]["uid"] == str(mine.uid)


def test_token_list_for_another_citizen_is_empty(client):
    _token_for(make_staff())
    client.force_login(CitizenFactory())

    assert client.get(TOKENS).json() == {"items": [], "count": 0}


def test_token_create_returns_the_plaintext_once_and_it_works():
    staff = make_staff()
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    client.get("/accounts/profile/")  # sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value

    response = client.post(
        TOKENS,
        {"name": "数据同步", "days": 10},
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )

    assert response.status_code == 201
    body = response.json()
    assert body["token"]["name"] == "数据同步"
    plaintext = body["plaintext"]
    assert Client().get(ME, headers=_bearer(plaintext)).status_code == 200
    listed = client.get(TOKENS).content.decode()
    assert plaintext not in listed


def test_session_post_without_csrf_is_refused_and_creates_nothing():
    staff = make_staff()
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)

    response = client.post(TOKENS, {"name": "无 CSRF"}, content_type="application/json")

    assert response.status_code == 403
    assert response.json() == {
        "code": "csrf_failed",
        "message": "CSRF 校验失败，请刷新页面后重试",
        "details": None,
    }
    assert not ApiToken.objects.exists()


def test_bearer_token_post_needs_no_csrf():
    staff = make_staff()
    _, plaintext = api_token_create(actor=Actor.for_user(staff), name="令牌管理", scopes=["tokens"])

    response = Client(enforce_csrf_checks=True).post(
        TOKENS, {"name": "由令牌创建"}, content_type="application/json", headers=_bearer(plaintext)
    )

    assert response.status_code == 201
    assert ApiToken.objects.filter(user=staff).count() == 2


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"name": ""}, 422, "validation_error"),
        ({"name": "x", "days": 0}, 422, "validation_error"),
        ({"name": "x", "days": 400}, 422, "validation_error"),
        ({"name": "   "}, 400, "token_name_required"),
    ],
)
def test_token_create_bad_input(client, payload, status, code):
    client.force_login(make_staff())

    response = client.post(TOKENS, payload, content_type="application/json")

    assert response.status_code == status
    assert response.json()["code"] == code
    assert not ApiToken.objects.exists()


def test_citizen_cannot_create_tokens(client):
    client.force_login(CitizenFactory())

    response = client.post(TOKENS, {"name": "x"}, content_type="application/json")

    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "message": "只有工作人员账号可以创建 API 令牌",
        "details": None,
    }
    assert not ApiToken.objects.exists()


def test_anonymous_cannot_list_create_or_delete(client):
    token, _ = _token_for(make_staff())

    assert client.get(TOKENS).status_code == 401
    assert client.post(TOKENS, {"name": "x"}, content_type="application/json").status_code == 401
    assert client.delete(f"{TOKENS}/{token.uid}").status_code == 401
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert ApiToken.objects.count() == 1


@pytest.mark.parametrize("who", ["citizen", "other_department_staff", "same_department_staff"])
def test_others_cannot_revoke_my_token(client, who):
    org = OrganizationFactory()
    owner = make_staff(org)
    token, _ = _token_for(owner)
    other = {
        "citizen": lambda: CitizenFactory(),
        "other_department_staff": lambda: make_staff(OrganizationFactory()),
        "same_department_staff": lambda: make_staff(org, permissions=["services.view_application"]),
    }[who]()
    client.force_login(other)

    response = client.delete(f"{TOKENS}/{token.uid}")

    assert response.status_code == 404
    assert response.json()["code"] == "token_not_found"
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert not AuditEvent.objects.filter(action="identity.api_token_revoked").exists()


def test_owner_revokes_token_and_it_stops_working(client):
    staff = make_staff()
    token, plaintext = _token_for(staff)
    client.force_login(staff)

    response = client.delete(f"{TOKENS}/{token.uid}")

    assert response.status_code == 204
    assert Client().get(ME, headers=_bearer(plaintext)).status_code == 401
    again = client.delete(f"{TOKENS}/{token.uid}")
    assert again.status_code == 409
    assert again.json()["message"] == "该令牌已撤销"
