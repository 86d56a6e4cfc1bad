"""Security headers that Django does not set itself, and no caching of private responses."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class ContentSecurityPolicyMiddleware:
    """Sends the platform's CSP: no inline script, no third-party origin (assets are vendored)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", settings.YIWANG_CSP)
        else:
            # The Django admin uses inline scripts; it still may not load anything from elsewhere.
            response.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
                "img-src 'self' data:; frame-ancestors 'none'",
            )
        response.headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()")
        return response


class PrivateResponseMiddleware:
    """`Cache-Control: no-store, private` (Django's `add_never_cache_headers`) on every response to a
    signed-in user or to an API token: the 窗口's shared terminals and any proxy in between keep no
    copy of a page or API reply with someone's data, and the browser's back button after logout
    shows nothing. Static files and anonymous visitors' public pages are left cacheable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if _carries_user_data(request) and "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)  # a view that said no-store already is left as it said
        return response


def _carries_user_data(request: HttpRequest) -> bool:
    if request.path.startswith(settings.STATIC_URL):
        return False
    if getattr(request, "auth", None) is not None:  # authenticated by the API (session or token)
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)
