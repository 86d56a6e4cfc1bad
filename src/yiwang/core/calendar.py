"""Working-day calendar (工作日历): statutory holidays, 调休 make-up workdays and office hours.

SLA arithmetic for every loop in the platform goes through these functions:
`add_working_days`, `add_working_hours` and `working_seconds_between`. Weekends are rest days
unless listed as `MakeupWorkday`; weekdays are working days unless listed as `Holiday`.
Office hours come from `YIWANG_OFFICE_HOURS` ("09:00-12:00,13:30-17:30")."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from django.conf import settings
from django.utils import timezone

from yiwang.core.models import Holiday, MakeupWorkday


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[date]
    makeup_workdays: frozenset[date]
    office_hours: tuple[tuple[time, time], ...]

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
        Administrative Licensing Law counts periods), so N=1 on a Friday ends on Monday."""
        if days < 0:
            raise ValueError("工作日数不能为负数")
        local = timezone.localtime(moment)
        day = local.date()
        for _ in range(days):
            day = self.next_workday(day)
        if days == 0:
            return moment
        return self._at(day, self.office_hours[-1][1])

    # -- hours --------------------------------------------------------------------------------
    @property
    def seconds_per_day(self) -> int:
        return sum(_seconds(start, end) for start, end in self.office_hours)

    def add_working_hours(self, moment: datetime, hours: float) -> datetime:
        """The moment `hours` of office time after `moment` (time outside office hours does not count)."""
        if hours < 0:
            raise ValueError("工作时长不能为负数")
        return self.add_working_seconds(moment, round(hours * 3600))

    def add_working_seconds(self, moment: datetime, seconds: int) -> datetime:
        remaining = seconds
        local = timezone.localtime(moment)
        day = local.date()
        cursor = local.time()
        if remaining == 0:
            return moment
        while True:
            if self.is_workday(day):
                for start, end in self.office_hours:
                    begin = max(start, cursor)
                    if begin >= end:
                        continue
                    available = _seconds(begin, end)
                    if remaining <= available:
                        return self._at(day, begin) + timedelta(seconds=remaining)
                    remaining -= available
            day += timedelta(days=1)
            cursor = time(0, 0)

    def working_seconds_between(self, start: datetime, end: datetime) -> int:
        """Office-time seconds in [start, end); negative when end is before start."""
        if end < start:
            return -self.working_seconds_between(end, start)
        first = timezone.localtime(start)
        last = timezone.localtime(end)
        total = 0
        day = first.date()
        while day <= last.date():
            if self.is_workday(day):
                for period_start, period_end in self.office_hours:
                    begin = self._at(day, period_start)
                    finish = self._at(day, period_end)
                    overlap = (min(finish, last) - max(begin, first)).total_seconds()
                    if overlap > 0:
                        total += int(overlap)
            day += timedelta(days=1)
        return total

    def _at(self, day: date, at: time) -> datetime:
        return timezone.make_aware(datetime.combine(day, at), timezone.get_current_timezone())


def _seconds(start: time, end: time) -> int:
    return (end.hour * 3600 + end.minute * 60 + end.second) - (
        start.hour * 3600 + start.minute * 60 + start.second
    )


def parse_office_hours(text: str) -> tuple[tuple[time, time], ...]:
    periods = []
    for part in text.split(","):
        start_text, end_text = part.strip().split("-")
        start, end = time.fromisoformat(start_text), time.fromisoformat(end_text)
        if end <= start:
            raise ValueError(f"办公时段 {part} 无效：结束时间应晚于开始时间")
        periods.append((start, end))
    periods.sort()
    for (_, previous_end), (next_start, _) in itertools.pairwise(periods):
        if next_start < previous_end:
            raise ValueError("办公时段不能重叠")
    return tuple(periods)


@lru_cache(maxsize=1)
def _cached(version: int) -> WorkCalendar:
    return WorkCalendar(
        holidays=frozenset(Holiday.objects.values_list("date", flat=True)),
        makeup_workdays=frozenset(MakeupWorkday.objects.values_list("date", flat=True)),
        office_hours=parse_office_hours(settings.YIWANG_OFFICE_HOURS),
    )


_version = 0


def get_calendar() -> WorkCalendar:
    """The calendar from the database, cached until `invalidate_calendar()` (called when admins edit it)."""
    return _cached(_version)


def invalidate_calendar() -> None:
    global _version
    _version += 1
    _cached.cache_clear()


def add_working_days(moment: datetime, days: int) -> datetime:
    return get_calendar().add_working_days(moment, days)


def add_working_hours(moment: datetime, hours: float) -> datetime:
    return get_calendar().add_working_hours(moment, hours)


def working_seconds_between(start: datetime, end: datetime) -> int:
    return get_calendar().working_seconds_between(start, end)


def is_workday(day: date) -> bool:
    return get_calendar().is_workday(day)
