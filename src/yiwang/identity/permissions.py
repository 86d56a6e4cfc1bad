"""Named permissions of the identity app, and pure predicates over an Actor.

Permissions are plain strings `"<app>.<name>"` granted to roles (see `Role.permissions`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from django.apps import apps as django_apps

if TYPE_CHECKING:
    from yiwang.identity.actor import Actor
    from yiwang.identity.models import ApiToken

MANAGE_ACCOUNTS = "identity.manage_accounts"
MANAGE_ROLES = "identity.manage_roles"

PERMISSIONS: dict[str, str] = {
    MANAGE_ACCOUNTS: "管理账号（创建工作人员、任职、法人授权）",
    MANAGE_ROLES: "管理角色及其权限",
}

# "app.name": lower-case letters, digits and underscores on both sides of one dot.
PERMISSION_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


def is_permission_name(value: object) -> bool:
    return isinstance(value, str) and bool(PERMISSION_PATTERN.match(value))


# The named permissions every app declares, registered in its AppConfig.ready(): name → 中文说明.
_registered: dict[str, str] = {}


def register_permissions(permissions: Mapping[str, str]) -> None:
    """Declare an app's named permissions (`PERMISSIONS` of its permissions module)."""
    bad = [name for name in permissions if not is_permission_name(name)]
    if bad:
        raise ValueError(f"malformed permission names: {bad}")
    _registered.update(permissions)


def registered_permissions() -> dict[str, str]:
    return dict(_registered)


def unknown_permissions(names: Iterable[str]) -> list[str]:
    """The names that belong to an installed app but that no app declared (a typo, a renamed
    permission). Names of apps not installed yet (hotline.* before the 12345 app lands) are theirs to
    declare and are not reported."""
    installed = {config.label for config in django_apps.get_app_configs()}
    return sorted({n for n in names if n.partition(".")[0] in installed and n not in _registered})


def can_grant_permissions(actor: Actor, permissions: set[str] | frozenset[str]) -> bool:
    """Nobody hands out a permission they do not hold themselves (no privilege escalation)."""
    return actor.is_superuser or all(actor.has_perm(p) for p in permissions)


def can_manage_token(actor: Actor, token: ApiToken) -> bool:
    return actor.user_id is not None and (token.user_id == actor.user_id or actor.has_perm(MANAGE_ACCOUNTS))
