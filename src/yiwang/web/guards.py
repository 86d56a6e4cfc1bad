"""The platform's answers to requests the framework refuses, and the guard that refuses hostile text.

Django answers some requests itself, in English: a body over `DATA_UPLOAD_MAX_MEMORY_SIZE`
(`RequestDataTooBig`), too many fields or files, a bad Host header, an unparsable multipart body —
all "Bad Request (400)" — and a failed CSRF check ("Forbidden (403)"). Here every one of them is
answered in Chinese: the error envelope `{"code", "message", "details"}` under `/api/`, the Chinese
error page (`400.html`, standalone like `500.html`: it must render even when the request is broken)
everywhere else. `config.urls` names `bad_request` and `server_error` as `handler400`/`handler500`;
the API's own handler (`config.api`) uses `framework_refusal` for what reaches Ninja.

`RequestGuardMiddleware` refuses, before any view runs:
- a URL longer than `YIWANG_URL_MAX_LENGTH` (414; the reverse proxy or gunicorn's
  `limit_request_line` normally stops such a request line before Django sees it);
- a NUL or a lone UTF-16 surrogate (`core.characters`) in the path, the query string, or the
  fields of a form post (400 `invalid_characters`): PostgreSQL cannot store NUL, and a lone
  surrogate cannot be encoded, so they failed with a 500 deep down."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from yiwang.core.characters import INVALID_CHARACTERS_CODE, INVALID_CHARACTERS_MESSAGE, has_invalid_characters

API_PREFIX = "/api/"  # where `config.urls` mounts the API: its errors are the JSON envelope
DEFAULT_URL_MAX_LENGTH = 4094  # gunicorn's default `limit_request_line`


def _size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(size // 1024, 1)} KB"
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"


def framework_refusal(exception: BaseException | None) -> tuple[int, str, str, str]:
    """(status, code, title, message) for an exception Django turns into a 400."""
    if isinstance(exception, RequestDataTooBig):
        limit = int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)
        return (
            413,
            "payload_too_large",
            "提交的内容过大",
            f"提交的内容超过 {_size(limit)} 的上限，请精简后重试；附件请通过上传功能提交。",
        )
    if isinstance(exception, TooManyFieldsSent):
        return 413, "payload_too_large", "提交的内容过多", "一次提交的字段过多，请分批提交。"
    if isinstance(exception, TooManyFilesSent):
        return 413, "payload_too_large", "提交的文件过多", "一次提交的文件过多，请分批上传。"
    if isinstance(exception, DisallowedHost):
        return 400, "bad_request", "请求无法处理", "请求的主机名不在本平台的服务范围内，请核对访问地址。"
    # Any other SuspiciousOperation, BadRequest or MultiPartParserError.
    return 400, "bad_request", "请求无法处理", "请求内容不完整或格式不正确，请返回后重试。"


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def error_response(
    request: HttpRequest, status: int, code: str, title: str, message: str, details: Any = None
) -> HttpResponse:
    """The envelope for the API, the Chinese error page (rendered without the request's context,
    which may be what is broken) for everything else."""
    if is_api_request(request):
        return JsonResponse(
            {"code": code, "message": message, "details": details},
            status=status,
            json_dumps_params={"ensure_ascii": False},
        )
    html = render_to_string("400.html", {"status": status, "title": title, "message": message})
    return HttpResponse(html, status=status, content_type="text/html; charset=utf-8")


def bad_request(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    """`handler400`: what Django refuses (body too large, too many fields, bad Host, bad multipart)."""
    status, code, title, message = framework_refusal(exception)
    return error_response(request, status, code, title, message)


def server_error(request: HttpRequest) -> HttpResponse:
    """`handler500`: the envelope under `/api/`, the standalone Chinese `500.html` elsewhere (the
    error itself is logged by Django before this runs)."""
    if is_api_request(request):
        return JsonResponse(
            {"code": "internal_error", "message": "系统繁忙，请稍后再试", "details": None},
            status=500,
            json_dumps_params={"ensure_ascii": False},
        )
    return HttpResponse(render_to_string("500.html"), status=500, content_type="text/html; charset=utf-8")


class RequestGuardMiddleware:
    """Refuse overlong URLs (414) and NUL or lone surrogates in the path, query or form fields (400)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self.refusal(request)
        return refusal if refusal is not None else self.get_response(request)

    def refusal(self, request: HttpRequest) -> HttpResponse | None:
        limit = int(getattr(settings, "YIWANG_URL_MAX_LENGTH", DEFAULT_URL_MAX_LENGTH))
        length = len(request.META.get("PATH_INFO", "")) + len(request.META.get("QUERY_STRING", ""))
        if limit and length > limit:
            return error_response(
                request,
                414,
                "uri_too_long",
                "网址过长",
                f"请求的网址过长（超过 {limit} 个字符），请缩短查询条件后重试。",
                {"max_length": limit},
            )
        suspects: list[Any] = [request.path_info, list(request.GET.lists())]
        if request.method == "POST" and not is_api_request(request):
            # The API's parser checks its own bodies; a too-large form raises RequestDataTooBig here,
            # which `bad_request` answers.
            suspects.append(list(request.POST.lists()))
        if has_invalid_characters(suspects):
            return error_response(
                request, 400, INVALID_CHARACTERS_CODE, "请求含有不允许的字符", INVALID_CHARACTERS_MESSAGE
            )
        return None
