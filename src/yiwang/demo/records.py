"""Idempotent writes for the demo seed: create a row by its natural key, update it only when a
value differs, and insert large sets in batches while skipping keys already present."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)

BATCH_SIZE = 1000
LOOKUP_CHUNK = 500  # stays under SQLite's bound-parameter limit on old builds


class Outcome(enum.Enum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def _stored(obj: models.Model, name: str, value: Any) -> tuple[Any, Any]:
    """(current, wanted) in comparable form; a model instance is compared by primary key."""
    field = obj._meta.get_field(name)
    if isinstance(field, models.ForeignKey):
        wanted = value.pk if isinstance(value, models.Model) else value
        return getattr(obj, field.attname), wanted
    return getattr(obj, name), value


def upsert(model: type[M], *, lookup: dict[str, Any], values: dict[str, Any]) -> tuple[M, Outcome]:
    """Create `model(**lookup, **values)` or bring an existing row up to date. Saves nothing when the
    row already holds `values`, so a second run leaves `updated_at` untouched."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean()
        obj.save()
        return obj, Outcome.CREATED
    changed = []
    for name, value in values.items():
        current, wanted = _stored(obj, name, value)
        if current != wanted:
            setattr(obj, name, value)
            changed.append(name)
    if not changed:
        return obj, Outcome.UNCHANGED
    obj.full_clean()
    update_fields = (
        [*changed, "updated_at"] if any(f.name == "updated_at" for f in obj._meta.fields) else changed
    )
    obj.save(update_fields=update_fields)
    return obj, Outcome.UPDATED


def existing_keys(model: type[models.Model], field: str, keys: Sequence[str]) -> set[str]:
    """The subset of `keys` already stored in `model.field`, looked up in chunks."""
    found: set[str] = set()
    for start in range(0, len(keys), LOOKUP_CHUNK):
        chunk = keys[start : start + LOOKUP_CHUNK]
        found.update(model._default_manager.filter(**{f"{field}__in": chunk}).values_list(field, flat=True))
    return found


def primary_keys(model: type[models.Model], field: str, keys: Sequence[str]) -> dict[str, int]:
    """`field` value → primary key for the stored rows among `keys`, looked up in chunks."""
    found: dict[str, int] = {}
    for start in range(0, len(keys), LOOKUP_CHUNK):
        chunk = keys[start : start + LOOKUP_CHUNK]
        found.update(model._default_manager.filter(**{f"{field}__in": chunk}).values_list(field, "pk"))
    return found


def insert_missing(model: type[M], field: str, rows: Iterable[M]) -> int:
    """Insert the rows whose `field` value is not stored yet; returns how many were inserted."""
    rows = list(rows)
    present = existing_keys(model, field, [getattr(row, field) for row in rows])
    missing = [row for row in rows if getattr(row, field) not in present]
    for start in range(0, len(missing), BATCH_SIZE):
        model._default_manager.bulk_create(missing[start : start + BATCH_SIZE], ignore_conflicts=True)
    return len(missing)
