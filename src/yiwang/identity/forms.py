"""Forms of the identity pages. They parse input; rules live in actions and the auth backends."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_failure_limit
from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yiwang.identity.selectors import canonical_login_name


def lockout_minutes() -> int:
    from axes.helpers import get_cool_off

    cool_off = get_cool_off()
    return round(cool_off.total_seconds() / 60) if cool_off else 0


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
        if getattr(request, "axes_locked_out", False):
            return ValidationError(
                gettext("账号已锁定，请 %(minutes)d 分钟后再试或联系管理员") % {"minutes": lockout_minutes()},
                code="locked",
            )
        failures = getattr(request, "axes_failures_since_start", None)
        if failures is None:
            return ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        remaining = max(get_failure_limit(request, {"username": username}) - failures, 0)
        return ValidationError(
            gettext("用户名或密码不正确，还可尝试 %(remaining)d 次") % {"remaining": remaining},
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
