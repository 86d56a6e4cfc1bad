"""API authentication: the browser session (with CSRF) or a bearer API token. Both yield an Actor.

A token's scopes (`identity.token_scopes`) are checked here, so every endpoint honours them."""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth
from ninja.utils import check_csrf

from yiwang.core.client_address import client_address
from yiwang.core.errors import PermissionDenied
from yiwang.identity.actor import Actor
from yiwang.identity.models import ApiToken
from yiwang.identity.token_scopes import check_scopes


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionAuth(NinjaSessionAuth):
    """Logged-in browser session; CSRF is enforced for unsafe methods.

    The CSRF check runs only when the session would authenticate the request: a client without a
    session (e.g. a script sending a bearer token) falls through to `ApiTokenAuth` instead of being
    refused for lacking a CSRF token."""

    def _get_key(self, request: HttpRequest) -> str | None:
        key = request.COOKIES.get(self.param_name)
        user = getattr(request, "user", None)
        if not key or user is None or not user.is_authenticated:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise PermissionDenied("CSRF 校验失败，请刷新页面后重试", code="csrf_failed")
        return key

    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        if key is None:
            return None
        user = super().authenticate(request, key)
        if user is None:
            return None
        return Actor.for_request_user(user, ip_address=client_address(request))


class ApiTokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        row: Any = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=hash_token(token), revoked_at__isnull=True)
            .first()
        )
        now = timezone.now()
        if row is None or (row.expires_at and row.expires_at <= now) or not row.user.is_active:
            return None
        check_scopes(row.scopes, method=request.method or "GET", path=request.path)
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        actor = Actor.for_request_user(row.user, ip_address=client_address(request))
        actor.token_scopes = tuple(row.scopes or ())
        return actor
