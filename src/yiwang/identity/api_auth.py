"""API authentication: the browser session (with CSRF) or a bearer API token. Both yield an Actor."""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from yiwang.identity.actor import Actor
from yiwang.identity.models import ApiToken


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionAuth(NinjaSessionAuth):
    """Logged-in browser session; Ninja enforces CSRF for unsafe methods."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        user = super().authenticate(request, key)
        if user is None:
            return None
        return Actor.for_user(user, ip_address=client_ip(request))


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
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        return Actor.for_user(row.user, ip_address=client_ip(request))
