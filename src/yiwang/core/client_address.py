"""The client's address: one answer for the lockout (django-axes), the audit log and the API.

Behind a reverse proxy `REMOTE_ADDR` is the proxy's address. When the deployment names a header its
own proxies set (`YIWANG_TRUSTED_PROXY_HEADER`, e.g. `X-Forwarded-For`) and how many proxies append to
it (`YIWANG_TRUSTED_PROXY_COUNT`), the client is the address the outermost trusted proxy saw: the
COUNT-th entry from the right. Entries further left came from the client and are never trusted. Off
(the default), the address is `REMOTE_ADDR`. A header that is missing, too short or malformed falls
back to `REMOTE_ADDR` — a request that did not come through the proxies is answered by its own
connection, not by what it claims."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings


def meta_key(header: str) -> str:
    """`X-Forwarded-For` or `HTTP_X_FORWARDED_FOR` → the request.META key `HTTP_X_FORWARDED_FOR`."""
    name = header.strip().upper().replace("-", "_")
    if not name:
        return ""
    return name if name.startswith("HTTP_") or name == "REMOTE_ADDR" else f"HTTP_{name}"


def _clean(value: str) -> str | None:
    """One header entry as a plain IP address (a port or IPv6 brackets removed), or None."""
    value = value.strip().strip('"')
    candidates = [value]
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        candidates.append(value[1 : value.index("]")])
    elif value.count(":") == 1:  # 203.0.113.7:5123
        candidates.append(value.split(":", 1)[0])
    for candidate in candidates:
        try:
            address = ipaddress.ip_address(candidate)
        except ValueError:
            continue
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(address)
    return None


def client_address(request: Any) -> str | None:
    """The address of the client that sent `request` (see the module docstring)."""
    meta = getattr(request, "META", {})
    remote = meta.get("REMOTE_ADDR") or None
    header = meta_key(getattr(settings, "YIWANG_TRUSTED_PROXY_HEADER", "") or "")
    if not header or header == "REMOTE_ADDR":
        return remote
    count = max(int(getattr(settings, "YIWANG_TRUSTED_PROXY_COUNT", 1) or 1), 1)
    entries = [part for part in str(meta.get(header, "")).split(",") if part.strip()]
    if len(entries) < count:
        return remote
    return _clean(entries[-count]) or remote
