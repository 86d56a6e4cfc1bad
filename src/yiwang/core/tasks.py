"""Background tasks of the kernel (django-tasks): run by `yiwang worker`, inline in tests."""

from __future__ import annotations

from django_tasks import task

from yiwang.core.notifications import deliver_outbound


@task()
def send_outbound_message(message_id: int) -> str:
    """Hand one SMS/email to its provider (scheduled by `notify` after the transaction commits)."""
    return deliver_outbound(message_id)
