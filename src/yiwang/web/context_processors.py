from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yiwang.core.notifications import unread_count
from yiwang.identity.actor import Actor, actor_from_request
from yiwang.web.navigation import navigation_for, needs_permissions

PLATFORM_NAME = _("示范市一网通平台")


def persona_of(user: Any) -> str:
    """Which navigation a user gets: anonymous, citizen, enterprise or staff."""
    if user is None or not user.is_authenticated:
        return "anonymous"
    if getattr(user, "kind", "") == "staff" or user.is_staff or user.is_superuser:
        return "staff"
    if getattr(user, "kind", "") == "enterprise":
        return "enterprise"
    return "citizen"


def shell(request: HttpRequest) -> dict[str, Any]:
    """Values every page's layout needs; navigation is chosen by persona in the template."""
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        # One's own inbox needs no roles: an actor without grants avoids loading them on every page.
        unread = unread_count(Actor(user=user))
    persona = persona_of(user)
    allowed = None
    if persona != "anonymous" and needs_permissions(persona):
        # The request's actor (its grants come from the cache, and the view has usually built it).
        allowed = actor_from_request(request).has_perm
    return {
        "platform_name": PLATFORM_NAME,
        "unread_notifications": unread,
        "persona": persona,
        "domain_navigation": navigation_for(persona, request.path, allowed=allowed),
    }
