"""System checks of the identity app."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import DatabaseError


@checks.register(checks.Tags.database)
def roles_name_known_permissions(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """identity.E001: a role grants a permission of an installed app that no app declares (a typo or
    a permission renamed in code): the role would silently grant nothing."""
    from yiwang.identity.models import Role
    from yiwang.identity.permissions import unknown_permissions

    problems: list[checks.CheckMessage] = []
    try:
        roles = list(Role.objects.values_list("code", "permissions"))
    except DatabaseError:  # not migrated yet
        return problems
    for code, permissions in roles:
        for name in unknown_permissions(permissions or []):
            problems.append(checks.Error(f"角色 {code} 授予了未声明的权限 {name}", id="identity.E001"))
    return problems
