"""The scoped manager: reads people see go through `Model.objects.for_actor(actor, permission)`.

A model whose rows are seen through a data scope (本部门 / 本部门及下级 / 本区划 / 全部) declares
which of its fields the scope reads, once:

    class Application(models.Model):
        scope_lookups = {"organization": "organization", "region": "region"}
        objects = ScopedManager()

and every user-facing selector asks `Application.objects.for_actor(actor, VIEW_APPLICATION)` (several
permissions widen the scope: any of them reaches). `make check` runs `yiwang.config.scoping_check`,
which fails on a selector that reads such a model without `for_actor` and without a `# scope:`
comment saying why the read is scoped another way (the applicant's own rows, a public catalogue,
a row loaded after an object-level check)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q


class ScopedQuerySet(models.QuerySet[Any]):
    def for_actor(self, actor: Any, *permissions: str, also: Q | None = None) -> ScopedQuerySet:
        """The rows `actor` reaches through any of `permissions` (see `Actor.scope_q`), plus `also`:
        rows that are theirs another way (their own Person, the enterprises they act for)."""
        return self.filter(scope_q(self.model, actor, *permissions, also=also))


def scope_q(model: Any, actor: Any, *permissions: str, also: Q | None = None) -> Q:
    """The filter `for_actor` applies, for code that needs it as a Q (the admin's querysets)."""
    lookups: dict[str, str | None] = dict(model.scope_lookups)
    reach: Q | None = None
    for permission in permissions:
        part = actor.scope_q(permission, **lookups)
        if not part:  # an empty Q is every row (全部, or a superuser): OR-ing it would drop it
            return Q()
        reach = part if reach is None else reach | part
    if reach is None:
        reach = Q(pk__in=[])
    return reach | also if also is not None else reach


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    """The default manager of a model seen through a data scope."""
