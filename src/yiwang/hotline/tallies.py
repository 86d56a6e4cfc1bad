"""热线月度计数: the KPI counters of each month's tickets, kept in step with the tickets.

The 热线统计 page over a year of a large city's tickets cannot scan them on every view (a million
rows: over a second on PostgreSQL, decision 0015). Every counter is a count of tickets, and a ticket
counts once, in the month it was registered, under its 主办单位, 分类, 区划, 网格 and 诉求类型 (`KEY`):
so the month's figures are the sum of its tallies, filtered and scoped like the tickets. Two
groupings are stored (`GROUPINGS`): `TicketTally` by the whole key, `DepartmentTally` without region
and grid (a few thousand rows a month, for the figures that need neither).

How the tallies follow: every write of a ticket goes through `Ticket.save` or `TicketQuerySet.update`,
which call `following` / `following_save` when a counted field may change. They read the rows'
counters and keys before and after the write, in the write's transaction (the rows locked), and add
the difference to both groupings — exact, whatever the action, and a write that changes no counter
writes no tally. The counters of a ticket are computed in SQL with the conditions the page counts
tickets by (`counter_filters`, here beside the tallies), so the two cannot disagree.

Writes that bypass the manager (the demo's bulk writer, the benchmark's COPY, a restore) end with
`rebuild()`: the tallies recomputed from the tickets in one grouped query (`yiwang hotline tally`,
which also checks them: `--check`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Case, Count, F, Model, Q, QuerySet, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone

from yiwang.hotline.models import COUNTED_COLUMNS, DepartmentTally, Ticket, TicketTally

COUNTERS = (
    "total",
    "dispatched",
    "signed_on_time",
    "closed",
    "closed_on_time",
    "visited",
    "resolved",
    "satisfied",
    "returned",
    "repeat",
)
SATISFIED = (
    Ticket.Satisfaction.VERY_SATISFIED,
    Ticket.Satisfaction.SATISFIED,
    Ticket.Satisfaction.BASICALLY_SATISFIED,
)


def counter_filters() -> dict[str, Q | None]:
    """The condition of each of `COUNTERS`; None: every ticket. A repeat call is the stored
    flag (`actions.tickets.mark_repeat`)."""
    return {
        "total": None,
        "dispatched": Q(dispatched_at__isnull=False),
        "signed_on_time": Q(dispatched_at__isnull=False, signed_on_time=True),
        "closed": Q(closed_at__isnull=False),
        "closed_on_time": Q(closed_at__isnull=False, closed_on_time=True),
        "visited": Q(satisfaction__isnull=False),
        "resolved": Q(satisfaction__isnull=False, resolved=True),
        "satisfied": Q(satisfaction__in=SATISFIED),
        "returned": Q(returned_count__gt=0),
        "repeat": Q(is_repeat=True),
    }


PLAIN_COUNTERS = tuple(counter_filters())


def counter_flags() -> dict[str, Case | Value]:
    """Each counter of one ticket as 0 or 1 (what it adds to its month's tally)."""
    return {
        name: Value(1) if condition is None else Case(When(condition, then=Value(1)), default=Value(0))
        for name, condition in counter_filters().items()
    }


def counter_aggregates(only: Iterable[str] = PLAIN_COUNTERS, *, within: Q | None = None) -> dict[str, Count]:
    """COUNT(…) FILTER (WHERE …) for each counter, of the tickets `within` when given."""
    aggregates = {}
    for name, condition in counter_filters().items():
        if name not in only:
            continue
        if within is not None:
            condition = within if condition is None else within & condition
        # the index's own key, never null: the period index that carries the conditions answers alone
        aggregates[name] = Count("registered_at", filter=condition)
    return aggregates


# The ticket fields a counter or the key reads: a write of any other field leaves the tallies alone.
COUNTED_FIELDS = frozenset({"registered_at", *COUNTED_COLUMNS})
KEY = ("month", "organization_id", "category_id", "region_id", "grid_id", "kind")
Key = tuple[date, int, int | None, int, int | None, str]
# Each tally model and the part of KEY it keeps (the same order).
GROUPINGS: dict[str, tuple[str, ...]] = {
    "TicketTally": KEY,
    "DepartmentTally": ("month", "organization_id", "category_id", "kind"),
}
Tallies = dict[tuple[Any, ...], dict[str, int]]


def _models(models: Mapping[str, Any] | None = None) -> list[tuple[Any, tuple[str, ...]]]:
    found = models or {"TicketTally": TicketTally, "DepartmentTally": DepartmentTally}
    return [(found[name], fields) for name, fields in GROUPINGS.items()]


def _project(tallies: Mapping[Key, Mapping[str, int]], fields: tuple[str, ...]) -> Tallies:
    """The tallies by the full key summed into a coarser grouping."""
    positions = [KEY.index(name) for name in fields]
    result: Tallies = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    for key, counts in tallies.items():
        into = result[tuple(key[i] for i in positions)]
        for name, value in counts.items():
            into[name] += value
    return {key: counts for key, counts in result.items() if any(counts.values())}


def _order(key: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(0 if part is None else part for part in key)


def touches_counts(fields: Iterable[str]) -> bool:
    return any(name.removesuffix("_id") in COUNTED_FIELDS for name in fields)


def month_of(moment: datetime | date) -> date:
    """The first day of the moment's month, local time (the tally's `month`)."""
    if isinstance(moment, datetime):
        moment = timezone.localtime(moment).date()
    return moment.replace(day=1)


def _snapshot(tickets: QuerySet[Any]) -> dict[int, tuple[Key, dict[str, int]]]:
    """Each ticket's key and counters (0 or 1 each), by primary key."""
    rows = tickets.values("pk", "registered_at", *KEY[1:]).annotate(**counter_flags()).order_by()
    return {
        row["pk"]: (_key(row, row["registered_at"]), {name: int(row[name]) for name in COUNTERS})
        for row in rows
    }


def _key(row: Mapping[str, Any], moment: datetime) -> Key:
    return (month_of(moment), *(row[name] for name in KEY[1:]))


Snapshot = Mapping[int, tuple[Key, dict[str, int]]]


def _difference(before: Snapshot, after: Snapshot) -> dict[Key, dict[str, int]]:
    delta: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    for sign, side in ((-1, before), (1, after)):
        for key, counts in side.values():
            for name, value in counts.items():
                delta[key][name] += sign * value
    return {key: counts for key, counts in delta.items() if any(counts.values())}


def _apply(delta: Mapping[Key, Mapping[str, int]]) -> None:
    """Add the differences to each grouping, tally by tally in the key's order (two writers never
    wait for each other crosswise)."""
    for model, fields in _models():
        projected = _project(delta, fields)
        for key in sorted(projected, key=_order):
            tally, _created = model.objects.get_or_create(**dict(zip(fields, key, strict=True)))
            model.objects.filter(pk=tally.pk).update(
                **{name: F(name) + value for name, value in projected[key].items() if value}
            )


@contextmanager
def following(tickets: QuerySet[Any]) -> Iterator[None]:
    """Around an UPDATE of `tickets`: the tallies take the rows' change, in the same transaction."""
    with transaction.atomic(using=tickets.db):
        pks = list(tickets.order_by().select_for_update().values_list("pk", flat=True))
        rows = Ticket.objects.using(tickets.db).filter(pk__in=pks)
        before = _snapshot(rows) if pks else {}
        yield
        if pks:
            _apply(_difference(before, _snapshot(rows)))


@contextmanager
def following_save(ticket: Model) -> Iterator[None]:
    """Around `Ticket.save`: an insert adds the ticket's counters, an update moves them."""
    using = ticket._state.db or "default"
    with transaction.atomic(using=using):
        existing = ticket.pk is not None and not ticket._state.adding
        before = _snapshot(Ticket.objects.using(using).filter(pk=ticket.pk)) if existing else {}
        yield
        _apply(_difference(before, _snapshot(Ticket.objects.using(using).filter(pk=ticket.pk))))


# -- rebuilding and checking -------------------------------------------------------------------------------


def recount(tickets: QuerySet[Any] | None = None) -> dict[Key, dict[str, int]]:
    """The tallies the tickets call for, computed from them (one grouped query)."""
    tickets = Ticket.objects.all() if tickets is None else tickets
    rows = (
        tickets.annotate(month=TruncMonth("registered_at"))
        .values("month", *KEY[1:])
        .annotate(**counter_aggregates())
        .order_by()
    )
    tallies: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    for row in rows:
        for name in COUNTERS:
            tallies[_key(row, row["month"])][name] += int(row[name] or 0)
    return dict(tallies)


def stored(model: Any, fields: tuple[str, ...]) -> Tallies:
    """The tallies of one grouping as stored (those with every counter at 0 left out)."""
    result = {}
    for row in model.objects.values(*fields, *COUNTERS):
        counts = {name: row[name] for name in COUNTERS}
        if any(counts.values()):
            result[tuple(row[name] for name in fields)] = counts
    return result


def differences() -> list[str]:
    """What the stored tallies get wrong, one line per key (empty: they are right)."""
    counted = recount()
    lines = []
    for model, fields in _models():
        want, have = _project(counted, fields), stored(model, fields)
        for key in sorted(set(want) | set(have), key=str):
            if want.get(key) != have.get(key):
                lines.append(f"{model._meta.verbose_name} {key}: 应为 {want.get(key)}，实为 {have.get(key)}")
    return lines


@transaction.atomic
def rebuild(tickets: QuerySet[Any] | None = None, models: Mapping[str, Any] | None = None) -> int:
    """Replace every tally by the tickets' own counts (after writes that bypassed the manager; a
    migration passes its historical models by name). Returns the number of tallies written."""
    counted = recount(tickets)
    written = 0
    for model, fields in _models(models):
        tallies = _project(counted, fields)
        model.objects.all().delete()
        model.objects.bulk_create(
            [model(**dict(zip(fields, key, strict=True)), **counts) for key, counts in tallies.items()],
            batch_size=2000,
        )
        written += len(tallies)
    return written
