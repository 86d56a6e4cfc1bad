"""Password policy beyond Django's built-ins: letters and digits both required."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


class CharacterClassValidator:
    def validate(self, password: str, user: Any = None) -> None:
        if not (any(c.isalpha() for c in password) and any(c.isdigit() for c in password)):
            raise ValidationError("密码须同时包含字母和数字", code="password_character_classes")

    def get_help_text(self) -> str:
        return "密码须同时包含字母和数字。"


def validate_permission_list(value: Any) -> None:
    """A role's permissions: a JSON list of `"app.name"` strings, e.g. ["workflow.view_instance"]."""
    from yiwang.identity.permissions import is_permission_name

    if not isinstance(value, list):
        raise ValidationError(
            '权限应为 JSON 数组，如 ["workflow.view_instance"]', code="permissions_not_list"
        )
    bad = [str(item) for item in value if not is_permission_name(item)]
    if bad:
        raise ValidationError(
            "权限格式不正确：%(bad)s。每项应为「应用.权限名」，只含小写字母、数字和下划线，如 workflow.view_instance",
            code="permission_format",
            params={"bad": "、".join(bad)},
        )
    if len(set(value)) != len(value):
        raise ValidationError("权限列表中有重复项", code="permission_duplicate")
