"""Login, logout, lockout and 「我的账号」 pages."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from axes.helpers import get_client_username
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.core.client_address import client_address
from yiwang.core.errors import DomainError
from yiwang.identity.actions import (
    account_lock_record,
    api_token_create,
    api_token_revoke,
    login_record,
    logout_record,
    password_change,
)
from yiwang.identity.actor import Actor, actor_from_request
from yiwang.identity.forms import (
    LoginForm,
    PasswordChangeForm,
    TokenCreateForm,
    lockout_message,
    lockout_minutes,
)
from yiwang.identity.lockout import ADDRESS, request_lock_state
from yiwang.identity.models import User
from yiwang.identity.selectors import profile_for, token_for, tokens_for, user_for_login_name
from yiwang.identity.token_scopes import scope_labels


def home_url_for(user: Any) -> str:
    """Where a persona lands after login: staff → workbench, citizens and enterprises → the portal."""
    if getattr(user, "kind", None) == User.Kind.STAFF:
        try:
            return reverse("web:workbench")
        except NoReverseMatch:
            return "/"
    return "/"


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
    *args: Any,
    **kwargs: Any,
) -> HttpResponse:
    """django-axes' lockout page (AXES_LOCKOUT_CALLABLE): 403, in Chinese, saying when to retry, audited."""
    login_name = str(get_client_username(request, credentials) or "")
    state = request_lock_state(request, credentials)
    # The failure that reaches a limit locks; anything after it is an attempt while locked.
    during_lockout = not getattr(request, "yiwang_new_lock", False)
    account_lock_record(
        actor=Actor(user=None, ip_address=client_address(request)),
        login_name=login_name,
        user=user_for_login_name(login_name),
        during_lockout=during_lockout,
        rule=state.rule,
        locked_until=state.locked_until,
    )
    context = {"message": lockout_message(state), "by_address": state.rule == ADDRESS}
    return render(request, "identity/pages/locked.html", context, status=403)


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "identity/pages/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return home_url_for(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(failure_limit=settings.AXES_FAILURE_LIMIT, lockout_minutes=lockout_minutes())
        return context

    def form_valid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        login_record(actor=Actor.for_user(form.get_user(), ip_address=client_address(self.request)))
        return response


class LogoutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            logout_record(actor=actor_from_request(request))
        return super().post(request, *args, **kwargs)


login_view = LoginView.as_view()
logout_view = LogoutView.as_view()


def admin_login_view(request: HttpRequest) -> HttpResponse:
    """/admin/login/, where the admin sends whoever may not use it. The admin has no login form of
    its own (one login for the whole platform): a visitor who is not signed in goes to the login
    page with `next` kept. A signed-in user the admin refused gets the 403 page: the login page
    sends a signed-in user straight back to `next`, which would bounce between the two for ever."""
    login_url = reverse("identity:login")
    if not request.user.is_authenticated:
        query = request.META.get("QUERY_STRING", "")
        return HttpResponseRedirect(f"{login_url}?{query}" if query else login_url)
    if admin.site.has_permission(request):
        target = request.GET.get("next", "")
        allowed = url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        return HttpResponseRedirect(target if target and allowed else reverse("admin:index"))
    raise PermissionDenied(gettext("您的账号没有进入平台管理后台的权限。"))


def _render_profile(request: HttpRequest, *, status: int = 200, **extra: Any) -> HttpResponse:
    actor = actor_from_request(request)
    is_staff = getattr(actor.user, "kind", None) == User.Kind.STAFF or actor.is_superuser
    tokens = list(tokens_for(actor=actor)[:50]) if is_staff else []
    for token in tokens:
        token.scope_labels = scope_labels(token.scopes)  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "profile": profile_for(actor=actor),
        "is_staff_account": is_staff,
        "tokens": tokens,
        "token_form": extra.pop("token_form", None) or TokenCreateForm(),
        "now": timezone.now(),
        **extra,
    }
    return render(request, "identity/pages/profile.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def profile_view(request: HttpRequest) -> HttpResponse:
    return _render_profile(request)


@login_required
@require_POST
def token_create_view(request: HttpRequest) -> HttpResponse:
    form = TokenCreateForm(request.POST)
    if not form.is_valid():
        return _render_profile(request, status=400, token_form=form)
    try:
        token, plaintext = api_token_create(
            actor=actor_from_request(request),
            name=form.cleaned_data["name"],
            days=form.cleaned_data["days"],
            scopes=form.cleaned_data["scopes"],
        )
    except DomainError as exc:
        return _render_profile(request, status=exc.status, token_form=form, error=exc.message)
    # The plaintext is rendered once, in this response, and never stored.
    return _render_profile(request, new_token=token, new_token_plaintext=plaintext)


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, uid: UUID) -> HttpResponse:
    actor = actor_from_request(request)
    try:
        token = token_for(actor=actor, uid=uid)
        api_token_revoke(actor=actor, token=token)
    except DomainError as exc:
        return _render_profile(request, status=exc.status, error=exc.message)
    messages.success(request, gettext("令牌「%(name)s」已撤销") % {"name": token.name})
    return redirect("identity:profile")


@login_required
@require_http_methods(["GET", "POST"])
def password_change_view(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = password_change(
                actor=actor_from_request(request), old=form.cleaned_data["old"], new=form.cleaned_data["new"]
            )
        except DomainError as exc:
            details = exc.details if isinstance(exc.details, dict) else {}
            if details.get("password"):
                for message in details["password"]:
                    form.add_error("new", message)
            elif details.get("old"):
                form.add_error("old", exc.message)
            else:
                form.add_error(None, exc.message)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, gettext("密码已修改"))
            return HttpResponseRedirect(reverse("identity:profile"))
    status = 400 if request.method == "POST" else 200
    return render(request, "identity/pages/password_change.html", {"form": form}, status=status)
