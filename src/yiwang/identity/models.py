"""Accounts, roles with data scopes, staff memberships, enterprise authorisations and API tokens."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.core.models import Enterprise, Organization, Person, TimeStampedModel
from yiwang.core.validators import validate_mobile


class DataScope(models.TextChoices):
    SELF = "self", _("本人")
    DEPARTMENT = "department", _("本部门")
    DEPARTMENT_TREE = "department_tree", _("本部门及下级")
    REGION = "region", _("本区划")
    ALL = "all", _("全部")


def new_grants_version() -> str:
    return uuid.uuid4().hex


class User(AbstractUser):
    class Kind(models.TextChoices):
        CITIZEN = "citizen", _("自然人")
        ENTERPRISE = "enterprise", _("法人经办人")
        STAFF = "staff", _("工作人员")

    class AssuranceLevel(models.IntegerChoices):
        # 实名认证等级; verification itself arrives with the real-name issue.
        L1 = 1, _("L1 自助注册")
        L2 = 2, _("L2 实名核验")
        L3 = 3, _("L3 现场/人脸核验")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("账号类型"), max_length=16, choices=Kind.choices, default=Kind.CITIZEN)
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(
        _("手机号码"), max_length=11, null=True, blank=True, unique=True, validators=[validate_mobile]
    )
    person = models.OneToOneField(
        Person,
        verbose_name=_("自然人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="account",
    )
    assurance_level = models.PositiveSmallIntegerField(
        _("实名认证等级"), choices=AssuranceLevel.choices, default=AssuranceLevel.L1
    )
    mfa_enabled = models.BooleanField(_("已启用多因素认证"), default=False)
    # Changed by database triggers (migration 0007) whenever a membership, role, department or
    # enterprise authorisation the user's grants are built from changes: the key of the actor cache.
    grants_version = models.CharField(
        _("权限版本"),
        max_length=32,
        default=new_grants_version,
        editable=False,
        help_text=_("任职、角色、部门或法人授权变化时由数据库触发器更新；用于缓存当前用户的权限"),
    )

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = _("账号")

    def __str__(self) -> str:
        return self.display_name or self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        """`grants_version` belongs to the triggers: saving an existing account never writes back
        the value read earlier (that would bring a replaced cache entry back to life)."""
        fields = kwargs.get("update_fields")
        if fields is not None:
            kwargs["update_fields"] = [f for f in fields if f != "grants_version"]
        elif not self._state.adding and self.pk is not None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name != "grants_version"
            ]
        super().save(*args, **kwargs)


class Role(TimeStampedModel):
    """A named bundle of permissions with a data scope, e.g. 窗口受理人员 (department)."""

    code = models.SlugField(_("编码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    permissions = models.JSONField(
        _("权限"), default=list, blank=True, help_text=_('命名权限列表，如 ["workflow.view_instance"]')
    )
    data_scope = models.CharField(
        _("数据权限范围"), max_length=32, choices=DataScope.choices, default=DataScope.DEPARTMENT
    )
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Membership(TimeStampedModel):
    """A staff user's place in an organisation, with the roles held there."""

    user = models.ForeignKey(
        User, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("部门"), on_delete=models.PROTECT, related_name="memberships"
    )
    roles = models.ManyToManyField(Role, verbose_name=_("角色"), related_name="memberships", blank=True)
    title = models.CharField(_("职务"), max_length=50, blank=True)
    is_primary = models.BooleanField(_("主岗"), default=True)

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("任职")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="identity_membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization}"


class EnterpriseAuthorization(TimeStampedModel):
    """授权代理: a user acts for an enterprise (as its legal representative or an authorised agent 经办人)."""

    class Role(models.TextChoices):
        LEGAL_REPRESENTATIVE = "legal_representative", _("法定代表人")
        AGENT = "agent", _("经办人")

    user = models.ForeignKey(
        User, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="enterprise_authorizations"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("法人"), on_delete=models.PROTECT, related_name="authorizations"
    )
    role = models.CharField(_("身份"), max_length=32, choices=Role.choices, default=Role.AGENT)
    valid_from = models.DateField(_("生效日期"))
    valid_until = models.DateField(_("失效日期"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("法人授权")
        verbose_name_plural = _("法人授权")
        constraints = [
            models.UniqueConstraint(fields=["user", "enterprise"], name="identity_enterprise_auth_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.enterprise}"


class ApiToken(TimeStampedModel):
    """A bearer token for other systems and scripts. Only the SHA-256 of the token is stored."""

    user = models.ForeignKey(
        User, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("用途"), max_length=100)
    prefix = models.CharField(max_length=8, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(
        _("权限范围"),
        default=list,
        blank=True,
        help_text=_(
            "read 只读；业务域（如 services）仅限该域接口；tokens 可管理令牌。空：全部业务域，不能管理令牌"
        ),
    )
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
