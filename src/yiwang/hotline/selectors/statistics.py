"""Reads of 热线统计: the KPIs of the tickets registered in a period, in the actor's scope, and their
breakdowns, hot topics, word-cloud sample and map counts (the formulas: `hotline.statistics`).

Scope: `hotline.view_statistics` — the centre and 领导 over everything (全部), a 部门负责人 over the
tickets of their department: those it is the 主办 of and those it had a hand in (`TicketParty`), the
same shape as `tickets.visible_q` but read under the statistics permission (a 领导 holds it without
`hotline.view_ticket`). `statistics_scope` splits it into a filter on the ticket's own fields and the
party tickets beyond it.

Source (decision 0015): whole months are sums of the monthly tallies (`hotline.tallies`) — by
department where the page needs no region, by region and grid where it does; the days around them
and a 负责人's party tickets are counted from the tickets. A fixed number of queries whatever the
number of tickets: 8 for a month seen over everything (9 once tickets have grids), one more per
breakdown for each partial month at the ends of the period, and one more per breakdown and for the
trend for a 负责人's party tickets. A repeat call is a stored flag of the ticket (`actions.tickets.mark_repeat`),
counted like any other figure. Totals are the sum of the departments' rows: every ticket has exactly
one 主办 department, and every figure is a count.

Measured on PostgreSQL 15 with 1,000,000 tickets over 12 months: see `bench/hotline.py` and
docs/benchmarks.md."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from math import ceil
from typing import Any

from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import Mod, Substr, TruncMonth
from django.utils import timezone

from yiwang.core.errors import InvalidInput, PermissionDenied
from yiwang.core.models import Grid, Organization, Region
from yiwang.core.scoping import scope_q
from yiwang.hotline import statistics as formulas
from yiwang.hotline.models import (
    NOT_CURRENT_LEAD,
    DepartmentTally,
    Ticket,
    TicketCategory,
    TicketParty,
    TicketTally,
)
from yiwang.hotline.permissions import VIEW_STATISTICS
from yiwang.hotline.statistics import Counts, Period, Row, Topic
from yiwang.hotline.tallies import (
    PLAIN_COUNTERS,
    counter_aggregates,
    month_of,
)
from yiwang.identity.actor import Actor
from yiwang.identity.models import DataScope

FORBIDDEN_MESSAGE = "您没有查看热线统计的权限"


def can_view_statistics(actor: Actor) -> bool:
    return actor.is_system or actor.has_perm(VIEW_STATISTICS)


@dataclass(frozen=True)
class Scope:
    """The tickets whose figures an actor may see, as two disjoint parts. `own`: the data scope, a
    filter that reads the same on tickets and on tallies (`Ticket` and `TicketTally` share their
    field names; an empty Q: every ticket). `parties`: the ids of tickets the actor's departments had
    a hand in (`TicketParty`), counted only where `own` does not already reach."""

    own: Q
    parties: QuerySet[TicketParty] | None = None
    regional: bool = False  # `own` reads the ticket's region (a 本区划 grant)

    def tickets(self) -> Q:
        return self.own if self.parties is None else self.own | Q(pk__in=self.parties)


# Scopes over departments only: a ticket their current 主办 party reaches is in `own` already.
DEPARTMENT_SCOPES = frozenset({DataScope.SELF, DataScope.DEPARTMENT, DataScope.DEPARTMENT_TREE})


def statistics_scope(actor: Actor) -> Scope:
    """The data scope over the ticket's 主办 and region, and every ticket a department the actor's
    scope reaches had a hand in. When the scope is over departments only, the lead parties not
    returned are left out of `parties`: such a party is the ticket's current 主办 (`actions.tickets`
    keeps it so: dispatch from 待派单/已退单 only, 退单 marks the party; the test city checks it), so
    `own` reaches its ticket already — and only 协办 and returned 主办 parties, a few per cent, are
    looked up ticket by ticket."""
    if not actor.is_authenticated and not actor.is_system:
        raise PermissionDenied("请先登录", code="unauthenticated")
    if not can_view_statistics(actor):
        raise PermissionDenied(FORBIDDEN_MESSAGE, code="hotline_forbidden")
    own = scope_q(Ticket, actor, VIEW_STATISTICS)
    if not own:
        return Scope(Q())
    parties = TicketParty.objects.for_actor(actor, VIEW_STATISTICS)
    if all(grant.scope in DEPARTMENT_SCOPES for grant in actor.grants_for(VIEW_STATISTICS)):
        return Scope(own, parties.filter(NOT_CURRENT_LEAD).values("ticket_id"))
    return Scope(own, parties.values("ticket_id"), regional=True)


def statistics_q(actor: Actor) -> Q:
    """The tickets whose figures the actor may see (an empty Q: all of them)."""
    return statistics_scope(actor).tickets()


# -- filters ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    period: Period
    organization: Organization | None = None  # the 主办 department and those below it
    category: TicketCategory | None = None  # a category and its leaves
    region: Region | None = None  # a district and everything in it
    kind: str = ""

    def q(self) -> Q:
        """The filter on tickets, the period aside."""
        q = Q()
        if self.organization is not None:
            q &= Q(organization__path__startswith=self.organization.path)
        if self.category is not None:
            q &= (
                Q(category_id=self.category.pk)
                if self.category.is_leaf
                else Q(category__path__startswith=self.category.path)
            )
        if self.region is not None:
            q &= Q(region__path__startswith=self.region.path)
        if self.kind:
            q &= Q(kind=self.kind)
        return q

    @property
    def narrowed(self) -> bool:
        return any((self.organization, self.category, self.region, self.kind))


def filters_of(
    *,
    month: str = "",
    date_from: str = "",
    date_to: str = "",
    organization: str = "",
    category: str = "",
    region: str = "",
    kind: str = "",
    today: Any = None,
) -> Filters:
    """Filters from the page's query parameters (department by id, category by code, district by its
    region code); InvalidInput in Chinese for anything that is not what the form offers."""
    period = formulas.period_of(month=month, date_from=date_from, date_to=date_to, today=today)
    org = cat = reg = None
    organization, category, region, kind = (v.strip() for v in (organization, category, region, kind))
    if organization:
        # scope: a department of the public directory; the figures stay within the actor's scope
        valid = organization.isdigit() and len(organization) <= 18  # a bigint
        org = Organization.objects.filter(pk=int(organization)).first() if valid else None
        if org is None:
            raise InvalidInput("所选部门不存在", code="hotline_organization_not_found")
    if category:
        cat = TicketCategory.objects.filter(code=category[:80]).first()
        if cat is None:
            raise InvalidInput("所选诉求分类不存在", code="hotline_category_not_found")
    if region:
        reg = Region.objects.filter(code=region[:12], level=Region.Level.DISTRICT).first()
        if reg is None:
            raise InvalidInput("所选区县不存在", code="hotline_region_not_found")
    if kind and kind not in Ticket.Kind.values:
        raise InvalidInput("所选诉求类型不存在", code="hotline_kind_invalid")
    return Filters(period, org, cat, reg, kind)


@dataclass(frozen=True)
class FilterChoices:
    departments: list[Organization]
    categories: list[TicketCategory]  # top-level categories with their leaves after each
    districts: list[Region]
    kinds: list[tuple[str, str]]


def filter_choices() -> FilterChoices:
    """What the filter form offers (three small lookups; the figures are scoped, the lists are the
    public directories)."""
    from yiwang.hotline.selectors.catalog import handling_organizations

    return FilterChoices(
        departments=list(handling_organizations()[:300]),
        categories=list(TicketCategory.objects.filter(is_active=True).order_by("path", "sort_order")),
        districts=list(Region.objects.filter(level=Region.Level.DISTRICT).order_by("code")),
        kinds=[(str(value), str(label)) for value, label in Ticket.Kind.choices],
    )


# -- counting -----------------------------------------------------------------------------------------


def _row_counts(row: dict[str, Any]) -> Counts:
    return {key: int(row.get(key) or 0) for key in formulas.COUNTERS}


def scoped_tickets(actor: Actor, filters: Filters) -> QuerySet[Ticket]:
    """The tickets counted, the period aside: in the actor's statistics scope and the filters."""
    # scope: statistics_q: the actor's scope under hotline.view_statistics
    return Ticket.objects.filter(statistics_q(actor)).filter(filters.q()).order_by()


def _in(period: Period) -> Q:
    return Q(registered_at__gte=period.start, registered_at__lt=period.end)


def _split(period: Period) -> tuple[tuple[date, date] | None, list[Period]]:
    """The period as its whole calendar months (first and last month's 1st; None: none) and the
    days before and after them."""
    after = period.last + timedelta(days=1)
    first_whole = period.first if period.first.day == 1 else _next_month(period.first.replace(day=1))
    end_whole = after.replace(day=1)
    if first_whole >= end_whole:
        return None, [period]
    edges = []
    if period.first < first_whole:
        edges.append(Period(period.first, first_whole - timedelta(days=1)))
    if end_whole < after:
        edges.append(Period(end_whole, period.last))
    last_whole = (end_whole - timedelta(days=1)).replace(day=1)
    return (first_whole, last_whole), edges


Grouped = dict[tuple[Any, ...], Counts]
DEPARTMENT_FIELDS = frozenset({"month", "organization_id", "category_id", "kind"})


def _tallies(scope: Scope, filters: Filters, by: tuple[str, ...]) -> QuerySet[Any]:
    """The tallies to sum: by department (a few thousand rows a month) unless the grouping, the
    district filter or a 本区划 scope needs the region — then by region and grid."""
    if set(by) <= DEPARTMENT_FIELDS and filters.region is None and not scope.regional:
        # scope: read with `scope.own`, over departments only here
        return DepartmentTally.objects.all()
    # scope: read with `scope.own`
    return TicketTally.objects.all()


def _grouped(
    scope: Scope, filters: Filters, period: Period, by: tuple[str, ...], only: Iterable[str] = PLAIN_COUNTERS
) -> Grouped:
    """The counters of the tickets registered in `period`, in the scope and the filters, grouped by
    the fields `by` (read alike on tickets and tallies). Whole months are summed from the tallies;
    the days around them, and the tickets reached only through `scope.parties`, are counted from the
    tickets: at most four grouped queries, none of them over more than two partial months."""
    only = tuple(only)
    months, edges = _split(period)
    parts: list[Iterable[dict[str, Any]]] = []
    if months is not None:
        # scope: the actor's data scope (`statistics_scope`), the same filter as on the tickets
        tallies = _tallies(scope, filters, by).filter(
            scope.own, filters.q(), month__gte=months[0], month__lte=months[1]
        )
        parts.append(tallies.values(*by).annotate(**{name: Sum(name) for name in only}).order_by())
    for edge in edges:  # one query each: a range the period index answers alone (an OR of two is not)
        # scope: the actor's data scope (`statistics_scope`)
        tickets = Ticket.objects.filter(scope.own, filters.q(), _in(edge))
        parts.append(tickets.values(*by).annotate(**counter_aggregates(only)).order_by())
    if scope.parties is not None:
        # scope: tickets the actor's departments had a hand in, beyond their data scope
        extra = (
            Ticket.objects.filter(pk__in=scope.parties).exclude(scope.own).filter(filters.q(), _in(period))
        )
        parts.append(extra.values(*by).annotate(**counter_aggregates(only)).order_by())
    result: Grouped = {}
    for rows in parts:
        for row in rows:
            counts = result.setdefault(tuple(row[name] for name in by), formulas.empty_counts())
            formulas.add_counts(counts, {name: int(row[name] or 0) for name in only})
    return result


# -- the page -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    month: str  # "2026-11"
    total: int
    closed_on_time_rate: float | None
    satisfaction_rate: float | None


@dataclass(frozen=True)
class MapArea:
    code: str
    name: str
    total: int


@dataclass
class Statistics:
    filters: Filters
    totals: Counts = field(default_factory=formulas.empty_counts)
    departments: list[Row] = field(default_factory=list)
    top_categories: list[Row] = field(default_factory=list)
    leaf_categories: list[Row] = field(default_factory=list)
    districts: list[Row] = field(default_factory=list)
    trend: list[TrendPoint] = field(default_factory=list)
    hot: list[Topic] = field(default_factory=list)
    rising: list[Topic] = field(default_factory=list)
    map_areas: list[MapArea] = field(default_factory=list)
    unmapped: int = 0  # tickets of the period with no grid (not on the map)
    uncategorised: int = 0

    @property
    def period(self) -> Period:
        return self.filters.period

    @property
    def previous(self) -> Period:
        return self.filters.period.previous()


def statistics_for(actor: Actor, filters: Filters) -> Statistics:
    """Every figure of the page (the word cloud aside: `word_sample`): about 7 queries for a period of
    whole months, at most 3 more per breakdown for partial months and the 部门负责人's 协办 tickets."""
    scope = statistics_scope(actor)
    stats = Statistics(filters)
    _fill_departments(stats, scope)
    _fill_categories(stats, scope, _category_tree())
    _fill_regions(stats, scope)
    stats.trend = _trend(scope, filters)
    return stats


def _ordered(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda row: (-row.counts["total"], row.code))


def _fill_departments(stats: Statistics, scope: Scope) -> None:
    """按承办部门 (the 主办 department of each ticket), and the totals as their sum."""
    rows = _grouped(scope, stats.filters, stats.period, ("organization_id",))
    names = {
        pk: (code, short_name or name)
        for pk, code, name, short_name in Organization.objects.filter(
            pk__in=[key[0] for key in rows]
        ).values_list("pk", "code", "name", "short_name")
    }
    lines = []
    for (pk,), counts in rows.items():
        formulas.add_counts(stats.totals, counts)
        lines.append(Row(*names.get(pk, ("", "")), counts))
    stats.departments = _ordered(lines)


@dataclass(frozen=True)
class _Category:
    pk: int
    code: str
    name: str
    parent_id: int | None
    top_id: int  # the top-level ancestor (itself for a top-level category)


def _category_tree() -> dict[int, _Category]:
    rows = list(TicketCategory.objects.values_list("pk", "code", "name", "parent_id", "path"))
    result = {}
    for pk, code, name, parent_id, path in rows:
        parts = [int(part) for part in path.strip("/").split("/") if part.isdigit()]
        result[pk] = _Category(pk, code, name, parent_id, parts[0] if parts else pk)
    return result


UNCATEGORISED = ("", "未分类")


def _fill_categories(stats: Statistics, scope: Scope, tree: dict[int, _Category]) -> None:
    """按诉求分类 (leaves, and top-level categories as the sums of theirs) and the hot and rising
    topics (this period's tickets against the previous period's of equal length)."""
    rows = _grouped(scope, stats.filters, stats.period, ("category_id",))
    before = _grouped(scope, stats.filters, stats.previous, ("category_id",), only=("total",))
    leaves: dict[int | None, Counts] = {}
    topics = []
    for key in rows.keys() | before.keys():
        pk = key[0]
        counts = rows.get(key, formulas.empty_counts())
        node = tree.get(pk) if pk is not None else None
        if counts["total"]:
            leaves[pk if node is not None else None] = counts
        if node is not None:
            parent = tree.get(node.parent_id) if node.parent_id is not None else None
            previous = before.get(key, {}).get("total", 0)
            topics.append(
                Topic(node.code, node.name, parent.name if parent else "", counts["total"], previous)
            )
    stats.hot = formulas.hot_topics(topics)
    stats.rising = formulas.rising_topics(topics)
    tops: dict[int | None, Counts] = {}
    for pk, counts in leaves.items():
        top = tree[pk].top_id if pk is not None else None
        formulas.add_counts(tops.setdefault(top, formulas.empty_counts()), counts)
    stats.uncategorised = leaves.get(None, {}).get("total", 0)

    def line(pk: int | None, counts: Counts, level: str) -> Row:
        node = tree.get(pk) if pk is not None else None
        if node is None:
            return Row(*UNCATEGORISED, counts, level=level)
        top = tree.get(node.top_id)
        return Row(
            node.code, node.name, counts, level=level, parent=top.code if top and level == "leaf" else ""
        )

    stats.top_categories = _ordered([line(pk, counts, "top") for pk, counts in tops.items()])
    stats.leaf_categories = _ordered(
        [line(pk, counts, "leaf") for pk, counts in leaves.items() if pk is not None]
    )


def _fill_regions(stats: Statistics, scope: Scope) -> None:
    """按区县 (a ticket counts for the district its region lies in; 市本级 for the city itself) and the
    map's grids: the counts by region and grid, then one query each for the regions' and the grids'
    names."""
    rows = _grouped(scope, stats.filters, stats.period, ("region_id", "grid_id"))
    regions = {
        pk: (code, name, level, path)
        for pk, code, name, level, path in Region.objects.filter(
            Q(pk__in={key[0] for key in rows}) | Q(level=Region.Level.DISTRICT)
        ).values_list("pk", "code", "name", "level", "path")
    }
    districts = sorted(
        (path, code, name) for code, name, level, path in regions.values() if level == Region.Level.DISTRICT
    )
    by_district: dict[tuple[str, str], Counts] = {}
    by_grid: dict[int | None, int] = {}
    for (region_pk, grid_pk), counts in rows.items():
        _code, _name, _level, path = regions.get(region_pk, ("", "", "", ""))
        district = next(((c, n) for prefix, c, n in districts if path.startswith(prefix)), ("", "市本级"))
        formulas.add_counts(by_district.setdefault(district, formulas.empty_counts()), counts)
        by_grid[grid_pk] = by_grid.get(grid_pk, 0) + counts["total"]
    stats.districts = _ordered(
        [
            Row(code, name, counts, level=Region.Level.DISTRICT if code else "")
            for (code, name), counts in by_district.items()
        ]
    )
    stats.map_areas, stats.unmapped = _map_areas(by_grid)


TREND_COUNTERS = ("total", "closed", "closed_on_time", "visited", "satisfied")


def _trend(scope: Scope, filters: Filters) -> list[TrendPoint]:
    """Tickets, 按时办结率 and 满意率 of each of the 12 months up to the period's last month: the
    months' tallies, plus the tickets reached only through `scope.parties` (counted by month)."""
    months = filters.period.trend_months()
    fresh: dict[date, Counts] = {}
    # scope: the actor's data scope (`statistics_scope`), the same filter as on the tickets
    tallies = _tallies(scope, filters, ("month",)).filter(
        scope.own, filters.q(), month__gte=months[0], month__lte=months[-1]
    )
    for row in tallies.values("month").annotate(**{name: Sum(name) for name in TREND_COUNTERS}).order_by():
        formulas.add_counts(fresh.setdefault(row["month"], formulas.empty_counts()), _row_counts(row))
    if scope.parties is not None:
        span = Period(months[0], _next_month(months[-1]) - timedelta(days=1))
        # scope: tickets the actor's departments had a hand in, beyond their data scope
        extra = Ticket.objects.filter(pk__in=scope.parties).exclude(scope.own).filter(filters.q(), _in(span))
        by_month = extra.annotate(month=TruncMonth("registered_at")).values("month")
        for row in by_month.annotate(**counter_aggregates(TREND_COUNTERS)).order_by():
            formulas.add_counts(
                fresh.setdefault(month_of(row["month"]), formulas.empty_counts()), _row_counts(row)
            )
    points = []
    for first in months:
        counts = fresh.get(first, formulas.empty_counts())
        points.append(
            TrendPoint(
                f"{first:%Y-%m}",
                counts["total"],
                formulas.ratio(counts["closed_on_time"], counts["closed"]),
                formulas.ratio(counts["satisfied"], counts["visited"]),
            )
        )
    return points


def _next_month(first: date) -> date:
    return date(first.year + 1, 1, 1) if first.month == 12 else date(first.year, first.month + 1, 1)


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# -- the word cloud -----------------------------------------------------------------------------------


def word_sample(actor: Actor, filters: Filters) -> list[str]:
    """The texts of at most `WORD_SAMPLE` tickets of the period, spread evenly over it: every k-th id,
    k = ⌈tickets ÷ WORD_SAMPLE⌉ (ids follow registration, so the sample covers the whole period, and
    the same filters give the same sample). Two queries: the count, the sample."""
    tickets = scoped_tickets(actor, filters).filter(_in(filters.period))
    count = tickets.count()
    if not count:
        return []
    stride = max(1, ceil(count / formulas.WORD_SAMPLE))
    sample = tickets.annotate(bucket=Mod(F("pk"), stride)).filter(bucket=0) if stride > 1 else tickets
    rows = sample.annotate(head=Substr("content", 1, formulas.WORD_TEXT_CHARS)).values_list("title", "head")[
        : formulas.WORD_SAMPLE
    ]
    return [formulas.ticket_text(title, head) for title, head in rows]


def hot_words(actor: Actor, filters: Filters) -> list[tuple[str, float]]:
    """The word cloud: the sample's words, the 派单目录's names and keywords kept whole."""
    texts = word_sample(actor, filters)
    if not texts:
        return []
    vocabulary: set[str] = set()
    for name, keywords in TicketCategory.objects.filter(is_active=True).values_list("name", "keywords"):
        vocabulary.add(name)
        vocabulary.update(k for k in keywords or () if isinstance(k, str))
    return formulas.hot_words(texts, vocabulary=vocabulary)


# -- the map ------------------------------------------------------------------------------------------
# Tickets are placed by their grid (网格), located from the point of the matter at intake; a ticket
# with only an address has none and is counted beside the map.


def _map_areas(by_grid: dict[int | None, int]) -> tuple[list[MapArea], int]:
    """The map's areas from the period's tickets by grid id, and the tickets with no grid."""
    names = dict(
        (pk, (code, name))
        for pk, code, name in Grid.objects.filter(
            pk__in=[pk for pk in by_grid if pk is not None]
        ).values_list("pk", "code", "name")
    )
    areas = [MapArea(*names[pk], total) for pk, total in by_grid.items() if pk in names and total]
    unmapped = sum(total for pk, total in by_grid.items() if pk not in names)
    return sorted(areas, key=lambda a: (-a.total, a.code)), unmapped


def map_outlines(filters: Filters) -> dict[str, Any]:
    """The GeoJSON of the map's areas (the grids of the chosen district, else of the city)."""
    from yiwang.core.geography import grid_geojson

    return grid_geojson(within=filters.region)
