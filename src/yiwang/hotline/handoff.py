"""Handing a ticket over to another loop (a city-management matter becomes a 一网统管 city event).

12345 does not know the receiving domain: the receiver registers itself here (in its AppConfig.ready)
with what it needs to take the matter — `TicketHandoff`, which carries the matter and never the
caller's name or number (the receiver reaches the caller through 12345) — and answers with the
department that now handles it and its own reference. `actions.tickets.ticket_hand_over` then
dispatches the ticket to that department (the 12345 loop goes on: 签收, 答复, 回访) and records the
reference on the ticket's history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class TicketHandoff:
    ticket_no: str
    kind: str
    urgency: str
    title: str
    content: str
    address: str
    longitude: float | None
    latitude: float | None
    region_code: str
    category_code: str | None
    registered_at: datetime
    attachments: tuple[str, ...]  # StoredFile uids


@dataclass(frozen=True)
class HandoffReceipt:
    organization: Any  # core.Organization that handles the matter in the receiving loop
    reference: str  # the receiver's own id (e.g. the city event's number)


Receiver = Callable[[Any, TicketHandoff], HandoffReceipt]


@dataclass(frozen=True)
class HandoffTarget:
    code: str
    label: str
    receiver: Receiver


_targets: dict[str, HandoffTarget] = {}


def register_handoff_target(code: str, label: str, receiver: Receiver) -> None:
    """Register (or replace) a receiving loop, e.g. ("cityops", "转城市事件", cityops_receive)."""
    _targets[code] = HandoffTarget(code, label, receiver)


def unregister_handoff_target(code: str) -> None:
    _targets.pop(code, None)


def handoff_targets() -> list[HandoffTarget]:
    return list(_targets.values())


def handoff_target(code: str) -> HandoffTarget | None:
    return _targets.get(code)
