"""API endpoints of the identity app: who am I, and my API tokens."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate
from ninja.responses import Status

from yiwang.core.api_schemas import BoundedPageNumberPagination, errors
from yiwang.identity.actions import api_token_create, api_token_revoke
from yiwang.identity.actor import Actor
from yiwang.identity.schemas import MeOut, TokenCreatedOut, TokenIn, TokenOut
from yiwang.identity.selectors import profile_for, token_for, tokens_for

router = Router(tags=["identity"])


def _actor(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined]


@router.get("/me", response=MeOut, summary="当前账号信息")
def me(request: HttpRequest) -> dict[str, Any]:
    return asdict(profile_for(actor=_actor(request)))


@router.get("/tokens", response=list[TokenOut], summary="我的 API 令牌列表")
@paginate(BoundedPageNumberPagination, page_size=20)
def token_list(request: HttpRequest) -> Any:
    return tokens_for(actor=_actor(request))


@router.post(
    "/tokens",
    response={201: TokenCreatedOut, **errors(400, 403, 409)},
    summary="创建 API 令牌（明文只返回一次）",
)
def token_create(request: HttpRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    token, plaintext = api_token_create(
        actor=_actor(request), name=payload.name, days=payload.days, scopes=payload.scopes
    )
    return Status(201, {"token": token, "plaintext": plaintext})


@router.delete("/tokens/{uid}", response={204: None, **errors(404, 409)}, summary="撤销 API 令牌")
def token_revoke(request: HttpRequest, uid: UUID) -> Status[None]:
    actor = _actor(request)
    api_token_revoke(actor=actor, token=token_for(actor=actor, uid=uid))
    return Status(204, None)
