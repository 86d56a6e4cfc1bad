"""热线统计: each KPI's numerator and denominator on a hand-computed set of tickets, the repeat-call rule
at its 30-day edge (and against its Python twin), hot and rising topics, the data scope, the page,
the word cloud, the map and the exports."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta
from itertools import count

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from yiwang.core.errors import InvalidInput, PermissionDenied
from yiwang.core.models import Grid, Region
from yiwang.core.tests.factories import RegionFactory
from yiwang.demo.hotline_history import _mark_repeats
from yiwang.hotline import statistics as formulas
from yiwang.hotline.actions.tickets import mark_repeat, ticket_register
from yiwang.hotline.models import Ticket, TicketParty
from yiwang.hotline.selectors import statistics as selectors
from yiwang.identity.actor import Actor
from yiwang.identity.models import DataScope
from yiwang.web.navigation import navigation_for
from yiwang.workflow.tests.factories import at, staff

pytestmark = pytest.mark.django_db


NOVEMBER = "2026-11"
_numbers = count(1)


def ticket(
    city,
    when: str,
    *,
    org: str = "urban",
    category: str | None = "vending",
    region: str = "east",
    phone: str = "",
    title: str = "路边占道经营",
    content: str = "小区门口有人占道经营摆摊",
    **fields,
) -> Ticket:
    """A ticket row with exact field values (the KPIs read these fields, not the status)."""
    number = next(_numbers)
    made = Ticket.objects.create(
        ticket_no=f"12345TEST{number:08d}",
        kind=fields.pop("kind", Ticket.Kind.COMPLAINT),
        title=title,
        content=content,
        caller_phone=phone,
        region=city.regions[region] if isinstance(region, str) else region,
        category=city.categories[category] if category else None,
        organization=city.orgs[org],
        registered_at=at(when),
        **fields,
    )
    mark_repeat(made)  # as 受理 and 派单 do
    return made


def dispatched(when: str, *, signed_on_time: bool | None) -> dict:
    moment = at(when)
    return {
        "dispatched_at": moment + timedelta(minutes=10),
        "sign_due_at": moment + timedelta(hours=2, minutes=10),
        "signed_on_time": signed_on_time,
    }


def closed(when: str, *, on_time: bool) -> dict:
    return {"closed_at": at(when), "closed_on_time": on_time}


def visited(satisfaction: str, *, resolved: bool) -> dict:
    return {"satisfaction": satisfaction, "resolved": resolved}


@pytest.fixture
def november(hotline_city):
    """Five tickets registered in November 2026, one in October (the earlier call of a repeat):

    t1 城管 占道经营: dispatched, signed on time, closed on time, 非常满意 and solved;
    t2 城管 占道经营: signed late, closed late, 不满意 and unsolved, returned twice;
    t3 生态环境 施工噪声: signed on time, returned once, still being handled;
    t4 人社 拖欠工资: registered, not yet dispatched;
    t5 城管 占道经营: t1's number 10 days later (a repeat call), signed and closed on time, 基本满意, solved.
    """
    city = hotline_city
    phone = "13912345678"
    t1 = ticket(
        city,
        "2026-11-02 09:00",
        phone=phone,
        **dispatched("2026-11-02 09:00", signed_on_time=True),
        **closed("2026-11-05 10:00", on_time=True),
        **visited("very_satisfied", resolved=True),
    )
    t2 = ticket(
        city,
        "2026-11-03 09:00",
        phone="13900000002",
        **dispatched("2026-11-03 09:00", signed_on_time=False),
        **closed("2026-11-20 10:00", on_time=False),
        **visited("dissatisfied", resolved=False),
        returned_count=2,
    )
    t3 = ticket(
        city,
        "2026-11-04 09:00",
        org="eco",
        category="construction",
        phone="13900000003",
        title="工地夜间施工噪声",
        content="工地夜里施工噪声很大",
        returned_count=1,
        **dispatched("2026-11-04 09:00", signed_on_time=True),
    )
    t4 = ticket(
        city,
        "2026-11-05 09:00",
        org="hrss",
        category="wages",
        region="west",
        phone="13900000004",
        title="拖欠工资",
        content="公司拖欠工资三个月",
        status=Ticket.Status.REGISTERED,
    )
    t5 = ticket(
        city,
        "2026-11-12 09:00",
        phone=phone,
        **dispatched("2026-11-12 09:00", signed_on_time=True),
        **closed("2026-11-14 10:00", on_time=True),
        **visited("basically_satisfied", resolved=True),
    )
    october = ticket(city, "2026-10-20 09:00", phone="13900000009", org="urban")
    return {"t1": t1, "t2": t2, "t3": t3, "t4": t4, "t5": t5, "october": october}


def novembers_figures(actor: Actor) -> selectors.Statistics:
    return selectors.statistics_for(actor, selectors.filters_of(month=NOVEMBER))


def kpis(counts) -> dict[str, tuple[int, int, float | None]]:
    return {v.kpi.code: (v.numerator, v.denominator, v.value) for v in formulas.kpi_values(counts)}


# -- the KPIs ---------------------------------------------------------------------------------------


def test_each_kpi_is_its_numerator_over_its_denominator(hotline_city, november):
    stats = novembers_figures(hotline_city.actor("dispatcher"))

    assert stats.totals == {
        "total": 5,
        "dispatched": 4,
        "signed_on_time": 3,
        "closed": 3,
        "closed_on_time": 2,
        "visited": 3,
        "resolved": 2,
        "satisfied": 2,
        "returned": 2,
        "repeat": 1,
    }
    assert kpis(stats.totals) == {
        "response": (3, 4, 0.75),
        "closed_on_time": (2, 3, 0.6667),
        "resolution": (2, 3, 0.6667),
        "satisfaction": (2, 3, 0.6667),
        "return": (2, 4, 0.5),
        "repeat": (1, 5, 0.2),
    }


def test_the_breakdowns_split_the_same_counts(hotline_city, november):
    stats = novembers_figures(hotline_city.actor("dispatcher"))

    departments = {row.name: row.counts for row in stats.departments}
    assert list(departments) == ["市城管局", "市生态环境局", "市人社局"]  # busiest first, then by code
    assert kpis(departments["市城管局"]) == {
        "response": (2, 3, 0.6667),
        "closed_on_time": (2, 3, 0.6667),
        "resolution": (2, 3, 0.6667),
        "satisfaction": (2, 3, 0.6667),
        "return": (1, 3, 0.3333),
        "repeat": (1, 3, 0.3333),
    }
    assert departments["市人社局"]["dispatched"] == 0
    assert kpis(departments["市人社局"])["response"] == (0, 0, None)
    assert [(r.code, r.counts["total"]) for r in stats.top_categories] == [
        ("appearance", 3),
        ("environment", 1),
        ("labour", 1),
    ]
    assert [(r.code, r.parent, r.counts["total"]) for r in stats.leaf_categories] == [
        ("appearance.street_vending", "appearance", 3),
        ("environment.construction_noise", "environment", 1),
        ("labour.unpaid_wages", "labour", 1),
    ]
    assert [(r.code, r.name, r.counts["total"]) for r in stats.districts] == [
        ("329902", "东湖区", 4),
        ("329903", "西山区", 1),
    ]
    for rows in (stats.departments, stats.top_categories, stats.leaf_categories, stats.districts):
        summed = formulas.empty_counts()
        for row in rows:
            formulas.add_counts(summed, row.counts)
        assert summed == stats.totals


def test_the_trend_covers_twelve_months_with_two_rates(hotline_city, november):
    stats = novembers_figures(hotline_city.actor("dispatcher"))

    assert [p.month for p in stats.trend] == ["2025-12", *(f"2026-{m:02d}" for m in range(1, 12))]
    assert stats.trend[-1] == selectors.TrendPoint("2026-11", 5, 0.6667, 0.6667)
    assert stats.trend[-2] == selectors.TrendPoint("2026-10", 1, None, None)
    assert stats.trend[0] == selectors.TrendPoint("2025-12", 0, None, None)


def test_filters_narrow_every_figure(hotline_city, november):
    actor = hotline_city.actor("dispatcher")

    def total(**filters) -> int:
        return selectors.statistics_for(actor, selectors.filters_of(month=NOVEMBER, **filters)).totals[
            "total"
        ]

    assert total(category="appearance") == 3  # a top-level category: its leaves
    assert total(category="environment.construction_noise") == 1
    assert total(region="329903") == 1
    assert total(organization=str(hotline_city.orgs["urban"].pk)) == 3
    assert total(kind="complaint") == 5
    assert total(kind="consult") == 0
    days = selectors.statistics_for(actor, selectors.filters_of(date_from="2026-11-03", date_to="2026-11-04"))
    assert days.totals["total"] == 2


@pytest.mark.parametrize(
    ("filters", "code"),
    [
        ({"month": "2026-13"}, "hotline_period_invalid"),
        ({"date_from": "2026-02-30"}, "hotline_period_invalid"),
        ({"date_from": "2023-01-01", "date_to": "2026-01-01"}, "hotline_period_too_long"),
        ({"category": "no-such"}, "hotline_category_not_found"),
        ({"region": "329902001"}, "hotline_region_not_found"),  # a street, not a district
        ({"organization": "abc"}, "hotline_organization_not_found"),
        ({"organization": "9" * 40}, "hotline_organization_not_found"),
        ({"kind": "rumour"}, "hotline_kind_invalid"),
    ],
)
def test_bad_filters_are_refused_in_chinese(hotline_city, filters, code):
    with pytest.raises(InvalidInput) as error:
        selectors.filters_of(**filters)
    assert error.value.code == code


# -- the repeat-call rule -----------------------------------------------------------------------------


def repeat_ids() -> set[int]:
    """The tickets stored as repeat calls (`mark_repeat`, as 受理 and 派单 leave them)."""
    return set(Ticket.objects.filter(is_repeat=True).values_list("pk", flat=True))


def test_a_repeat_call_is_the_same_number_and_category_within_thirty_days(hotline_city):
    city = hotline_city
    phone = "13911112222"
    ticket(city, "2026-10-02 10:00", phone=phone)  # before the period, still counts as the earlier call
    edge = ticket(city, "2026-11-01 10:00", phone=phone)  # exactly 30 days later: a repeat
    late = ticket(city, "2026-12-01 10:00:01", phone=phone)  # 30 days and a second after `edge`
    other_category = ticket(city, "2026-11-02 10:00", phone=phone, category="construction", org="eco")
    no_category = ticket(city, "2026-11-03 10:00", phone=phone, category=None)
    no_category_again = ticket(city, "2026-11-04 10:00", phone=phone, category=None)
    no_phone = ticket(city, "2026-11-05 10:00")
    no_phone_again = ticket(city, "2026-11-06 10:00")
    first_of_two = ticket(city, "2026-11-07 10:00", phone="13933334444")
    same_moment = ticket(city, "2026-11-07 10:00", phone="13933334444")

    repeats = repeat_ids()

    assert edge.pk in repeats
    assert same_moment.pk in repeats and first_of_two.pk not in repeats  # the later registered of a tie
    for not_repeat in (late, other_category, no_category, no_category_again, no_phone, no_phone_again):
        assert not_repeat.pk not in repeats
    assert repeats == {edge.pk, same_moment.pk}
    november = selectors.statistics_for(city.actor("dispatcher"), selectors.filters_of(month=NOVEMBER))
    assert november.totals["repeat"] == 2
    assert november.totals["total"] == 8


def test_the_repeat_rule_in_sql_agrees_with_its_python_twin(hotline_city):
    rng = random.Random(20261207)
    city = hotline_city
    start = at("2026-09-01 08:00")
    made = []
    # Calls are registered in time order (the stored flag is decided at registration).
    moments = sorted(
        start + timedelta(hours=rng.randrange(0, 24 * 90), minutes=rng.choice((0, 0, 30))) for _ in range(120)
    )
    for moment in moments:
        made.append(
            ticket(
                city,
                moment.strftime("%Y-%m-%d %H:%M"),
                phone=rng.choice(["", "13900000001", "13900000002", "13900000003"]),
                category=rng.choice([None, "vending", "construction"]),
            )
        )
    calls = [formulas.Call(t.pk, t.caller_phone, t.category_id, t.registered_at) for t in made]

    in_sql = repeat_ids()
    assert in_sql == formulas.repeat_call_keys(calls)
    assert 10 < len(in_sql) < 110  # the data exercises both outcomes
    # The demo's bulk writer marks all of them at once with the same rule.
    Ticket.objects.update(is_repeat=False)
    _mark_repeats([t.pk for t in made])
    assert repeat_ids() == in_sql


# -- hot and rising topics ------------------------------------------------------------------------------


def test_rising_topics_compare_with_the_previous_period_of_equal_length(hotline_city, november):
    city = hotline_city
    # November has 30 days: the previous period is 2 to 31 October.
    ticket(city, "2026-10-01 12:00", category="construction", org="eco")  # before the previous period
    ticket(city, "2026-10-02 00:00", category="wages", org="hrss")
    ticket(city, "2026-10-31 23:59", category="wages", org="hrss")
    ticket(city, "2026-10-15 12:00", category="wages", org="hrss")

    stats = novembers_figures(city.actor("dispatcher"))

    assert stats.previous == formulas.Period(date(2026, 10, 2), date(2026, 10, 31))
    # 占道经营: 3 now, 1 before (the October ticket of the fixture) → +2, +200%; 施工噪声 new: +1.
    assert [(t.code, t.current, t.previous, t.growth_text) for t in stats.rising] == [
        ("appearance.street_vending", 3, 1, "+200.0%"),
        ("environment.construction_noise", 1, 0, "新出现"),
    ]
    assert [(t.code, t.current) for t in stats.hot] == [
        ("appearance.street_vending", 3),
        ("environment.construction_noise", 1),
        ("labour.unpaid_wages", 1),
    ]


def test_rising_ranks_by_increase_then_growth():
    topics = [
        formulas.Topic("a", "甲", "", 3, 1),  # +2, +200%
        formulas.Topic("b", "乙", "", 260, 200),  # +60
        formulas.Topic("c", "丙", "", 2, 0),  # +2, new
        formulas.Topic("d", "丁", "", 5, 5),
        formulas.Topic("e", "戊", "", 1, 4),
    ]
    assert [t.code for t in formulas.rising_topics(topics)] == ["b", "c", "a"]
    assert [t.code for t in formulas.hot_topics(topics, limit=2)] == ["b", "d"]


# -- scope ----------------------------------------------------------------------------------------------


def test_a_department_head_sees_only_their_departments_tickets(hotline_city, november):
    city = hotline_city
    head = Actor.for_user(staff(city.orgs["eco"], roles=["department_head"], scope=DataScope.DEPARTMENT))
    # 生态环境局 also assisted (协办) with the 人社 ticket: a hand in it brings it into scope.
    TicketParty.objects.create(
        ticket=november["t4"],
        organization=city.orgs["eco"],
        role=TicketParty.Role.ASSIST,
        created_at=at("2026-11-05 10:00"),
    )

    stats = novembers_figures(head)

    assert stats.totals["total"] == 2
    assert [row.name for row in stats.departments] == ["市生态环境局", "市人社局"]
    assert stats.totals["dispatched"] == 1 and stats.totals["returned"] == 1


def test_a_leader_with_only_the_statistics_permission_sees_everything(hotline_city, november):
    leader = Actor.for_user(
        staff(hotline_city.orgs["center"], permissions=["hotline.view_statistics"], scope=DataScope.ALL)
    )
    assert not leader.has_perm("hotline.view_ticket")
    assert novembers_figures(leader).totals["total"] == 5


@pytest.mark.parametrize("who", ["urban", "agent", "citizen"])
def test_without_the_permission_the_selector_refuses(hotline_city, november, who):
    with pytest.raises(PermissionDenied):
        novembers_figures(hotline_city.actor(who))
    with pytest.raises(PermissionDenied):
        selectors.word_sample(hotline_city.actor(who), selectors.filters_of(month=NOVEMBER))


def test_anonymous_is_refused_too():
    with pytest.raises(PermissionDenied):
        novembers_figures(Actor.for_user(None))


# -- queries --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [0, 40])
def test_the_page_figures_take_a_fixed_number_of_queries_whatever_the_tickets(
    hotline_city, november, django_assert_num_queries, extra
):
    rng = random.Random(extra)
    for _ in range(extra):
        ticket(
            hotline_city,
            f"2026-{rng.choice(['06', '10', '11'])}-{rng.randrange(1, 29):02d} 10:00",
            org=rng.choice(["urban", "eco", "hrss"]),
            category=rng.choice(["vending", "construction", "wages", None]),
            region=rng.choice(["east", "west", "street", "city"]),
            phone=rng.choice(["13900000001", "13900000002"]),
        )
    head = Actor.for_user(
        staff(hotline_city.orgs["eco"], roles=["department_head"], scope=DataScope.DEPARTMENT)
    )
    month = selectors.filters_of(month=NOVEMBER)
    days = selectors.filters_of(date_from="2026-09-15", date_to="2026-11-20")  # October whole, two partial
    # a month: 8 reads of tallies and lookups (+1 for the grids' names once a ticket has a grid); the 负责人 adds one
    # query of their 协办 tickets per breakdown and for the trend; each partial month one per breakdown
    for actor, filters, expected in (
        (hotline_city.actor("dispatcher"), month, 8),
        (head, month, 13),
        (hotline_city.actor("dispatcher"), days, 16),
    ):
        with django_assert_num_queries(expected):
            selectors.statistics_for(actor, filters)


def test_the_trend_counts_every_month_afresh(hotline_city, november):
    actor, filters = hotline_city.actor("dispatcher"), selectors.filters_of(month=NOVEMBER)
    before = selectors.statistics_for(actor, filters)
    ticket(hotline_city, "2026-11-21 10:00")
    ticket(hotline_city, "2026-10-21 10:00")
    after = selectors.statistics_for(actor, filters)
    assert [p.total for p in before.trend[-2:]] == [1, 5]
    assert [p.total for p in after.trend[-2:]] == [2, 6]


# -- pure parts ---------------------------------------------------------------------------------------


def test_periods():
    month = formulas.period_of(month="2026-02")
    assert (month.first, month.last, month.days, month.label) == (
        date(2026, 2, 1),
        date(2026, 2, 28),
        28,
        "2026年2月",
    )
    assert month.previous() == formulas.Period(date(2026, 1, 4), date(2026, 1, 31))
    assert month.trend_months()[0] == date(2025, 3, 1) and month.trend_months()[-1] == date(2026, 2, 1)
    days = formulas.period_of(date_from="2026-11-10", date_to="2026-11-01", month="2026-01")  # dates win
    assert (days.first, days.last, days.month, days.label) == (
        date(2026, 11, 1),
        date(2026, 11, 10),
        "",
        "2026年11月1日至11月10日",
    )
    assert formulas.period_of(today=date(2026, 12, 7)).month == "2026-12"
    assert formulas.period_of(date_to="2026-12-07").first == date(2026, 12, 1)


def test_hot_words_are_weighted_words_without_call_centre_phrases():
    texts = ["市民来电反映小区门口占道经营", "占道经营摆摊堵路", "工地施工噪声扰民", "占道经营很严重"]

    words = formulas.hot_words(texts, vocabulary=["占道经营", "噪声扰民"])

    assert words[0] == ("占道经营", 1.0)
    assert dict(words)["噪声扰民"] < 1.0
    assert "经营" not in dict(words)  # kept whole
    assert formulas.hot_words(["占道经营"])[0][0] == "经营"  # jieba alone cuts it
    assert not {"来电", "反映", "市民"} & {w for w, _ in words}
    assert [formulas.word_size(w) for w in (1.0, 0.5, 0.1, 0.01, 0.0)] == [6, 5, 2, 1, 1]


# -- pages ----------------------------------------------------------------------------------------------


def _url(name: str, **query: str) -> str:
    from urllib.parse import urlencode

    return reverse(f"hotline:{name}") + ("?" + urlencode(query) if query else "")


def test_the_page_shows_the_kpis_with_their_formulas(client, hotline_city, november):
    client.force_login(hotline_city.users["dispatcher"])

    response = client.get(_url("statistics", month=NOVEMBER))

    assert response.status_code == 200
    html = response.content.decode()
    for kpi in formulas.KPIS:
        assert kpi.formula in html
        assert kpi.name in html
    assert '<span class="stat-value">75.0%</span>' in html  # 响应率 3/4
    assert "3 / 4" in html
    assert 'id="chart-trend"' in html and 'id="chart-hot"' in html and 'id="chart-map"' not in html
    assert "2026年11月" in html
    assert 'data-code="appearance.street_vending"' in html
    assert "占道经营" in html
    assert "上升诉求" in html


def test_the_page_says_what_to_do_when_there_is_nothing(client, hotline_city):
    client.force_login(hotline_city.users["dispatcher"])

    html = client.get(_url("statistics", month="2020-01")).content.decode()
    assert "该期间没有受理的工单" in html and "请换一个统计月份或日期段" in html

    html = client.get(_url("statistics", month="2020-01", kind="praise")).content.decode()
    assert "请放宽筛选条件" in html


def test_a_bad_filter_shows_a_message_and_this_months_figures(client, hotline_city):
    client.force_login(hotline_city.users["dispatcher"])
    response = client.get(_url("statistics", month="2026-13"))
    assert response.status_code == 200
    assert "统计月份应为“年-月”格式" in response.content.decode()


@pytest.mark.parametrize(
    "name",
    ["statistics", "statistics-words", "statistics-map", "statistics-export-csv", "statistics-export-xlsx"],
)
def test_the_pages_refuse_staff_without_the_permission(client, hotline_city, november, name):
    response = client.get(_url(name, month=NOVEMBER))
    assert response.status_code == 302 and "/login" in response["Location"]
    for who in ("urban", "agent", "citizen"):
        client.force_login(hotline_city.users[who])
        response = client.get(_url(name, month=NOVEMBER))
        assert response.status_code == 403
        assert "按时签收" not in response.content.decode()


def test_navigation_lists_the_page_for_those_who_may_see_it(hotline_city):
    dispatcher, officer = hotline_city.actor("dispatcher"), hotline_city.actor("urban")
    assert "热线统计" in [str(e["label"]) for e in navigation_for("staff", "/", allowed=dispatcher.has_perm)]
    assert "热线统计" not in [str(e["label"]) for e in navigation_for("staff", "/", allowed=officer.has_perm)]


def test_the_word_cloud_is_loaded_as_a_weighted_list(client, hotline_city, november):
    client.force_login(hotline_city.users["dispatcher"])

    response = client.get(_url("statistics-words", month=NOVEMBER), headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert '<li class="word word-6"' in html and "占道经营" in html
    assert "<html" not in html
    assert "<html" in client.get(_url("statistics-words", month=NOVEMBER)).content.decode()


def test_the_word_sample_is_an_even_stride_of_at_most_the_sample_size(hotline_city, settings, monkeypatch):
    monkeypatch.setattr(formulas, "WORD_SAMPLE", 4)
    made = [
        ticket(hotline_city, f"2026-11-{day:02d} 10:00", title=f"标题{day}", content=f"标题{day}内容")
        for day in range(1, 11)
    ]

    texts = selectors.word_sample(hotline_city.actor("dispatcher"), selectors.filters_of(month=NOVEMBER))

    # 10 tickets, at most 4: every third id (⌈10 ÷ 4⌉ = 3).
    expected = [f"标题{day}内容" for t, day in zip(made, range(1, 11), strict=True) if t.pk % 3 == 0]
    assert sorted(texts) == sorted(expected)
    assert 3 <= len(texts) <= 4


def _square(west: float, south: float, size: float) -> dict:
    ring = [
        [west, south],
        [west + size, south],
        [west + size, south + size],
        [west, south + size],
        [west, south],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def test_the_map_counts_tickets_by_the_grid_their_point_lies_in(client, hotline_city):
    city = hotline_city
    community = RegionFactory(
        code="329902001001",
        name="湖滨社区",
        parent=city.regions["street"],
        level=Region.Level.COMMUNITY,
        geometry=_square(120, 30, 0.02),
    )
    north = Grid.objects.create(
        code="329902001001-01",
        name="湖滨社区第一网格",
        community=community,
        geometry=_square(120, 30.01, 0.01),
    )
    Grid.objects.create(
        code="329902001001-02", name="湖滨社区第二网格", community=community, geometry=_square(120, 30, 0.01)
    )
    agent = city.actor("agent")
    when = at("2026-11-02 10:00")
    registered = [
        ticket_register(
            actor=agent, kind="complaint", content="路灯不亮", longitude=120.005, latitude=30.015, now=when
        ),
        ticket_register(
            actor=agent, kind="complaint", content="井盖松动", longitude=120.002, latitude=30.018, now=when
        ),
        # a point in the grid, but the agent chose 西山区: the region stands and the grid is unknown
        ticket_register(
            actor=agent,
            kind="help",
            content="求助",
            region=city.regions["west"],
            longitude=120.005,
            latitude=30.015,
            now=when,
        ),
        ticket_register(actor=agent, kind="consult", content="只有地址", address="湖滨路1号", now=when),
    ]
    assert [(t.region, t.grid) for t in registered] == [
        (community, north),
        (community, north),
        (city.regions["west"], None),
        (city.regions["city"], None),
    ]
    client.force_login(city.users["dispatcher"])

    stats = novembers_figures(city.actor("dispatcher"))
    assert stats.map_areas == [selectors.MapArea("329902001001-01", "湖滨社区第一网格", 2)]
    assert stats.unmapped == 2
    html = client.get(_url("statistics", month=NOVEMBER)).content.decode()
    assert 'id="chart-map"' in html and "另有 2 件工单没有事发地点、未定位到网格" in html
    geo = client.get(_url("statistics-map", month=NOVEMBER)).json()
    assert [feature["properties"] for feature in geo["features"]] == [
        {"code": "329902001001-01", "name": "湖滨社区第一网格"},
        {"code": "329902001001-02", "name": "湖滨社区第二网格"},
    ]
    assert geo["features"][0]["geometry"] == _square(120, 30.01, 0.01)
    assert client.get(_url("statistics-map", region="329903")).json()["features"] == []


# -- exports --------------------------------------------------------------------------------------------


def test_the_excel_export_has_the_breakdowns_with_formulas_and_rates(client, hotline_city, november):
    client.force_login(hotline_city.users["dispatcher"])

    response = client.get(_url("statistics-export-xlsx", month=NOVEMBER))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["按承办部门", "按诉求分类", "按区县"]
    sheet = workbook["按承办部门"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("指标口径：响应率（按时签收率） = 按时签收工单数 ÷ 已派单工单数；")
    assert rows[1][0] == "按承办部门（2026年11月）"
    assert rows[2][:4] == (
        "单位编码",
        "承办部门",
        "工单数",
        "响应率（按时签收率）（按时签收工单数 ÷ 已派单工单数）",
    )
    assert len(rows[2]) == 9
    urban = rows[3]
    assert urban[:3] == ("city-urban", "市城管局", 3)
    assert urban[3:] == pytest.approx((0.6667, 0.6667, 0.6667, 0.6667, 0.3333, 0.3333))
    hrss = rows[5]
    assert hrss[:4] == ("city-hrss", "市人社局", 1, None)  # no dispatched ticket: no rate
    assert rows[-1][:3] == (None, "合计", 5)
    assert rows[-1][3:] == pytest.approx((0.75, 0.6667, 0.6667, 0.6667, 0.5, 0.2))
    assert sheet.cell(row=4, column=4).number_format == "0.0%"
    categories = list(workbook["按诉求分类"].iter_rows(values_only=True))
    assert [r[:4] for r in categories[3:5]] == [
        ("appearance", "市容环境", "一级分类", 3),
        ("appearance.street_vending", "占道经营", "末级分类", 3),
    ]
    regions = list(workbook["按区县"].iter_rows(values_only=True))
    assert [r[:3] for r in regions[3:]] == [
        ("329902", "东湖区", 4),
        ("329903", "西山区", 1),
        (None, "合计", 5),
    ]


def test_the_csv_export_is_utf8_with_a_bom_for_excel(client, hotline_city, november):
    client.force_login(hotline_city.users["dispatcher"])

    response = client.get(
        _url("statistics-export-csv", month=NOVEMBER, organization=str(hotline_city.orgs["urban"].pk))
    )

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0].startswith("指标口径：")
    header = rows.index(["按承办部门（2026年11月）"]) + 1
    assert rows[header][:3] == ["单位编码", "承办部门", "工单数"]
    assert rows[header + 1] == [
        "city-urban",
        "市城管局",
        "3",
        "66.7%",
        "66.7%",
        "66.7%",
        "66.7%",
        "33.3%",
        "33.3%",
    ]
    assert rows[header + 2][:3] == ["", "合计", "3"]


def test_a_department_heads_export_holds_only_their_figures(client, hotline_city, november):
    head = staff(hotline_city.orgs["eco"], roles=["department_head"], scope=DataScope.DEPARTMENT)
    client.force_login(head)

    content = client.get(_url("statistics-export-csv", month=NOVEMBER)).content.decode("utf-8-sig")

    rows = list(csv.reader(io.StringIO(content)))
    header = rows.index(["按承办部门（2026年11月）"]) + 1
    assert [row[:3] for row in rows[header + 1 : header + 3]] == [
        ["city-eco", "市生态环境局", "1"],
        ["", "合计", "1"],
    ]
    assert "市城管局" not in content


def test_an_export_with_a_bad_filter_is_refused_not_widened(client, hotline_city, november):
    client.force_login(hotline_city.users["dispatcher"])
    response = client.get(_url("statistics-export-csv", month="2026-13"))
    assert response.status_code == 400
    assert "统计月份" in response.content.decode()


def test_text_cells_that_look_like_formulas_are_neutralised():
    row = formulas.Row("=cmd", "+1", formulas.empty_counts())
    sections = formulas.breakdown_sections(
        period=formulas.period_of(month=NOVEMBER),
        departments=[row],
        categories=[],
        regions=[],
        totals=formulas.empty_counts(),
    )
    workbook = load_workbook(io.BytesIO(formulas.to_xlsx(sections)))
    assert list(workbook["按承办部门"].iter_rows(values_only=True))[3][:2] == ("'=cmd", "'+1")
