from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yiwang.core.notifications import unread_count
from yiwang.identity.actor import Actor
from yiwang.web.navigation import navigation_for

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
    return {
        "platform_name": PLATFORM_NAME,
        "unread_notifications": unread,
        "persona": persona,
        "domain_navigation": navigation_for(persona, request.path),
    }
