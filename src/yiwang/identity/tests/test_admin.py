"""Identity admin: access by platform permission, role permission validation, audited saves."""

from __future__ import annotations

import json

import pytest

from yiwang.core.models import AuditEvent
from yiwang.core.tests.factories import OrganizationFactory
from yiwang.identity.actions import api_token_create
from yiwang.identity.actor import Actor
from yiwang.identity.models import DataScope, Membership, Role, User
from yiwang.identity.tests.factories import UserFactory, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def root_client(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True, kind=User.Kind.STAFF))
    return client


def _role_post(client, permissions_text: str, code: str = "inspector-x"):
    return client.post(
        "/admin/identity/role/add/",
        {
            "code": code,
            "name": "检查员",
            "permissions": permissions_text,
            "data_scope": DataScope.DEPARTMENT,
            "description": "",
        },
    )


def test_superuser_sees_identity_admin_pages(root_client):
    staff = make_staff()
    token, plaintext = api_token_create(actor=Actor.for_user(staff), name="脚本")

    assert root_client.get("/admin/identity/user/").status_code == 200
    change = root_client.get(f"/admin/identity/user/{staff.pk}/change/")
    assert change.status_code == 200
    assert "任职" in change.content.decode()  # membership inline
    assert root_client.get("/admin/identity/role/").status_code == 200
    assert root_client.get("/admin/identity/enterpriseauthorization/").status_code == 200
    token_page = root_client.get(f"/admin/identity/apitoken/{token.pk}/change/").content.decode()
    assert token.token_hash in token_page
    assert plaintext not in token_page
    assert root_client.get("/admin/identity/apitoken/add/").status_code == 403


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('["Workflow.View"]', "权限格式不正确：Workflow.View"),
        ('["workflow"]', "权限格式不正确：workflow"),
        ('["*"]', "权限格式不正确：*"),
        ('{"a": 1}', "权限应为 JSON 数组"),
        ('["cockpit.view", "cockpit.view"]', "权限列表中有重复项"),
    ],
)
def test_role_permissions_are_validated_in_chinese(root_client, text, message):
    response = _role_post(root_client, text)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Role.objects.filter(code="inspector-x").exists()


def test_valid_role_is_saved_and_audited(root_client):
    response = _role_post(root_client, json.dumps(["inspection.plan_check", "workflow.view_instance"]))

    assert response.status_code == 302
    role = Role.objects.get(code="inspector-x")
    assert role.permissions == ["inspection.plan_check", "workflow.view_instance"]
    event = AuditEvent.objects.get(action="identity.admin_created")
    assert event.object_id == str(role.pk)


def test_role_admin_refuses_permissions_the_editor_does_not_hold(client):
    editor = make_staff(permissions=["identity.manage_roles"], scope=DataScope.ALL, is_staff=True)
    client.force_login(editor)

    response = _role_post(client, '["cockpit.view"]')

    assert response.status_code == 200
    assert "不能授予超出本人权限的权限" in response.content.decode()
    assert not Role.objects.filter(code="inspector-x").exists()


def test_staff_without_permission_cannot_open_identity_admin(client):
    client.force_login(make_staff(permissions=["services.view_application"], is_staff=True))

    assert client.get("/admin/identity/user/").status_code == 403
    assert client.get("/admin/identity/role/").status_code == 403


def test_account_manager_cannot_make_superusers_or_edit_them(client):
    manager = make_staff(permissions=["identity.manage_accounts"], scope=DataScope.ALL, is_staff=True)
    root = UserFactory(is_superuser=True, is_staff=True)
    citizen = UserFactory()
    client.force_login(manager)

    page = client.get(f"/admin/identity/user/{citizen.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page
    root_page = client.get(f"/admin/identity/user/{root.pk}/change/")
    assert root_page.status_code == 200  # view only
    assert 'name="username"' not in root_page.content.decode()
    attempt = client.post(f"/admin/identity/user/{root.pk}/change/", {"username": "hijacked"})
    assert attempt.status_code == 403
    root.refresh_from_db()
    assert root.username != "hijacked"


def test_membership_inline_refuses_escalation(client):
    org = OrganizationFactory()
    manager = make_staff(org, permissions=["identity.manage_accounts"], scope=DataScope.ALL, is_staff=True)
    target = make_staff(org)
    client.force_login(manager)
    leader = Role.objects.get(code="leader")
    membership = Membership.objects.get(user=target)
    prefix = "memberships"
    data = {
        "username": target.username,
        "kind": target.kind,
        "display_name": target.display_name,
        "phone": "",
        "email": "",
        "person": "",
        "assurance_level": 1,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        f"{prefix}-TOTAL_FORMS": 1,
        f"{prefix}-INITIAL_FORMS": 1,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
        f"{prefix}-0-id": membership.pk,
        f"{prefix}-0-user": target.pk,
        f"{prefix}-0-organization": org.pk,
        f"{prefix}-0-roles": [leader.pk],
        f"{prefix}-0-title": "",
        f"{prefix}-0-is_primary": "on",
    }

    response = client.post(f"/admin/identity/user/{target.pk}/change/", data)

    assert response.status_code == 200
    assert "不能授予超出本人权限的角色" in response.content.decode()
    assert not membership.roles.filter(code="leader").exists()
