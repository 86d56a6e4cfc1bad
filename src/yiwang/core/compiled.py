"""Queries and inserts compiled once, run every time.

Django builds and compiles a QuerySet's SQL anew on every evaluation: 0.3–1.5 ms of Python for the
queries on the hottest paths (the staff inbox page, the lookups of every submission), several
times what SQLite or PostgreSQL then spend answering them. When everything a QuerySet is built
from is in a key — the actor's scope filter, the filters, the page — its SQL and parameters are the
same every time, so they are compiled on the first call and reused (a bounded LRU per process). The
database is asked on every call: nothing here caches rows, so a new or changed row is seen at once.

An INSERT of one new row (`insert`) is the same SQL for every row of a model with the same columns:
it is compiled once per model and columns, the values still prepared for each row by the fields'
own `pre_save` and `get_db_prep_save`, as `save()` would (0.1–0.25 ms less per row written).

The key is the caller's promise. In tests (`YIWANG_COMPILED_CHECK`) every reuse is checked by
building the query again and comparing: a key that misses an input fails the suite.

Supported: QuerySets of model instances (`only()`/`defer()`, annotations; no `select_related`,
`prefetch_related` or `extra`) and of `values_list()` tuples. The instances are built as Django's
own iterator builds them (`from_db` with the loaded fields; a deferred field loads on access), only
without calling `__init__` for every field of every row."""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, MultipleObjectsReturned
from django.db import connections, router, transaction
from django.db.models import Field, Model, QuerySet, signals
from django.db.models.base import ModelState
from django.db.models.query import FlatValuesListIterable, ModelIterable, ValuesListIterable
from django.db.models.sql import InsertQuery
from django.db.transaction import TransactionManagementError

ENTRIES = 2048
_compiled: OrderedDict[Hashable, Any] = OrderedDict()  # key → _Compiled | _Insert
_lock = threading.Lock()  # threaded servers share the process's entries


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]
    model: type[Model] | None  # None: values_list rows
    names: tuple[str, ...]  # model: attribute names by column; values_list: ()
    flat: bool
    for_update: bool
    alias: str

    def results(self, raws: list[tuple[Any, ...]]) -> list[Any]:
        """The results of these database rows: converted (a NULL stays None, as with every Django
        converter), then instances, tuples or values."""
        connection = connections[self.alias]
        converters = self.converters
        rows: list[Any] = []
        for raw in raws:
            row = list(raw)
            for position, functions, expression in converters:
                value = row[position]
                if value is not None:
                    for convert in functions:
                        value = convert(value, expression, connection)
                    row[position] = value
            rows.append(row)
        if self.model is None:
            return [row[0] for row in rows] if self.flat else [tuple(row) for row in rows]
        model, names, alias, new = self.model, self.names, self.alias, self.model.__new__
        instances = []
        for row in rows:
            instance = new(model)
            instance.__dict__.update(zip(names, row, strict=True))
            state = instance._state = ModelState()
            state.adding = False
            state.db = alias
            instances.append(instance)
        return instances


def _compile(queryset: QuerySet[Any]) -> _Compiled:
    query = queryset.query
    if queryset._prefetch_related_lookups or query.extra_select or query.select_related:  # type: ignore[attr-defined]
        raise ImproperlyConfigured("core.compiled: prefetch_related, select_related 与 extra 不受支持")
    compiler = query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    columns = [expression for expression, _, _ in compiler.select]
    converters = tuple(
        (position, tuple(functions), expression)
        for position, (functions, expression) in compiler.get_converters(columns).items()
    )
    iterable = queryset._iterable_class
    model: type[Model] | None = None
    names: tuple[str, ...] = ()
    if iterable is ModelIterable:
        model = queryset.model
        if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
            raise ImproperlyConfigured(f"core.compiled: {model.__name__} 有 pre_init/post_init 监听")
        annotations = {index: alias for alias, index in compiler.annotation_col_map.items()}
        names = tuple(
            annotations[index] if index in annotations else expression.target.attname  # noqa: SIM401 — an annotation has no `target`
            for index, (expression, _, _) in enumerate(compiler.select)
        )
    elif iterable in (ValuesListIterable, FlatValuesListIterable):
        names_asked = queryset._fields  # type: ignore[attr-defined]
        fields = [*names_asked, *(f for f in query.annotation_select if f not in names_asked)]
        if names_asked and fields != [*query.values_select, *query.annotation_select]:
            raise ImproperlyConfigured("core.compiled: values_list 的列序须与注解一致")
    else:
        raise ImproperlyConfigured(f"core.compiled: 不支持 {iterable.__name__}")
    return _Compiled(
        sql=sql,
        params=tuple(params),
        converters=converters,
        model=model,
        names=names,
        flat=iterable is FlatValuesListIterable,
        for_update=query.select_for_update,
        alias=queryset.db,
    )


def _entry(key: Hashable, build: Callable[[], QuerySet[Any]]) -> _Compiled:
    with _lock:
        entry = _compiled.get(key)
        if entry is not None:
            _compiled.move_to_end(key)
    if entry is None:
        entry = _compile(build())  # outside the lock; two threads may both compile the same SQL
        with _lock:
            _compiled[key] = entry
            if len(_compiled) > ENTRIES:
                _compiled.popitem(last=False)
    elif getattr(settings, "YIWANG_COMPILED_CHECK", False):
        again = _compile(build())
        if (again.sql, again.params, again.names) != (entry.sql, entry.params, entry.names):
            raise AssertionError(
                f"core.compiled: 键 {key!r} 未涵盖查询的全部输入：\n{entry.sql} {entry.params}\n"
                f"{again.sql} {again.params}"
            )
    return entry


def _execute(entry: _Compiled, many: int | None) -> list[tuple[Any, ...]]:
    connection = connections[entry.alias]
    if entry.for_update and not connection.in_atomic_block:
        raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
    with connection.cursor() as cursor:
        cursor.execute(entry.sql, entry.params)
        return cursor.fetchall() if many is None else cursor.fetchmany(many)


def rows(key: Hashable, build: Callable[[], QuerySet[Any]]) -> list[Any]:
    """The results of the QuerySet `build()` returns — instances, tuples or values — with its SQL
    compiled only the first time `key` is asked. `key` must name every input of `build`."""
    entry = _entry(key, build)
    return entry.results(_execute(entry, None))


def one(key: Hashable, build: Callable[[], QuerySet[Any]]) -> Any | None:
    """The single result of `build()` (a lookup by a unique key), or None; more than one raises, as
    `get()` would."""
    entry = _entry(key, build)
    found = _execute(entry, 2)
    if len(found) > 1:
        raise MultipleObjectsReturned(f"core.compiled: 键 {key!r} 的查询返回了多行")
    return entry.results(found)[0] if found else None


@dataclass(frozen=True)
class _Insert:
    sql: str
    returning: tuple[Field[Any, Any], ...]
    returning_params: tuple[Any, ...]
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]


def _compile_insert(
    instance: Model, fields: tuple[Field[Any, Any], ...], returning: tuple[Field[Any, Any], ...], using: str
) -> tuple[_Insert, list[Any]]:
    """Django's own INSERT for `instance` (compiled on a copy: compiling runs the fields' `pre_save`)."""
    model = type(instance)
    query = InsertQuery(model)
    query.insert_values(list(fields), [copy.copy(instance)])
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = list(returning)
    [(sql, params)] = compiler.as_sql()
    columns = [field.get_col(model._meta.db_table) for field in returning]
    converters = tuple(
        (position, tuple(functions), expression)
        for position, (functions, expression) in compiler.get_converters(columns).items()
    )
    return _Insert(sql, returning, tuple(compiler.returning_params), converters), list(params)


def _insertable(instance: Model, connection: Any) -> bool:
    """Whether `insert` does exactly what `save(force_insert=True)` would; otherwise it calls save()."""
    model = type(instance)
    meta = model._meta
    overridden = model.save is not Model.save and not getattr(model, "save_only_guards_updates", False)
    return not (
        overridden
        or meta.parents
        or meta.order_with_respect_to
        or signals.pre_save.has_listeners(model)
        or signals.post_save.has_listeners(model)
        or (meta.db_returning_fields and not connection.features.can_return_columns_from_insert)
    )


def insert(instance: Model) -> None:
    """Insert the new row `instance`, as `instance.save(force_insert=True)` does — the same columns,
    each field's `pre_save` (auto_now …) and database preparation, the related-object check, the
    returned primary key and generated columns set on the instance, an error inside a transaction
    marking it for rollback — with the INSERT compiled once per model and columns.

    A model whose `save()` is overridden (unless it declares `save_only_guards_updates`, as the
    append-only ones do), has signal receivers, parents or `order_with_respect_to` is saved the usual
    way."""
    model = type(instance)
    meta = model._meta
    using = router.db_for_write(model, instance=instance)
    connection = connections[using]
    if not _insertable(instance, connection):
        instance.save(force_insert=True, using=using)
        return
    instance._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
    pk_value = instance._get_pk_val(meta)
    if pk_value is None:
        pk_value = meta.pk.get_pk_value_on_save(instance)
        setattr(instance, meta.pk.attname, pk_value)
    fields = tuple(
        f
        for f in meta.local_concrete_fields
        if not f.generated and (pk_value is not None or f is not meta.auto_field)
    )
    values = [field.pre_save(instance, True) for field in fields]
    if any(hasattr(value, "resolve_expression") for value in values):
        instance.save(force_insert=True, using=using)  # an expression as a value: Django resolves it
        return
    returning = tuple(meta.db_returning_fields)
    key = ("insert", model, tuple(f.attname for f in fields), using)
    with _lock:
        entry = _compiled.get(key)
        if entry is not None:
            _compiled.move_to_end(key)
    params = [field.get_db_prep_save(value, connection) for field, value in zip(fields, values, strict=True)]
    if entry is None or getattr(settings, "YIWANG_COMPILED_CHECK", False):
        again, django_params = _compile_insert(instance, fields, returning, using)
        _check_insert_params(fields, params, django_params)
        if entry is not None and again.sql != entry.sql:
            raise AssertionError(f"core.compiled: {model.__name__} 的 INSERT 与 Django 编译的不同")
        if entry is None:
            entry = again
            with _lock:
                _compiled[key] = entry
                if len(_compiled) > ENTRIES:
                    _compiled.popitem(last=False)
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(entry.sql, params)
        if entry.returning:
            row = list(connection.ops.fetch_returned_insert_columns(cursor, entry.returning_params))
    if entry.returning:
        for position, functions, expression in entry.converters:
            for convert in functions:
                row[position] = convert(row[position], expression, connection)
        for value, field in zip(row, entry.returning, strict=True):
            setattr(instance, field.attname, value)
    instance._state.db = using
    instance._state.adding = False


def _check_insert_params(fields: tuple[Field[Any, Any], ...], ours: list[Any], django: list[Any]) -> None:
    """The values prepared here are Django's (but for the clock fields, stamped again when Django
    compiles): a field whose preparation depends on the compiler would show up in the tests."""
    for field, mine, theirs in zip(fields, ours, django, strict=True):
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        if mine != theirs and repr(mine) != repr(theirs):
            raise AssertionError(f"core.compiled: {field} 的值 {mine!r} 与 Django 的 {theirs!r} 不同")


def clear() -> None:
    """Forget every compiled query (tests that change settings the SQL depends on)."""
    with _lock:
        _compiled.clear()
