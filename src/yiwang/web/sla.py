"""How a deadline is shown: the SLA colour of a workflow item and its remaining working time.

Working time is counted on the platform's working-day calendar (office hours, holidays and 调休),
so 「剩余 1.5 个工作日」 means one and a half days of office time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext, ngettext

from yiwang.core.calendar import WorkCalendar

OK = "ok"
WARNING = "warning"
OVERDUE = "overdue"
SUSPENDED = "suspended"
NONE = "none"


@dataclass(frozen=True)
class DeadlineView:
    status: str  # ok / warning / overdue / suspended / none
    label: str  # 正常 / 即将超期 / 已超期 / 已暂停计时 / 不计时
    remaining: str  # 剩余 1.5 个工作日 / 已超期 3 小时 / …
    deadline: datetime | None

    @property
    def css_class(self) -> str:
        return f"sla-{self.status}" if self.status != NONE else ""


def _number(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def describe_working_seconds(seconds: int, seconds_per_day: int) -> str:
    """`剩余 1.5 个工作日`, `剩余 3 小时`, `剩余 20 分钟`, `已超期 3 小时`, `已超期 2 个工作日`."""
    overdue = seconds < 0
    amount = abs(seconds)
    if seconds_per_day > 0 and amount >= seconds_per_day:
        days = _number(amount / seconds_per_day)
        count = 1 if days == "1" else 2  # "1.5" takes the plural in English
        if overdue:
            return ngettext("已超期 %(days)s 个工作日", "已超期 %(days)s 个工作日", count) % {"days": days}
        return ngettext("剩余 %(days)s 个工作日", "剩余 %(days)s 个工作日", count) % {"days": days}
    if amount >= 3600:
        hours = _number(amount / 3600)
        count = 1 if hours == "1" else 2
        if overdue:
            return ngettext("已超期 %(hours)s 小时", "已超期 %(hours)s 小时", count) % {"hours": hours}
        return ngettext("剩余 %(hours)s 小时", "剩余 %(hours)s 小时", count) % {"hours": hours}
    minutes = max(1, round(amount / 60))
    if overdue:
        return ngettext("已超期 %(minutes)d 分钟", "已超期 %(minutes)d 分钟", minutes) % {"minutes": minutes}
    return ngettext("剩余 %(minutes)d 分钟", "剩余 %(minutes)d 分钟", minutes) % {"minutes": minutes}


def effective_deadline(instance: Any) -> datetime | None:
    """The deadline that matters now: `due_at` (the nearer of the step and overall deadlines)."""
    due_at = getattr(instance, "due_at", None)
    if due_at is not None:
        return due_at
    candidates = [d for d in (instance.state_deadline, instance.deadline) if d is not None]
    return min(candidates) if candidates else None


def deadline_view(instance: Any, *, now: datetime, calendar: WorkCalendar) -> DeadlineView:
    """The SLA colour and remaining time of one workflow instance at `now`.

    The colour follows the engine's flags (`warning`, `overdue`, set by `yiwang tick`), except that
    an item whose deadline has passed is shown overdue even before the next tick."""
    if getattr(instance, "completed_at", None) is not None:
        return DeadlineView(NONE, gettext("已办结"), "", None)
    deadline = effective_deadline(instance)
    if instance.suspended_at is not None:
        return DeadlineView(SUSPENDED, gettext("已暂停计时"), gettext("暂停计时中"), deadline)
    if deadline is None:
        return DeadlineView(NONE, gettext("不计时限"), "", None)
    seconds = calendar.working_seconds_between(now, deadline)
    if now >= deadline and seconds == 0:
        # Past the deadline, but no office time has passed since (e.g. the evening after).
        remaining = gettext("已到期")
    else:
        remaining = describe_working_seconds(seconds, calendar.seconds_per_day)
    if instance.overdue or now >= deadline:
        return DeadlineView(OVERDUE, gettext("已超期"), remaining, deadline)
    if instance.warning:
        return DeadlineView(WARNING, gettext("即将超期"), remaining, deadline)
    return DeadlineView(OK, gettext("正常"), remaining, deadline)
