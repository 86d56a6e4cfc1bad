"""Reads of the identity app. User-facing reads take the actor and return only what it may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import Prefetch, Q, QuerySet

from yiwang.core.errors import NotFound
from yiwang.core.masking import mask_id_number, mask_phone
from yiwang.identity.actor import Actor
from yiwang.identity.models import ApiToken, EnterpriseAuthorization, Membership, Role, User


def user_for_login_name(login_name: str) -> User | None:
    """The account a login form identifier (username or mobile number) refers to, if any.

    Used by authentication only (before there is an actor)."""
    if not login_name:
        return None
    return User.objects.filter(Q(username=login_name) | Q(phone=login_name)).order_by("id").first()


def canonical_login_name(login_name: str) -> str:
    """The username behind `login_name`, so failed attempts by phone and by username count together."""
    user = user_for_login_name(login_name.strip())
    return user.username if user is not None else login_name.strip()


def memberships_for(*, actor: Actor) -> QuerySet[Membership]:
    """The actor's own memberships (organisation and roles), primary first."""
    if actor.user_id is None:
        return Membership.objects.none()
    return (
        Membership.objects.filter(user_id=actor.user_id)
        .select_related("organization", "organization__region")
        .prefetch_related(Prefetch("roles", queryset=Role.objects.order_by("code")))
        .order_by("-is_primary", "organization__name", "id")
    )


def enterprise_authorizations_for(*, actor: Actor) -> QuerySet[EnterpriseAuthorization]:
    """The enterprises the actor may currently act for."""
    if actor.user_id is None:
        return EnterpriseAuthorization.objects.none()
    return (
        EnterpriseAuthorization.objects.filter(user_id=actor.user_id, enterprise_id__in=actor.enterprise_ids)
        .select_related("enterprise")
        .order_by("enterprise__name", "id")
    )


def tokens_for(*, actor: Actor) -> QuerySet[ApiToken]:
    """The actor's own API tokens, newest first (revoked and expired ones included, marked as such)."""
    if actor.user_id is None:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user_id=actor.user_id).order_by("-created_at", "-id")


def token_for(*, actor: Actor, uid: UUID | str) -> ApiToken:
    """One of the actor's own tokens; anybody else's token is reported as not found."""
    token = tokens_for(actor=actor).filter(uid=uid).first()
    if token is None:
        raise NotFound("API 令牌不存在", code="token_not_found")
    return token


@dataclass
class OrganizationRoles:
    id: int
    name: str
    is_primary: bool
    title: str
    roles: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Profile:
    """What 「我的账号」 shows: masked identifiers, assurance level, organisations and roles."""

    uid: str
    username: str
    kind: str
    kind_label: str
    name: str
    phone: str
    id_number: str
    assurance_level: int
    assurance_label: str
    mfa_enabled: bool
    permissions: list[str]
    organizations: list[OrganizationRoles]
    enterprises: list[dict[str, Any]]


def profile_for(*, actor: Actor) -> Profile:
    user = actor.user
    if user is None:
        raise NotFound("请先登录", code="not_logged_in")
    person = user.person if user.person_id else None
    organizations = [
        OrganizationRoles(
            id=m.organization_id,
            name=m.organization.name,
            is_primary=m.is_primary,
            title=m.title,
            roles=[
                {
                    "code": r.code,
                    "name": r.name,
                    "data_scope": r.data_scope,
                    "data_scope_label": r.get_data_scope_display(),
                }
                for r in m.roles.all()
            ],
        )
        for m in memberships_for(actor=actor)
    ]
    enterprises = [
        {
            "uid": str(a.enterprise.uid),
            "name": a.enterprise.name,
            "role": a.role,
            "role_label": a.get_role_display(),
        }
        for a in enterprise_authorizations_for(actor=actor)
    ]
    return Profile(
        uid=str(user.uid),
        username=user.username,
        kind=user.kind,
        kind_label=user.get_kind_display(),
        name=user.display_name or (person.name if person else "") or user.username,
        phone=mask_phone(user.phone),
        id_number=mask_id_number(person.id_number if person else ""),
        assurance_level=user.assurance_level,
        assurance_label=user.get_assurance_level_display(),
        mfa_enabled=user.mfa_enabled,
        permissions=sorted(actor.permissions - {"*"}),
        organizations=organizations,
        enterprises=enterprises,
    )
