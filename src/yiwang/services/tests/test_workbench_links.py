"""The generic shell and the services app agree: the 工作台 and 我的事项 rows of an application open its
own pages (registered through `yiwang.workflow.links` in `ServicesConfig.ready`), named by 事项名称 and
办件编号; other instances keep the generic pages; the two staff inboxes link to each other."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from yiwang.core.tests.factories import PersonFactory
from yiwang.identity.actor import Actor
from yiwang.identity.tests.factories import CitizenFactory, make_staff
from yiwang.services.actions import handling
from yiwang.services.tests.factories import ServiceItemFactory
from yiwang.services.tests.staff_support import Department, definitions, submitted  # noqa: F401
from yiwang.workflow.actions import instance_start
from yiwang.workflow.models import ProcessEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("definitions")]

ROW = re.compile(r'<tr class="sla-[a-z]+" data-instance="([0-9a-f-]+)">\s*<td[^>]*>(.*?)</td>', re.S)
INBOX_BUTTON = '<a class="btn btn-primary" href="/services/staff/">一网通办办件</a>'


def _rows(html: str) -> dict[str, str]:
    """{instance id: the title cell} of the rows of a list page."""
    return dict(ROW.findall(html))


def _generic(organization, title, *, owner=None):
    """An instance of the same loop attached to a person, not to an application (e.g. an old import)."""
    return instance_start(
        actor=Actor.system(),
        definition_code="yiwang_tongban",
        obj=PersonFactory(),
        organization=organization,
        title=title,
        owner=owner,
    )


def _title_cell(application, url):
    return (
        f'<a href="{url}">{application.item.name}</a> '
        f'<span class="muted ref-no">{application.application_no}</span>'
    )


def test_workbench_row_of_an_application_opens_its_handling_page(client):
    dept = Department()
    application = submitted(ServiceItemFactory(organization=dept.organization, name="食品经营许可（新办）"))
    other = _generic(dept.organization, "历史导入的办件")
    client.force_login(dept.clerk)

    html = client.get("/workbench/").content.decode()

    rows = _rows(html)
    staff_url = reverse("services:staff-application", kwargs={"uid": application.uid})
    assert rows[str(application.process_instance_id)] == _title_cell(application, staff_url)
    assert f"/workbench/instances/{application.process_instance_id}/" not in html
    # The other instance is listed as before.
    assert rows[str(other.pk)] == f'<a href="/workbench/instances/{other.pk}/">历史导入的办件</a>'
    assert client.get(staff_url).status_code == 200


def test_htmx_partial_rows_link_the_same_way(client):
    dept = Department()
    application = submitted(ServiceItemFactory(organization=dept.organization, name="企业变更登记"))
    client.force_login(dept.clerk)

    response = client.get(
        "/workbench/", {"q": "企业变更"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="inbox-table"
    )

    staff_url = reverse("services:staff-application", kwargs={"uid": application.uid})
    assert _rows(response.content.decode()) == {
        str(application.process_instance_id): _title_cell(application, staff_url)
    }


def test_generic_item_page_of_an_application_redirects_to_the_handling_page(client):
    dept = Department()
    application = submitted(ServiceItemFactory(organization=dept.organization))
    client.force_login(dept.clerk)

    response = client.get(f"/workbench/instances/{application.process_instance_id}/")

    staff_url = reverse("services:staff-application", kwargs={"uid": application.uid})
    assert response.status_code == 302 and response["Location"] == staff_url


def test_generic_transitions_refuse_an_application(client):
    """补正 via the generic form would skip the materials check: only the services pages may act."""
    citizen = CitizenFactory(person=PersonFactory())
    dept = Department()
    application = submitted(ServiceItemFactory(organization=dept.organization), applicant=citizen)
    instance_id = application.process_instance_id
    client.force_login(dept.clerk)

    page = client.post(
        f"/workbench/instances/{instance_id}/transition/", {"action": "accept"}, follow=True
    ).content.decode()
    api = client.post(
        f"/api/v1/workflow/instances/{instance_id}/transitions",
        {"action": "accept"},
        content_type="application/json",
    )

    application.refresh_from_db()
    assert "该事项由业务系统办理，请在其办理页面操作" in page
    assert api.status_code == 409 and api.json()["code"] == "workflow_object_handled_by_domain"
    assert application.status == "submitted"
    assert ProcessEvent.objects.filter(instance_id=instance_id).count() == 1  # only 发起


def test_my_items_row_of_an_application_opens_the_application_page(client):
    citizen = CitizenFactory(person=PersonFactory())
    dept = Department()
    application = submitted(
        ServiceItemFactory(organization=dept.organization, name="个体工商户设立登记"), applicant=citizen
    )
    ticket = _generic(dept.organization, "12345工单：路灯不亮", owner=citizen)
    client.force_login(citizen)

    my_items = client.get("/my/").content.decode()
    home = client.get("/").content.decode()
    item_page = client.get(f"/my/{application.process_instance_id}/")

    detail_url = reverse("services:application", kwargs={"uid": application.uid})
    rows = _rows(my_items)
    assert rows[str(application.process_instance_id)] == (
        f'<span class="cell-value">{_title_cell(application, detail_url)}</span>'
    )
    assert (
        rows[str(ticket.pk)]
        == f'<span class="cell-value"><a href="/my/{ticket.pk}/">12345工单：路灯不亮</a></span>'
    )
    progress = home.split('aria-labelledby="progress-title"', 1)[1].split("</section>", 1)[0]
    assert f'<a href="{detail_url}"><strong>个体工商户设立登记</strong></a>' in progress
    assert f'<a href="/my/{ticket.pk}/"><strong>12345工单：路灯不亮</strong></a>' in progress
    # The engine's messages still lead to /my/<instance>/, which sends the applicant on.
    assert item_page.status_code == 302 and item_page["Location"] == detail_url
    assert client.get(detail_url).status_code == 200


def test_another_citizen_sees_no_link_to_the_application(client):
    dept = Department()
    application = submitted(ServiceItemFactory(organization=dept.organization), applicant=CitizenFactory())
    client.force_login(CitizenFactory())

    assert str(application.uid) not in client.get("/my/").content.decode()
    assert client.get(f"/my/{application.process_instance_id}/").status_code == 404


def test_workbench_offers_the_services_inbox_only_to_staff_who_may_open_it(client):
    dept = Department()
    allowed = {"clerk": dept.clerk, "approver": dept.approver, "head": dept.head}
    for who, user in allowed.items():
        client.force_login(user)
        assert INBOX_BUTTON in client.get("/workbench/").content.decode(), who
        assert client.get("/services/staff/").status_code == 200, who
    for who, user in {
        "catalogue admin": dept.catalog_admin,
        "12345 agent": make_staff(dept.organization, role_code="hotline_agent"),
        "no role": make_staff(dept.organization),
    }.items():
        client.force_login(user)
        html = client.get("/workbench/").content.decode()
        assert "/services/staff/" not in html and "一网通办办件" not in html, who
        assert client.get("/services/staff/").status_code == 403, who


def test_services_inbox_links_back_to_the_workbench(client):
    dept = Department()
    client.force_login(dept.clerk)

    html = client.get("/services/staff/").content.decode()

    assert '<a class="btn" href="/workbench/">返回工作台</a>' in html


def test_workbench_query_count_does_not_grow_with_application_rows(client, django_assert_num_queries):
    dept = Department()
    item = ServiceItemFactory(organization=dept.organization)
    submitted(item)
    _generic(dept.organization, "其他办件")
    client.force_login(dept.clerk)
    client.get("/workbench/")  # warm the calendar and actor caches

    # The generic page's 8 queries, plus one for the titles and links of the application rows.
    with django_assert_num_queries(9):
        client.get("/workbench/")
    for _ in range(8):
        submitted(item)
    with django_assert_num_queries(9):
        html = client.get("/workbench/").content.decode()
    assert html.count('href="/services/staff/applications/') == 9


def test_my_items_query_count_does_not_grow_with_application_rows(client, django_assert_num_queries):
    citizen = CitizenFactory(person=PersonFactory())
    dept = Department()
    item = ServiceItemFactory(organization=dept.organization)
    application = submitted(item, applicant=citizen)
    transition_to_correction(application, dept)
    client.force_login(citizen)
    client.get("/my/")  # warm the calendar and actor caches

    # The generic page's 6 queries, plus one for the titles and links of the application rows.
    with django_assert_num_queries(7):
        client.get("/my/")
    for _ in range(6):
        submitted(item, applicant=citizen)
    with django_assert_num_queries(7):
        html = client.get("/my/").content.decode()
    assert len(re.findall(r'href="/services/applications/[0-9a-f-]{36}/"', html)) == 7  # the rows


def transition_to_correction(application, dept):
    handling.application_request_correction(
        actor=dept.actor("clerk"),
        application=application,
        reason="请补充材料",
        materials=[application.item.materials.first().pk],
    )
