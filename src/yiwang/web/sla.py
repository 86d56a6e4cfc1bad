"""How a deadline is shown: the SLA colour of a workflow item and its remaining working time.

Working time is counted on the platform's working-day calendar (office hours, holidays and 调休),
so 「剩余 1.5 个工作日」 means one and a half days of office time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext, ngettext

from yiwang.core.calendar import WorkCalendar
from yiwang.workflow.engine import Clock

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
    def badge(self) -> str:
        """The badge's text: the label, or for an overdue item how far over (「已超期 2 个工作日」
        says it once, not 「已超期 已超期 2 个工作日」)."""
        return self.remaining if self.status == OVERDUE and self.remaining else self.label

    @property
    def detail(self) -> str:
        """The text after the badge: the remaining time, unless the badge already says it (an
        overdue one says how far over; a paused one needs no 「暂停计时中」 after 「已暂停计时」)."""
        return "" if self.badge == self.remaining or self.status == SUSPENDED else self.remaining

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


def deadline_view(
    instance: Any, *, now: datetime, calendar: WorkCalendar, overall: bool = False
) -> DeadlineView:
    """The SLA colour and remaining time of one workflow instance at `now`.

    By default against the deadline that matters next (the step's or the overall one, whichever is
    nearer): the colour follows the engine's flags (`warning`, `overdue`, set by `yiwang tick`),
    except that an item whose deadline has passed is shown overdue even before the next tick.
    With `overall`, against the overall deadline only — what the applicant was promised (an
    application's 承诺办结时限), the one its lists sort and filter on and its statistics count."""
    if getattr(instance, "completed_at", None) is not None:
        return DeadlineView(NONE, gettext("已结束"), "", None)
    if overall:
        return _overall_view(instance, now=now, calendar=calendar)
    deadline = effective_deadline(instance)
    if instance.suspended_at is not None:
        return DeadlineView(SUSPENDED, gettext("已暂停计时"), gettext("暂停计时中"), deadline)
    if deadline is None:
        return DeadlineView(NONE, gettext("不计时限"), "", None)
    remaining = _remaining(deadline, now=now, calendar=calendar)
    return _coloured(deadline, remaining, now=now, overdue=instance.overdue, warning=instance.warning)


def _remaining(deadline: datetime, *, now: datetime, calendar: WorkCalendar) -> str:
    seconds = calendar.working_seconds_between(now, deadline)
    if now >= deadline and seconds == 0:
        # Past the deadline, but no office time has passed since (e.g. the evening after).
        return gettext("已到期")
    return describe_working_seconds(seconds, calendar.seconds_per_day)


def _coloured(
    deadline: datetime, remaining: str, *, now: datetime, overdue: bool, warning: bool
) -> DeadlineView:
    if overdue or now >= deadline:
        return DeadlineView(OVERDUE, gettext("已超期"), remaining, deadline)
    if warning:
        return DeadlineView(WARNING, gettext("即将超期"), remaining, deadline)
    return DeadlineView(OK, gettext("正常"), remaining, deadline)


def _overall_view(instance: Any, *, now: datetime, calendar: WorkCalendar) -> DeadlineView:
    return _clock_view(instance, instance.deadline, instance.warning_lead_seconds, now=now, calendar=calendar)


def step_view(instance: Any, *, now: datetime, calendar: WorkCalendar) -> DeadlineView | None:
    """The current step's own clock (e.g. 受理 within one working day), when it has one."""
    if getattr(instance, "completed_at", None) is not None or instance.state_deadline is None:
        return None
    return _clock_view(
        instance, instance.state_deadline, instance.state_warning_lead_seconds, now=now, calendar=calendar
    )


def _clock_view(
    instance: Any, deadline: datetime | None, lead: int | None, *, now: datetime, calendar: WorkCalendar
) -> DeadlineView:
    if instance.suspended_at is not None:
        return DeadlineView(SUSPENDED, gettext("已暂停计时"), gettext("暂停计时中"), deadline)
    if deadline is None:
        return DeadlineView(NONE, gettext("不计时限"), "", None)
    # The engine's flags mix both clocks: colour this one from its own deadline and lead.
    warning = Clock(deadline=deadline, lead=lead).is_warning(calendar, now)
    remaining = _remaining(deadline, now=now, calendar=calendar)
    return _coloured(deadline, remaining, now=now, overdue=False, warning=warning)
