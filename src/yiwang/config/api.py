"""The `/api/v1/` Ninja API: one error envelope, session or token auth, a router per domain."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver
from django.utils.datastructures import MultiValueDict
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser

from yiwang import __version__
from yiwang.core.api_schemas import ERROR_DESCRIPTIONS, ErrorEnvelope, error_schema_ref
from yiwang.core.characters import (
    INVALID_CHARACTERS_CODE,
    INVALID_CHARACTERS_MESSAGE,
    has_invalid_characters,
    invalid_characters_error,
)
from yiwang.core.errors import DomainError
from yiwang.identity.api_auth import ApiTokenAuth, SessionAuth
from yiwang.web.guards import framework_refusal

UNSAFE_METHODS = {"post", "put", "patch", "delete"}


class YiwangAPI(NinjaAPI):
    """NinjaAPI whose every failure, including a wrong HTTP method, is the documented envelope."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document_shared_errors(schema)
        return schema

    def _get_urls(self) -> list[URLPattern | URLResolver]:
        return [_guarded(pattern) for pattern in super()._get_urls()]


def document_shared_errors(schema: dict[str, Any]) -> None:
    """Add the answers every operation shares to the OpenAPI: 401 where credentials are required,
    422 and 400 where there is any input (malformed, not JSON, or holding a NUL character or a lone
    surrogate), 413 where there is a body, 403 (CSRF) on unsafe methods a session may call; and give
    every documented envelope its Chinese description."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ErrorEnvelope", ErrorEnvelope.model_json_schema())
    envelope_content = {"application/json": {"schema": error_schema_ref()}}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            shared = []
            if operation.get("security"):
                shared.append(401)
                if method in UNSAFE_METHODS:
                    shared.append(403)
            if operation.get("parameters") or operation.get("requestBody"):
                shared += [400, 422]  # 400: NUL or a lone surrogate anywhere, or a body that is not JSON
            if operation.get("requestBody"):
                shared.append(413)  # a body over DATA_UPLOAD_MAX_MEMORY_SIZE (or an upload over its limit)
            responses = operation.setdefault("responses", {})
            for status in shared:
                responses.setdefault(status, {"content": envelope_content})
            for status, response in responses.items():
                content = response.get("content", {}).get("application/json", {})
                if int(status) in ERROR_DESCRIPTIONS and content.get("schema") == error_schema_ref():
                    response["description"] = ERROR_DESCRIPTIONS[int(status)]


class YiwangParser(Parser):
    """Ninja's JSON/query/form parser, refusing NUL characters and lone UTF-16 surrogates
    (`core.characters`): no field may carry one (PostgreSQL cannot store NUL; a lone surrogate, which
    `json.loads` accepts, cannot be encoded at all), so they are turned away at the door with a 400
    rather than failing deep down."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        if has_invalid_characters(data):
            raise invalid_characters_error()
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        result = super().parse_querydict(data, list_fields, request)
        if has_invalid_characters(result):
            raise invalid_characters_error()
        return result


def _guarded(pattern: URLPattern | URLResolver) -> URLPattern | URLResolver:
    """Wrap one API view: a NUL (or a lone surrogate) in the path is refused, and the plain-text 405
    Ninja answers for a method the path does not serve becomes the envelope (keeping the Allow
    header)."""
    if not isinstance(pattern, URLPattern):
        return pattern
    view = pattern.callback

    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if has_invalid_characters(request.path_info):
            return envelope(request, 400, INVALID_CHARACTERS_CODE, INVALID_CHARACTERS_MESSAGE)
        response = view(request, *args, **kwargs)
        if not isinstance(response, HttpResponseNotAllowed):
            return response
        allowed = sorted(m.strip() for m in response["Allow"].split(",") if m.strip())
        result = envelope(
            request, 405, "method_not_allowed", "不支持该请求方法", {"allowed_methods": allowed}
        )
        result["Allow"] = response["Allow"]
        return result

    guarded.csrf_exempt = True  # type: ignore[attr-defined]  # as Ninja's own views: auth checks CSRF
    return URLPattern(pattern.pattern, guarded, pattern.default_args, pattern.name)


api = YiwangAPI(
    title="一网 API",
    version="1",
    description=(
        "示范市一网通平台开放接口。错误统一返回 {code, message, details}。"
        "任何参数和请求体中的字符串都不得包含 NUL 控制字符或不成对的 UTF-16 代理码元（返回 400 invalid_characters）；"
        "请求体过大返回 413 payload_too_large。"
    ),
    auth=[SessionAuth(), ApiTokenAuth()],
    parser=YiwangParser(),
    urls_namespace="api",
)


def envelope(request: HttpRequest, status: int, code: str, message: str, details: Any = None) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, "details": details}, status=status)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return envelope(request, exc.status, exc.code, exc.message, exc.details)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    details = [{"loc": e.get("loc"), "type": e.get("type"), "msg": e.get("msg")} for e in exc.errors]
    return envelope(request, 422, "validation_error", "请求参数不正确，请检查后重试", details)


@api.exception_handler(DjangoValidationError)
def _django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    details = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
    return envelope(request, 400, "invalid_input", "；".join(exc.messages), details)


@api.exception_handler(SuspiciousOperation)
def _framework_refusal(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    """What Django refuses while Ninja reads the request (a body over DATA_UPLOAD_MAX_MEMORY_SIZE: 413
    `payload_too_large`; too many fields or files) — in Chinese, as the web's handler400 does."""
    status, code, _, message = framework_refusal(exc)
    return envelope(request, status, code, message)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return envelope(request, 401, "unauthenticated", "请先登录或提供有效的 API 令牌")


@api.exception_handler(DjangoPermissionDenied)
def _forbidden(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
    return envelope(request, 403, "permission_denied", "没有权限执行此操作")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return envelope(request, 404, "not_found", "请求的资源不存在或无权访问")


HTTP_ERRORS: dict[int, tuple[str, str]] = {
    400: ("malformed_request", "请求内容无法解析，请提交有效的 JSON"),
    401: ("unauthenticated", "请先登录或提供有效的 API 令牌"),
    403: ("permission_denied", "没有权限执行此操作"),
    404: ("not_found", "请求的资源不存在或无权访问"),
    405: ("method_not_allowed", "不支持该请求方法"),
    413: ("payload_too_large", "请求内容过大"),
    429: ("too_many_requests", "请求过于频繁，请稍后再试"),
}


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Ninja's own HttpErrors carry English text: answer in Chinese, keeping a domain error that caused
    one (e.g. the parser refusing a body) as it is."""
    if isinstance(exc.__cause__, DomainError):
        return _domain_error(request, exc.__cause__)
    code, message = HTTP_ERRORS.get(exc.status_code, ("http_error", "请求无法处理"))
    return envelope(request, exc.status_code, code, message, {"reason": str(exc)})


@api.get("/version", auth=None, tags=["平台"], summary="平台版本")
def version(request: HttpRequest) -> dict[str, str]:
    return {"name": "yiwang", "version": __version__}


def _register_routers() -> None:
    # Each domain contributes its router; imported here so the URLconf owns the wiring.
    from yiwang.core.api import router as core_router
    from yiwang.core.api_files import router as files_router
    from yiwang.core.api_notifications import router as notifications_router
    from yiwang.hotline.api import router as hotline_router
    from yiwang.identity.api import router as identity_router
    from yiwang.services.api import router as services_router
    from yiwang.workflow.api import router as workflow_router

    api.add_router("/core/", core_router)
    api.add_router("/files/", files_router)
    api.add_router("/notifications/", notifications_router)
    api.add_router("/identity/", identity_router)
    api.add_router("/workflow/", workflow_router)
    api.add_router("/services/", services_router)
    api.add_router("/hotline/", hotline_router)


_register_routers()
