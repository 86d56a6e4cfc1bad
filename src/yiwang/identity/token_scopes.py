"""What an API token may do: its scopes (权限范围), checked on every API call by `ApiTokenAuth`.

A token's `scopes` is a list of names:

* `read` — 只读: only GET, HEAD and OPTIONS;
* a domain, the first path segment of `/api/v1/<domain>/…` (`services`, `workflow`, `core`, …) — the
  token reaches only those domains' endpoints (several may be listed);
* `tokens` — 管理令牌: the token may create and revoke API tokens (`/api/v1/identity/tokens`), and
  only tokens whose scopes stay within its own.

No domain listed means every domain. So the empty list — every token made before scopes existed, and
a token created with no scope ticked — keeps the meaning it always had (the owner's permissions, on
every domain, reading and writing), except that it can no longer create or revoke tokens: a token
never mints tokens unless it was given `tokens`. The owner's named permissions and data scope apply
on top of a token's scopes; scopes only narrow."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.apps import apps
from django.urls import NoReverseMatch, get_resolver, reverse

from yiwang.core.errors import InvalidInput, PermissionDenied

READ = "read"
TOKENS = "tokens"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SCOPE_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
# Labels of the kernel's API groups that are not apps of their own (the rest take the app's name).
_KERNEL_LABELS = {"files": "附件", "notifications": "消息通知"}


@dataclass(frozen=True)
class TokenScope:
    read_only: bool
    domains: frozenset[str] | None  # None: every domain
    manages_tokens: bool

    @classmethod
    def of(cls, scopes: Iterable[str]) -> TokenScope:
        names = set(scopes or ())
        domains = frozenset(names - {READ, TOKENS})
        return cls(read_only=READ in names, domains=domains or None, manages_tokens=TOKENS in names)

    def covers(self, other: TokenScope) -> bool:
        """Is everything `other` allows also allowed by this scope? (no escalation through tokens)"""
        if self.read_only and not other.read_only:
            return False
        if other.manages_tokens and not self.manages_tokens:
            return False
        if self.domains is None:
            return True
        return other.domains is not None and other.domains <= self.domains


@lru_cache(maxsize=1)
def api_domains() -> tuple[str, ...]:
    """The domains of the mounted API: first path segments of its routes that have a sub-path."""
    try:
        _prefix, resolver = get_resolver().namespace_dict["api"]
    except KeyError:
        return ()
    segments = {str(p.pattern).split("/", 1)[0] for p in resolver.url_patterns if "/" in str(p.pattern)}
    return tuple(sorted(s for s in segments if SCOPE_NAME.match(s)))


def domain_label(domain: str) -> str:
    if domain in _KERNEL_LABELS:
        return _KERNEL_LABELS[domain]
    try:
        return str(apps.get_app_config(domain).verbose_name)
    except LookupError:
        return domain


def scope_labels(scopes: Iterable[str]) -> list[str]:
    """Short Chinese labels of a token's scopes, for lists (「全部业务域」 when no domain is named)."""
    scope = TokenScope.of(scopes)
    labels = [domain_label(d) for d in sorted(scope.domains)] if scope.domains else ["全部业务域"]
    if scope.read_only:
        labels.append("只读")
    if scope.manages_tokens:
        labels.append("管理令牌")
    return labels


def scope_choices() -> list[tuple[str, str]]:
    """(value, 中文说明) for the token forms: read-only, each domain, token management."""
    return [
        (READ, "只读（仅查询，不能修改）"),
        *((d, f"仅限「{domain_label(d)}」接口（/api/v1/{d}/）") for d in api_domains()),
        (TOKENS, "管理令牌（可通过接口创建、撤销令牌）"),
    ]


def clean_scopes(scopes: Iterable[str] | None) -> list[str]:
    """Validated, deduplicated and sorted scopes; unknown names are refused in Chinese."""
    names = sorted({str(s).strip() for s in (scopes or ()) if str(s).strip()})
    known = {READ, TOKENS, *api_domains()}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InvalidInput(
            f"令牌权限范围无效：{'、'.join(unknown)}",
            code="token_scope_invalid",
            details={"scopes": [f"可选：{'、'.join(sorted(known))}"]},
        )
    return names


def _api_path(path: str) -> str | None:
    try:
        root = reverse("api:api-root")
    except NoReverseMatch:
        return None
    return path[len(root) :] if path.startswith(root) else None


def is_token_management(method: str, path: str) -> bool:
    """Does this call create or revoke API tokens?"""
    rest = _api_path(path)
    return (
        rest is not None
        and method.upper() not in SAFE_METHODS
        and (rest == "identity/tokens" or rest.startswith("identity/tokens/"))
    )


def check_scopes(scopes: Iterable[str], *, method: str, path: str) -> None:
    """Refuse (403, Chinese) a call its token's scopes do not allow."""
    scope = TokenScope.of(scopes)
    if is_token_management(method, path):
        if not scope.manages_tokens:
            raise PermissionDenied(
                "该 API 令牌不能创建或撤销令牌：创建时需勾选「管理令牌」权限范围（tokens）",
                code="token_scope_tokens",
            )
        return
    if scope.read_only and method.upper() not in SAFE_METHODS:
        raise PermissionDenied("该 API 令牌为只读令牌，不能执行修改操作", code="token_read_only")
    if scope.domains is not None:
        rest = _api_path(path) or ""
        domain = rest.split("/", 1)[0]
        if domain and domain not in scope.domains:
            allowed = "、".join(f"「{domain_label(d)}」" for d in sorted(scope.domains))
            raise PermissionDenied(
                f"该 API 令牌的权限范围不包括「{domain_label(domain)}」接口（仅限{allowed}）",
                code="token_scope",
            )
