"""How a deadline is shown: the SLA colour of a workflow item and its remaining working time.

Working time is counted on the platform's working-day calendar (office hours, holidays and 调休),
so 「剩余 1.5 个工作日」 means one and a half days of office time."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.utils.translation import gettext, gettext_noop, ngettext

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
    clock_label: str = ""  # which deadline it is: 办结时限 / 环节时限

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


CLOCK_LABELS = {"overall": gettext_noop("办结时限"), "state": gettext_noop("环节时限")}


def deadline_view(instance: Any, *, now: datetime, calendar: WorkCalendar) -> DeadlineView:
    """The SLA colour and remaining time of one workflow instance at `now`, against the one deadline
    every list shows for it (`ProcessInstance.worklist`, chosen by the engine: an application's
    承诺办结时限, a ticket's …) — so the 工作台, a domain's own list and the applicant's pages agree."""
    if getattr(instance, "completed_at", None) is not None:
        return DeadlineView(NONE, gettext("已结束"), "", None)
    # Yellow from the stored moment the lists count by (`worklist_warning_at`), so colour and counters agree.
    warning_at = instance.worklist_warning_at
    warning = warning_at is not None and warning_at <= now
    view = _clock_view(instance, instance.worklist(), now=now, calendar=calendar, warning=warning)
    return replace(view, clock_label=gettext(CLOCK_LABELS.get(instance.worklist_clock, "办理时限")))


def describe_natural_seconds(seconds: int) -> str:
    """`剩余 1.5 天`, `剩余 3 小时`, `剩余 20 分钟`, `已超期 40 分钟` — for a 7×24 clock."""
    amount = abs(seconds)
    if amount >= 86400:
        days = _number(amount / 86400)
        count = 1 if days == "1" else 2
        if seconds < 0:
            return ngettext("已超期 %(days)s 天", "已超期 %(days)s 天", count) % {"days": days}
        return ngettext("剩余 %(days)s 天", "剩余 %(days)s 天", count) % {"days": days}
    return describe_working_seconds(seconds, 0)


def _remaining(clock: Clock, *, now: datetime, calendar: WorkCalendar) -> str:
    assert clock.deadline is not None
    seconds = clock.seconds(calendar, now, clock.deadline)
    if clock.natural:
        return describe_natural_seconds(seconds)
    if now >= clock.deadline and seconds == 0:
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


def step_view(instance: Any, *, now: datetime, calendar: WorkCalendar) -> DeadlineView | None:
    """The current step's own clock (e.g. 受理 within one working day), when it has one."""
    if getattr(instance, "completed_at", None) is not None or instance.state_deadline is None:
        return None
    return _clock_view(instance, instance.state_clock(), now=now, calendar=calendar)


def _clock_view(
    instance: Any, clock: Clock, *, now: datetime, calendar: WorkCalendar, warning: bool | None = None
) -> DeadlineView:
    if instance.suspended_at is not None:
        return DeadlineView(SUSPENDED, gettext("已暂停计时"), gettext("暂停计时中"), clock.deadline)
    if clock.deadline is None:
        return DeadlineView(NONE, gettext("不计时限"), "", None)
    remaining = _remaining(clock, now=now, calendar=calendar)
    if warning is None:
        warning = clock.is_warning(calendar, now)
    return _coloured(clock.deadline, remaining, now=now, overdue=False, warning=warning)
