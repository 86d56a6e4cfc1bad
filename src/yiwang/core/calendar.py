"""Working-day calendar (工作日历): statutory holidays, 调休 make-up workdays and office hours.

SLA arithmetic for every loop in the platform goes through these functions:
`add_working_days`, `add_working_hours` and `working_seconds_between`. Weekends are rest days
unless listed as `MakeupWorkday`; weekdays are working days unless listed as `Holiday`.
Office hours come from `YIWANG_OFFICE_HOURS` ("09:00-12:00,13:30-17:30").

Caching: the holiday tables are small and read on every deadline computation, so the calendar is
kept in memory. `invalidate_calendar()` drops it in this process (the calendar actions and the
admin call it after a commit); other processes notice an edit by re-reading the two tables (one
query) at most every `YIWANG_CALENDAR_REFRESH_SECONDS` (default 60; `None` = only on
invalidation, which keeps query counts deterministic in tests; 0 = on every call). A change of
`YIWANG_OFFICE_HOURS` is picked up immediately."""

from __future__ import annotations

import itertools
import threading
import time as monotonic_clock
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import IntegerField, Value
from django.utils import timezone

from yiwang.core.models import Holiday, MakeupWorkday

DEFAULT_REFRESH_SECONDS = 60.0


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[date]
    makeup_workdays: frozenset[date]
    office_hours: tuple[tuple[time, time], ...]

    def __post_init__(self) -> None:
        if not self.office_hours:
            raise ValueError("办公时段不能为空")

    # -- days ---------------------------------------------------------------------------------
    def is_workday(self, day: date) -> bool:
        if day in self.makeup_workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def next_workday(self, day: date) -> date:
        """The first working day strictly after `day`."""
        day += timedelta(days=1)
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, moment: datetime, days: int) -> datetime:
        """The deadline `days` working days after `moment`: the end of office hours on that day.

        A deadline of N working days counts from the next working day (次日起算, as the
        Administrative Licensing Law counts periods), so N=1 on a Friday ends on Monday, and a
        moment on a rest day counts from the first working day after it. N=0 is `moment` itself."""
        if days < 0:
            raise ValueError("工作日数不能为负数")
        local = _local(moment)
        if days == 0:
            return moment
        day = local.date()
        for _ in range(days):
            day = self.next_workday(day)
        return self._at(day, self.office_hours[-1][1])

    # -- hours --------------------------------------------------------------------------------
    @property
    def seconds_per_day(self) -> int:
        return sum(_seconds(start, end) for start, end in self.office_hours)

    def add_working_hours(self, moment: datetime, hours: float) -> datetime:
        """The moment `hours` of office time after `moment` (time outside office hours does not count).

        Hours are rounded to whole seconds. The result of a positive duration always lies inside
        office hours of a working day (a period's end counts as inside)."""
        if hours < 0:
            raise ValueError("工作时长不能为负数")
        return self.add_working_seconds(moment, round(hours * 3600))

    def add_working_seconds(self, moment: datetime, seconds: int) -> datetime:
        if seconds < 0:
            raise ValueError("工作时长不能为负数")
        local = _local(moment)
        if seconds == 0:
            return moment
        remaining = timedelta(seconds=seconds)
        day = local.date()
        cursor: datetime | None = local
        per_day = timedelta(seconds=self.seconds_per_day)
        while True:
            if self.is_workday(day):
                if cursor is None and remaining > per_day:
                    # A whole working day from its start: skip it without walking the periods.
                    remaining -= per_day
                else:
                    for start, end in self.office_hours:
                        begin = self._at(day, start)
                        finish = self._at(day, end)
                        if cursor is not None and cursor > begin:
                            begin = cursor
                        if begin >= finish:
                            continue
                        available = finish - begin
                        if remaining <= available:
                            return begin + remaining
                        remaining -= available
            day += timedelta(days=1)
            cursor = None

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Exact office time in [start, end); negative when end is before start."""
        if end < start:
            return -self.working_time_between(end, start)
        first = _local(start)
        last = _local(end)
        total = timedelta(0)
        day = first.date()
        last_day = last.date()
        per_day = timedelta(seconds=self.seconds_per_day)
        while day <= last_day:
            if self.is_workday(day):
                if first.date() < day < last_day:
                    total += per_day
                else:
                    for period_start, period_end in self.office_hours:
                        begin = max(self._at(day, period_start), first)
                        finish = min(self._at(day, period_end), last)
                        if finish > begin:
                            total += finish - begin
            day += timedelta(days=1)
        return total

    def working_seconds_between(self, start: datetime, end: datetime) -> int:
        """Office-time seconds in [start, end) (fractions of a second dropped); negative when end < start."""
        return int(self.working_time_between(start, end).total_seconds())

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in the closed range [start, end] (0 when end < start)."""
        count = 0
        day = start
        while day <= end:
            if self.is_workday(day):
                count += 1
            day += timedelta(days=1)
        return count

    def _at(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=timezone.get_default_timezone())


def _local(moment: datetime) -> datetime:
    """`moment` in the platform's zone (TIME_ZONE): office hours are the city's, whatever zone a
    request may have activated — and the default zone is cached, the current one a context lookup."""
    if timezone.is_naive(moment):
        raise ValueError("时间必须带时区（aware datetime）")
    return moment.astimezone(timezone.get_default_timezone())


def _seconds(start: time, end: time) -> int:
    return (end.hour * 3600 + end.minute * 60 + end.second) - (
        start.hour * 3600 + start.minute * 60 + start.second
    )


def parse_office_hours(text: str) -> tuple[tuple[time, time], ...]:
    """Parse "09:00-12:00,13:30-17:30" into sorted, non-overlapping periods (Chinese errors)."""
    periods = []
    for part in text.split(","):
        try:
            start_text, end_text = part.strip().split("-")
            start, end = time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip())
        except ValueError as exc:
            raise ValueError(f"办公时段 {part.strip()!r} 格式不正确，应为 HH:MM-HH:MM") from exc
        if start.microsecond or end.microsecond:
            raise ValueError(f"办公时段 {part.strip()} 精度最多到秒")
        if end <= start:
            raise ValueError(f"办公时段 {part.strip()} 无效：结束时间应晚于开始时间")
        periods.append((start, end))
    periods.sort()
    for (_, previous_end), (next_start, _) in itertools.pairwise(periods):
        if next_start < previous_end:
            raise ValueError("办公时段不能重叠")
    return tuple(periods)


# -- process cache ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cached:
    calendar: WorkCalendar
    office_hours_text: str
    checked_at: float
    generation: int


_lock = threading.Lock()
_state: _Cached | None = None
_generation = 0


def _load_days() -> tuple[frozenset[date], frozenset[date]]:
    """Both tables in one query (a UNION ALL tagged by kind)."""
    rows = (
        Holiday.objects.annotate(kind=Value(0, output_field=IntegerField()))
        .values_list("date", "kind")
        .order_by()
        .union(
            MakeupWorkday.objects.annotate(kind=Value(1, output_field=IntegerField()))
            .values_list("date", "kind")
            .order_by(),
            all=True,
        )
    )
    holidays: set[date] = set()
    makeup: set[date] = set()
    for day, kind in rows:
        (makeup if kind else holidays).add(day)
    return frozenset(holidays), frozenset(makeup)


def _refresh_seconds() -> float | None:
    value = getattr(settings, "YIWANG_CALENDAR_REFRESH_SECONDS", DEFAULT_REFRESH_SECONDS)
    return None if value is None else float(value)


def get_calendar() -> WorkCalendar:
    """The calendar from the database, cached in memory (see the module docstring for refreshing)."""
    global _state
    state = _state
    office_text = settings.YIWANG_OFFICE_HOURS
    now = monotonic_clock.monotonic()
    refresh = _refresh_seconds()
    if (
        state is not None
        and state.generation == _generation
        and state.office_hours_text == office_text
        and (refresh is None or now - state.checked_at < refresh)
    ):
        return state.calendar
    with _lock:
        generation = _generation
        holidays, makeup = _load_days()
        office_hours = parse_office_hours(office_text)
        if (
            state is not None
            and state.office_hours_text == office_text
            and state.calendar.holidays == holidays
            and state.calendar.makeup_workdays == makeup
        ):
            calendar = state.calendar
        else:
            calendar = WorkCalendar(holidays=holidays, makeup_workdays=makeup, office_hours=office_hours)
        _state = _Cached(calendar, office_text, now, generation)
        return calendar


def invalidate_calendar() -> None:
    """Drop this process's cached calendar; the next call re-reads the database."""
    global _generation, _state
    with _lock:
        _generation += 1
        _state = None


def add_working_days(moment: datetime, days: int) -> datetime:
    return get_calendar().add_working_days(moment, days)


def add_working_hours(moment: datetime, hours: float) -> datetime:
    return get_calendar().add_working_hours(moment, hours)


def working_seconds_between(start: datetime, end: datetime) -> int:
    return get_calendar().working_seconds_between(start, end)


def is_workday(day: date) -> bool:
    return get_calendar().is_workday(day)
