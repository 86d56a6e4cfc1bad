"""API token scopes (read-only, domains, token management) enforced for every endpoint by the auth
class, and tokens revoked when the owner's password changes or the account is disabled."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from yiwang.core.models import AuditEvent
from yiwang.identity.actions import admin_save, api_token_create, api_token_revoke
from yiwang.identity.actor import Actor
from yiwang.identity.models import ApiToken, User
from yiwang.identity.tests.factories import PASSWORD, UserFactory, make_staff
from yiwang.identity.token_scopes import TokenScope

pytestmark = pytest.mark.django_db

ME = "/api/v1/identity/me"
TOKENS = "/api/v1/identity/tokens"
UNREAD = "/api/v1/notifications/unread-count"
READ_ALL = "/api/v1/notifications/read-all"


def _token(user: User, scopes: list[str] | None = None, name: str = "脚本") -> tuple[ApiToken, str]:
    return api_token_create(actor=Actor.for_user(user), name=name, scopes=scopes)


def _bearer(plaintext: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {plaintext}"})


def _refused(response: Any, code: str) -> str:
    assert response.status_code == 403, response.content
    body = response.json()
    assert body["code"] == code
    return body["message"]


# --------------------------------------------------------------------------- scope algebra


def test_a_scope_covers_only_what_is_narrower():
    everything = TokenScope.of([])
    assert everything.covers(TokenScope.of(["services"]))
    assert not TokenScope.of(["services"]).covers(everything)
    assert TokenScope.of(["services", "core"]).covers(TokenScope.of(["core", "read"]))
    assert not TokenScope.of(["read"]).covers(TokenScope.of(["core"]))
    assert not TokenScope.of(["core"]).covers(TokenScope.of(["core", "tokens"]))


# --------------------------------------------------------------------------- enforcement


def test_a_read_only_token_reads_but_does_not_write():
    _, plaintext = _token(make_staff(), ["read"])
    client = _bearer(plaintext)

    assert client.get(ME).status_code == 200
    assert client.get(UNREAD).status_code == 200
    message = _refused(client.post(READ_ALL, {}, content_type="application/json"), "token_read_only")
    assert message == "该 API 令牌为只读令牌，不能执行修改操作"


def test_a_domain_token_reaches_only_its_domain():
    _, plaintext = _token(make_staff(), ["notifications"])
    client = _bearer(plaintext)

    assert client.get(UNREAD).status_code == 200
    assert client.post(READ_ALL, {}, content_type="application/json").status_code == 200
    message = _refused(client.get(ME), "token_scope")
    assert message == "该 API 令牌的权限范围不包括「统一身份认证」接口（仅限「消息通知」）"


def test_a_token_without_the_tokens_scope_cannot_create_or_revoke_tokens():
    """Tokens made before scopes (an empty list) keep reading and writing every domain, but no
    token mints tokens unless it was given `tokens`."""
    staff = make_staff()
    other, _ = _token(staff, name="另一个")
    _, plaintext = _token(staff)
    client = _bearer(plaintext)
    audit_rows = AuditEvent.objects.count()

    assert client.get(ME).status_code == 200
    assert client.post(READ_ALL, {}, content_type="application/json").status_code == 200
    created = client.post(TOKENS, {"name": "由令牌创建"}, content_type="application/json")
    revoked = client.delete(f"{TOKENS}/{other.uid}")

    message = _refused(created, "token_scope_tokens")
    assert "管理令牌" in message
    _refused(revoked, "token_scope_tokens")
    assert ApiToken.objects.filter(user=staff).count() == 2
    assert ApiToken.objects.get(pk=other.pk).revoked_at is None
    assert AuditEvent.objects.count() == audit_rows


def test_the_action_refuses_a_token_actor_without_the_tokens_scope_too():
    staff = make_staff()
    token, _ = _token(staff)
    actor = Actor.for_user(staff)
    actor.token_scopes = ()

    with pytest.raises(Exception, match="管理令牌"):
        api_token_create(actor=actor, name="x")
    with pytest.raises(Exception, match="管理令牌"):
        api_token_revoke(actor=actor, token=token)


def test_a_tokens_token_creates_tokens_no_wider_than_itself():
    staff = make_staff()
    _, plaintext = _token(staff, ["notifications", "tokens"])
    client = _bearer(plaintext)

    narrower = client.post(
        TOKENS, {"name": "只读消息", "scopes": ["read", "notifications"]}, content_type="application/json"
    )
    wider = client.post(TOKENS, {"name": "全部", "scopes": []}, content_type="application/json")
    other_domain = client.post(
        TOKENS, {"name": "办件", "scopes": ["services"]}, content_type="application/json"
    )

    assert narrower.status_code == 201
    assert narrower.json()["token"]["scopes"] == ["notifications", "read"]
    assert _refused(wider, "token_scope_escalation") == "通过 API 令牌创建的令牌，权限范围不能超出该令牌本身"
    _refused(other_domain, "token_scope_escalation")
    assert ApiToken.objects.filter(user=staff).count() == 2


def test_unknown_scopes_are_refused_in_chinese(client):
    client.force_login(make_staff())

    response = client.post(TOKENS, {"name": "x", "scopes": ["admin"]}, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "token_scope_invalid"
    assert response.json()["message"] == "令牌权限范围无效：admin"
    assert not ApiToken.objects.exists()


def test_a_person_creates_a_scoped_token_on_the_profile_page(client):
    staff = make_staff()
    client.force_login(staff)

    response = client.post(
        "/accounts/tokens/", {"name": "只读同步", "days": 30, "scopes": ["read", "services"]}
    )

    assert response.status_code == 200
    token = ApiToken.objects.get(user=staff)
    assert token.scopes == ["read", "services"]
    html = client.get("/accounts/profile/").content.decode()
    assert "一网通办、只读" in html
    event = AuditEvent.objects.get(action="identity.api_token_created")
    assert event.data["scopes"] == ["read", "services"]


# --------------------------------------------------------------------------- revocation


def test_changing_ones_password_revokes_every_token_in_the_same_audit_row(client):
    staff = make_staff()
    first, first_plain = _token(staff, name="一")
    second, _ = _token(staff, ["read"], name="二")
    old, _ = _token(staff, name="旧")
    api_token_revoke(actor=Actor.for_user(staff), token=old)
    old.refresh_from_db()
    client.force_login(staff)

    response = client.post(
        "/accounts/password/", {"old": PASSWORD, "new": "Changjiang88", "new_again": "Changjiang88"}
    )

    assert response.status_code == 302
    assert ApiToken.objects.filter(user=staff, revoked_at__isnull=True).count() == 0
    assert ApiToken.objects.get(pk=old.pk).revoked_at == old.revoked_at  # untouched
    [event] = AuditEvent.objects.filter(action="identity.password_changed")
    assert event.data["tokens_revoked"] == sorted([first.prefix, second.prefix])
    assert "并撤销其 2 个 API 令牌" in event.summary
    assert _bearer(first_plain).get(ME).status_code == 401


def _admin_form_data(response: Any) -> dict[str, Any]:
    """What the admin's change page would post back unchanged (its form and inline formsets)."""
    forms = [response.context["adminform"].form]
    data: dict[str, Any] = {}
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(k): v for k, v in management.initial.items()})
        forms += list(inline.formset.forms)
    for form in forms:
        for name, field in form.fields.items():
            if field.disabled:
                continue
            value = form[name].value()
            if value is None or value is False:
                continue
            key = form.add_prefix(name)
            if value is True:
                data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            else:
                data[key] = str(value)
    return data


def test_disabling_an_account_in_the_admin_revokes_its_tokens_for_good():
    root = Client()
    root.force_login(UserFactory(is_superuser=True, is_staff=True, kind=User.Kind.STAFF))
    staff = UserFactory(kind=User.Kind.STAFF, username="clerk9")
    token, plaintext = _token(staff)
    url = f"/admin/identity/user/{staff.pk}/change/"
    data = _admin_form_data(root.get(url))
    assert data["is_active"] == "on"

    disabled = root.post(url, {k: v for k, v in data.items() if k != "is_active"})

    assert disabled.status_code == 302, disabled.content.decode()[:2000]
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(action="identity.admin_changed", object_id=str(staff.pk))
    assert event.data["tokens_revoked"] == [token.prefix]
    assert "停用账号" in event.summary
    reenabled = root.post(url, data)
    assert reenabled.status_code == 302
    assert _bearer(plaintext).get(ME).status_code == 401


def test_deactivation_through_the_action_revokes_and_other_edits_do_not():
    root = Actor.for_user(UserFactory(is_superuser=True, kind=User.Kind.STAFF))
    staff = UserFactory(kind=User.Kind.STAFF)
    token, _ = _token(staff)

    staff.display_name = "新名字"
    admin_save(actor=root, obj=staff, created=False, changed_fields=["display_name"])
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None

    staff.is_active = False
    admin_save(actor=root, obj=staff, created=False, changed_fields=["is_active"])
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_setting_a_password_in_the_admin_is_audited_and_revokes_tokens():
    root = Client()
    root.force_login(UserFactory(is_superuser=True, is_staff=True, kind=User.Kind.STAFF))
    staff = UserFactory(kind=User.Kind.STAFF, username="clerk8")
    token, plaintext = _token(staff)

    response = root.post(
        f"/admin/identity/user/{staff.pk}/password/",
        {"usable_password": "true", "password1": "Huanghe2026!", "password2": "Huanghe2026!"},
    )

    assert response.status_code == 302
    [event] = AuditEvent.objects.filter(action="identity.password_set")
    assert (event.object_id, event.data["tokens_revoked"]) == (str(staff.pk), [token.prefix])
    assert _bearer(plaintext).get(ME).status_code == 401
    staff.refresh_from_db()
    assert staff.check_password("Huanghe2026!")
