"""Reads of 热线统计: the KPIs of the tickets registered in a period, in the actor's scope, and their
breakdowns, hot topics, word-cloud sample and map counts (the formulas: `hotline.statistics`).

Scope: `hotline.view_statistics` — the centre and 领导 over everything (全部), a 部门负责人 over the
tickets of their department: those it is the 主办 of and those it had a hand in (`TicketParty`), the
same shape as `tickets.visible_q` but read under the statistics permission (a 领导 holds it without
`hotline.view_ticket`). An actor who reaches every ticket gets no scope filter at all, rather than
"id in (every ticket)", which costs a semi-join over the whole table.

Cost: a fixed number of grouped queries whatever the number of tickets (6 for the page): one per
breakdown — by 主办部门, by 分类 (with the previous period's counts for the rising topics), by 区划
(the districts and the map's communities are sums of its rows) — each counting every KPI's
numerator and denominator at once with `COUNT(…) FILTER (WHERE …)`; the 12-month trend; and the
category tree and the districts' names. A repeat call is a stored flag
of the ticket (`actions.tickets.mark_repeat`), counted like any other figure.
Totals are the sum of the departments' rows: every ticket has exactly one 主办 department, and
every figure is a count.

Measured on PostgreSQL 15 with 1,000,000 tickets over 12 months (85,556 in the month shown): see
`bench/hotline.py` and docs/benchmarks.md."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from math import ceil
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Mod, Substr
from django.utils import timezone

from yiwang.core.errors import InvalidInput, PermissionDenied
from yiwang.core.models import Organization, Region
from yiwang.core.scoping import scope_q
from yiwang.hotline import statistics as formulas
from yiwang.hotline.models import Ticket, TicketCategory, TicketParty
from yiwang.hotline.permissions import VIEW_STATISTICS
from yiwang.hotline.statistics import Counts, Period, Row, Topic
from yiwang.identity.actor import Actor

FORBIDDEN_MESSAGE = "您没有查看热线统计的权限"


def can_view_statistics(actor: Actor) -> bool:
    return actor.is_system or actor.has_perm(VIEW_STATISTICS)


def statistics_q(actor: Actor) -> Q:
    """The tickets whose figures the actor may see (an empty Q: all of them)."""
    if not actor.is_authenticated and not actor.is_system:
        raise PermissionDenied("请先登录", code="unauthenticated")
    if not can_view_statistics(actor):
        raise PermissionDenied(FORBIDDEN_MESSAGE, code="hotline_forbidden")
    own = scope_q(Ticket, actor, VIEW_STATISTICS)
    if not own:
        return Q()
    parties = TicketParty.objects.for_actor(actor, VIEW_STATISTICS).values("ticket_id")
    return own | Q(pk__in=parties)


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


def repeat_calls(tickets: QuerySet[Ticket], period: Period) -> QuerySet[Ticket]:
    """The tickets of the period that are repeat calls (`formulas.REPEAT_RULE`): another
    ticket of the same number and leaf category registered in the 30 days before it, or at the same
    moment but before it. The earlier call is looked for among all tickets, unscoped: being a repeat
    call is a fact about this ticket, and only counts leave.

    The earlier call's constant bounds (30 days before the period to its end) are implied by the
    correlated ones; they let PostgreSQL answer with one hash semi-join of the period's tickets with
    those two months' instead of an index probe per ticket (5× faster on a million tickets)."""
    # scope: the earlier call is only tested for; no row of it is read out
    earlier = Ticket.objects.filter(
        Q(registered_at__gte=period.start - formulas.REPEAT_WINDOW) & Q(registered_at__lt=period.end),
        caller_phone=OuterRef("caller_phone"),
        category_id=OuterRef("category_id"),
    ).filter(
        Q(registered_at__gte=OuterRef("registered_at") - formulas.REPEAT_WINDOW)
        & Q(registered_at__lte=OuterRef("registered_at")),
        Q(registered_at__lt=OuterRef("registered_at")) | Q(pk__lt=OuterRef("pk")),
    )
    return tickets.filter(_in(period), caller_phone__gt="", category_id__isnull=False).filter(Exists(earlier))


def counter_filters() -> dict[str, Q | None]:
    """The condition of each of `formulas.COUNTERS`; None: every ticket. A repeat call is the stored
    flag (`actions.tickets.mark_repeat`, the same rule as `repeat_calls`)."""
    return {
        "total": None,
        "dispatched": Q(dispatched_at__isnull=False),
        "signed_on_time": Q(dispatched_at__isnull=False, signed_on_time=True),
        "closed": Q(closed_at__isnull=False),
        "closed_on_time": Q(closed_at__isnull=False, closed_on_time=True),
        "visited": Q(satisfaction__isnull=False),
        "resolved": Q(satisfaction__isnull=False, resolved=True),
        "satisfied": Q(satisfaction__in=formulas.SATISFIED),
        "returned": Q(returned_count__gt=0),
        "repeat": Q(is_repeat=True),
    }


PLAIN_COUNTERS = tuple(counter_filters())


def _counts(only: Iterable[str] = PLAIN_COUNTERS, *, within: Q | None = None) -> dict[str, Count]:
    """COUNT(…) FILTER (WHERE …) for each counter, of the tickets `within` when given."""
    aggregates = {}
    for name, condition in counter_filters().items():
        if name not in only:
            continue
        if within is not None:
            condition = within if condition is None else within & condition
        aggregates[name] = Count("pk", filter=condition) if condition is not None else Count("pk")
    return aggregates


def _row_counts(row: dict[str, Any]) -> Counts:
    return {key: int(row.get(key) or 0) for key in formulas.COUNTERS}


def scoped_tickets(actor: Actor, filters: Filters) -> QuerySet[Ticket]:
    """The tickets counted, the period aside: in the actor's statistics scope and the filters."""
    # scope: statistics_q: the actor's scope under hotline.view_statistics
    return Ticket.objects.filter(statistics_q(actor)).filter(filters.q()).order_by()


def _in(period: Period) -> Q:
    return Q(registered_at__gte=period.start, registered_at__lt=period.end)


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
    unmapped: int = 0  # tickets of the period registered above community level (not on the map)
    uncategorised: int = 0

    @property
    def period(self) -> Period:
        return self.filters.period

    @property
    def previous(self) -> Period:
        return self.filters.period.previous()


def statistics_for(actor: Actor, filters: Filters) -> Statistics:
    """Every figure of the page (the word cloud aside: `word_sample`), in 6 queries."""
    tickets = scoped_tickets(actor, filters)
    stats = Statistics(filters)
    _fill_departments(stats, tickets)
    _fill_categories(stats, tickets, _category_tree())
    _fill_regions(stats, tickets)
    stats.trend = _trend(tickets, filters)
    return stats


def _ordered(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda row: (-row.counts["total"], row.code))


def _fill_departments(stats: Statistics, tickets: QuerySet[Ticket]) -> None:
    """按承办部门 (the 主办 department of each ticket), and the totals as their sum."""
    rows = (
        tickets.filter(_in(stats.period))
        .values("organization_id", "organization__code", "organization__name", "organization__short_name")
        .annotate(**_counts())
        .order_by()
    )
    lines = []
    for row in rows:
        counts = _row_counts(row)
        formulas.add_counts(stats.totals, counts)
        name = row["organization__short_name"] or row["organization__name"]
        lines.append(Row(row["organization__code"], name, counts))
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


def _fill_categories(stats: Statistics, tickets: QuerySet[Ticket], tree: dict[int, _Category]) -> None:
    """按诉求分类 (leaves, and top-level categories as the sums of theirs) and the hot and rising
    topics: one query over this period and the previous one of equal length."""
    period, previous = stats.period, stats.previous
    rows = (
        tickets.filter(registered_at__gte=previous.start, registered_at__lt=period.end)
        .values("category_id")
        .annotate(**_counts(within=_in(period)), previous=Count("pk", filter=_in(previous)))
        .order_by()
    )
    leaves: dict[int | None, Counts] = {}
    topics = []
    for row in rows:
        pk = row["category_id"]
        counts = _row_counts(row)
        node = tree.get(pk) if pk is not None else None
        if counts["total"]:
            leaves[pk if node is not None else None] = counts
        if node is not None:
            parent = tree.get(node.parent_id) if node.parent_id is not None else None
            topics.append(
                Topic(node.code, node.name, parent.name if parent else "", counts["total"], row["previous"])
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


def _fill_regions(stats: Statistics, tickets: QuerySet[Ticket]) -> None:
    """按区县 (a ticket counts for the district its region lies in; 市本级 for the city itself) and the
    map's communities: one query by region, one for the regions' and the districts' names. (Grouping
    by the joined names instead makes PostgreSQL expect as many groups as tickets and sort them.)"""
    rows = list(tickets.filter(_in(stats.period)).values("region_id").annotate(**_counts()).order_by())
    regions = {
        pk: (code, name, level, path)
        for pk, code, name, level, path in Region.objects.filter(
            Q(pk__in=[row["region_id"] for row in rows]) | Q(level=Region.Level.DISTRICT)
        ).values_list("pk", "code", "name", "level", "path")
    }
    districts = sorted(
        (path, code, name) for code, name, level, path in regions.values() if level == Region.Level.DISTRICT
    )
    by_district: dict[tuple[str, str], Counts] = {}
    areas = []
    for row in rows:
        counts = _row_counts(row)
        code, name, level, path = regions.get(row["region_id"], ("", "", "", ""))
        district = next(((c, n) for prefix, c, n in districts if path.startswith(prefix)), ("", "市本级"))
        formulas.add_counts(by_district.setdefault(district, formulas.empty_counts()), counts)
        areas.append((code, name, level, counts["total"]))
    stats.districts = _ordered(
        [
            Row(code, name, counts, level=Region.Level.DISTRICT if code else "")
            for (code, name), counts in by_district.items()
        ]
    )
    stats.map_areas, stats.unmapped = _map_areas(areas)


TREND_COUNTERS = ("total", "closed", "closed_on_time", "visited", "satisfied")


def _trend(tickets: QuerySet[Ticket], filters: Filters) -> list[TrendPoint]:
    """Tickets, 按时办结率 and 满意率 of each of the 12 months up to the period's last month.

    One query: a UNION ALL of one aggregate per month. Each part is a range scan of
    `hotline_ticket_period_idx` with no sort (PostgreSQL runs them as a parallel append); grouping
    by the truncated month instead makes it expect as many months as tickets and sort the whole
    year, three times slower on a million tickets. Nothing is cached: a past month still moves with
    late closures and call-backs, and a cache key would have to carry the actor's whole scope."""
    months = filters.period.trend_months()
    parts = [
        tickets.filter(
            registered_at__gte=_local_midnight(first),
            registered_at__lt=_local_midnight(_next_month(first)),
        )
        .annotate(month=Value(f"{first:%Y-%m}"))
        .values("month")
        .annotate(**_counts(TREND_COUNTERS))
        .order_by()
        for first in months
    ]
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    fresh = {row["month"]: _row_counts(row) for row in rows}
    points = []
    for first in months:
        counts = fresh.get(f"{first:%Y-%m}", formulas.empty_counts())
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
# Tickets are placed by their region, on the communities' outlines. When tickets carry a grid (网格),
# `map_outlines` becomes `geography.grid_geojson(within=…)` and `_map_areas` a count by grid code (a
# grid column in `_fill_regions`' query): these two are the only places that know the map's areas.


def _map_areas(regions: list[tuple[str, str, str, int]]) -> tuple[list[MapArea], int]:
    """The map's areas from the period's (code, name, level, tickets) by region: the communities, and
    the tickets registered higher up (street, district, city), which the map cannot place."""
    areas = [
        MapArea(code, name, total) for code, name, level, total in regions if level == Region.Level.COMMUNITY
    ]
    unmapped = sum(total for _code, _name, level, total in regions if level != Region.Level.COMMUNITY)
    return sorted(areas, key=lambda a: (-a.total, a.code)), unmapped


def map_outlines(filters: Filters) -> dict[str, Any]:
    """The GeoJSON of the map's areas (the communities of the chosen district, else of the city)."""
    from yiwang.core.geography import region_geojson

    return region_geojson(Region.Level.COMMUNITY, within=filters.region)
