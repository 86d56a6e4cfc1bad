"""Counting for long lists: at most `COUNT_CAP` rows are counted.

A department's 办件箱 holds hundreds of thousands of finished and open items; counting them all on
every page load costs far more than the page itself (131 ms against 1.6 ms at 1,000,000
applications). Lists count at most COUNT_CAP + 1 rows — `SELECT COUNT(*) FROM (… LIMIT 10001)`, a few
milliseconds — and say 「10000 条以上」 beyond that; nobody pages past page 500: they filter."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

COUNT_CAP = 10_000


def capped_count(queryset: QuerySet[Any], cap: int | None = None) -> int:
    """The number of rows, or cap + 1 when there are more than `cap` (default COUNT_CAP)."""
    limit = COUNT_CAP if cap is None else cap
    return queryset.order_by()[: limit + 1].count()
