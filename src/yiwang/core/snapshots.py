"""Cached copies of rows that do not change once written — a published version of a service item,
of a process definition — keyed by the row's id and a stamp of its content.

The caller asks the database live *which* row applies (one narrow query: publishing a new version
changes the answer at once); the row itself, with what it needs loaded along, then comes from
Django's cache, shared by the processes — or, for a row that carries nothing that could change
(`local=True`), from this process's memory, since no copy of it can ever be stale. Each read gets
its own copy of the row, so no request can change another's."""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache

T = TypeVar("T")

LOCAL_ENTRIES = 256
_local: OrderedDict[str, Any] = OrderedDict()
_local_lock = threading.Lock()  # threaded servers share the process's copies


def snapshot(
    kind: str, pk: Any, stamp: Any, load: Callable[[], T], *, timeout: int = 0, local: bool = False
) -> T:
    """The cached `kind` row `pk` as of `stamp`, or `load()` (then cached: for `timeout` seconds in
    Django's cache, or, `local`, in this process for as long as it is among the last used)."""
    key = f"snapshot:{kind}:{pk}:{stamp}"
    if local:
        with _local_lock:
            value = _local.get(key)
            if value is not None:
                _local.move_to_end(key)
        if value is None:
            value = load()  # outside the lock: a query; two threads may both load, one copy stays
            with _local_lock:
                _local[key] = value
                if len(_local) > LOCAL_ENTRIES:
                    _local.popitem(last=False)
        return copy.copy(value)
    value = cache.get(key)
    if value is None:
        value = load()
        cache.set(key, value, timeout=timeout)
    return value
