"""The working-day calendar: the State Council arrangements, hand-checked deadlines, office-hour
arithmetic, cache refresh across processes, the calendar actions, and hypothesis properties."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from yiwang.core import actions, calendar, holidays
from yiwang.core.calendar import WorkCalendar, parse_office_hours
from yiwang.core.errors import Conflict, InvalidInput, PermissionDenied
from yiwang.core.models import AuditEvent, Holiday, MakeupWorkday
from yiwang.identity.actor import Actor
from yiwang.identity.tests.factories import UserFactory, make_staff

TZ = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=TZ)


PURE = WorkCalendar(
    holidays=frozenset(day for day, _ in holidays.holidays()),
    makeup_workdays=frozenset(day for day, _ in holidays.makeup_workdays()),
    office_hours=parse_office_hours("09:00-12:00,13:30-17:30"),
)


@pytest.fixture
def fresh_calendar(settings):
    settings.YIWANG_CALENDAR_REFRESH_SECONDS = None
    calendar.invalidate_calendar()
    yield
    calendar.invalidate_calendar()


# -- the arrangements ---------------------------------------------------------------------------


def test_every_makeup_workday_is_a_weekend_day_and_never_a_holiday():
    makeup = [day for day, _ in holidays.makeup_workdays()]
    off = {day for day, _ in holidays.holidays()}
    assert makeup, "the 2025/2026 notices contain make-up days"
    assert all(day.weekday() >= 5 for day in makeup)
    assert not off & set(makeup)


def test_arrangements_match_the_state_council_notices():
    # 国办发明电〔2024〕12号 and 〔2025〕7号: (first day off, days off, make-up working days)
    expected = {
        ("元旦", 2025): (date(2025, 1, 1), 1, []),
        ("春节", 2025): (date(2025, 1, 28), 8, [date(2025, 1, 26), date(2025, 2, 8)]),
        ("清明节", 2025): (date(2025, 4, 4), 3, []),
        ("劳动节", 2025): (date(2025, 5, 1), 5, [date(2025, 4, 27)]),
        ("端午节", 2025): (date(2025, 5, 31), 3, []),
        ("国庆节、中秋节", 2025): (date(2025, 10, 1), 8, [date(2025, 9, 28), date(2025, 10, 11)]),
        ("元旦", 2026): (date(2026, 1, 1), 3, [date(2026, 1, 4)]),
        ("春节", 2026): (date(2026, 2, 15), 9, [date(2026, 2, 14), date(2026, 2, 28)]),
        ("清明节", 2026): (date(2026, 4, 4), 3, []),
        ("劳动节", 2026): (date(2026, 5, 1), 5, [date(2026, 5, 9)]),
        ("端午节", 2026): (date(2026, 6, 19), 3, []),
        ("中秋节", 2026): (date(2026, 9, 25), 3, []),
        ("国庆节", 2026): (date(2026, 10, 1), 7, [date(2026, 9, 20), date(2026, 10, 10)]),
    }
    actual = {
        (name, year): (off[0], len(off), work)
        for year, blocks in holidays.ARRANGEMENTS.items()
        for name, off, work in blocks
    }
    assert actual == expected
    assert set(holidays.SOURCES) == set(holidays.ARRANGEMENTS)


@pytest.mark.django_db
def test_the_seeded_tables_hold_the_arrangements(fresh_calendar):
    loaded = calendar.get_calendar()
    assert loaded.holidays == PURE.holidays
    assert loaded.makeup_workdays == PURE.makeup_workdays
    assert Holiday.objects.get(date=date(2026, 10, 1)).name == "国庆节"
    assert MakeupWorkday.objects.get(date=date(2026, 2, 14)).name == "春节调休上班"


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        (date(2025, 1, 26), True),  # Sunday, 春节调休上班
        (date(2025, 1, 27), True),  # Monday before 除夕
        (date(2025, 1, 28), False),  # 除夕
        (date(2025, 2, 8), True),  # Saturday, 春节调休上班
        (date(2025, 10, 8), False),
        (date(2025, 10, 11), True),  # Saturday, 国庆调休上班
        (date(2026, 1, 4), True),  # Sunday, 元旦调休上班
        (date(2026, 2, 14), True),  # Saturday, 春节调休上班
        (date(2026, 2, 23), False),
        (date(2026, 2, 24), True),
        (date(2026, 9, 20), True),  # Sunday, 国庆调休上班
        (date(2026, 10, 7), False),
        (date(2026, 10, 8), True),  # Thursday after 国庆
        (date(2026, 10, 10), True),  # Saturday, 国庆调休上班
        (date(2026, 10, 11), False),  # ordinary Sunday
        (date(2026, 3, 7), False),  # ordinary Saturday
        (date(2026, 3, 9), True),  # ordinary Monday
    ],
)
def test_is_workday(day, workday):
    assert PURE.is_workday(day) is workday


# -- hand-checked working-day deadlines ---------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "deadline"),
    [
        (at(2026, 9, 30, 16), 1, at(2026, 10, 8, 17, 30)),  # 10-01..10-07 off, 10-08 Thursday works
        (at(2026, 9, 30, 16), 2, at(2026, 10, 9, 17, 30)),
        (at(2026, 9, 30, 16), 3, at(2026, 10, 10, 17, 30)),  # Saturday make-up day counts
        (at(2026, 9, 30, 16), 4, at(2026, 10, 12, 17, 30)),
        (at(2026, 2, 13, 10), 1, at(2026, 2, 14, 17, 30)),  # Saturday make-up day
        (at(2026, 2, 13, 10), 2, at(2026, 2, 24, 17, 30)),  # 春节 02-15..02-23
        (at(2025, 1, 24, 10), 1, at(2025, 1, 26, 17, 30)),  # Sunday make-up day
        (at(2025, 1, 24, 10), 3, at(2025, 2, 5, 17, 30)),  # 26, 27, then 02-05
        (at(2025, 9, 30, 9), 1, at(2025, 10, 9, 17, 30)),  # 2025 国庆中秋 eight days
        (at(2026, 3, 6, 9), 1, at(2026, 3, 9, 17, 30)),  # Friday → Monday
        (at(2026, 3, 7, 9), 1, at(2026, 3, 9, 17, 30)),  # submitted on Saturday
        (at(2026, 3, 6, 9), 20, at(2026, 4, 3, 17, 30)),  # 20 days (行政许可) before 清明
        (at(2026, 3, 6, 9), 21, at(2026, 4, 7, 17, 30)),  # 04-04..04-06 off
    ],
)
def test_add_working_days_hand_checked(start, days, deadline):
    assert PURE.add_working_days(start, days) == deadline


def test_zero_working_days_is_the_moment_itself_and_negative_is_refused():
    moment = at(2026, 3, 7, 20, 15)
    assert PURE.add_working_days(moment, 0) == moment
    with pytest.raises(ValueError, match="不能为负数"):
        PURE.add_working_days(moment, -1)


def test_naive_datetimes_are_refused_with_a_chinese_message():
    with pytest.raises(ValueError, match="时区"):
        PURE.add_working_hours(datetime(2026, 3, 2, 9), 1)


# -- hand-checked hours -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "hours", "deadline"),
    [
        (at(2026, 3, 2, 11), 2, at(2026, 3, 2, 14, 30)),  # across the lunch break
        (at(2026, 3, 2, 12, 30), 1, at(2026, 3, 2, 14, 30)),  # starting during lunch
        (at(2026, 3, 2, 7), 3, at(2026, 3, 2, 12)),  # before office hours; ends exactly at noon
        (at(2026, 3, 2, 9), 7, at(2026, 3, 2, 17, 30)),  # one full day
        (at(2026, 3, 2, 9), 7.5, at(2026, 3, 3, 9, 30)),
        (at(2026, 3, 6, 17), 1, at(2026, 3, 9, 9, 30)),  # Friday → Monday
        (at(2026, 9, 30, 17), 1, at(2026, 10, 8, 9, 30)),  # across Golden Week
        (at(2026, 2, 13, 17), 1, at(2026, 2, 14, 9, 30)),  # onto the Saturday make-up day
        (at(2026, 3, 2, 18), 0.25, at(2026, 3, 3, 9, 15)),  # after hours
        (at(2026, 3, 2, 9), 70, at(2026, 3, 13, 17, 30)),  # ten full days
    ],
)
def test_add_working_hours_hand_checked(start, hours, deadline):
    assert PURE.add_working_hours(start, hours) == deadline


@pytest.mark.parametrize(
    ("start", "end", "seconds"),
    [
        (at(2026, 3, 2, 9), at(2026, 3, 2, 17, 30), 7 * 3600),
        (at(2026, 3, 2, 11), at(2026, 3, 2, 14), 3600 + 1800),  # lunch does not count
        (at(2026, 3, 6, 16), at(2026, 3, 9, 10), 5400 + 3600),  # weekend does not count
        (at(2026, 9, 30, 17), at(2026, 10, 8, 9, 30), 1800 + 1800),  # holidays do not count
        (at(2026, 2, 13, 17), at(2026, 2, 14, 17, 30), 1800 + 7 * 3600),  # make-up day counts
        (at(2026, 3, 2, 20), at(2026, 3, 3, 8), 0),
        (at(2026, 3, 2, 9), at(2026, 3, 2, 9), 0),
        (at(2026, 3, 2, 14), at(2026, 3, 2, 11), -(3600 + 1800)),
    ],
)
def test_working_seconds_between_hand_checked(start, end, seconds):
    assert PURE.working_seconds_between(start, end) == seconds


def test_sub_second_starts_never_overshoot_office_hours():
    start = at(2026, 3, 2, 11, 59, 59).replace(microsecond=500_000)
    result = PURE.add_working_seconds(start, 1)
    assert result == at(2026, 3, 2, 13, 30).replace(microsecond=500_000)


def test_office_hours_are_parsed_with_chinese_errors():
    assert parse_office_hours("13:30-17:30, 09:00-12:00") == (
        (time(9), time(12)),
        (time(13, 30), time(17, 30)),
    )
    with pytest.raises(ValueError, match="结束时间应晚于开始时间"):
        parse_office_hours("12:00-09:00")
    with pytest.raises(ValueError, match="不能重叠"):
        parse_office_hours("09:00-12:00,11:00-13:00")
    with pytest.raises(ValueError, match="格式不正确"):
        parse_office_hours("nine to five")


# -- the cached calendar from the database ------------------------------------------------------


@pytest.mark.django_db
def test_office_hours_come_from_settings(settings, fresh_calendar):
    monday = at(2026, 3, 2)
    assert calendar.working_seconds_between(monday, monday + timedelta(days=1)) == 7 * 3600
    settings.YIWANG_OFFICE_HOURS = "08:30-12:00,14:00-18:00"
    calendar.invalidate_calendar()
    assert calendar.working_seconds_between(monday, monday + timedelta(days=1)) == int(7.5 * 3600)
    assert calendar.add_working_hours(at(2026, 3, 2, 11), 2) == at(2026, 3, 2, 15)


@pytest.mark.django_db
def test_an_edit_by_another_process_is_seen_after_the_refresh_interval(settings, fresh_calendar):
    day = date(2026, 3, 9)
    assert calendar.is_workday(day)
    # Another process (the admin) writes the table; this process was not told.
    Holiday.objects.create(date=day, name="临时休假")
    assert calendar.is_workday(day), "with refreshing off the cached calendar is kept"
    settings.YIWANG_CALENDAR_REFRESH_SECONDS = 0
    assert not calendar.is_workday(day)
    Holiday.objects.filter(date=day).delete()
    assert calendar.is_workday(day)


@pytest.mark.django_db
def test_refreshing_is_one_query_and_a_fresh_cache_none(settings, fresh_calendar, django_assert_num_queries):
    calendar.get_calendar()
    with django_assert_num_queries(0):
        calendar.get_calendar()
    settings.YIWANG_CALENDAR_REFRESH_SECONDS = 0
    with django_assert_num_queries(1):
        calendar.get_calendar()


@pytest.mark.django_db
def test_invalidate_calendar_reloads_in_this_process(fresh_calendar):
    day = date(2026, 3, 14)  # a Saturday
    assert not calendar.is_workday(day)
    MakeupWorkday.objects.create(date=day, name="测试调休")
    calendar.invalidate_calendar()
    assert calendar.is_workday(day)


# -- calendar actions ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_holiday_set_audits_and_invalidates_after_commit(fresh_calendar, django_capture_on_commit_callbacks):
    manager = Actor.for_user(make_staff(permissions=["core.manage_calendar"]))
    day = date(2026, 3, 10)
    assert calendar.is_workday(day)
    with django_capture_on_commit_callbacks(execute=True):
        actions.holiday_set(actor=manager, day=day, name="临时休假")
    assert not calendar.is_workday(day)
    event = AuditEvent.objects.get(action="core.holiday_set")
    assert event.data == {"date": "2026-03-10", "name": "临时休假"}
    with django_capture_on_commit_callbacks(execute=True):
        actions.holiday_delete(actor=manager, day=day)
    assert calendar.is_workday(day)
    assert AuditEvent.objects.filter(action="core.holiday_delete").count() == 1


@pytest.mark.django_db
def test_makeup_workday_rules(fresh_calendar, django_capture_on_commit_callbacks):
    manager = Actor.for_user(make_staff(permissions=["core.manage_calendar"]))
    with pytest.raises(InvalidInput, match="只能是周六或周日") as weekday:
        actions.makeup_workday_set(actor=manager, day=date(2026, 3, 11), name="调休")
    assert weekday.value.code == "makeup_not_weekend"
    with pytest.raises(Conflict) as conflict:
        actions.makeup_workday_set(actor=manager, day=date(2026, 10, 3), name="调休")
    assert conflict.value.code == "calendar_conflict"
    with django_capture_on_commit_callbacks(execute=True):
        actions.makeup_workday_set(actor=manager, day=date(2026, 3, 14), name="测试调休")
    assert calendar.is_workday(date(2026, 3, 14))


@pytest.mark.django_db
def test_calendar_actions_need_the_permission(fresh_calendar):
    for user in (UserFactory(), make_staff(permissions=["core.view_person"])):
        with pytest.raises(PermissionDenied):
            actions.holiday_set(actor=Actor.for_user(user), day=date(2026, 3, 10), name="x")
    assert not Holiday.objects.filter(date=date(2026, 3, 10)).exists()
    assert not AuditEvent.objects.exists()


# -- properties ---------------------------------------------------------------------------------

moments = st.datetimes(min_value=datetime(2024, 12, 20), max_value=datetime(2026, 12, 31)).map(
    lambda d: d.replace(microsecond=0, tzinfo=TZ)
)
minutes = st.integers(min_value=0, max_value=60 * 7 * 40)  # up to about forty working days
PROPERTY = hypothesis_settings(max_examples=150, deadline=None)


def _inside_office_hours(moment: datetime) -> bool:
    local = moment.astimezone(TZ)
    clock = local.time()
    return PURE.is_workday(local.date()) and any(start < clock <= end for start, end in PURE.office_hours)


@PROPERTY
@given(moments, minutes)
def test_property_add_then_measure_round_trips(moment, duration):
    result = PURE.add_working_hours(moment, duration / 60)
    assert PURE.working_seconds_between(moment, result) == duration * 60


@PROPERTY
@given(moments, st.integers(min_value=1, max_value=60 * 7 * 40))
def test_property_result_lies_inside_office_hours_of_a_workday(moment, duration):
    assert _inside_office_hours(PURE.add_working_hours(moment, duration / 60))


@PROPERTY
@given(moments, moments, minutes)
def test_property_monotonic_in_the_start(first, second, duration):
    early, late = sorted([first, second])
    assert PURE.add_working_hours(early, duration / 60) <= PURE.add_working_hours(late, duration / 60)


@PROPERTY
@given(moments, minutes, minutes)
def test_property_monotonic_in_the_duration(moment, a, b):
    small, large = sorted([a, b])
    assert PURE.add_working_hours(moment, small / 60) <= PURE.add_working_hours(moment, large / 60)


@PROPERTY
@given(moments, st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=10**6))
def test_property_adding_is_additive(moment, a, b):
    assert PURE.add_working_seconds(PURE.add_working_seconds(moment, a), b) == PURE.add_working_seconds(
        moment, a + b
    )


@PROPERTY
@given(moments, moments, moments)
def test_property_measuring_is_non_negative_and_splits_at_any_point(x, y, z):
    a, b, c = sorted([x, y, z])
    assert PURE.working_seconds_between(a, c) >= 0
    assert PURE.working_seconds_between(a, c) == PURE.working_seconds_between(
        a, b
    ) + PURE.working_seconds_between(b, c)
    assert PURE.working_seconds_between(c, a) == -PURE.working_seconds_between(a, c)


@PROPERTY
@given(moments, st.integers(min_value=1, max_value=60))
def test_property_working_days_land_on_the_nth_workday_at_closing_time(moment, days):
    deadline = PURE.add_working_days(moment, days)
    assert deadline.timetz().replace(tzinfo=None) == PURE.office_hours[-1][1]
    start_day = moment.astimezone(TZ).date()
    assert PURE.is_workday(deadline.date())
    assert PURE.working_days_between(start_day + timedelta(days=1), deadline.date()) == days
