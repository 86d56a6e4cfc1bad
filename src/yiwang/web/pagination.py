"""A paginator for long lists whose count is capped (`core.pagination`)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet

from yiwang.core.pagination import COUNT_CAP, capped_count


class CappedPaginator(Paginator):
    """Django's paginator counting at most COUNT_CAP rows; `capped` says there are more. The pages
    beyond the cap are not offered (the pagination partial shows 「共 10000 条以上」)."""

    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        assert isinstance(self.object_list, QuerySet)  # lists long enough to cap are querysets
        return capped_count(self.object_list, self.cap)

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @property
    def shown_count(self) -> Any:
        return self.cap if self.capped else self.count
