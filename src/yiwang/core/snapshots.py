"""Cached copies of rows that do not change once written — a published version of a service item,
of a process definition — keyed by the row's id and a stamp of its content.

The caller asks the database live *which* row applies (one narrow query: publishing a new version
changes the answer at once); the row itself, with what it needs loaded along, then comes from
Django's cache, shared by the processes — or (`local=True`) from this process's memory, which spares
unpickling it on every read: for as long as it is among the last used, or at most `timeout` seconds
when it carries along rows that may change. Each read gets its own copy of the row, so no request
can change another's."""

from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache

T = TypeVar("T")

LOCAL_ENTRIES = 256
_local: OrderedDict[str, tuple[Any, float | None]] = OrderedDict()  # key → (row, expires)
_local_lock = threading.Lock()  # threaded servers share the process's copies
_clock = time.monotonic  # a module attribute: tests move it


def snapshot(
    kind: str, pk: Any, stamp: Any, load: Callable[[], T], *, timeout: int = 0, local: bool = False
) -> T:
    """The cached `kind` row `pk` as of `stamp`, or `load()` (then cached: for `timeout` seconds in
    Django's cache, or, `local`, in this process while it is among the last used and, with a
    `timeout`, for at most that many seconds)."""
    key = f"snapshot:{kind}:{pk}:{stamp}"
    if local:
        now = _clock()
        with _local_lock:
            value, expires = _local.get(key, (None, None))
            if value is not None and expires is not None and expires <= now:
                value = None
            elif value is not None:
                _local.move_to_end(key)
        if value is None:
            value = load()  # outside the lock: a query; two threads may both load, one copy stays
            with _local_lock:
                _local[key] = (value, now + timeout if timeout else None)
                _local.move_to_end(key)
                if len(_local) > LOCAL_ENTRIES:
                    _local.popitem(last=False)
        return copy.copy(value)
    value = cache.get(key)
    if value is None:
        value = load()
        cache.set(key, value, timeout=timeout)
    return value
