"""The engine's `workflow.view_instance` does not open a domain's objects: a 12345 agent, dispatcher or
command centre (who hold it city- or region-wide) gets 404 for a 一网通办 application's instance, and
a supervisor (督办) follows its steps without reading the applicant's name, reasons or materials."""

from __future__ import annotations

import pytest

from yiwang.identity.actor import Actor
from yiwang.identity.models import DataScope
from yiwang.services.actions import handling
from yiwang.services.tests.staff_support import Department, definitions, submitted  # noqa: F401
from yiwang.workflow import selectors
from yiwang.workflow.tests.factories import staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("definitions")]
REASON = "营业执照副本已过期，请补交有效期内的副本"


def _in_correction():
    dept = Department()
    application = submitted(organization=dept.organization)
    material = application.item.materials.get(code="premises_proof")
    handling.application_request_correction(
        actor=Actor.for_user(dept.clerk), application=application, reason=REASON, materials=[material.pk]
    )
    application.refresh_from_db()
    return dept, application


def _secrets(application):
    applicant = application.applicant
    return [REASON, "补正材料告知书", "租赁合同", applicant.display_name, application.person.name]


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        ("hotline_agent", DataScope.ALL),
        ("hotline_dispatcher", DataScope.ALL),
        ("command_center", DataScope.REGION),
    ],
)
def test_other_domains_city_wide_roles_do_not_see_an_application(client, role, scope):
    dept, application = _in_correction()
    outsider = staff(dept.organization, roles=[role], scope=scope)
    client.force_login(outsider)
    uid = application.process_instance_id
    response = client.get(f"/api/v1/workflow/instances/{uid}")
    assert response.status_code == 404
    assert client.get(f"/workbench/instances/{uid}/").status_code == 404
    actor = Actor.for_user(outsider)
    assert not selectors.instances_for(actor).filter(pk=uid).exists()


def test_a_supervisor_follows_the_steps_without_the_contents(client):
    dept, application = _in_correction()
    supervisor = staff(dept.organization, roles=["supervisor"], scope=DataScope.REGION)
    client.force_login(supervisor)
    uid = application.process_instance_id
    response = client.get(f"/api/v1/workflow/instances/{uid}")
    assert response.status_code == 200
    body = response.content.decode()
    history = response.json()["history"]
    assert [event["action"] for event in history] == ["start", "request_correction"]
    assert history[0]["actor_label"] == "申请人"
    assert all(
        event["comment"] == "" and event["fields"] == {} and event["attachments"] == [] for event in history
    )
    page = client.get(f"/workbench/instances/{uid}/").content.decode()
    for secret in _secrets(application):
        assert secret not in body and secret not in page
    assert "督办只显示办理进度" in page
    assert selectors.instances_for(Actor.for_user(supervisor)).filter(pk=uid).exists()


def test_the_handling_department_still_reads_everything(client):
    dept, application = _in_correction()
    client.force_login(dept.clerk)
    response = client.get(f"/api/v1/workflow/instances/{application.process_instance_id}")
    assert response.status_code == 200
    history = response.json()["history"]
    assert history[1]["fields"]["reason"] == REASON
    assert history[1]["attachments"][0]["name"].startswith("补正材料告知书")
