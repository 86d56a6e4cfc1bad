"""The demo accounts' applications show the same deadline colours whenever the demo is seeded: at any
hour of a working day, in the evening and at the weekend.

A small city (the named people and the demo enterprise, the accounts and the catalogue, no bulk
history) is built once for this module inside a transaction rolled back afterwards; the showcase is
seeded at each moment inside a savepoint."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.test import TestCase

from yiwang.core.calendar import get_calendar, invalidate_calendar
from yiwang.demo import accounts, geography, organizations, services_catalog, services_showcase, subjects
from yiwang.identity.actor import Actor
from yiwang.services.models import Application
from yiwang.web.sla import deadline_view
from yiwang.workflow.models import ProcessInstance

TZ = ZoneInfo("Asia/Shanghai")
# story number → the colour it is there to show (none: completed)
EXPECTED = {
    1: "ok",
    2: "suspended",
    3: "none",
    4: "ok",
    5: "overdue",
    6: "warning",
    7: "overdue",
    8: "ok",
    9: "ok",
    10: "ok",
    11: "none",
    12: "none",
    13: "none",
    14: "warning",
}
MOMENTS = (
    "2026-11-16 08:00",  # Monday before office hours
    "2026-11-16 09:05",
    "2026-11-16 11:40",
    "2026-11-16 15:45",  # the last two hours of the day (待受理 预警 window)
    "2026-11-16 17:29",
    "2026-11-16 21:00",  # evening
    "2026-11-18 13:00",  # Wednesday lunch break
    "2026-11-21 12:00",  # Saturday
    "2026-11-22 23:30",  # Sunday night
)


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    from yiwang.workflow.actions import definitions_load

    with django_db_blocker.unblock(), transaction.atomic():
        invalidate_calendar()
        regions, _ = geography.seed_regions()
        orgs, _ = organizations.seed_organizations(regions)
        subjects.seed_subjects(regions, person_count=30, enterprise_count=5)
        accounts.seed_accounts(orgs)
        definitions_load(actor=Actor.system())
        items = services_catalog.seed_service_items(orgs, use_actions=False).items
        yield items
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_stories_are_unique_and_keyed():
    numbers = [story.number for story in services_showcase.STORIES]
    assert sorted(numbers) == sorted(EXPECTED) == list(range(1, 15))
    assert len({story.key for story in services_showcase.STORIES}) == len(numbers)


@pytest.mark.parametrize("moment", MOMENTS)
def test_colours_do_not_depend_on_the_hour_of_seeding(city, moment):
    now = datetime.fromisoformat(moment).replace(tzinfo=TZ)
    calendar = get_calendar()
    with TestCase.captureOnCommitCallbacks(execute=True):
        result = services_showcase.seed_showcase(city, now=now)
    assert (result.created, result.total) == (14, 14)

    seen = {}
    for application in Application.objects.filter(idempotency_key__startswith=services_showcase.KEY_PREFIX):
        instance = ProcessInstance.objects.get(pk=application.process_instance_id)
        seen[int(application.idempotency_key[-2:])] = deadline_view(
            instance, now=now, calendar=calendar
        ).status
        # Every step happened before `now`, in order.
        moments = list(instance.events.order_by("pk").values_list("created_at", flat=True))
        assert moments == sorted(moments) and moments[-1] <= now
    assert seen == EXPECTED, moment

    # A second run at the same moment adds nothing.
    assert services_showcase.seed_showcase(city, now=now).created == 0


def test_moment_of_counts_office_time_backwards():
    calendar = get_calendar()
    monday = datetime(2026, 11, 16, 10, 0, tzinfo=TZ)
    at = services_showcase.moment_of
    assert at(services_showcase.Ago(hours=1.5), calendar, monday) == datetime(2026, 11, 13, 17, 0, tzinfo=TZ)
    assert at(services_showcase.Ago(days=1), calendar, monday) == datetime(2026, 11, 13, 10, 0, tzinfo=TZ)
    assert at(services_showcase.Day(1, 14), calendar, monday) == datetime(2026, 11, 13, 14, 0, tzinfo=TZ)
    saturday = datetime(2026, 11, 21, 12, 0, tzinfo=TZ)
    assert at(services_showcase.Day(2), calendar, saturday) == datetime(2026, 11, 18, 10, 0, tzinfo=TZ)
    assert at(services_showcase.Ago(hours=2), calendar, saturday) == datetime(2026, 11, 20, 15, 30, tzinfo=TZ)
