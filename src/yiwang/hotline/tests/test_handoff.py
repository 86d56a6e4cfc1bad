"""转办: a ticket handed to a registered receiving loop (the 一网统管 city events, later) reaches it
without the caller's contact, and is dispatched to the department the receiver names."""

from __future__ import annotations

import pytest

from yiwang.core.errors import InvalidInput, PermissionDenied
from yiwang.hotline.actions.tickets import ticket_hand_over, ticket_register
from yiwang.hotline.handoff import HandoffReceipt, register_handoff_target, unregister_handoff_target
from yiwang.hotline.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(hotline_city):
    received = []

    def receive(actor, matter):
        received.append(matter)
        return HandoffReceipt(
            organization=hotline_city.orgs["east_urban"], reference=f"SJ-{len(received):04d}"
        )

    register_handoff_target("cityops", "转城市事件", receive)
    yield received
    unregister_handoff_target("cityops")


def test_a_city_management_matter_is_handed_over_without_the_callers_contact(hotline_city, receiver):
    city = hotline_city
    ticket = ticket_register(
        actor=city.actor("agent"),
        kind="report",
        content="湖滨路窨井盖缺失，很危险",
        caller_name="钱多多",
        caller_phone="13911112222",
        region=city.regions["street"],
        address="湖滨路 12 号",
    )
    ticket_hand_over(actor=city.actor("dispatcher"), ticket=ticket, target="cityops")
    (matter,) = receiver
    assert (matter.ticket_no, matter.address, matter.region_code) == (
        ticket.ticket_no,
        "湖滨路 12 号",
        "329902001",
    )
    assert "钱多多" not in repr(matter) and "13911112222" not in repr(matter)
    assert (ticket.status, ticket.organization) == (Ticket.Status.DISPATCHED, city.orgs["east_urban"])


def test_only_dispatchers_hand_over_and_only_to_a_known_loop(hotline_city, receiver):
    city = hotline_city
    ticket = ticket_register(actor=city.actor("agent"), kind="report", content="路灯不亮")
    with pytest.raises(PermissionDenied):
        ticket_hand_over(actor=city.actor("agent"), ticket=ticket, target="cityops")
    with pytest.raises(InvalidInput):
        ticket_hand_over(actor=city.actor("dispatcher"), ticket=ticket, target="nowhere")
    assert receiver == []
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.REGISTERED
