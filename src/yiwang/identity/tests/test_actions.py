"""Identity actions: every rule, with its Chinese message, and nothing changed when a rule says no."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from yiwang.core import identifiers
from yiwang.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from yiwang.core.models import AuditEvent, Person
from yiwang.core.tests.factories import EnterpriseFactory, OrganizationFactory, PersonFactory, RegionFactory
from yiwang.identity import actions
from yiwang.identity.actor import Actor
from yiwang.identity.api_auth import hash_token
from yiwang.identity.models import ApiToken, DataScope, EnterpriseAuthorization, Membership, Role, User
from yiwang.identity.permissions import MANAGE_ACCOUNTS
from yiwang.identity.tests.factories import PASSWORD, CitizenFactory, RoleFactory, UserFactory, make_staff

pytestmark = pytest.mark.django_db

ANONYMOUS = Actor(user=None)
WINDOW_CLERK_PERMISSIONS = [
    "services.accept_application",
    "services.view_application",
    "workflow.view_instance",
]
GOOD_PASSWORD = "Qingshan2026"
VALID_ID = identifiers.id_number("320102", date(1990, 5, 17), 123)


def _audit(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def _admin(org=None, scope=DataScope.ALL, permissions=None):
    """An account manager who also holds the permissions of the roles it hands out."""
    perms = permissions if permissions is not None else [MANAGE_ACCOUNTS, *WINDOW_CLERK_PERMISSIONS]
    return Actor.for_user(make_staff(org, permissions=perms, scope=scope))


def _register(**overrides):
    fields = {
        "actor": ANONYMOUS,
        "username": "citizen01",
        "phone": "13900001111",
        "password": GOOD_PASSWORD,
        "id_number": VALID_ID,
        "name": "陈青山",
    }
    fields.update(overrides)
    return actions.citizen_register(**fields)


# --------------------------------------------------------------------------- citizen_register


def test_citizen_register_creates_person_and_account():
    user = _register()

    assert user.kind == User.Kind.CITIZEN
    assert user.person.id_number == VALID_ID
    assert user.person.name == "陈青山"
    assert user.display_name == "陈青山"
    assert user.assurance_level == User.AssuranceLevel.L1
    assert user.check_password(GOOD_PASSWORD)
    [event] = _audit("identity.citizen_registered")
    assert event.object_id == str(user.pk)
    assert event.actor_label == "匿名"


def test_citizen_register_links_existing_person_when_name_matches():
    person = PersonFactory(name="李四")

    user = _register(id_number=person.id_number, name="李四")

    assert user.person_id == person.pk
    assert Person.objects.count() == 1


def test_citizen_register_accepts_a_person_object():
    person = PersonFactory()

    user = _register(person=person, id_number="", name="")

    assert user.person_id == person.pk
    assert user.display_name == person.name


def test_citizen_register_lowercase_x_check_digit_is_normalised():
    seq = next(s for s in range(1000) if identifiers.id_number("320102", date(1985, 1, 1), s).endswith("X"))
    with_x = identifiers.id_number("320102", date(1985, 1, 1), seq)

    user = _register(id_number=with_x.lower())

    assert user.person.id_number == with_x


@pytest.mark.parametrize(
    ("overrides", "code", "message"),
    [
        ({"username": "1380013"}, "username_invalid", "用户名应为 4–30 位，以字母开头"),
        ({"username": "ab"}, "username_invalid", "用户名应为 4–30 位"),
        ({"username": "张三丰"}, "username_invalid", "用户名应为 4–30 位"),
        ({"phone": ""}, "phone_required", "请填写手机号码"),
        ({"phone": "1234"}, "phone_invalid", "手机号码应为 11 位，以 1 开头"),
        ({"id_number": "", "name": ""}, "person_required", "请填写身份证号码和姓名"),
        ({"name": ""}, "person_required", "请填写身份证号码和姓名"),
        ({"id_number": "3201021990051712"}, "id_number_invalid", "身份证号码应为 18 位"),
        (
            {"id_number": VALID_ID[:-1] + ("0" if VALID_ID[-1] != "0" else "1")},
            "id_number_invalid",
            "校验位不正确",
        ),
        ({"password": "short1"}, "password_policy", "密码太短，至少需要 8 个字符"),
        ({"password": "12345678901"}, "password_policy", "密码只包含数字"),
        ({"password": "password1"}, "password_policy", "这个密码太常见了"),
        ({"password": "onlyletters"}, "password_policy", "密码须同时包含字母和数字"),
    ],
)
def test_citizen_register_rejects_bad_input(overrides, code, message):
    with pytest.raises(InvalidInput) as caught:
        _register(**overrides)

    assert caught.value.code == code
    assert message in caught.value.message
    assert not User.objects.exists()
    assert not Person.objects.exists()
    assert not _audit("identity.citizen_registered")


def test_citizen_register_rejects_name_that_does_not_match_existing_person():
    person = PersonFactory(name="王五")

    with pytest.raises(InvalidInput) as caught:
        _register(id_number=person.id_number, name="王六")

    assert caught.value.code == "identity_mismatch"
    assert caught.value.message == "身份证号码与姓名不一致"
    assert not User.objects.exists()


def test_citizen_register_rejects_taken_username_phone_and_person():
    existing = _register()

    with pytest.raises(Conflict, match="该用户名已被使用"):
        _register(username="CITIZEN01", phone="13900002222")
    with pytest.raises(Conflict, match="该手机号码已注册"):
        _register(username="citizen02")
    with pytest.raises(Conflict, match="该自然人已有账号") as caught:
        _register(username="citizen03", phone="13900003333")
    assert caught.value.code == "person_has_account"
    assert list(User.objects.all()) == [existing]


def test_citizen_register_by_logged_in_citizen_is_refused():
    citizen = CitizenFactory()

    with pytest.raises(PermissionDenied, match="您已登录，无需再注册账号"):
        _register(actor=Actor.for_user(citizen))

    assert User.objects.count() == 1


def test_account_manager_may_register_a_citizen_on_their_behalf():
    manager = _admin()

    user = _register(actor=manager)

    assert _audit("identity.citizen_registered")[0].actor_id == manager.user_id
    assert user.kind == User.Kind.CITIZEN


# --------------------------------------------------------------------------- staff_create


def _staff_create(actor, **overrides):
    fields = {
        "actor": actor,
        "username": "clerk01",
        "display_name": "刘窗口",
        "phone": "13900009999",
        "organization": overrides.pop("organization", None) or OrganizationFactory(),
        "roles": ["window_clerk"],
        "password": GOOD_PASSWORD,
    }
    fields.update(overrides)
    return actions.staff_create(**fields)


def test_staff_create_with_standard_role():
    org = OrganizationFactory()
    admin = _admin(org)

    user = _staff_create(admin, organization=org)

    assert user.kind == User.Kind.STAFF
    membership = Membership.objects.get(user=user)
    assert membership.organization == org
    assert membership.is_primary
    assert [r.code for r in membership.roles.all()] == ["window_clerk"]
    actor = Actor.for_user(user)
    assert actor.has_perm("services.accept_application")
    assert actor.role_codes == frozenset({"window_clerk"})
    [event] = _audit("identity.staff_created")
    assert event.data["roles"] == ["window_clerk"]


def test_staff_create_requires_manage_accounts():
    citizen = Actor.for_user(CitizenFactory())
    clerk = Actor.for_user(make_staff(permissions=["services.accept_application"]))

    for actor in (ANONYMOUS, citizen, clerk):
        with pytest.raises(PermissionDenied, match="没有管理账号的权限"):
            _staff_create(actor, roles=[])

    assert not User.objects.filter(kind=User.Kind.STAFF).exclude(pk=clerk.user_id).exists()


def test_staff_create_department_manager_cannot_create_in_other_department():
    mine, other = OrganizationFactory(), OrganizationFactory()
    manager = _admin(mine, scope=DataScope.DEPARTMENT)

    with pytest.raises(PermissionDenied, match="没有管理该部门账号的权限"):
        _staff_create(manager, organization=other, roles=[])
    user = _staff_create(manager, organization=mine, roles=[])

    assert user.memberships.get().organization == mine


def test_staff_create_cannot_grant_more_than_the_actor_holds():
    org = OrganizationFactory()
    manager = _admin(org, permissions=[MANAGE_ACCOUNTS])

    with pytest.raises(PermissionDenied, match="不能授予超出本人权限的角色") as caught:
        _staff_create(manager, organization=org, roles=["platform_admin"])

    assert caught.value.code == "role_escalation"
    assert not User.objects.filter(username="clerk01").exists()


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    [
        ({"display_name": " "}, InvalidInput, "请填写姓名"),
        ({"roles": ["no_such_role"]}, InvalidInput, "角色不存在：no_such_role"),
        ({"username": "9clerk"}, InvalidInput, "用户名应为 4–30 位"),
        ({"phone": "2390000999"}, InvalidInput, "手机号码应为 11 位"),
        ({"password": "abc"}, InvalidInput, "密码太短"),
        ({"password": "clerk01a"}, InvalidInput, "密码跟 用户名 太相似了"),
    ],
)
def test_staff_create_rejects_bad_input(overrides, error, message):
    org = OrganizationFactory()
    admin = _admin(org)

    with pytest.raises(error) as caught:
        _staff_create(admin, organization=org, **overrides)

    assert message in caught.value.message
    assert not User.objects.filter(username__in=["clerk01", "9clerk"]).exists()
    assert not _audit("identity.staff_created")


def test_staff_create_in_inactive_organization_is_refused():
    org = OrganizationFactory(is_active=False)

    with pytest.raises(InvalidInput, match="该部门已停用"):
        _staff_create(_admin(), organization=org, roles=[])


# --------------------------------------------------------------------------- memberships


def test_membership_grant_adds_roles_and_revoke_takes_them_away():
    admin = _admin()
    org = OrganizationFactory()
    staff = make_staff(role_code="first-role")
    extra = RoleFactory(code="extra", permissions=["services.accept_application"])

    membership = actions.membership_grant(
        actor=admin, user=staff, organization=org, roles=[extra], title="科员"
    )

    assert membership.title == "科员"
    assert not membership.is_primary  # the user already had a primary membership
    assert Actor.for_user(staff).has_perm("services.accept_application")

    again = actions.membership_grant(actor=admin, user=staff, organization=org, roles=[])
    assert again.pk == membership.pk

    left = actions.membership_revoke(actor=admin, user=staff, organization=org, roles=["extra"])
    assert left is not None and list(left.roles.all()) == []
    assert not Actor.for_user(staff).has_perm("services.accept_application")

    assert actions.membership_revoke(actor=admin, user=staff, organization=org) is None
    assert not Membership.objects.filter(user=staff, organization=org).exists()
    assert len(_audit("identity.membership_granted")) == 2
    assert [e.data["ended"] for e in _audit("identity.membership_revoked")] == [False, True]


def test_membership_grant_only_for_staff_accounts():
    citizen = CitizenFactory()

    with pytest.raises(InvalidInput, match="只有工作人员账号可以在部门任职"):
        actions.membership_grant(actor=_admin(), user=citizen, organization=OrganizationFactory(), roles=[])

    assert not Membership.objects.filter(user=citizen).exists()


def test_membership_grant_refuses_escalation_and_foreign_department():
    org, other = OrganizationFactory(), OrganizationFactory()
    manager = _admin(org, scope=DataScope.DEPARTMENT, permissions=[MANAGE_ACCOUNTS])
    staff = make_staff(org)

    with pytest.raises(PermissionDenied, match="不能授予超出本人权限的角色"):
        actions.membership_grant(actor=manager, user=staff, organization=org, roles=["leader"])
    with pytest.raises(PermissionDenied, match="没有管理该部门账号的权限"):
        actions.membership_grant(actor=manager, user=staff, organization=other, roles=[])
    with pytest.raises(PermissionDenied, match="没有管理账号的权限"):
        actions.membership_grant(
            actor=Actor.for_user(CitizenFactory()), user=staff, organization=org, roles=[]
        )

    assert not Membership.objects.filter(user=staff, organization=other).exists()
    assert not Membership.objects.get(user=staff, organization=org).roles.filter(code="leader").exists()


def test_membership_revoke_of_missing_membership():
    with pytest.raises(NotFound, match="该账号不在此部门任职"):
        actions.membership_revoke(actor=_admin(), user=make_staff(), organization=OrganizationFactory())


# --------------------------------------------------------------------------- enterprise authorisation


def test_legal_representative_authorises_and_revokes_an_agent():
    rep_person = PersonFactory()
    enterprise = EnterpriseFactory(legal_representative=rep_person)
    rep = Actor.for_user(CitizenFactory(person=rep_person))
    agent = CitizenFactory()
    today = timezone.localdate()

    authorization = actions.enterprise_authorize(
        actor=rep,
        user=agent,
        enterprise=enterprise,
        role="agent",
        valid_from=today,
        valid_until=today + timedelta(days=30),
    )

    assert Actor.for_user(agent).enterprise_ids == frozenset({enterprise.pk})
    actions.enterprise_authorization_revoke(actor=rep, authorization=authorization)
    assert Actor.for_user(agent).enterprise_ids == frozenset()
    with pytest.raises(Conflict, match="该授权已撤销"):
        actions.enterprise_authorization_revoke(actor=rep, authorization=authorization)

    again = actions.enterprise_authorize(actor=rep, user=agent, enterprise=enterprise, valid_from=today)
    assert again.pk == authorization.pk and again.revoked_at is None
    assert len(_audit("identity.enterprise_authorized")) == 2
    assert len(_audit("identity.enterprise_authorization_revoked")) == 1


def test_future_authorisation_is_not_yet_effective():
    admin = _admin()
    agent = CitizenFactory()
    enterprise = EnterpriseFactory()
    tomorrow = timezone.localdate() + timedelta(days=1)

    actions.enterprise_authorize(actor=admin, user=agent, enterprise=enterprise, valid_from=tomorrow)

    assert Actor.for_user(agent).enterprise_ids == frozenset()


def test_legal_representative_role_requires_the_matching_person():
    rep_person = PersonFactory()
    enterprise = EnterpriseFactory(legal_representative=rep_person)
    admin = _admin()

    with pytest.raises(InvalidInput, match="该账号对应的自然人不是此法人的法定代表人"):
        actions.enterprise_authorize(
            actor=admin, user=CitizenFactory(), enterprise=enterprise, role="legal_representative"
        )
    rep_user = CitizenFactory(person=rep_person)
    authorization = actions.enterprise_authorize(
        actor=admin, user=rep_user, enterprise=enterprise, role="legal_representative"
    )

    assert authorization.role == EnterpriseAuthorization.Role.LEGAL_REPRESENTATIVE
    assert EnterpriseAuthorization.objects.count() == 1


def test_enterprise_authorize_permission_rules():
    enterprise = EnterpriseFactory(legal_representative=PersonFactory())
    stranger = Actor.for_user(CitizenFactory())
    district_manager = _admin(OrganizationFactory(region=RegionFactory()), scope=DataScope.DEPARTMENT)

    for actor in (ANONYMOUS, stranger, district_manager):
        with pytest.raises(PermissionDenied, match="只有法定代表人或账号管理员可以授权经办人"):
            actions.enterprise_authorize(actor=actor, user=CitizenFactory(), enterprise=enterprise)
    rep = Actor.for_user(CitizenFactory(person=enterprise.legal_representative))
    with pytest.raises(PermissionDenied):  # a representative cannot make someone else the representative
        actions.enterprise_authorize(
            actor=rep, user=CitizenFactory(), enterprise=enterprise, role="legal_representative"
        )

    assert not EnterpriseAuthorization.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "code", "message"),
    [
        ({"role": "boss"}, "authorization_role_invalid", "授权身份无效"),
        (
            {"valid_from": date(2030, 1, 10), "valid_until": date(2030, 1, 9)},
            "validity_invalid",
            "失效日期不能早于生效日期",
        ),
        (
            {"valid_from": date(2020, 1, 1), "valid_until": date(2020, 2, 1)},
            "validity_expired",
            "失效日期已过",
        ),
    ],
)
def test_enterprise_authorize_rejects_bad_input(kwargs, code, message):
    with pytest.raises(InvalidInput) as caught:
        actions.enterprise_authorize(
            actor=_admin(), user=CitizenFactory(), enterprise=EnterpriseFactory(), **kwargs
        )

    assert caught.value.code == code
    assert message in caught.value.message
    assert not EnterpriseAuthorization.objects.exists()


def test_staff_cannot_be_an_enterprise_agent():
    with pytest.raises(InvalidInput, match="工作人员账号不能作为法人经办人"):
        actions.enterprise_authorize(actor=_admin(), user=make_staff(), enterprise=EnterpriseFactory())


# --------------------------------------------------------------------------- password_change


def test_password_change_success():
    user = CitizenFactory()

    actions.password_change(actor=Actor.for_user(user), old=PASSWORD, new="Changjiang88")

    user.refresh_from_db()
    assert user.check_password("Changjiang88")
    assert len(_audit("identity.password_changed")) == 1


@pytest.mark.parametrize(
    ("old", "new", "code", "message"),
    [
        ("wrong-old-1", "Changjiang88", "wrong_password", "原密码不正确"),
        (PASSWORD, PASSWORD, "password_unchanged", "新密码不能与原密码相同"),
        (PASSWORD, "Ab1", "password_policy", "密码太短，至少需要 8 个字符。"),
        (PASSWORD, "87654321", "password_policy", "密码只包含数字。"),
        (PASSWORD, "qwerty123", "password_policy", "这个密码太常见了。"),
        (PASSWORD, "nodigitshere", "password_policy", "密码须同时包含字母和数字"),
    ],
)
def test_password_change_rejects(old, new, code, message):
    user = CitizenFactory(username="passuser")

    with pytest.raises(InvalidInput) as caught:
        actions.password_change(actor=Actor.for_user(user), old=old, new=new)

    assert caught.value.code == code
    assert message in caught.value.message
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not _audit("identity.password_changed")


def test_password_policy_messages_are_all_chinese():
    user = CitizenFactory()

    with pytest.raises(InvalidInput) as caught:
        actions.password_change(actor=Actor.for_user(user), old=PASSWORD, new="1234")

    messages = caught.value.details["password"]
    assert messages == [
        "密码太短，至少需要 8 个字符。",
        "这个密码太常见了。",
        "密码只包含数字。",
        "密码须同时包含字母和数字",
    ]
    assert all(not any("a" <= c.lower() <= "z" for c in m) for m in messages)


def test_password_change_requires_login():
    with pytest.raises(PermissionDenied, match="请先登录"):
        actions.password_change(actor=ANONYMOUS, old="x", new="y")


# --------------------------------------------------------------------------- API tokens


def test_api_token_create_stores_only_the_hash():
    staff = make_staff()

    token, plaintext = actions.api_token_create(actor=Actor.for_user(staff), name="同步脚本", days=30)

    assert plaintext.startswith("yw_") and len(plaintext) > 40
    assert token.token_hash == hash_token(plaintext)
    assert token.prefix == plaintext[:8]
    stored = ApiToken.objects.get(pk=token.pk)
    assert plaintext not in {stored.token_hash, stored.prefix, stored.name}
    assert timedelta(days=29, hours=23) < stored.expires_at - timezone.now() <= timedelta(days=30)
    [event] = _audit("identity.api_token_created")
    assert plaintext not in str(event.data) and plaintext not in event.summary


def test_api_token_default_lifetime_comes_from_settings(settings):
    settings.YIWANG_API_TOKEN_DAYS = 7

    token, _ = actions.api_token_create(actor=Actor.for_user(make_staff()), name="默认有效期")

    assert timedelta(days=6, hours=23) < token.expires_at - timezone.now() <= timedelta(days=7)


@pytest.mark.parametrize(
    ("name", "days", "code", "message"),
    [
        ("", None, "token_name_required", "请填写令牌用途"),
        ("x" * 101, None, "token_name_invalid", "令牌用途不超过 100 个字"),
        ("ok", 0, "token_days_invalid", "有效期应为 1 至 365 天"),
        ("ok", 366, "token_days_invalid", "有效期应为 1 至 365 天"),
    ],
)
def test_api_token_create_rejects_bad_input(name, days, code, message):
    with pytest.raises(InvalidInput) as caught:
        actions.api_token_create(actor=Actor.for_user(make_staff()), name=name, days=days)

    assert (caught.value.code, caught.value.message) == (code, message)
    assert not ApiToken.objects.exists()


def test_api_token_create_only_for_staff():
    with pytest.raises(PermissionDenied, match="只有工作人员账号可以创建 API 令牌"):
        actions.api_token_create(actor=Actor.for_user(CitizenFactory()), name="x")
    with pytest.raises(PermissionDenied, match="请先登录"):
        actions.api_token_create(actor=ANONYMOUS, name="x")

    assert not ApiToken.objects.exists()


def test_api_token_limit(monkeypatch):
    monkeypatch.setattr(actions, "MAX_ACTIVE_TOKENS", 2)
    actor = Actor.for_user(make_staff())
    first, _ = actions.api_token_create(actor=actor, name="一")
    actions.api_token_create(actor=actor, name="二")

    with pytest.raises(Conflict, match="有效令牌已达 2 个上限"):
        actions.api_token_create(actor=actor, name="三")
    actions.api_token_revoke(actor=actor, token=first)
    actions.api_token_create(actor=actor, name="三")

    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 2


def test_api_token_revoke_rules():
    owner = Actor.for_user(make_staff())
    token, _ = actions.api_token_create(actor=owner, name="x")
    colleague = Actor.for_user(make_staff())

    with pytest.raises(NotFound, match="API 令牌不存在"):
        actions.api_token_revoke(actor=colleague, token=token)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None

    actions.api_token_revoke(actor=owner, token=token)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    with pytest.raises(Conflict, match="该令牌已撤销"):
        actions.api_token_revoke(actor=owner, token=token)


def test_account_manager_may_revoke_anybodys_token():
    token, _ = actions.api_token_create(actor=Actor.for_user(make_staff()), name="x")

    actions.api_token_revoke(actor=_admin(), token=token)

    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


# --------------------------------------------------------------------------- admin helpers


def test_admin_save_validates_role_permissions_and_escalation():
    role_admin = Actor.for_user(make_staff(permissions=["identity.manage_roles"], scope=DataScope.ALL))
    role = Role(code="new-role", name="新角色", permissions=["Not A Permission"])

    with pytest.raises(InvalidInput, match="权限格式不正确"):
        actions.admin_save(actor=role_admin, obj=role, created=True)
    role.permissions = ["cockpit.view"]
    with pytest.raises(PermissionDenied, match="不能授予超出本人权限的权限"):
        actions.admin_save(actor=role_admin, obj=role, created=True)
    role.permissions = ["identity.manage_roles"]
    actions.admin_save(actor=role_admin, obj=role, created=True, changed_fields=["permissions"])

    assert Role.objects.get(code="new-role").permissions == ["identity.manage_roles"]
    assert len(_audit("identity.admin_created")) == 1


def test_user_factory_password_constant_still_valid():
    # Demo and test passwords must satisfy the policy they are checked against.
    actions._check_password(PASSWORD, UserFactory.build())
