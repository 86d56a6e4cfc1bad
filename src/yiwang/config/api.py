"""The `/api/v1/` Ninja API: one error envelope, session or token auth, a router per domain."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from yiwang import __version__
from yiwang.core.errors import DomainError
from yiwang.identity.api_auth import ApiTokenAuth, SessionAuth

api = NinjaAPI(
    title="一网 API",
    version="1",
    description="示范市一网通平台开放接口。错误统一返回 {code, message, details}。",
    auth=[SessionAuth(), ApiTokenAuth()],
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


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return envelope(request, 401, "unauthenticated", "请先登录或提供有效的 API 令牌")


@api.exception_handler(DjangoPermissionDenied)
def _forbidden(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
    return envelope(request, 403, "permission_denied", "没有权限执行此操作")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return envelope(request, 404, "not_found", "请求的资源不存在或无权访问")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return envelope(request, exc.status_code, "http_error", str(exc))


@api.get("/version", auth=None, tags=["平台"], summary="平台版本")
def version(request: HttpRequest) -> dict[str, str]:
    return {"name": "yiwang", "version": __version__}


def _register_routers() -> None:
    # Each domain contributes its router; imported here so the URLconf owns the wiring.
    from yiwang.core.api import router as core_router
    from yiwang.core.api_files import router as files_router
    from yiwang.core.api_notifications import router as notifications_router
    from yiwang.identity.api import router as identity_router
    from yiwang.workflow.api import router as workflow_router

    api.add_router("/core/", core_router)
    api.add_router("/files/", files_router)
    api.add_router("/notifications/", notifications_router)
    api.add_router("/identity/", identity_router)
    api.add_router("/workflow/", workflow_router)


_register_routers()
