"""Statistics on a hand-built dataset with exact expected numbers; exports; API; permissions; queries."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

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
    with django_assert_num_queries(6):
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
    assert stats.by_month == [
        {"month": "2026-09", "count": 2},
        {"month": "2026-10", "count": 3},
        {"month": "2026-11", "count": 2},
    ]
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
    assert ["2026-10", "3"] in rows
    assert [data.food.implementation_code, "食品经营许可", "5"] in rows
    assert any(row[:2] == ["NO0003", "食品经营许可"] for row in rows)


def test_excel_export(client, data):
    response = _page(client, make_staff(data.a, role_code="department_head"), export="xlsx")
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["概览", "按月份", "按部门", "按事项", "超期办件"]
    overview = {row[0]: row[1] for row in workbook["概览"].iter_rows(min_row=3, values_only=True)}
    assert overview["按时办结率"] == "75.0%" and overview["申报件数"] == 7 and overview["超期办件数"] == 1
    months = list(workbook["按月份"].iter_rows(min_row=3, values_only=True))
    assert months == [("2026-09", 2), ("2026-10", 3), ("2026-11", 2)]
    assert list(workbook["超期办件"].iter_rows(min_row=3, max_col=2, values_only=True)) == [
        ("NO0003", "食品经营许可")
    ]


API = "/api/v1/services/statistics/"


def test_api_summary_and_overdue(client, data):
    head = make_staff(data.a, role_code="department_head")
    client.force_login(head)
    response = client.get(API + "summary", {"date_from": PERIOD[0], "date_to": PERIOD[1]})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 7 and body["on_time_rate"] == 0.75 and body["completed"] == 4
    assert body["by_month"][1] == {"month": "2026-10", "count": 3}
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
