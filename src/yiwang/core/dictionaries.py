"""Dictionaries (字典, master data): configurable enumerations such as 事项类型 or 证件类型.

Reads are cached in Django's cache (`YIWANG_DICTIONARY_CACHE_SECONDS`, default 60) and dropped by
`invalidate_dictionary()` whenever an action or the admin changes a dictionary, so with a shared
cache (Redis) an edit is visible at once and with the per-process default within the timeout.
Entries carry extension data validated by the dictionary's `entry_schema` (JSON Schema)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError

from yiwang.core.errors import NotFound
from yiwang.core.models import Dictionary

_KEY = "yiwang:dictionary:v1:{code}"
_CODE = re.compile(r"[-a-zA-Z0-9_]{1,64}")  # Dictionary.code is a SlugField(max_length=64)


@dataclass(frozen=True)
class Entry:
    code: str
    label: str
    data: dict[str, Any]
    sort_order: int
    is_active: bool


@dataclass(frozen=True)
class CachedDictionary:
    code: str
    name: str
    description: str
    entry_schema: dict[str, Any]
    entries: tuple[Entry, ...]

    def active_entries(self) -> list[Entry]:
        return [entry for entry in self.entries if entry.is_active]


def _timeout() -> int:
    return int(getattr(settings, "YIWANG_DICTIONARY_CACHE_SECONDS", 60))


def dictionary_get(code: str) -> CachedDictionary:
    """The dictionary with all its entries (active and inactive); `NotFound` for an unknown code."""
    if not _CODE.fullmatch(code):  # never a cache key: memcached refuses spaces, control characters
        raise NotFound("字典不存在（编码只含字母、数字、- 和 _）", code="dictionary_not_found")
    key = _KEY.format(code=code)
    cached = cache.get(key)
    if isinstance(cached, CachedDictionary):
        return cached
    row = Dictionary.objects.filter(code=code).prefetch_related("entries").first()
    if row is None:
        raise NotFound(f"字典 {code} 不存在", code="dictionary_not_found")
    value = CachedDictionary(
        code=row.code,
        name=row.name,
        description=row.description,
        entry_schema=row.entry_schema or {},
        entries=tuple(
            Entry(e.code, e.label, e.data or {}, e.sort_order, e.is_active)
            for e in sorted(row.entries.all(), key=lambda e: (e.sort_order, e.code))
        ),
    )
    cache.set(key, value, _timeout())
    return value


def dictionary_entries(code: str, *, include_inactive: bool = False) -> list[Entry]:
    """The entries of a dictionary in display order; inactive ones only when asked."""
    dictionary = dictionary_get(code)
    return list(dictionary.entries) if include_inactive else dictionary.active_entries()


def dictionary_choices(code: str) -> list[tuple[str, str]]:
    """(code, label) pairs of the active entries, for form fields."""
    return [(entry.code, entry.label) for entry in dictionary_entries(code)]


def dictionary_label(code: str, entry_code: str) -> str:
    """The label of one entry (inactive entries still resolve, so old records keep their label).

    An unknown entry code comes back unchanged, so a page never fails on stale data."""
    for entry in dictionary_get(code).entries:
        if entry.code == entry_code:
            return entry.label
    return entry_code


def validate_dictionary_code(code: str, entry_code: str) -> None:
    """Raise a Chinese `ValidationError` unless `entry_code` is an active entry of dictionary `code`."""
    dictionary = dictionary_get(code)
    if not any(entry.code == entry_code for entry in dictionary.active_entries()):
        raise ValidationError(
            f"{dictionary.name}中没有可用的取值 {entry_code}", code="dictionary_entry_invalid"
        )


def invalidate_dictionary(code: str) -> None:
    cache.delete(_KEY.format(code=code))
