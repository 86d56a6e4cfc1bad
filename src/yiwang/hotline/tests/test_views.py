"""The 12345 pages through the test client: the agent registers a call, the dispatcher dispatches,
the department signs for and replies; a confidential caller stays hidden from the department."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yiwang.core.models import AuditEvent
from yiwang.hotline.models import Ticket

pytestmark = pytest.mark.django_db


def _login(client, city, name):
    client.force_login(city.users[name])
    return client


def _intake(client, **extra):
    data = {
        "caller_phone": "13912345678",
        "caller_name": "张三",
        "kind": "complaint",
        "urgency": "normal",
        "content": "湖滨路菜场门口有人占道摆摊，车过不去",
        "region": "329902",
        "address": "湖滨路 88 号",
    }
    data.update(extra)
    return client.post(reverse("hotline:intake"), data)


def test_an_agent_registers_a_call_and_a_department_handles_it(client, hotline_city):
    city = hotline_city
    _login(client, city, "agent")
    response = _intake(client)
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "hotline:ticket", kwargs={"uid": ticket.uid}
    )
    page = client.get(response.url).content.decode()
    assert ticket.ticket_no in page and "139****5678" in page  # the agent sees the number masked

    _login(client, city, "dispatcher")
    queue = client.get(reverse("hotline:tickets")).content.decode()
    assert ticket.ticket_no in queue
    act = reverse("hotline:ticket-act", kwargs={"uid": ticket.uid})
    client.post(act, {"op": "dispatch", "category": "appearance.street_vending"})
    ticket.refresh_from_db()
    assert (ticket.status, ticket.organization.code) == ("dispatched", "d02-urban")

    _login(client, city, "east_urban")
    page = client.get(reverse("hotline:ticket", kwargs={"uid": ticket.uid})).content.decode()
    assert "张*" in page and "13912345678" not in page
    client.post(act, {"op": "sign_for"})
    client.post(act, {"op": "reply", "comment": "已清理"})
    ticket.refresh_from_db()
    assert ticket.status == "replied"


def test_a_confidential_caller_is_hidden_from_the_department(client, hotline_city):
    city = hotline_city
    _login(client, city, "agent")
    _intake(client, confidential="1", caller_name="赵保密")
    ticket = Ticket.objects.get()
    _login(client, city, "dispatcher")
    client.post(
        reverse("hotline:ticket-act", kwargs={"uid": ticket.uid}),
        {"op": "dispatch", "category": "appearance.street_vending"},
    )
    _login(client, city, "east_urban")
    page = client.get(reverse("hotline:ticket", kwargs={"uid": ticket.uid})).content.decode()
    assert "赵" not in page and "5678" not in page and "（保密）" in page


def test_another_department_cannot_open_the_ticket(client, hotline_city):
    city = hotline_city
    _login(client, city, "agent")
    _intake(client)
    ticket = Ticket.objects.get()
    _login(client, city, "hrss")
    assert client.get(reverse("hotline:ticket", kwargs={"uid": ticket.uid})).status_code == 404
    before = AuditEvent.objects.count()
    response = client.post(reverse("hotline:ticket-act", kwargs={"uid": ticket.uid}), {"op": "sign_for"})
    assert response.status_code == 404
    assert AuditEvent.objects.count() == before
    assert ticket.ticket_no not in client.get(reverse("hotline:tickets") + "?queue=all").content.decode()


def test_a_citizen_reports_online_and_follows_their_own_ticket(client, hotline_city):
    city = hotline_city
    _login(client, city, "citizen")
    response = client.post(
        reverse("hotline:report"),
        {"kind": "help", "content": "楼道灯坏了一个月没人修", "region": "329902", "key": "k1"},
    )
    ticket = Ticket.objects.get()
    assert (ticket.caller_user, ticket.caller_name, ticket.channel) == (
        city.users["citizen"],
        "王小明",
        "web",
    )
    assert response.url == reverse("hotline:my-ticket", kwargs={"uid": ticket.uid})
    assert "楼道灯坏了" in client.get(response.url).content.decode()
    # The same submission again (a double tap) is the same ticket.
    client.post(reverse("hotline:report"), {"kind": "help", "content": "楼道灯坏了一个月没人修", "key": "k1"})
    assert Ticket.objects.count() == 1
    _login(client, city, "other_citizen")
    assert client.get(reverse("hotline:my-ticket", kwargs={"uid": ticket.uid})).status_code == 404
