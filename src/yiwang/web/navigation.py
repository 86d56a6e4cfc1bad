"""The navigation registry: a domain adds its entries to the site's menu in its AppConfig.ready().

The web shell must not name a domain's pages (import-linter keeps it from importing domains), so a
domain registers them:

    register_navigation("办事服务", "services:catalogue", personas=("anonymous", "citizen", "enterprise"), order=20)

`navigation_for(persona, path)` gives the entries of one persona in order, each with its URL and
whether it is the current page; the base template places them after 首页 / 工作台."""

from __future__ import annotations

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


_entries: dict[str, NavEntry] = {}


def register_navigation(
    label: str | Promise, url_name: str, *, personas: tuple[str, ...], order: int = 50
) -> NavEntry:
    """Add (or replace, by URL name) one menu entry for the given personas."""
    unknown = set(personas) - set(PERSONAS)
    if unknown:
        raise ValueError(f"unknown personas: {sorted(unknown)}")
    entry = NavEntry(label, url_name, frozenset(personas), order)
    _entries[url_name] = entry
    return entry


def navigation_for(persona: str, path: str) -> list[dict[str, Any]]:
    """The registered entries a persona sees, in order: label, url and whether it is this page."""
    rows = []
    for entry in sorted(_entries.values(), key=lambda e: (e.order, e.url_name)):
        if persona not in entry.personas:
            continue
        url = reverse(entry.url_name)
        rows.append({"label": entry.label, "url": url, "current": path == url})
    return rows
