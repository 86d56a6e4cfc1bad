"""Django admin for accounts, roles, memberships, enterprise authorisations and API tokens.

Access follows the platform's named permissions (identity.manage_accounts / identity.manage_roles),
and every save goes through an audited action."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from yiwang.identity.actions import (
    account_password_set,
    account_unlock,
    admin_delete,
    admin_save,
    api_token_revoke,
    membership_admin_save,
)
from yiwang.identity.actor import Actor, actor_from_request
from yiwang.identity.models import ApiToken, EnterpriseAuthorization, Membership, Role, User
from yiwang.identity.permissions import MANAGE_ACCOUNTS, MANAGE_ROLES, can_grant_permissions
from yiwang.identity.validators import validate_permission_list


class PermissionedAdmin(admin.ModelAdmin):
    """Admin access by platform permission (superusers always); saves and deletes are audited actions."""

    permission = MANAGE_ACCOUNTS

    def _allowed(self, request: HttpRequest) -> bool:
        user: Any = request.user
        return bool(
            user.is_active and (user.is_superuser or actor_from_request(request).has_perm(self.permission))
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        admin_save(
            actor=actor_from_request(request), obj=obj, created=not change, changed_fields=form.changed_data
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        admin_delete(actor=actor_from_request(request), obj=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        actor = actor_from_request(request)
        for obj in queryset:
            admin_delete(actor=actor, obj=obj)


class AccountCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):  # type: ignore[name-defined]
        model = User
        fields = ("username", "kind", "display_name", "phone")


class AccountChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):  # type: ignore[name-defined]
        model = User
        fields = "__all__"


# The actor of the admin's 「修改密码」 page while it runs, for the form's save (Django builds the form
# with the user only). A context variable: one value per request, also under threads.
_password_actor: ContextVar[Actor | None] = ContextVar("identity_admin_password_actor", default=None)


class AccountPasswordForm(AdminPasswordChangeForm):
    """The admin's password page, saved through the audited action (which revokes API tokens)."""

    def save(self, commit: bool = True) -> Any:
        actor = _password_actor.get()
        if actor is None:
            raise RuntimeError("AccountPasswordForm is saved only by UserAdmin.user_change_password")
        usable = self.cleaned_data.get("set_usable_password", True)
        password = self.cleaned_data.get("password1") if usable else None
        return account_password_set(actor=actor, user=self.user, password=password)


class MembershipInlineFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        actor = actor_from_request(self.request)  # type: ignore[attr-defined]
        for form in self.forms:
            if not form.has_changed() or not form.cleaned_data or form in self.deleted_forms:
                continue
            organization = form.cleaned_data.get("organization")
            roles = form.cleaned_data.get("roles") or []
            if organization is not None and not actor.can_reach(
                MANAGE_ACCOUNTS,
                organization_id=organization.pk,
                organization_path=organization.path,
                region_path=organization.region.path,
            ):
                form.add_error("organization", "没有管理该部门账号的权限")
            if not can_grant_permissions(actor, frozenset(p for r in roles for p in r.permissions)):
                form.add_error("roles", "不能授予超出本人权限的角色")

    def save(self, commit: bool = True) -> list[Any]:
        actor = actor_from_request(self.request)  # type: ignore[attr-defined]
        saved = []
        # What the admin's change message reads (Django's BaseModelFormSet.save sets the same).
        self.new_objects: list[Any] = []
        self.changed_objects: list[tuple[Any, list[str]]] = []
        self.deleted_objects: list[Any] = []
        for form in self.forms:
            if not form.has_changed() or not form.cleaned_data or form in self.deleted_forms:
                continue
            membership = form.save(commit=False)
            created = membership.pk is None
            membership_admin_save(
                actor=actor,
                membership=membership,
                roles=list(form.cleaned_data.get("roles") or []),
                created=created,
            )
            saved.append(membership)
            if created:
                self.new_objects.append(membership)
            else:
                self.changed_objects.append((membership, form.changed_data))
        for form in self.deleted_forms:
            if form.instance.pk:
                admin_delete(actor=actor, obj=form.instance)
                self.deleted_objects.append(form.instance)
        return saved


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipInlineFormSet
    extra = 0
    raw_id_fields = ("organization",)
    fields = ("organization", "roles", "title", "is_primary")
    fk_name = "user"

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        formset.request = request  # type: ignore[attr-defined]
        return formset

    def _allowed(self, request: HttpRequest) -> bool:
        user: Any = request.user
        return bool(user.is_superuser or actor_from_request(request).has_perm(MANAGE_ACCOUNTS))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)


@admin.register(User)
class UserAdmin(PermissionedAdmin, DjangoUserAdmin):
    form = AccountChangeForm
    add_form = AccountCreationForm
    change_password_form = AccountPasswordForm
    actions = ["unlock_logins"]
    fieldsets = (
        (None, {"fields": ("username", "password", "kind")}),
        (_("个人信息"), {"fields": ("display_name", "phone", "email", "person")}),
        (_("认证"), {"fields": ("assurance_level", "mfa_enabled")}),
        (_("权限"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "kind",
                    "display_name",
                    "phone",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    list_display = ("username", "display_name", "kind", "phone", "assurance_level", "is_active", "last_login")
    list_filter = ("kind", "is_active", "assurance_level", "is_staff", "is_superuser")
    search_fields = ("username", "display_name", "phone", "person__id_number")
    ordering = ("username",)
    raw_id_fields = ("person",)
    inlines = [MembershipInline]
    list_select_related = ()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = ["last_login", "date_joined"]
        if not getattr(request.user, "is_superuser", False):
            # Only superusers hand out superuser status or Django's own model permissions.
            readonly += ["is_superuser", "is_staff", "groups", "user_permissions"]
        return readonly

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not getattr(request.user, "is_superuser", False):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not getattr(request.user, "is_superuser", False):
            return False
        return super().has_delete_permission(request, obj)

    def get_inline_instances(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        return super().get_inline_instances(request, obj) if obj is not None else []

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        token = _password_actor.set(actor_from_request(request))
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _password_actor.reset(token)

    @admin.action(description=_("解除登录锁定"))
    def unlock_logins(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor = actor_from_request(request)
        users = list(queryset)
        for user in users:
            account_unlock(actor=actor, user=user)
        self.message_user(request, f"已解除 {len(users)} 个账号的登录锁定", level=messages.SUCCESS)


class RoleForm(ModelForm):
    actor: Any = None

    class Meta:
        model = Role
        fields = ("code", "name", "permissions", "data_scope", "description")

    def clean_permissions(self) -> Any:
        value = self.cleaned_data.get("permissions")
        try:
            validate_permission_list(value)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc
        if self.actor is not None and not can_grant_permissions(self.actor, frozenset(value or [])):
            raise forms.ValidationError("不能授予超出本人权限的权限")
        return value


@admin.register(Role)
class RoleAdmin(PermissionedAdmin):
    permission = MANAGE_ROLES
    form = RoleForm
    list_display = ("code", "name", "data_scope", "permission_count")
    list_filter = ("data_scope",)
    search_fields = ("code", "name")

    @admin.display(description=_("权限数"))
    def permission_count(self, obj: Role) -> int:
        return len(obj.permissions or [])

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type("BoundRoleForm", (form,), {"actor": actor_from_request(request)})


@admin.register(EnterpriseAuthorization)
class EnterpriseAuthorizationAdmin(PermissionedAdmin):
    list_display = ("user", "enterprise", "role", "valid_from", "valid_until", "revoked_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__display_name", "enterprise__name", "enterprise__uscc")
    raw_id_fields = ("user", "enterprise")
    list_select_related = ("user", "enterprise")

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)

        class Checked(form):  # type: ignore[valid-type, misc]
            def clean(self) -> Any:
                data = super().clean()
                if (
                    data.get("valid_from")
                    and data.get("valid_until")
                    and data["valid_until"] < data["valid_from"]
                ):
                    self.add_error("valid_until", "失效日期不能早于生效日期")
                return data

        return Checked


@admin.register(ApiToken)
class ApiTokenAdmin(PermissionedAdmin):
    """Tokens are created by their owners (the plaintext is shown once); here they are only viewed or revoked."""

    list_display = (
        "name",
        "user",
        "prefix",
        "scopes",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username")
    list_select_related = ("user",)
    fields = (
        "uid",
        "user",
        "name",
        "prefix",
        "token_hash",
        "scopes",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = fields
    actions = ["revoke_tokens"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("撤销所选令牌"))
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        actor = actor_from_request(request)
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(actor=actor, token=token)
            count += 1
        self.message_user(request, f"已撤销 {count} 个令牌", level=messages.SUCCESS)
