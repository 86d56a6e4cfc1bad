"""The navigation registry: a domain adds its entries to the site's menu in its AppConfig.ready().

The web shell must not name a domain's pages (import-linter keeps it from importing domains), so a
domain registers them:

    register_navigation("办事服务", "services:catalogue", personas=("anonymous", "citizen", "enterprise"), order=20)

An entry may also name `permissions`: it is shown only to users holding at least one of them (办件箱
to staff who may view applications, 办件统计 to every role that may see statistics).

`navigation_for(persona, path, allowed=...)` gives the entries of one persona in order, each with its
URL and whether it is the current page (`allowed(permission)` says whether the reader holds a
permission; without it, entries that name permissions are left out); the base template places them
after 首页 / 工作台."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise

PERSONAS = ("anonymous", "citizen", "enterprise", "staff")


@dataclass(frozen=True)
class NavEntry:
    label: str | Promise  # a lazy translation is rendered in the reader's language
    url_name: str
    personas: frozenset[str]
    order: int = 50
    permissions: frozenset[str] = frozenset()  # any one of them shows the entry (none: everyone)
    description: str | Promise = ""  # one line for the workbench's shortcuts


_entries: dict[str, NavEntry] = {}


def register_navigation(
    label: str | Promise,
    url_name: str,
    *,
    personas: tuple[str, ...],
    order: int = 50,
    permissions: tuple[str, ...] = (),
    description: str | Promise = "",
) -> NavEntry:
    """Add (or replace, by URL name) one menu entry for the given personas (and, with `permissions`,
    only for users holding one of them)."""
    unknown = set(personas) - set(PERSONAS)
    if unknown:
        raise ValueError(f"unknown personas: {sorted(unknown)}")
    entry = NavEntry(label, url_name, frozenset(personas), order, frozenset(permissions), description)
    _entries[url_name] = entry
    return entry


def navigation_for(
    persona: str, path: str, *, allowed: Callable[[str], bool] | None = None
) -> list[dict[str, Any]]:
    """The registered entries a persona sees, in order: label, url, whether it is this page and the
    entry's description. Entries that name permissions need `allowed` to grant one of them."""
    rows = []
    for entry in sorted(_entries.values(), key=lambda e: (e.order, e.url_name)):
        if persona not in entry.personas:
            continue
        if entry.permissions and (allowed is None or not any(allowed(p) for p in sorted(entry.permissions))):
            continue
        url = reverse(entry.url_name)
        rows.append(
            {"label": entry.label, "url": url, "current": path == url, "description": entry.description}
        )
    return rows


def needs_permissions(persona: str) -> bool:
    """Whether some entry of `persona` depends on the reader's permissions (then the caller loads them)."""
    return any(persona in entry.personas and entry.permissions for entry in _entries.values())
