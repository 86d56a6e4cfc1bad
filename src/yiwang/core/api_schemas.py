"""Schemas every router of the `/api/v1/` API shares: the error envelope and a JSON integer.

The error envelope, declared by every router:

Every 4xx answer is `{"code", "message", "details"}`: `code` is a stable snake_case identifier
(`invalid_input`, `person_not_found`, …) a client may branch on, `message` is Chinese for people.
Routers list the statuses an endpoint can answer besides success with `errors(400, 404)`; the
statuses every operation shares (401 without credentials, 422 for malformed parameters, 403 for a
failed CSRF check) are added to the OpenAPI by `yiwang.config.api`."""

from __future__ import annotations

from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination
from pydantic import BeforeValidator

from yiwang.core.pagination import capped_count


class ErrorEnvelope(Schema):
    code: str = Field(description="稳定的错误编码（小写英文加下划线），如 invalid_input、not_found")
    message: str = Field(description="中文错误说明，可直接展示给用户")
    details: Any = Field(None, description="补充信息：出错的字段、允许的取值等；没有时为 null")


ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "请求内容不符合业务规则",
    401: "未登录或 API 令牌无效",
    403: "没有权限，或 CSRF 校验失败",
    404: "资源不存在或无权访问",
    405: "不支持该请求方法",
    409: "与现有数据冲突",
    413: "请求或上传内容过大",
    422: "请求参数格式不正确",
    429: "请求过于频繁，或超出上传限额",
}


def errors(*statuses: int) -> dict[int, type[ErrorEnvelope]]:
    """`response={200: Out, **errors(400, 404)}`: the envelope documented for each status."""
    unknown = [status for status in statuses if status not in ERROR_DESCRIPTIONS]
    if unknown:
        raise ValueError(f"未登记的错误状态码：{unknown}")
    return dict.fromkeys(statuses, ErrorEnvelope)


def error_schema_ref() -> dict[str, Any]:
    return {"$ref": "#/components/schemas/ErrorEnvelope"}


def _json_integer(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("应为整数")
    return value


# An integer in a JSON body as JSON Schema means it: 3 and 3.0 are accepted, true and "3" are not
# (Pydantic alone would take them for 1 and 3). Put it after any Field constraints, so that they
# still show in the OpenAPI: `Annotated[int, Field(ge=1), JSON_INTEGER]`.
JSON_INTEGER = BeforeValidator(_json_integer)
MAX_DATABASE_ID = 2**63 - 1  # bigint: larger ids would overflow the database driver

DatabaseId = Annotated[int, Field(ge=1, le=MAX_DATABASE_ID), JSON_INTEGER]


MAX_PAGE = 1_000_000


class BoundedPageNumberPagination(PageNumberPagination):
    """Ninja's page-number pagination with the page number bounded: an offset past the database's
    integer range fails in the driver (a 500) instead of giving an empty page."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description="页码，从 1 开始")
        page_size: int | None = Field(None, ge=1, description="每页条数（超过上限按上限）")


class CappedPageNumberPagination(BoundedPageNumberPagination):
    """For long lists (办件箱): `count` counts at most COUNT_CAP + 1 rows (`core.pagination`); a count
    of 10001 means 「10000 条以上」."""

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        page_size = min(pagination.page_size or self.page_size, self.max_page_size)
        offset = (pagination.page - 1) * page_size
        return {self.items_attribute: queryset[offset : offset + page_size], "count": capped_count(queryset)}
