"""Demo moments laid out backwards from the moment of seeding, in office time, so that what the demo
shows (new, nearly due, overdue) is the same whenever it is seeded (`demo.services_showcase`,
`demo.workflows`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from yiwang.core.calendar import WorkCalendar


@dataclass(frozen=True)
class Ago:
    """`days` working days plus `hours` working hours before now (office time only)."""

    days: float = 0.0
    hours: float = 0.0


@dataclass(frozen=True)
class Day:
    """`back` working days before the current working day (today, or the last one on a rest day), at
    `hour` o'clock."""

    back: int
    hour: float = 10.0


When = Ago | Day


def _previous_workday(calendar: WorkCalendar, day: date) -> date:
    day -= timedelta(days=1)
    while not calendar.is_workday(day):
        day -= timedelta(days=1)
    return day


def _at(day: date, hour: float) -> datetime:
    midnight = timezone.make_aware(datetime.combine(day, time(0, 0)), timezone.get_current_timezone())
    return midnight + timedelta(hours=hour)


def moment_of(when: When, calendar: WorkCalendar, now: datetime) -> datetime:
    """The moment `when` stands for, seen from `now`."""
    today = timezone.localdate(now)
    if isinstance(when, Day):
        day = today if calendar.is_workday(today) else _previous_workday(calendar, today)
        for _ in range(when.back):
            day = _previous_workday(calendar, day)
        return _at(day, when.hour)
    seconds = round(when.days * calendar.seconds_per_day + when.hours * 3600)
    day = today
    for _ in range(int(seconds // max(calendar.seconds_per_day, 1)) + 3):
        day = _previous_workday(calendar, day)
    origin = _at(day, 0)
    total = calendar.working_seconds_between(origin, now)
    return calendar.add_working_seconds(origin, total - seconds)
