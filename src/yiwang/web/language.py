"""The interface language: Simplified Chinese, unless the reader chose English with the switch.

Django's `LocaleMiddleware` follows the browser's `Accept-Language`, so a browser set to English would
get the English catalogue without asking for it. The product is Chinese (decision 0002): the language
comes only from the switch in the footer (`set_language`, which stores the choice in the language
cookie), otherwise `LANGUAGE_CODE` (zh-hans) — whatever the browser says. The site uses no language
prefixes in its URLs."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers


def chosen_language(request: HttpRequest) -> str:
    """The language the reader chose with the switch (a supported one), else the default."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen:
        try:
            return translation.get_supported_language_variant(chosen)
        except LookupError:
            pass
    return str(settings.LANGUAGE_CODE)


class ChosenLanguageMiddleware:
    """Activates `chosen_language` for the request (instead of `LocaleMiddleware`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        # The page depends on the language cookie, not on Accept-Language.
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
