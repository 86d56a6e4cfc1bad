"""Login and logout pages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def lockout_response(
    request: HttpRequest, credentials: dict[str, Any] | None = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    return render(request, "identity/pages/locked.html", status=403)


login_view = auth_views.LoginView.as_view(
    template_name="identity/pages/login.html", redirect_authenticated_user=True
)
logout_view = auth_views.LogoutView.as_view()
