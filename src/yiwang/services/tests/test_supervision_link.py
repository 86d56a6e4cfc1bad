"""督办 links for applications: a supervisor told about an overdue 办件 who may not open the 一网通办
staff page gets the engine's item page instead of a 403 (workflow.links.opens_domain_page)."""

from __future__ import annotations

import pytest

from yiwang.identity.models import DataScope
from yiwang.services.tests.staff_support import Department, definitions, submitted  # noqa: F401
from yiwang.workflow.tests.factories import staff

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("definitions")
def test_a_supervisor_without_the_domains_permission_gets_the_item_page_not_403(client):
    """An application's staff page needs `services.view_application`: a 督办 recipient without it used
    to be redirected there and refused. They now see the item (read-only for the domain's steps) and
    can urge; a head who may open the domain's page is still sent there."""
    dept = Department()
    application = submitted(organization=dept.organization)
    supervisor = staff(dept.organization, roles=["supervisor"], scope=DataScope.REGION)
    url = f"/workbench/instances/{application.process_instance_id}/"

    client.force_login(supervisor)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "督办意见" in html and "您在当前环节没有可办理的操作" in html
    client.force_login(dept.head)  # 部门负责人 holds services.view_application
    assert client.get(url)["Location"] == f"/services/staff/applications/{application.uid}/"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("definitions")
def test_the_item_page_a_supervisor_opens_fits_a_phone(signed_in):
    """The page's title carries the 43-character 办件编号: on a phone it wraps, the page does not
    scroll sideways, and the 督办 form is there."""
    dept = Department()
    application = submitted(organization=dept.organization)
    supervisor = staff(dept.organization, roles=["supervisor"], scope=DataScope.REGION)
    page = signed_in(supervisor)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/workbench/instances/{application.process_instance_id}/")
    assert page.locator("h1").inner_text().startswith(application.item.name)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.locator("#urge-comment").is_visible()
