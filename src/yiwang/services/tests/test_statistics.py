"""Statistics on a hand-built dataset with exact expected numbers; exports; API; permissions; queries."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from openpyxl import load_workbook

from yiwang.core.errors import InvalidInput, PermissionDenied
from yiwang.core.files import file_store
from yiwang.core.tests.factories import OrganizationFactory
from yiwang.identity.actor import Actor
from yiwang.identity.models import DataScope
from yiwang.identity.tests.factories import CitizenFactory, make_staff
from yiwang.services.models import Application, ApplicationMaterial, ServiceItem
from yiwang.services.selectors import statistics as selectors
from yiwang.services.tests.applications_support import PDF_BYTES
from yiwang.services.tests.factories import ServiceItemFactory

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime(2026, 11, 15, 10, 0))
PERIOD = ("2026-09", "2026-11")
SCREENSHOTS = Path(tempfile.gettempdir())  # the browser test leaves stats*.png there to look at


def _at(year, month, day):
    return timezone.make_aware(datetime(year, month, day, 10, 0))


class Dataset:
    def __init__(self):
        self.a = OrganizationFactory(name="甲市场监督管理局")
        self.b = OrganizationFactory(name="乙卫生健康委员会", region=self.a.region)
        self.food = ServiceItemFactory(
            organization=self.a, name="食品经营许可", online_depth=3, site_visits=1
        )
        self.birth = ServiceItemFactory(
            organization=self.a,
            name="出生医学证明签发",
            handling_kind=ServiceItem.HandlingKind.INSTANT,
            online_depth=4,
            site_visits=0,
            materials=False,
        )
        self.other = ServiceItemFactory(
            organization=self.b, name="公共场所卫生许可", online_depth=4, site_visits=0
        )
        self.citizen = CitizenFactory()
        self.counter = 0
        done = Application.Status.COMPLETED
        self.app1 = self.make(self.food, _at(2026, 9, 10), done, on_time=True, visits=1, files=2)
        self.app2 = self.make(self.food, _at(2026, 9, 20), done, on_time=False, visits=2, files=1, licence=1)
        self.app3 = self.make(
            self.food, _at(2026, 10, 5), Application.Status.REVIEWING, due=_at(2026, 10, 12), visits=0
        )
        self.app4 = self.make(self.birth, _at(2026, 10, 6), done, on_time=True, visits=0)
        self.app5 = self.make(self.birth, _at(2026, 11, 1), done, on_time=True, visits=1, channel="window")
        self.make(self.food, _at(2026, 8, 31), done, on_time=True)  # before the period
        self.make(self.food, None, Application.Status.DRAFT)  # drafts never count
        self.app8 = self.make(
            self.food, _at(2026, 10, 7), Application.Status.CORRECTION, due=_at(2026, 10, 10)
        )  # 补正: the clock stops, never overdue
        self.app9 = self.make(self.other, _at(2026, 10, 10), done, on_time=True, visits=0)
        self.app10 = self.make(
            self.food,
            _at(2026, 11, 2),
            Application.Status.DECIDING,
            due=max(NOW, timezone.now()) + timedelta(days=30),
        )

    def make(
        self,
        item,
        submitted_at,
        status,
        *,
        on_time=None,
        due=None,
        visits=0,
        files=0,
        licence=0,
        channel="online",
    ):
        self.counter += 1
        application = Application.objects.create(
            item=item,
            applicant=self.citizen,
            person=self.citizen.person,
            organization=item.organization,
            region=item.region,
            status=status,
            channel=channel,
            submitted_at=submitted_at,
            application_no=f"NO{self.counter:04d}" if submitted_at else None,
            due_at=due,
            completed_at=submitted_at if status == Application.Status.COMPLETED else None,
            completed_on_time=on_time,
            site_visits=visits,
        )
        requirement = item.materials.first() if files or licence else None
        system = Actor.system()
        for _ in range(files):
            stored = file_store(actor=system, upload=ContentFile(PDF_BYTES, name="材料.pdf"), name="材料.pdf")
            ApplicationMaterial.objects.create(application=application, requirement=requirement, file=stored)
        for _ in range(licence):
            ApplicationMaterial.objects.create(application=application, requirement=requirement, file=None)
        return application


@pytest.fixture
def data():
    return Dataset()


def _stats(actor, **kw):
    return selectors.statistics_for(actor, selectors.period_of(*PERIOD), now=NOW, **kw)


def test_department_numbers_are_exact(data, django_assert_num_queries):
    clerk = Actor.for_user(make_staff(data.a, role_code="window_clerk"))
    with django_assert_num_queries(6):  # the months' 办结件数 come with their 申报件数, no extra query
        stats = _stats(clerk)
    # Counted: app1, 2, 3, 4, 5, 8, 10 (department 甲, in the period, not drafts).
    assert stats.total == 7
    assert (stats.completed, stats.completed_on_time, stats.on_time_rate) == (4, 3, 0.75)
    assert (stats.instant, stats.instant_share) == (2, round(2 / 7, 4))
    assert (stats.materials, stats.materials_average) == (3, round(3 / 7, 2))
    assert (stats.online_full, stats.online_full_rate) == (1, round(1 / 7, 4))
    assert stats.site_visits_average == round(4 / 7, 2)
    assert stats.overdue == 1
    assert stats.by_item == [
        {"code": data.food.implementation_code, "name": "食品经营许可", "count": 5},
        {"code": data.birth.implementation_code, "name": "出生医学证明签发", "count": 2},
    ]
    assert stats.by_department == [{"id": data.a.pk, "name": "甲市场监督管理局", "count": 7}]
    # 办结件数 of a month: of the applications filed that month, those completed (app1 and 2 in
    # September; app4 in October, not app3 or app8; app5 in November, not app10). They add up to
    # `completed`; the completed application filed on 2026-08-31 is outside the period.
    assert stats.by_month == [
        {"month": "2026-09", "count": 2, "completed": 2},
        {"month": "2026-10", "count": 3, "completed": 1},
        {"month": "2026-11", "count": 2, "completed": 1},
    ]
    assert sum(row["completed"] for row in stats.by_month) == stats.completed
    assert {row["status"]: row["count"] for row in stats.by_status} == {
        "completed": 4,
        "reviewing": 1,
        "correction": 1,
        "deciding": 1,
    }
    overdue = list(selectors.overdue_applications(clerk, selectors.period_of(*PERIOD), now=NOW))
    assert overdue == [data.app3]


def test_region_scope_sees_both_departments_and_filters_by_department(data):
    viewer = Actor.for_user(
        make_staff(data.a, permissions=["services.view_statistics"], scope=DataScope.REGION)
    )
    stats = _stats(viewer)
    assert stats.total == 8
    # October gains app9 of 乙 (filed and completed in October).
    assert [(row["count"], row["completed"]) for row in stats.by_month] == [(2, 2), (4, 2), (2, 1)]
    assert stats.by_department == [
        {"id": data.a.pk, "name": "甲市场监督管理局", "count": 7},
        {"id": data.b.pk, "name": "乙卫生健康委员会", "count": 1},
    ]
    assert stats.online_full == 2
    only_b = _stats(viewer, organization=data.b)
    assert (only_b.total, only_b.completed, only_b.on_time_rate) == (1, 1, 1.0)
    assert {d.pk for d in selectors.statistics_departments(viewer)} == {data.a.pk, data.b.pk}


def test_other_department_and_outsiders_see_nothing(data):
    other = Actor.for_user(make_staff(OrganizationFactory(), role_code="window_clerk"))
    stats = _stats(other)
    assert stats.total == 0 and stats.on_time_rate is None and stats.by_item == []
    for actor in (
        Actor.for_user(CitizenFactory()),
        Actor.for_user(make_staff(data.a, permissions=["core.view_file"])),
    ):
        with pytest.raises(PermissionDenied):
            _stats(actor)


def test_period_parsing():
    period = selectors.period_of(today=datetime(2026, 11, 22).date())
    assert (period.first.isoformat(), period.last.isoformat()) == ("2025-12-01", "2026-11-01")
    assert len(period.months()) == 12
    swapped = selectors.period_of("2026-10", "2026-09")
    assert (swapped.first.month, swapped.last.month) == (9, 10)
    for bad in (("2026-13", None), ("abc", None), ("1899-01", None), (None, "2026-1")):
        with pytest.raises(InvalidInput) as error:
            selectors.period_of(*bad)
        assert error.value.code == "services_period_invalid"


def _page(client, user, **params):
    client.force_login(user)
    return client.get("/services/statistics/", {"from": PERIOD[0], "to": PERIOD[1], **params})


def test_page_renders_numbers_and_chart_data(client, data):
    head = make_staff(data.a, role_code="department_head")
    response = _page(client, head)
    body = response.content.decode()
    assert response.status_code == 200
    assert "75.0%" in body and "按时办结率" in body and "NO0003" in body
    assert 'id="chart-month"' in body and 'data-chart="bar"' in body
    assert "<script>" not in body.replace('<script type="application/json"', "")  # no inline script


def _options(body, select_id):
    """(value, text, selected) of each option of the select with id `select_id`."""
    select = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', body, re.S)
    assert select is not None, select_id
    return [
        (value, text, bool(selected))
        for value, selected, text in re.findall(
            r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select.group(1)
        )
    ]


def _json_script(body, element_id):
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', body, re.S)
    assert found is not None, element_id
    return json.loads(found.group(1))


def _year_options(selected):
    this_year = timezone.localdate().year
    years = range(max(this_year, selected), min(this_year - 5, selected) - 1, -1)
    return [(str(year), f"{year}年", year == selected) for year in years]


def _month_options(selected):
    return [(f"{month:02d}", f"{month}月", month == selected) for month in range(1, 13)]


def test_page_period_selects_show_the_period_in_chinese(client, data):
    body = _page(client, make_staff(data.a, role_code="department_head")).content.decode()
    assert 'type="month"' not in body
    assert _options(body, "stat-from-year") == _year_options(2026)
    assert _options(body, "stat-from-month") == _month_options(9)
    assert _options(body, "stat-to-year") == _year_options(2026)
    assert _options(body, "stat-to-month") == _month_options(11)
    assert 'name="from_year"' in body and 'name="from_month"' in body
    assert 'name="to_year"' in body and 'name="to_month"' in body
    assert "统计期间：2026年9月至2026年11月" in body


def test_page_year_select_reaches_back_to_an_older_period(client, data):
    body = _page(
        client, make_staff(data.a, role_code="department_head"), **{"from": "2019-03"}
    ).content.decode()
    assert _options(body, "stat-from-year") == _year_options(2019)
    assert _options(body, "stat-from-month") == _month_options(3)
    assert _options(body, "stat-to-year")[-1] == ("2019", "2019年", False)


def test_month_chart_data_has_chinese_month_labels(client, data):
    body = _page(client, make_staff(data.a, role_code="department_head")).content.decode()
    assert _json_script(body, "chart-month") == {
        "unit": "件",
        "labels": ["9月\n2026年", "10月", "11月"],
        "titles": ["2026年9月", "2026年10月", "2026年11月"],
        "series": [
            {"name": "申报件数", "values": [2, 3, 2]},
            {"name": "办结件数", "values": [2, 1, 1]},
        ],
    }
    assert 'data-chart="column" data-source="chart-month"' in body
    assert "按月份申报件数与办结件数</h2>" in body
    assert (
        'aria-label="按月份申报件数与办结件数：2026年9月 申报件数 2件、办结件数 2件，'
        '2026年10月 申报件数 3件、办结件数 1件，2026年11月 申报件数 2件、办结件数 1件"'
    ) in body
    # The other charts keep their kinds.
    assert 'data-chart="pie" data-source="chart-status"' in body
    assert 'data-chart="bar" data-source="chart-department"' in body
    assert 'data-chart="bar" data-source="chart-item"' in body


def test_month_chart_labels_carry_the_year_at_the_start_and_each_january(client, data):
    head = make_staff(data.a, role_code="department_head")
    body = _page(client, head, **{"from": "2025-11", "to": "2026-10"}).content.decode()
    chart = _json_script(body, "chart-month")
    assert chart["labels"] == [
        "11月\n2025年",
        "12月",
        "1月\n2026年",
        "2月",
        "3月",
        "4月",
        "5月",
        "6月",
        "7月",
        "8月",
        "9月",
        "10月",
    ]
    assert chart["titles"][:3] == ["2025年11月", "2025年12月", "2026年1月"]
    filed, completed = chart["series"]
    assert filed["values"] == [0] * 9 + [1, 2, 3]  # August holds the one filed on 2026-08-31
    assert completed["values"] == [0] * 9 + [1, 2, 1]  # that one is completed, as are app1 and 2, app4


def test_select_form_redirects_to_the_from_to_address(client, data):
    client.force_login(make_staff(data.a, role_code="department_head"))
    response = client.get(
        "/services/statistics/",
        {
            "from_year": "2026",
            "from_month": "10",
            "to_year": "2026",
            "to_month": "11",
            "organization": data.a.pk,
        },
    )
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/services/statistics/"
    assert parse_qsl(location.query) == [
        ("organization", str(data.a.pk)),
        ("from", "2026-10"),
        ("to", "2026-11"),
    ]
    body = client.get(response["Location"]).content.decode()
    assert "统计期间：2026年10月至2026年11月" in body
    assert [one["values"] for one in _json_script(body, "chart-month")["series"]] == [[3, 2], [1, 1]]
    assert html.unescape(re.search(r'href="\?([^"]*export=csv)"', body).group(1)) == (
        f"organization={data.a.pk}&from=2026-10&to=2026-11&export=csv"
    )
    # A one-digit month is accepted; empty selects fall back to the default period.
    response = client.get(
        "/services/statistics/", {"from_year": "2026", "from_month": "9", "to_year": "", "to_month": ""}
    )
    assert response["Location"] == "/services/statistics/?from=2026-09"


def test_bad_select_values_keep_the_defaults_with_a_chinese_message(client, data):
    client.force_login(make_staff(data.a, role_code="department_head"))
    response = client.get(
        "/services/statistics/",
        {"from_year": "abc", "from_month": "13", "to_year": "2026", "to_month": "11"},
        follow=True,
    )
    assert response.redirect_chain == [("/services/statistics/?from=abc-13&to=2026-11", 302)]
    body = response.content.decode()
    assert "起始月份应为“年-月”格式，如 2026-01" in body
    default = selectors.period_of()
    assert _options(body, "stat-from-month") == _month_options(default.first.month)
    assert _options(body, "stat-to-month") == _month_options(default.last.month)
    assert _options(body, "stat-to-year") == _year_options(default.last.year)


def test_page_permissions(client, data):
    assert client.get("/services/statistics/").status_code == 302
    assert _page(client, CitizenFactory()).status_code == 403
    assert _page(client, make_staff(data.a, permissions=["core.view_file"])).status_code == 403


def test_csv_export(client, data):
    response = _page(client, make_staff(data.a, role_code="department_head"), export="csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert ["按时办结率", "75.0%"] in rows
    assert ["申报件数", "7"] in rows
    assert ["2026-10", "3", "1"] in rows
    assert [data.food.implementation_code, "食品经营许可", "5"] in rows
    assert any(row[:2] == ["NO0003", "食品经营许可"] for row in rows)


def test_excel_export(client, data):
    response = _page(client, make_staff(data.a, role_code="department_head"), export="xlsx")
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["概览", "按月份", "按部门", "按事项", "超期办件"]
    overview = {row[0]: row[1] for row in workbook["概览"].iter_rows(min_row=3, values_only=True)}
    assert overview["申报件数"] == 7 and overview["超期办件数"] == 1
    # rates are fractions shown as percentages, averages numbers with two decimals: Excel can compute
    formats = {row[0].value: row[1].number_format for row in workbook["概览"].iter_rows(min_row=3)}
    assert {name: overview[name] for name in ("按时办结率", "即办件占比", "全程网办率")} == {
        "按时办结率": 0.75,
        "即办件占比": round(2 / 7, 4),
        "全程网办率": round(1 / 7, 4),
    }
    assert {name: overview[name] for name in ("平均申请材料数", "平均到现场次数")} == {
        "平均申请材料数": round(3 / 7, 2),
        "平均到现场次数": round(4 / 7, 2),
    }
    assert {name: formats[name] for name in ("按时办结率", "即办件占比", "全程网办率")} == dict.fromkeys(
        ("按时办结率", "即办件占比", "全程网办率"), "0.0%"
    )
    assert formats["平均申请材料数"] == formats["平均到现场次数"] == "0.00"
    assert formats["申报件数"] == "General"
    months = list(workbook["按月份"].iter_rows(min_row=3, values_only=True))
    assert months == [("2026-09", 2, 2), ("2026-10", 3, 1), ("2026-11", 2, 1)]
    assert list(workbook["超期办件"].iter_rows(min_row=3, max_col=2, values_only=True)) == [
        ("NO0003", "食品经营许可")
    ]


def test_excel_export_of_a_period_without_applications_shows_dashes(client, data):
    head = make_staff(data.a, role_code="department_head")
    client.force_login(head)
    response = client.get("/services/statistics/", {"from": "2025-01", "to": "2025-02", "export": "xlsx"})
    rows = {
        row[0].value: row[1]
        for row in load_workbook(io.BytesIO(response.content))["概览"].iter_rows(min_row=3)
    }
    assert rows["申报件数"].value == 0
    assert (rows["按时办结率"].value, rows["按时办结率"].number_format) == ("—", "General")
    assert rows["平均到现场次数"].value == "—"


API = "/api/v1/services/statistics/"


def test_api_summary_and_overdue(client, data):
    head = make_staff(data.a, role_code="department_head")
    client.force_login(head)
    response = client.get(API + "summary", {"date_from": PERIOD[0], "date_to": PERIOD[1]})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 7 and body["on_time_rate"] == 0.75 and body["completed"] == 4
    assert body["by_month"][1] == {"month": "2026-10", "count": 3, "completed": 1}
    assert body["date_from"] == "2026-09"
    response = client.get(API + "overdue", {"date_from": PERIOD[0], "date_to": PERIOD[1]})
    assert response.status_code == 200
    assert [row["application_no"] for row in response.json()["items"]] == ["NO0003"]


def test_api_errors_and_permissions(client, data):
    assert client.get(API + "summary").status_code == 401
    client.force_login(CitizenFactory())
    response = client.get(API + "summary")
    assert response.status_code == 403 and response.json()["code"] == "services_forbidden"
    client.force_login(make_staff(OrganizationFactory(), role_code="window_clerk"))
    response = client.get(API + "summary", {"date_from": PERIOD[0], "date_to": PERIOD[1]})
    assert response.status_code == 200 and response.json()["total"] == 0
    response = client.get(API + "summary", {"date_from": "2026-13"})
    assert response.status_code == 422  # the month pattern is part of the schema
    response = client.get(API + "summary", {"organization": 99999})
    assert response.status_code == 404 and response.json()["code"] == "services_organization_not_found"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_picks_a_period_with_the_selects(signed_in):
    data = Dataset()
    earlier = [3, 5, 2, 6, 4, 7, 5, 8, 6]  # 2025-11 … 2026-07, besides the dataset's own
    for index, count in enumerate(earlier):
        year, month = (2025, 11 + index) if index < 2 else (2026, index - 1)
        for day in range(1, count + 1):
            data.make(data.food, _at(year, month, day), Application.Status.COMPLETED, on_time=True)
    viewer = make_staff(data.a, permissions=["services.view_statistics"], scope=DataScope.REGION)
    page = signed_in(viewer)

    page.goto("/services/statistics/")
    page.get_by_label("起始月份（年）").select_option(label="2025年")
    page.get_by_label("起始月份（月）").select_option(label="11月")
    page.get_by_label("截止月份（年）").select_option(label="2026年")
    page.get_by_label("截止月份（月）").select_option(label="10月")
    page.get_by_role("button", name="统计").click()
    page.wait_for_url(re.compile(r"from=2025-11&to=2026-10$"))

    assert page.get_by_text("统计期间：2025年11月至2026年10月（按申报时间）。").is_visible()
    assert page.locator("#stat-from-year").input_value() == "2025"
    assert page.locator("#stat-from-month").input_value() == "11"
    assert page.locator("#stat-to-year").input_value() == "2026"
    assert page.locator("#stat-to-month").input_value() == "10"
    chart = page.locator('[data-source="chart-month"][data-rendered="true"]')
    chart.wait_for()
    for source in ("chart-status", "chart-department", "chart-item"):
        page.locator(f'[data-source="{source}"][data-rendered="true"]').wait_for()
    assert chart.bounding_box()["width"] > 1000  # the whole width of the page, not a grid cell

    # The tooltip of October: Chinese title and both counts (Oct: app3, 4, 8 and 9 of the dataset,
    # app4 and 9 completed).
    page.evaluate(
        """() => {
          const node = document.querySelector('[data-source="chart-month"]');
          window.echarts.getInstanceByDom(node).dispatchAction({type: "showTip", seriesIndex: 0, dataIndex: 11});
        }"""
    )
    tooltip = chart.locator("div", has_text="2026年10月").last
    tooltip.wait_for()
    assert tooltip.inner_text().split("\n") == ["2026年10月", "申报件数：4 件", "办结件数：2 件"]
    page.screenshot(path=SCREENSHOTS / "stats.png", full_page=True)

    # On a phone the selects and the charts fit the width.
    page.set_viewport_size({"width": 390, "height": 844})
    # The charts follow on the window's resize event; wait for it rather than for a time.
    page.wait_for_function("() => document.documentElement.scrollWidth <= 390")
    assert page.locator("#stat-from-year").bounding_box()["width"] > 100
    page.screenshot(path=SCREENSHOTS / "stats-phone.png")
    page.locator(".chart-card-wide").screenshot(path=SCREENSHOTS / "stats-phone-chart.png")


def test_everyone_the_statistics_page_admits_finds_it_from_the_inbox_and_the_menu(client, data):
    """A window clerk (services.view_application, not view_statistics) may read the department's
    figures, so the inbox and the menu lead there too; a catalogue admin of another kind does not."""
    link = '<a class="btn" href="/services/statistics/">办件统计</a>'
    head = make_staff(data.a, role_code="department_head")
    clerk = make_staff(data.a, role_code="window_clerk")
    assert Actor.for_user(clerk).has_perm("services.view_application")
    assert not Actor.for_user(clerk).has_perm("services.view_statistics")
    outsider = make_staff(data.a, permissions=["core.view_file"])

    for user in (head, clerk):
        client.force_login(user)
        assert link in client.get("/services/staff/").content.decode()
        assert client.get("/services/statistics/").status_code == 200
        assert 'href="/services/statistics/"' in client.get("/workbench/").content.decode()
    client.force_login(outsider)
    assert client.get("/services/statistics/").status_code == 403
    assert 'href="/services/statistics/"' not in client.get("/workbench/").content.decode()


CHART_LABELS_JS = """(source) => {
  // Each data label's text and whether it shows; for bars also where the label ends: the bar's final
  // layout (not the frame its growing animation is at) + the label's distance + the text's width.
  const chart = window.echarts.getInstanceByDom(document.querySelector(`[data-source="${source}"]`));
  const series = chart.getModel().getSeriesByIndex(0);
  const data = series.getData();
  const labels = [];
  for (let i = 0; i < data.count(); i++) {
    const text = data.getItemGraphicEl(i).getTextContent();
    const layout = data.getItemLayout(i);
    const end = series.subType === "bar" ? layout.x + layout.width + (series.get(["label", "distance"]) ?? 5) : null;
    labels.push({
      text: text.style.text,
      shown: !text.ignore && !text.invisible,
      right: end === null ? null : end + text.getBoundingRect().width,
    });
  }
  const legend = chart.getModel().getComponent("legend");
  const entries = [];
  for (let i = 0; legend && legend.get("show") && i < data.count(); i++) {
    entries.push(legend.get("formatter")(data.getName(i)));
  }
  return {width: chart.getWidth(), labels: labels, legend: entries};
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_chart_labels_show_whole_counts_and_statuses_with_their_counts(signed_in):
    data = Dataset()
    for index in range(113):  # 甲 then has 120 applications in the period: its bar reaches the axis' end
        data.make(data.food, _at(2026, 10, 1 + index % 28), Application.Status.COMPLETED, on_time=True)
    page = signed_in(make_staff(data.a, permissions=["services.view_statistics"], scope=DataScope.REGION))

    page.goto(f"/services/statistics/?from={PERIOD[0]}&to={PERIOD[1]}")
    for source in ("chart-status", "chart-department"):
        page.locator(f'[data-source="{source}"][data-rendered="true"]').wait_for()

    # 按部门申报件数: the value labels are whole ("120", not "12") and inside the chart
    departments = page.evaluate(CHART_LABELS_JS, "chart-department")
    assert [label["text"] for label in departments["labels"]] == ["120", "1"]
    assert all(label["right"] <= departments["width"] for label in departments["labels"])
    # 办件状态分布: each slice says its status and its count
    expected = [
        f"{name} {count}" for name, count in (("已办结", 118), ("审查中", 1), ("待补正", 1), ("待决定", 1))
    ]
    statuses = page.evaluate(CHART_LABELS_JS, "chart-status")
    assert sorted(label["text"] for label in statuses["labels"]) == sorted(expected)
    assert all(label["shown"] for label in statuses["labels"]) and statuses["legend"] == []
    page.locator(".stat-charts").screenshot(path=SCREENSHOTS / "stats-charts.png")

    # On a phone the donut has no room for labels: a legend below says the same
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_function("() => document.documentElement.scrollWidth <= 390")
    page.wait_for_function(
        """() => window.echarts.getInstanceByDom(document.querySelector('[data-source="chart-status"]'))
             .getModel().getComponent("legend").get("show")"""
    )
    statuses = page.evaluate(CHART_LABELS_JS, "chart-status")
    assert sorted(statuses["legend"]) == sorted(expected)
    assert not any(label["shown"] for label in statuses["labels"])
    departments = page.evaluate(CHART_LABELS_JS, "chart-department")
    assert all(label["right"] <= departments["width"] for label in departments["labels"])
    page.locator(".stat-charts").screenshot(path=SCREENSHOTS / "stats-charts-phone.png")
