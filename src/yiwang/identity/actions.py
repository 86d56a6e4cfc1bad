"""Writes of the identity app: accounts, memberships, enterprise authorisations, passwords, API tokens.

Every action takes `actor=`, checks permission, runs in a transaction and writes one audit row."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_ipv46_address
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from yiwang.core.models import Enterprise, Organization, Person
from yiwang.core.validators import validate_id_number, validate_mobile
from yiwang.identity.actor import Actor
from yiwang.identity.api_auth import hash_token
from yiwang.identity.lockout import forget_failures
from yiwang.identity.models import ApiToken, EnterpriseAuthorization, Membership, Role, User
from yiwang.identity.permissions import (
    MANAGE_ACCOUNTS,
    MANAGE_ROLES,
    can_grant_permissions,
    can_manage_token,
)
from yiwang.identity.token_scopes import TokenScope, clean_scopes
from yiwang.identity.validators import validate_permission_list

USERNAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{3,29}$")
MAX_ACTIVE_TOKENS = 20
MAX_TOKEN_DAYS = 365
TOKEN_PREFIX = "yw_"  # noqa: S105 - a marker, not a secret


# --------------------------------------------------------------------------- helpers


def _messages(exc: DjangoValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _check_username(username: str) -> str:
    username = (username or "").strip()
    if not USERNAME_PATTERN.match(username):
        # Starting with a letter also keeps usernames apart from mobile numbers (both log in).
        raise InvalidInput(
            "用户名应为 4–30 位，以字母开头，只含字母、数字、下划线、点或连字符",
            code="username_invalid",
            details={"username": ["用户名格式不正确"]},
        )
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict("该用户名已被使用", code="username_taken", details={"username": ["该用户名已被使用"]})
    return username


def _check_phone(phone: str, *, required: bool = True) -> str | None:
    phone = (phone or "").strip()
    if not phone:
        if required:
            raise InvalidInput("请填写手机号码", code="phone_required", details={"phone": ["请填写手机号码"]})
        return None
    try:
        validate_mobile(phone)
    except DjangoValidationError as exc:
        raise InvalidInput(
            _messages(exc)[0], code="phone_invalid", details={"phone": _messages(exc)}
        ) from exc
    if User.objects.filter(phone=phone).exists():
        raise Conflict("该手机号码已注册", code="phone_taken", details={"phone": ["该手机号码已注册"]})
    return phone


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        messages = _messages(exc)
        raise InvalidInput(
            "；".join(messages), code="password_policy", details={"password": messages}
        ) from exc


def _require_login(actor: Actor) -> User:
    if actor.user is None:
        raise PermissionDenied("请先登录", code="login_required")
    return actor.user


def _can_manage_organization(actor: Actor, organization: Organization) -> bool:
    return actor.can_reach(
        MANAGE_ACCOUNTS,
        organization_id=organization.pk,
        organization_path=organization.path,
        region_path=organization.region.path,
    )


def _require_manage_organization(actor: Actor, organization: Organization) -> None:
    if not _can_manage_organization(actor, organization):
        raise PermissionDenied("没有管理该部门账号的权限", code="permission_denied")


def _resolve_roles(roles: Iterable[Role | str]) -> list[Role]:
    items = list(roles)
    codes = [r for r in items if isinstance(r, str)]
    found = {r.code: r for r in Role.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise InvalidInput(f"角色不存在：{'、'.join(missing)}", code="role_not_found")
    resolved = [r if isinstance(r, Role) else found[r] for r in items]
    unique: dict[int, Role] = {r.pk: r for r in resolved}
    return list(unique.values())


def _require_grantable(actor: Actor, roles: list[Role]) -> None:
    wanted = frozenset(p for role in roles for p in role.permissions)
    if not can_grant_permissions(actor, wanted):
        raise PermissionDenied("不能授予超出本人权限的角色", code="role_escalation")


# --------------------------------------------------------------------------- accounts


def citizen_register(
    *,
    actor: Actor,
    username: str,
    phone: str,
    password: str,
    person: Person | None = None,
    id_number: str = "",
    name: str = "",
) -> User:
    """Register a citizen (自然人) account linked to a `core.Person` (created when missing).

    Self-registration (anonymous actor) or registration on behalf of a citizen by an account manager."""
    if actor.is_authenticated and not actor.has_perm(MANAGE_ACCOUNTS):
        raise PermissionDenied("您已登录，无需再注册账号", code="already_logged_in")
    username = _check_username(username)
    checked_phone = _check_phone(phone)
    id_number = (id_number or "").strip().upper()
    name = (name or "").strip()
    if person is None:
        if not id_number or not name:
            raise InvalidInput(
                "请填写身份证号码和姓名",
                code="person_required",
                details={"id_number": ["必填"], "name": ["必填"]} if not id_number else {"name": ["必填"]},
            )
        try:
            validate_id_number(id_number)
        except DjangoValidationError as exc:
            raise InvalidInput(
                _messages(exc)[0], code="id_number_invalid", details={"id_number": _messages(exc)}
            ) from exc
        if len(name) > 50:
            raise InvalidInput("姓名不超过 50 个字", code="name_invalid", details={"name": ["姓名过长"]})
    user = User(
        username=username,
        phone=checked_phone,
        display_name=(person.name if person is not None else name),
        kind=User.Kind.CITIZEN,
        assurance_level=User.AssuranceLevel.L1,
    )
    _check_password(password, user)
    try:
        with transaction.atomic():
            if person is None:
                person = Person.objects.select_for_update().filter(id_number=id_number).first()
                if person is not None and person.name != name:
                    raise InvalidInput("身份证号码与姓名不一致", code="identity_mismatch")
                if person is None:
                    person = Person(id_number=id_number, name=name, phone=checked_phone or "")
                    try:
                        person.full_clean()
                    except DjangoValidationError as exc:
                        raise InvalidInput("；".join(_messages(exc)), code="person_invalid") from exc
                    person.save()
            if User.objects.filter(person=person).exists():
                raise Conflict("该自然人已有账号，请直接登录或找回密码", code="person_has_account")
            user.person = person
            user.set_password(password)
            user.save()
            audit_record(
                actor=actor,
                action="identity.citizen_registered",
                obj=user,
                summary=f"注册自然人账号 {username}",
                data={"username": username, "person": person.pk},
            )
    except IntegrityError as exc:
        raise Conflict("账号信息与已有账号冲突，请更换用户名或手机号", code="account_conflict") from exc
    return user


def staff_create(
    *,
    actor: Actor,
    username: str,
    display_name: str,
    phone: str,
    organization: Organization,
    roles: Iterable[Role | str],
    password: str,
    title: str = "",
) -> User:
    """Create a staff (工作人员) account with its primary membership and roles."""
    if not actor.has_perm(MANAGE_ACCOUNTS):
        raise PermissionDenied("没有管理账号的权限", code="permission_denied")
    _require_manage_organization(actor, organization)
    role_list = _resolve_roles(roles)
    _require_grantable(actor, role_list)
    display_name = (display_name or "").strip()
    if not display_name:
        raise InvalidInput("请填写姓名", code="name_required", details={"display_name": ["必填"]})
    if len(display_name) > 50:
        raise InvalidInput("姓名不超过 50 个字", code="name_invalid", details={"display_name": ["姓名过长"]})
    if not organization.is_active:
        raise InvalidInput("该部门已停用", code="organization_inactive")
    username = _check_username(username)
    checked_phone = _check_phone(phone)
    user = User(username=username, display_name=display_name, phone=checked_phone, kind=User.Kind.STAFF)
    _check_password(password, user)
    try:
        with transaction.atomic():
            user.set_password(password)
            user.save()
            membership = Membership.objects.create(
                user=user, organization=organization, is_primary=True, title=title
            )
            membership.roles.set(role_list)
            audit_record(
                actor=actor,
                action="identity.staff_created",
                obj=user,
                summary=f"创建工作人员账号 {username}（{organization.name}）",
                data={
                    "username": username,
                    "organization": organization.pk,
                    "roles": sorted(r.code for r in role_list),
                },
            )
    except IntegrityError as exc:
        raise Conflict("账号信息与已有账号冲突，请更换用户名或手机号", code="account_conflict") from exc
    return user


def membership_grant(
    *,
    actor: Actor,
    user: User,
    organization: Organization,
    roles: Iterable[Role | str],
    title: str | None = None,
    is_primary: bool | None = None,
) -> Membership:
    """Place a staff user in an organisation with roles (adds to the roles already held there)."""
    if not actor.has_perm(MANAGE_ACCOUNTS):
        raise PermissionDenied("没有管理账号的权限", code="permission_denied")
    _require_manage_organization(actor, organization)
    role_list = _resolve_roles(roles)
    _require_grantable(actor, role_list)
    if user.kind != User.Kind.STAFF:
        raise InvalidInput("只有工作人员账号可以在部门任职", code="not_staff")
    if not organization.is_active:
        raise InvalidInput("该部门已停用", code="organization_inactive")
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # serialise grants per user
        membership = Membership.objects.filter(user=user, organization=organization).first()
        created = membership is None
        if membership is None:
            has_other = Membership.objects.filter(user=user).exists()
            membership = Membership.objects.create(
                user=user,
                organization=organization,
                title=title or "",
                is_primary=(not has_other) if is_primary is None else is_primary,
            )
        else:
            changed = []
            if title is not None and title != membership.title:
                membership.title = title
                changed.append("title")
            if is_primary is not None and is_primary != membership.is_primary:
                membership.is_primary = is_primary
                changed.append("is_primary")
            if changed:
                membership.save(update_fields=[*changed, "updated_at"])
        membership.roles.add(*role_list)
        audit_record(
            actor=actor,
            action="identity.membership_granted",
            obj=membership,
            summary=f"{user} 在 {organization.name} 任职" + ("" if created else "（增加角色）"),
            data={
                "user": user.pk,
                "organization": organization.pk,
                "roles": sorted(r.code for r in role_list),
                "created": created,
            },
        )
    return membership


def membership_revoke(
    *,
    actor: Actor,
    user: User,
    organization: Organization,
    roles: Iterable[Role | str] | None = None,
) -> Membership | None:
    """Take roles away (or, with `roles=None`, end the membership). Returns the membership left, if any."""
    if not actor.has_perm(MANAGE_ACCOUNTS):
        raise PermissionDenied("没有管理账号的权限", code="permission_denied")
    _require_manage_organization(actor, organization)
    role_list = _resolve_roles(roles) if roles is not None else None
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update().filter(user=user, organization=organization).first()
        )
        if membership is None:
            raise NotFound("该账号不在此部门任职", code="membership_not_found")
        held = {r.code for r in membership.roles.all()}
        if role_list is not None:
            removed = sorted(r.code for r in role_list if r.code in held)
            membership.roles.remove(*role_list)
            result: Membership | None = membership
        else:
            removed = sorted(held)
            membership.delete()
            result = None
        audit_record(
            actor=actor,
            action="identity.membership_revoked",
            obj=user,
            summary=f"{user} 在 {organization.name} 的"
            + ("任职已结束" if result is None else f"角色已撤销：{'、'.join(removed) or '无'}"),
            data={
                "user": user.pk,
                "organization": organization.pk,
                "roles": removed,
                "ended": result is None,
            },
        )
    return result


def _is_legal_representative(actor: Actor, enterprise: Enterprise) -> bool:
    return actor.person_id is not None and enterprise.legal_representative_id == actor.person_id


def _can_manage_enterprise(actor: Actor, enterprise: Enterprise) -> bool:
    region_path = enterprise.region.path if enterprise.region is not None else ""
    return actor.can_reach(MANAGE_ACCOUNTS, region_path=region_path)


def enterprise_authorize(
    *,
    actor: Actor,
    user: User,
    enterprise: Enterprise,
    role: str = EnterpriseAuthorization.Role.AGENT,
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> EnterpriseAuthorization:
    """授权: let `user` act for `enterprise` (as 法定代表人 or 经办人) from `valid_from` to `valid_until`.

    Allowed for account managers whose scope reaches the enterprise, and for the enterprise's legal
    representative authorising agents."""
    if role not in EnterpriseAuthorization.Role.values:
        raise InvalidInput("授权身份无效，应为法定代表人或经办人", code="authorization_role_invalid")
    is_manager = _can_manage_enterprise(actor, enterprise)
    if not is_manager and not (
        _is_legal_representative(actor, enterprise) and role == EnterpriseAuthorization.Role.AGENT
    ):
        raise PermissionDenied("只有法定代表人或账号管理员可以授权经办人", code="permission_denied")
    if user.kind == User.Kind.STAFF:
        raise InvalidInput("工作人员账号不能作为法人经办人", code="staff_cannot_represent")
    if not user.is_active:
        raise InvalidInput("该账号已停用", code="user_inactive")
    if role == EnterpriseAuthorization.Role.LEGAL_REPRESENTATIVE and (
        enterprise.legal_representative_id is None or user.person_id != enterprise.legal_representative_id
    ):
        raise InvalidInput("该账号对应的自然人不是此法人的法定代表人", code="not_legal_representative")
    today = timezone.localdate()
    valid_from = valid_from or today
    if valid_until is not None and valid_until < valid_from:
        raise InvalidInput(
            "失效日期不能早于生效日期", code="validity_invalid", details={"valid_until": ["早于生效日期"]}
        )
    if valid_until is not None and valid_until < today:
        raise InvalidInput(
            "失效日期已过，请重新选择", code="validity_expired", details={"valid_until": ["已过期"]}
        )
    with transaction.atomic():
        authorization = (
            EnterpriseAuthorization.objects.select_for_update()
            .filter(user=user, enterprise=enterprise)
            .first()
        )
        if authorization is None:
            authorization = EnterpriseAuthorization(user=user, enterprise=enterprise)
        authorization.role = role
        authorization.valid_from = valid_from
        authorization.valid_until = valid_until
        authorization.revoked_at = None
        authorization.save()
        audit_record(
            actor=actor,
            action="identity.enterprise_authorized",
            obj=authorization,
            summary=f"授权 {user} 代理 {enterprise.name}（{authorization.get_role_display()}）",
            data={
                "user": user.pk,
                "enterprise": enterprise.pk,
                "role": role,
                "valid_from": valid_from,
                "valid_until": valid_until,
            },
        )
    return authorization


def enterprise_authorization_revoke(
    *, actor: Actor, authorization: EnterpriseAuthorization
) -> EnterpriseAuthorization:
    """撤销授权: end an enterprise authorisation now."""
    enterprise = authorization.enterprise
    if not (_can_manage_enterprise(actor, enterprise) or _is_legal_representative(actor, enterprise)):
        raise PermissionDenied("只有法定代表人或账号管理员可以撤销授权", code="permission_denied")
    with transaction.atomic():
        locked = EnterpriseAuthorization.objects.select_for_update().get(pk=authorization.pk)
        if locked.revoked_at is not None:
            raise Conflict("该授权已撤销", code="already_revoked")
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at", "updated_at"])
        audit_record(
            actor=actor,
            action="identity.enterprise_authorization_revoked",
            obj=locked,
            summary=f"撤销 {locked.user} 对 {enterprise.name} 的授权",
            data={"user": locked.user_id, "enterprise": enterprise.pk},
        )
    authorization.revoked_at = locked.revoked_at
    return authorization


def _tokens_revoked(user: User) -> list[str]:
    """Revoke every API token of `user` not yet revoked (inside the caller's transaction, whose one
    audit row names them); returns their prefixes."""
    live = ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
    prefixes = sorted(live.values_list("prefix", flat=True))
    if prefixes:
        now = timezone.now()
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now, updated_at=now)
    return prefixes


def _revoked_summary(prefixes: list[str]) -> str:
    return f"，并撤销其 {len(prefixes)} 个 API 令牌" if prefixes else ""


def password_change(*, actor: Actor, old: str, new: str) -> User:
    """Change the actor's own password; the new one must satisfy the password policy. Every API
    token of the account is revoked with it (a leaked password may have made them)."""
    user = _require_login(actor)
    if not user.check_password(old or ""):
        raise InvalidInput("原密码不正确", code="wrong_password", details={"old": ["原密码不正确"]})
    if old == new:
        raise InvalidInput(
            "新密码不能与原密码相同", code="password_unchanged", details={"new": ["与原密码相同"]}
        )
    _check_password(new, user)
    with transaction.atomic():
        user.set_password(new)
        user.save(update_fields=["password"])
        revoked = _tokens_revoked(user)
        audit_record(
            actor=actor,
            action="identity.password_changed",
            obj=user,
            summary=f"{user} 修改了密码{_revoked_summary(revoked)}",
            data={"tokens_revoked": revoked},
        )
    return user


def account_password_set(*, actor: Actor, user: User, password: str | None) -> User:
    """An account manager sets another account's password (`None`: password login disabled), as
    the admin's 「修改密码」 page does. Every API token of the account is revoked with it."""
    if not actor.has_perm(MANAGE_ACCOUNTS) or (user.is_superuser and not actor.is_superuser):
        raise PermissionDenied("没有管理该账号的权限", code="permission_denied")
    if password is not None:
        _check_password(password, user)
    with transaction.atomic():
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        user.save(update_fields=["password"])
        revoked = _tokens_revoked(user)
        audit_record(
            actor=actor,
            action="identity.password_set",
            obj=user,
            summary=(f"重设 {user} 的密码" if password is not None else f"停用 {user} 的密码登录")
            + _revoked_summary(revoked),
            data={"usable": password is not None, "tokens_revoked": revoked},
        )
    return user


# --------------------------------------------------------------------------- API tokens


def _require_token_management(actor: Actor) -> None:
    """A request made with an API token manages tokens only when that token has the `tokens` scope."""
    if actor.token_scopes is not None and not TokenScope.of(actor.token_scopes).manages_tokens:
        raise PermissionDenied(
            "该 API 令牌不能创建或撤销令牌：创建时需勾选「管理令牌」权限范围（tokens）",
            code="token_scope_tokens",
        )


def api_token_create(
    *, actor: Actor, name: str, days: int | None = None, scopes: list[str] | None = None
) -> tuple[ApiToken, str]:
    """Create an API token for the actor with `scopes` (`identity.token_scopes`; none: every domain,
    no token management). Returns the token and its plaintext, shown only this once. Through an API
    token, only with the `tokens` scope and never wider than that token."""
    user = _require_login(actor)
    if user.kind != User.Kind.STAFF and not user.is_superuser:
        raise PermissionDenied("只有工作人员账号可以创建 API 令牌", code="permission_denied")
    _require_token_management(actor)
    scopes = clean_scopes(scopes)
    if actor.token_scopes is not None and not TokenScope.of(actor.token_scopes).covers(TokenScope.of(scopes)):
        raise PermissionDenied(
            "通过 API 令牌创建的令牌，权限范围不能超出该令牌本身", code="token_scope_escalation"
        )
    name = (name or "").strip()
    if not name:
        raise InvalidInput("请填写令牌用途", code="token_name_required", details={"name": ["必填"]})
    if len(name) > 100:
        raise InvalidInput("令牌用途不超过 100 个字", code="token_name_invalid", details={"name": ["过长"]})
    days = settings.YIWANG_API_TOKEN_DAYS if days is None else days
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_TOKEN_DAYS:
        raise InvalidInput(
            f"有效期应为 1 至 {MAX_TOKEN_DAYS} 天", code="token_days_invalid", details={"days": ["超出范围"]}
        )
    now = timezone.now()
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # serialise the limit check
        active = (
            ApiToken.objects.filter(user=user, revoked_at__isnull=True)
            .filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))
            .count()
        )
        if active >= MAX_ACTIVE_TOKENS:
            raise Conflict(
                f"有效令牌已达 {MAX_ACTIVE_TOKENS} 个上限，请先撤销不再使用的令牌", code="token_limit"
            )
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=plaintext[:8],
            token_hash=hash_token(plaintext),
            scopes=scopes,
            expires_at=now + timedelta(days=days),
        )
        audit_record(
            actor=actor,
            action="identity.api_token_created",
            obj=token,
            summary=f"创建 API 令牌「{name}」",
            data={"name": name, "prefix": token.prefix, "expires_at": token.expires_at, "scopes": scopes},
        )
    return token, plaintext


def api_token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    """Revoke an API token (one's own; account managers may revoke anybody's)."""
    if not can_manage_token(actor, token):
        raise NotFound("API 令牌不存在", code="token_not_found")
    _require_token_management(actor)
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is not None:
            raise Conflict("该令牌已撤销", code="already_revoked")
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at", "updated_at"])
        audit_record(
            actor=actor,
            action="identity.api_token_revoked",
            obj=locked,
            summary=f"撤销 API 令牌「{locked.name}」",
            data={"prefix": locked.prefix, "owner": locked.user_id},
        )
    token.revoked_at = locked.revoked_at
    return token


# --------------------------------------------------------------------------- authentication events


def login_record(*, actor: Actor, method: str = "password") -> None:
    """Audit a successful login (called by the login view after Django has logged the user in)."""
    user = _require_login(actor)
    with transaction.atomic():
        audit_record(
            actor=actor, action="identity.login", obj=user, summary=f"{user} 登录", data={"method": method}
        )


def logout_record(*, actor: Actor) -> None:
    user = _require_login(actor)
    with transaction.atomic():
        audit_record(actor=actor, action="identity.logout", obj=user, summary=f"{user} 退出登录")


def account_lock_record(
    *,
    actor: Actor,
    login_name: str,
    user: User | None,
    during_lockout: bool,
    rule: str = "",
    locked_until: datetime | None = None,
) -> None:
    """Audit a lockout: the failure that locked (the account from this address, or the address
    itself), or an attempt while locked. The actor carries the client's address."""
    action = "identity.login_blocked" if during_lockout else "identity.account_locked"
    if during_lockout:
        summary = f"账号 {login_name} 锁定期间尝试登录"
    elif rule == "address":
        summary = f"网络地址 {actor.ip_address or '未知'} 登录失败次数过多，暂停登录"
    else:
        summary = f"账号 {login_name} 因多次密码错误被锁定"
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=action,
            obj=user,
            summary=summary,
            data={
                "login_name": login_name[:150],
                "failure_limit": settings.AXES_FAILURE_LIMIT,
                "rule": rule,
                "locked_until": locked_until,
            },
        )


def account_unlock(*, actor: Actor, user: User) -> int:
    """解除登录锁定: forget the account's counted login failures from every address, so it may log in
    again at once and its next lock is a first one again. Returns how many records were cleared."""
    if not actor.has_perm(MANAGE_ACCOUNTS):
        raise PermissionDenied("没有管理账号的权限", code="permission_denied")
    with transaction.atomic():
        cleared = forget_failures(username=user.username)
        audit_record(
            actor=actor,
            action="identity.account_unlocked",
            obj=user,
            summary=f"解除 {user} 的登录锁定",
            data={"username": user.username, "cleared": cleared},
        )
    return cleared


def login_address_unlock(*, actor: Actor, address: str) -> int:
    """Lift the per-address login throttle (and every account lock) for one client address."""
    if not actor.has_perm(MANAGE_ACCOUNTS):
        raise PermissionDenied("没有管理账号的权限", code="permission_denied")
    address = (address or "").strip()
    try:
        validate_ipv46_address(address)
    except DjangoValidationError as exc:
        raise InvalidInput("请填写有效的 IP 地址", code="address_invalid") from exc
    with transaction.atomic():
        cleared = forget_failures(address=address)
        audit_record(
            actor=actor,
            action="identity.login_address_unlocked",
            summary=f"解除网络地址 {address} 的登录限制",
            data={"address": address, "cleared": cleared},
        )
    return cleared


# --------------------------------------------------------------------------- admin


def _admin_permission(obj: models.Model) -> str:
    return MANAGE_ROLES if isinstance(obj, Role) else MANAGE_ACCOUNTS


def admin_save(*, actor: Actor, obj: models.Model, created: bool, changed_fields: Iterable[str] = ()) -> None:
    """Save an identity record edited in the Django admin, with permission check and audit."""
    if not actor.has_perm(_admin_permission(obj)):
        raise PermissionDenied("没有管理账号或角色的权限", code="permission_denied")
    if isinstance(obj, Role):
        try:
            validate_permission_list(obj.permissions)
        except DjangoValidationError as exc:
            raise InvalidInput(_messages(exc)[0], code="permission_format") from exc
        if not can_grant_permissions(actor, frozenset(obj.permissions)):
            raise PermissionDenied("不能授予超出本人权限的权限", code="role_escalation")
    with transaction.atomic():
        obj.save()
        label = obj._meta.model_name
        data: dict[str, Any] = {"model": label, "fields": sorted(changed_fields)}
        summary = f"{'新增' if created else '修改'}{obj._meta.verbose_name}：{obj}"
        if isinstance(obj, User) and not created and "is_active" in changed_fields and not obj.is_active:
            # A disabled account's API tokens are revoked for good (re-enabling does not revive them).
            data["tokens_revoked"] = _tokens_revoked(obj)
            summary += f"（停用账号{_revoked_summary(data['tokens_revoked'])}）"
        audit_record(
            actor=actor,
            action=f"identity.admin_{'created' if created else 'changed'}",
            obj=obj,
            summary=summary,
            data=data,
        )


def membership_admin_save(*, actor: Actor, membership: Membership, roles: list[Role], created: bool) -> None:
    """Save a membership edited inline in the account admin, with its roles (no privilege escalation)."""
    if not actor.has_perm(MANAGE_ACCOUNTS):
        raise PermissionDenied("没有管理账号的权限", code="permission_denied")
    _require_manage_organization(actor, membership.organization)
    _require_grantable(actor, roles)
    with transaction.atomic():
        membership.save()
        membership.roles.set(roles)
        audit_record(
            actor=actor,
            action="identity.membership_granted" if created else "identity.membership_changed",
            obj=membership,
            summary=f"{membership.user} 在 {membership.organization.name} 的任职{'新增' if created else '已修改'}",
            data={
                "user": membership.user_id,
                "organization": membership.organization_id,
                "roles": sorted(r.code for r in roles),
            },
        )


def admin_delete(*, actor: Actor, obj: models.Model) -> None:
    if not actor.has_perm(_admin_permission(obj)):
        raise PermissionDenied("没有管理账号或角色的权限", code="permission_denied")
    with transaction.atomic():
        summary = f"删除{obj._meta.verbose_name}：{obj}"
        data: dict[str, Any] = {"model": obj._meta.model_name, "pk": obj.pk}
        audit_record(actor=actor, action="identity.admin_deleted", obj=obj, summary=summary, data=data)
        obj.delete()
