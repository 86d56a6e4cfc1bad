"""API schemas of the identity app."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from ninja import Field, Schema

from yiwang.core.api_schemas import JSON_INTEGER


class RoleOut(Schema):
    code: str
    name: str
    data_scope: str
    data_scope_label: str


class MembershipOut(Schema):
    """A department the account works in, with the roles held there."""

    id: int
    name: str
    is_primary: bool
    title: str
    roles: list[RoleOut]


class EnterpriseAuthorizationOut(Schema):
    """An enterprise the account may act for, and in which role."""

    uid: str
    name: str
    role: str
    role_label: str


class MeOut(Schema):
    uid: str
    username: str
    kind: str = Field(description="citizen / enterprise / staff")
    kind_label: str
    name: str
    phone: str = Field(description="脱敏手机号，如 138****8001")
    assurance_level: int = Field(description="实名认证等级 1–3")
    assurance_label: str
    mfa_enabled: bool
    permissions: list[str]
    organizations: list[MembershipOut]
    enterprises: list[EnterpriseAuthorizationOut]


class TokenOut(Schema):
    uid: UUID
    name: str
    prefix: str
    scopes: list[str] = Field(
        description="权限范围：read 只读；业务域（如 services）仅限该域；tokens 可管理令牌"
    )
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=100, description="用途，如「数据共享同步脚本」")
    days: Annotated[int, Field(ge=1, le=365), JSON_INTEGER] | None = Field(
        default=None, description="有效期（天），默认 90"
    )
    scopes: list[str] = Field(
        default_factory=list,
        max_length=20,
        description=(
            "权限范围：read（只读）、业务域（如 services、workflow，仅限这些接口）、tokens（可创建、撤销令牌）；"
            "不填则可调用全部业务域接口，但不能管理令牌。通过令牌创建令牌时，范围不能超出该令牌本身"
        ),
    )


class TokenCreatedOut(Schema):
    token: TokenOut
    plaintext: str = Field(description="令牌明文，只返回这一次；调用时放在 Authorization: Bearer 头中")
