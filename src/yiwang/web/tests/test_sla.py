"""Deadline display: one list deadline per item (the engine's `worklist` clock); remaining time counts
office hours on a working clock and every minute on a natural one."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from yiwang.core.calendar import WorkCalendar, parse_office_hours
from yiwang.web.sla import deadline_view, describe_working_seconds, step_view
from yiwang.web.templatetags.yiwang import cn_datetime
from yiwang.workflow.models import ProcessInstance

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Office hours 09:00-12:00 and 13:30-17:30: 7 working hours a day. 2026-10-01..07 is 国庆 (holidays).
CALENDAR = WorkCalendar(
    holidays=frozenset(date(2026, 10, d) for d in range(1, 8)),
    makeup_workdays=frozenset({date(2026, 10, 10)}),
    office_hours=parse_office_hours("09:00-12:00,13:30-17:30"),
)
DAY = 7 * 3600


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def item(**overrides):
    """An instance as the lists read it (unsaved): by default listed by its overall clock."""
    values = {"worklist_clock": "overall"}
    values.update(overrides)
    return ProcessInstance(**values)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (int(1.5 * DAY), "剩余 1.5 个工作日"),
        (2 * DAY, "剩余 2 个工作日"),
        (3 * 3600, "剩余 3 小时"),
        (5400, "剩余 1.5 小时"),
        (20 * 60, "剩余 20 分钟"),
        (-3 * 3600, "已超期 3 小时"),
        (-3 * DAY, "已超期 3 个工作日"),
        (-59, "已超期 1 分钟"),
    ],
)
def test_describe_working_seconds(seconds, text):
    assert describe_working_seconds(seconds, DAY) == text


def test_remaining_time_skips_the_night_and_the_weekend():
    # Friday 16:30 → Monday 12:00 is 1 h (Friday) + 3 h (Monday morning) of office time.
    now = at(2026, 11, 20, 16, 30)
    view = deadline_view(item(deadline=at(2026, 11, 23, 12, 0)), now=now, calendar=CALENDAR)

    assert view.status == "ok"
    assert view.css_class == "sla-ok"
    assert view.remaining == "剩余 4 小时"


def test_remaining_time_skips_national_day_holidays():
    now = at(2026, 9, 30, 9, 0)
    view = deadline_view(item(deadline=at(2026, 10, 8, 17, 30)), now=now, calendar=CALENDAR)

    assert view.remaining == "剩余 2 个工作日"  # 30 Sep and 8 Oct; 1-7 Oct are holidays


def test_the_lists_warning_moment_gives_the_amber_class():
    listed = item(deadline=at(2026, 11, 24, 17, 30), worklist_warning_at=at(2026, 11, 23, 8, 0))
    assert deadline_view(listed, now=at(2026, 11, 23, 7, 59), calendar=CALENDAR).status == "ok"
    view = deadline_view(listed, now=at(2026, 11, 23, 9, 0), calendar=CALENDAR)

    assert (view.status, view.css_class, view.label) == ("warning", "sla-warning", "即将超期")
    assert view.remaining == "剩余 2 个工作日"


def test_past_deadline_is_overdue_even_before_the_tick_marks_it():
    view = deadline_view(
        item(deadline=at(2026, 11, 23, 9, 0)), now=at(2026, 11, 23, 12, 0), calendar=CALENDAR
    )

    assert (view.status, view.label, view.remaining) == ("overdue", "已超期", "已超期 3 小时")


def test_overdue_in_the_evening_after_the_deadline_says_due():
    view = deadline_view(
        item(deadline=at(2026, 11, 23, 17, 30), overdue=True), now=at(2026, 11, 23, 20, 0), calendar=CALENDAR
    )

    assert (view.status, view.remaining) == ("overdue", "已到期")


def test_suspended_clock_is_grey():
    view = deadline_view(
        item(deadline=at(2026, 11, 23, 9, 0), suspended_at=at(2026, 11, 20, 9, 0), overdue=True),
        now=at(2026, 11, 24, 9, 0),
        calendar=CALENDAR,
    )

    assert (view.status, view.css_class, view.label) == ("suspended", "sla-suspended", "已暂停计时")


def test_no_deadline_has_no_colour():
    view = deadline_view(item(), now=at(2026, 11, 23, 9, 0), calendar=CALENDAR)

    assert (view.status, view.css_class, view.label) == ("none", "", "不计时限")


def test_a_definition_that_lists_by_state_shows_the_steps_deadline():
    view = deadline_view(
        item(
            worklist_clock="state", state_deadline=at(2026, 11, 24, 17, 30), deadline=at(2026, 11, 30, 17, 30)
        ),
        now=at(2026, 11, 24, 9, 0),
        calendar=CALENDAR,
    )

    assert view.deadline == at(2026, 11, 24, 17, 30)
    assert (view.remaining, view.clock_label) == ("剩余 1 个工作日", "环节时限")


def test_the_list_deadline_ignores_a_late_step_and_the_flags_it_raised():
    """An application's colour is its 承诺办结时限's, wherever it is listed: a step past its own
    deadline (and the engine's `overdue` flag it raised) does not make it 「已超期」 — the step's own
    clock is shown on the item page (`step_view`)."""
    late_step = item(
        state_deadline=at(2026, 11, 23, 17, 30),
        deadline=at(2026, 11, 30, 17, 30),
        due_at=at(2026, 11, 23, 17, 30),
        overdue=True,
        warning=True,
        warning_lead_seconds=DAY,
        worklist_warning_at=at(2026, 11, 27, 17, 30),
    )
    now = at(2026, 11, 24, 9, 0)
    view = deadline_view(late_step, now=now, calendar=CALENDAR)
    assert (view.status, view.deadline, view.remaining) == ("ok", at(2026, 11, 30, 17, 30), "剩余 5 个工作日")
    assert view.clock_label == "办结时限"
    assert deadline_view(late_step, now=at(2026, 11, 30, 9, 0), calendar=CALENDAR).status == "warning"
    step = step_view(late_step, now=at(2026, 11, 24, 11, 0), calendar=CALENDAR)
    assert step is not None and (step.status, step.badge, step.detail) == ("overdue", "已超期 2 小时", "")


def test_a_natural_clock_counts_the_night():
    """A 12345 ticket registered at 20:30 with a one-hour limit is due at 21:30, not the next morning."""
    ticket = item(worklist_clock="state", state_deadline=at(2026, 11, 23, 21, 30), state_natural_clock=True)
    assert deadline_view(ticket, now=at(2026, 11, 23, 20, 30), calendar=CALENDAR).remaining == "剩余 1 小时"
    late = deadline_view(ticket, now=at(2026, 11, 23, 21, 45), calendar=CALENDAR)
    assert (late.status, late.badge) == ("overdue", "已超期 15 分钟")
    ticket.state_deadline = at(2026, 11, 25, 8, 30)
    assert deadline_view(ticket, now=at(2026, 11, 23, 20, 30), calendar=CALENDAR).remaining == "剩余 1.5 天"


def test_a_finished_item_is_ended_not_completed():
    """A withdrawn or refused application is over, not 办结."""
    view = deadline_view(
        item(completed_at=at(2026, 11, 23, 9, 0)), now=at(2026, 11, 24, 9, 0), calendar=CALENDAR
    )
    assert (view.status, view.label) == ("none", "已结束")


def test_chinese_date_format():
    assert cn_datetime(at(2026, 11, 23, 17, 30)) == "2026年11月23日 17:30"
    assert cn_datetime(datetime(2026, 1, 5, 1, 5, tzinfo=ZoneInfo("UTC"))) == "2026年1月5日 09:05"
    assert cn_datetime(None) == ""


def test_english_date_format_and_remaining_time():
    with translation.override("en"):
        assert cn_datetime(at(2026, 11, 23, 17, 30)) == "23 Nov 2026, 17:30"
        assert describe_working_seconds(int(1.5 * DAY), DAY) == "1.5 working days left"
        assert describe_working_seconds(-3 * 3600, DAY) == "3 hours overdue"
