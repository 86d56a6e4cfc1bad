"""Named permissions of the identity app, and pure predicates over an Actor.

Permissions are plain strings `"<app>.<name>"` granted to roles (see `Role.permissions`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

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


def can_grant_permissions(actor: Actor, permissions: set[str] | frozenset[str]) -> bool:
    """Nobody hands out a permission they do not hold themselves (no privilege escalation)."""
    return actor.is_superuser or all(actor.has_perm(p) for p in permissions)


def can_manage_token(actor: Actor, token: ApiToken) -> bool:
    return actor.user_id is not None and (token.user_id == actor.user_id or actor.has_perm(MANAGE_ACCOUNTS))
