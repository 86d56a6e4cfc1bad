"""What the demo stages share about the workflow engine: whether it is installed, and dating the
messages it sends applicants about moves made in the past. (The samples this module used to write —
26 generic instances called 12345 tickets — gave way to real 12345 tickets: `demo.hotline` and
`demo.hotline_history`; 一网通办 applications are `demo.services_history` and `demo.services_showcase`.)"""

from __future__ import annotations

import importlib
from datetime import datetime, timedelta
from typing import Any

from yiwang.core.models import Notification


def workflow_available() -> bool:
    """True when the workflow engine's actions exist (the stages that need it are skipped otherwise)."""
    try:
        actions = importlib.import_module("yiwang.workflow.actions")
    except ImportError:
        return False
    return all(
        hasattr(actions, name) for name in ("definitions_load", "instance_start", "transition", "tick")
    )


def date_owner_messages(instance_ids: list[Any], now: datetime) -> None:
    """The engine told each applicant about every move of their sample items, but only when the seed
    committed, so all those messages carry the seeding time. Give each the time of the move it
    reports, as real use would have, and mark those older than three days read (a real applicant
    would have opened them). Only messages about the instances this run created are touched."""
    from yiwang.workflow.models import ProcessInstance
    from yiwang.workflow.subscribers import OWNER_TEMPLATE, owner_hears, owner_link

    read_before = now - timedelta(days=3)
    owned = ProcessInstance.objects.filter(pk__in=instance_ids, owner__isnull=False).select_related(
        "definition"
    )
    for instance in owned:
        parsed = instance.definition.parsed
        moves = [
            event.created_at
            for event in instance.events.order_by("created_at", "pk")
            if owner_hears(parsed, event.action, owner_id=instance.owner_id, actor_id=event.actor_id)
        ]
        messages = list(
            Notification.objects.filter(
                recipient_id=instance.owner_id, link=owner_link(instance.pk), template_code=OWNER_TEMPLATE
            ).order_by("pk")
        )
        if len(messages) != len(moves):
            continue  # not the engine's messages one for one (e.g. an admin changed the template)
        for message, moment in zip(messages, moves, strict=True):
            Notification.objects.filter(pk=message.pk).update(
                created_at=moment, read_at=moment + timedelta(hours=2) if moment < read_before else None
            )
