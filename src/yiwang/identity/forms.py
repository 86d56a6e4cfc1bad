"""Forms of the identity pages. They parse input; rules live in actions and the auth backends."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yiwang.identity.lockout import ADDRESS, LockState, first_lock, request_lock_state, retry_label
from yiwang.identity.selectors import canonical_login_name
from yiwang.identity.token_scopes import scope_choices


def lockout_minutes() -> int:
    """The length of a first lock in minutes (a further one within a day lasts twice as long)."""
    return round(first_lock().total_seconds() / 60)


def lockout_message(state: LockState) -> str:
    """「登录失败次数过多，请于 12:35 后重试」: what a locked login is told, with the time it ends."""
    when = retry_label(state.locked_until) if state.locked_until is not None else ""
    if state.rule == ADDRESS:
        return gettext("当前网络登录失败次数过多，请于 %(time)s 后重试") % {"time": when}
    return gettext("登录失败次数过多，请于 %(time)s 后重试，或联系管理员解除锁定") % {"time": when}


class LoginForm(AuthenticationForm):
    """Username or mobile number + password. Failures by phone and by username count together."""

    username = forms.CharField(
        label=_("用户名或手机号"),
        max_length=150,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "username",
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
    )
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid_login": _("用户名或密码不正确"),
        "inactive": _("该账号已停用，请联系管理员"),
    }

    def clean(self) -> dict[str, Any]:
        login_name = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if login_name and password:
            username = canonical_login_name(login_name)
            self.user_cache = authenticate(self.request, username=username, password=password)
            if self.user_cache is None:
                raise self._failure_error(username)
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data

    def _failure_error(self, username: str) -> ValidationError:
        request = self.request
        if request is None or not hasattr(request, "axes_ip_address"):
            return ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        state = request_lock_state(request, {"username": username})
        if getattr(request, "axes_locked_out", False) or state.locked:
            return ValidationError(lockout_message(state), code="locked")
        return ValidationError(
            gettext("用户名或密码不正确，还可尝试 %(remaining)d 次") % {"remaining": state.remaining},
            code="invalid_login",
        )


class PasswordChangeForm(forms.Form):
    old = forms.CharField(
        label=_("原密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new = forms.CharField(
        label=_("新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    new_again = forms.CharField(
        label=_("再次输入新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new") and data.get("new_again") and data["new"] != data["new_again"]:
            self.add_error("new_again", gettext("两次输入的新密码不一致"))
        return data


class TokenCreateForm(forms.Form):
    name = forms.CharField(label=_("用途"), max_length=100)
    days = forms.IntegerField(label=_("有效期（天）"), min_value=1, max_value=365, initial=90)
    scopes = forms.MultipleChoiceField(
        label=_("权限范围"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不勾选业务域即可调用全部业务域的接口；令牌不能创建令牌，除非勾选「管理令牌」。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["scopes"]).choices = scope_choices()
