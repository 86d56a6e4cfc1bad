"""The actor: who is acting, with which permissions, over which data.

Every action and selector takes `actor=`; `Actor.scope_q()` turns the actor's roles into the one
filter that every scoped read applies (本人 / 本部门 / 本部门及下级 / 本区划 / 全部)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from yiwang.core.client_address import client_address
from yiwang.identity.models import DataScope

if TYPE_CHECKING:
    from yiwang.identity.models import User

_NOTHING = Q(pk__in=[])
ACTOR_CACHE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Grant:
    """One role held in one organisation."""

    role_code: str
    scope: str
    permissions: frozenset[str]
    organization_id: int
    organization_path: str
    region_id: int
    region_path: str

    def reaches(
        self,
        user_id: int | None,
        *,
        organization_id: int | None = None,
        organization_path: str = "",
        region_path: str = "",
        owner_id: int | None = None,
    ) -> bool:
        """Does this grant's data scope cover one loaded object? (the in-memory twin of `q`)"""
        if self.scope == DataScope.ALL:
            return True
        if self.scope == DataScope.SELF:
            return owner_id is not None and owner_id == user_id
        if self.scope == DataScope.DEPARTMENT:
            return organization_id is not None and organization_id == self.organization_id
        if self.scope == DataScope.DEPARTMENT_TREE:
            return bool(organization_path) and organization_path.startswith(self.organization_path)
        if self.scope == DataScope.REGION:
            return bool(region_path) and region_path.startswith(self.region_path)
        return False

    def q(
        self, user_id: int | None, *, organization: str | None, region: str | None, owner: str | None
    ) -> Q | None:
        """The filter for rows this grant's scope covers; None when the model lacks the lookup it needs."""
        if self.scope == DataScope.ALL:
            return Q()
        if self.scope == DataScope.SELF:
            return Q(**{owner: user_id}) if owner and user_id else None
        if self.scope == DataScope.DEPARTMENT:
            return Q(**{f"{organization}_id": self.organization_id}) if organization else None
        if self.scope == DataScope.DEPARTMENT_TREE:
            return (
                Q(**{f"{organization}__path__startswith": self.organization_path}) if organization else None
            )
        if self.scope == DataScope.REGION:
            return Q(**{f"{region}__path__startswith": self.region_path}) if region else None
        return None


@dataclass
class Actor:
    user: User | None
    grants: list[Grant] = field(default_factory=list)
    enterprise_ids: frozenset[int] = frozenset()
    ip_address: str | None = None
    # The scopes of the API token the request came with (identity.token_scopes); None: not a token.
    token_scopes: tuple[str, ...] | None = None

    @classmethod
    def for_user(cls, user: Any, *, ip_address: str | None = None) -> Actor:
        if user is None or not getattr(user, "is_authenticated", False):
            return cls(user=None, ip_address=ip_address)
        return cls(
            user=user,
            grants=_load_grants(user),
            enterprise_ids=_load_enterprises(user),
            ip_address=ip_address,
        )

    @classmethod
    def for_request_user(cls, user: Any, *, ip_address: str | None = None) -> Actor:
        """`for_user` for the user a request has just read from the database: the grants come from
        the cache, keyed by the row's `grants_version` (decision 0007), which the database changes
        in the same transaction as any membership, role, department or authorisation it depends
        on — so a cached entry is never older than the row this request read. Not for a user
        object held across changes (tests, scripts): use `for_user`."""
        version = getattr(user, "grants_version", None) if user is not None else None
        if not version or not getattr(user, "is_authenticated", False):
            return cls.for_user(user, ip_address=ip_address)
        # The date is part of the key: enterprise authorisations start and end on a day.
        key = f"identity.actor:{user.pk}:{version}:{timezone.localdate():%Y%m%d}"
        loaded = cache.get(key)
        if loaded is None:
            loaded = (_load_grants(user), _load_enterprises(user))
            cache.set(key, loaded, timeout=ACTOR_CACHE_SECONDS)
        grants, enterprise_ids = loaded
        return cls(user=user, grants=list(grants), enterprise_ids=enterprise_ids, ip_address=ip_address)

    @classmethod
    def system(cls) -> Actor:
        """The platform itself (timers, escalations); holds every permission with scope all."""
        return cls(user=None, grants=[Grant("system", DataScope.ALL, frozenset({"*"}), 0, "/", 0, "/")])

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None

    @property
    def is_system(self) -> bool:
        return self.user is None and bool(self.grants)

    @property
    def is_superuser(self) -> bool:
        return bool(self.user is not None and self.user.is_superuser)

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user is not None else None

    @property
    def person_id(self) -> int | None:
        return self.user.person_id if self.user is not None else None

    @property
    def label(self) -> str:
        if self.user is None:
            return "系统" if self.is_system else "匿名"
        return str(self.user)

    @cached_property
    def permissions(self) -> frozenset[str]:
        return frozenset().union(*(g.permissions for g in self.grants)) if self.grants else frozenset()

    @cached_property
    def role_codes(self) -> frozenset[str]:
        return frozenset(g.role_code for g in self.grants)

    @cached_property
    def organization_ids(self) -> frozenset[int]:
        return frozenset(g.organization_id for g in self.grants)

    def has_perm(self, permission: str) -> bool:
        return self.is_superuser or "*" in self.permissions or permission in self.permissions

    def grants_for(self, permission: str) -> list[Grant]:
        return [g for g in self.grants if permission in g.permissions or "*" in g.permissions]

    def scope_q(
        self,
        permission: str,
        *,
        organization: str | None = "organization",
        region: str | None = "region",
        owner: str | None = None,
    ) -> Q:
        """The filter for the rows this actor may see under `permission`.

        `organization`, `region` and `owner` name the model's lookups for the owning department,
        the region and the owning user; a scope whose lookup is None contributes nothing."""
        if self.is_superuser:
            return Q()
        q = _NOTHING
        for grant in self.grants_for(permission):
            if grant.scope == DataScope.ALL:
                return Q()
            part = grant.q(self.user_id, organization=organization, region=region, owner=owner)
            if part is not None:
                q |= part
        return q

    def can_reach(
        self,
        permission: str,
        *,
        organization_id: int | None = None,
        organization_path: str = "",
        region_path: str = "",
        owner_id: int | None = None,
    ) -> bool:
        """The in-memory twin of `scope_q` for one object already loaded."""
        if self.is_superuser:
            return True
        return any(
            grant.reaches(
                self.user_id,
                organization_id=organization_id,
                organization_path=organization_path,
                region_path=region_path,
                owner_id=owner_id,
            )
            for grant in self.grants_for(permission)
        )


def scoped(queryset: QuerySet[Any], actor: Actor, permission: str, **lookups: str | None) -> QuerySet[Any]:
    """Apply the actor's data scope for `permission` to a queryset (see `Actor.scope_q`)."""
    return queryset.filter(actor.scope_q(permission, **lookups))


def _load_grants(user: User) -> list[Grant]:
    from yiwang.identity.models import Membership, Role

    # Only the columns a Grant keeps: this runs on every authenticated request.
    memberships = (
        Membership.objects.filter(user=user)
        .select_related("organization__region")
        .only(
            "organization_id", "organization__path", "organization__region_id", "organization__region__path"
        )
        .prefetch_related(Prefetch("roles", queryset=Role.objects.only("code", "data_scope", "permissions")))
    )
    return [
        Grant(
            role_code=role.code,
            scope=role.data_scope,
            permissions=frozenset(role.permissions),
            organization_id=m.organization_id,
            organization_path=m.organization.path,
            region_id=m.organization.region_id,
            region_path=m.organization.region.path,
        )
        for m in memberships
        for role in m.roles.all()
    ]


def _load_enterprises(user: User) -> frozenset[int]:
    from yiwang.identity.models import EnterpriseAuthorization

    today = timezone.localdate()
    rows = EnterpriseAuthorization.objects.filter(
        user=user, revoked_at__isnull=True, valid_from__lte=today
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    return frozenset(rows.values_list("enterprise_id", flat=True))


def actor_from_request(request: Any) -> Actor:
    """The Actor for a web request, built once per request."""
    cached = getattr(request, "_yiwang_actor", None)
    if cached is None:
        cached = Actor.for_request_user(getattr(request, "user", None), ip_address=client_address(request))
        request._yiwang_actor = cached
    return cached
