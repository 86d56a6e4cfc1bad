"""selectors of 一网通办, split by subject: catalogue (事项目录), applications (办件), statistics."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.db.models import Exists, OuterRef, Q

from yiwang.core.errors import NotFound
from yiwang.services.models import Application
from yiwang.workflow.models import ProcessInstance

# Statuses whose clock runs (补正 stops it, a finished application has none): those that can be late.
RUNNING_STATUSES = (
    Application.Status.SUBMITTED,
    Application.Status.REVIEWING,
    Application.Status.DECIDING,
    Application.Status.APPROVED,
    Application.Status.DENIED,
)


def overdue_q(now: datetime) -> Q:
    """超期 as the 办件箱 colours it and the statistics count it: running, not in a special procedure
    (特别程序 stops the clock too), and past the 承诺办结时限 (`due_at`)."""
    # scope: a subquery on the caller's already scoped applications
    suspended = ProcessInstance.objects.filter(pk=OuterRef("process_instance_id"), suspended_at__isnull=False)
    return Q(status__in=RUNNING_STATUSES, due_at__lt=now) & Q(~Exists(suspended))


def uid_or_not_found(value: UUID | str, *, message: str, code: str) -> UUID:
    """The UUID a path or form gave; NotFound(message, code) for anything that is not one, as for an
    unknown uid (a malformed one reveals no more than a wrong one)."""
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        raise NotFound(message, code=code) from None
