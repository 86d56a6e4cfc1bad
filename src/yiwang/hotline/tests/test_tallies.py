"""热线月度计数 (hotline.tallies): the tallies follow every write of a ticket, the page's figures summed
from them equal a count of the tickets themselves (whole months, partial months, a 部门负责人's 协办
tickets), and `yiwang hotline tally` finds and repairs tallies that went wrong."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F, Q

from yiwang.core.scoping import scope_q
from yiwang.hotline import tallies
from yiwang.hotline.models import Ticket, TicketCategory, TicketParty, TicketTally
from yiwang.hotline.permissions import VIEW_STATISTICS
from yiwang.hotline.selectors import statistics as selectors
from yiwang.hotline.tests.test_statistics import closed, dispatched, ticket, visited
from yiwang.identity.actor import Actor
from yiwang.identity.models import DataScope
from yiwang.workflow.tests.factories import staff

pytestmark = pytest.mark.django_db


def tally(city, *, org: str, category: str | None = "vending", region: str = "east") -> dict[str, int] | None:
    row = TicketTally.objects.filter(
        month=date(2026, 11, 1),
        organization=city.orgs[org],
        category=city.categories[category] if category else None,
        region=city.regions[region],
        kind=Ticket.Kind.COMPLAINT,
    ).first()
    return None if row is None else {"total": row.total, "closed": row.closed, "on_time": row.closed_on_time}


def test_the_tally_follows_a_ticket_through_redispatch_closure_and_reclassification(
    hotline_city, django_assert_num_queries
):
    city = hotline_city
    made = ticket(city, "2026-11-02 09:00")
    assert tally(city, org="urban") == {"total": 1, "closed": 0, "on_time": 0}

    Ticket.objects.filter(pk=made.pk).update(
        organization=city.orgs["eco"], **closed("2026-11-05 10:00", on_time=True)
    )
    assert tally(city, org="urban") == {"total": 0, "closed": 0, "on_time": 0}
    assert tally(city, org="eco") == {"total": 1, "closed": 1, "on_time": 1}

    made.refresh_from_db()
    made.category = None
    made.save()
    assert tally(city, org="eco") == {"total": 0, "closed": 0, "on_time": 0}
    assert tally(city, org="eco", category=None) == {"total": 1, "closed": 1, "on_time": 1}

    with django_assert_num_queries(1):  # a field no counter reads: the UPDATE alone
        Ticket.objects.filter(pk=made.pk).update(title="改过的标题")
    assert tallies.differences() == []


def test_a_tally_that_went_wrong_is_found_and_rebuilt(hotline_city, capsys):
    ticket(hotline_city, "2026-11-02 09:00")
    ticket(hotline_city, "2026-10-02 09:00", org="eco")
    call_command("hotline_tally", "--check")
    TicketTally.objects.filter(month=date(2026, 11, 1)).update(total=F("total") + 5)
    with pytest.raises(CommandError, match="不一致：1 处"):
        call_command("hotline_tally", "--check")
    call_command("hotline_tally")
    assert "已按工单重算" in capsys.readouterr().out
    assert tallies.differences() == []
    assert sum(TicketTally.objects.values_list("total", flat=True)) == 2


def _random_tickets(city, rng: random.Random, n: int) -> list[Ticket]:
    made = []
    for _ in range(n):
        day = date(2026, 8, 20) + timedelta(days=rng.randrange(100))  # 20 August to 27 November
        when = f"{day:%Y-%m-%d} {rng.randrange(24):02d}:{rng.randrange(60):02d}"
        fields: dict = {"kind": rng.choice(Ticket.Kind.values)}
        if rng.random() < 0.8:
            fields |= dispatched(when, signed_on_time=rng.choice([True, False]))
        if rng.random() < 0.6:
            fields |= closed(f"{day + timedelta(days=3):%Y-%m-%d} 10:00", on_time=rng.random() < 0.7)
            if rng.random() < 0.7:
                fields |= visited(rng.choice(Ticket.Satisfaction.values), resolved=rng.random() < 0.8)
        made.append(
            ticket(
                city,
                when,
                org=rng.choice(["urban", "eco", "hrss", "east_urban"]),
                category=rng.choice(["vending", "construction", "wages", None]),
                region=rng.choice(["east", "west", "street", "city"]),
                phone=rng.choice(["13900000001", "13900000002", ""]),
                returned_count=rng.choice([0, 0, 0, 1]),
                **fields,
            )
        )
    return made


def city_category(code: str):
    return TicketCategory.objects.get(code=code)


def _counted(actor: Actor, filters: selectors.Filters, period) -> dict[str, int]:
    """The counters straight from the tickets (the definition the tallies must add up to): the
    tickets in the actor's data scope or with any party of theirs."""
    reach = scope_q(Ticket, actor, VIEW_STATISTICS)
    if reach:
        reach |= Q(pk__in=TicketParty.objects.for_actor(actor, VIEW_STATISTICS).values("ticket_id"))
    tickets = Ticket.objects.filter(reach, filters.q(), selectors._in(period))
    return {name: int(value) for name, value in tickets.aggregate(**selectors.counter_aggregates()).items()}


def test_the_figures_summed_from_tallies_equal_a_count_of_the_tickets(hotline_city):
    city = hotline_city
    rng = random.Random(7)
    made = _random_tickets(city, rng, 120)
    for t in rng.sample(made, 30):  # 协办 of the 生态环境局 on other departments' tickets
        if t.organization_id != city.orgs["eco"].pk:
            TicketParty.objects.create(
                ticket=t,
                organization=city.orgs["eco"],
                role=TicketParty.Role.ASSIST,
                created_at=t.registered_at,
            )
    head = Actor.for_user(staff(city.orgs["eco"], roles=["department_head"], scope=DataScope.DEPARTMENT))
    district = Actor.for_user(
        staff(city.orgs["east_urban"], roles=["department_head"], scope=DataScope.REGION)
    )
    cases = [
        {"month": "2026-10"},
        {"date_from": "2026-09-15", "date_to": "2026-11-20"},  # October whole, September and November in part
        {"date_from": "2026-09-03", "date_to": "2026-09-10"},  # no whole month
        {"month": "2026-11", "kind": "complaint"},
        {"date_from": "2026-08-25", "date_to": "2026-11-30", "region": "329902"},
        {"month": "2026-09", "organization": str(city.orgs["urban"].pk)},
    ]
    for actor in (city.actor("dispatcher"), head, district):
        for case in cases:
            filters = selectors.filters_of(**case)
            stats = selectors.statistics_for(actor, filters)
            assert stats.totals == _counted(actor, filters, filters.period), (actor, case)
            assert stats.totals["total"] > 0, case
            for point in stats.trend:
                year, month = (int(part) for part in point.month.split("-"))
                first = date(year, month, 1)
                following = date(year + month // 12, month % 12 + 1, 1)
                span = selectors.Period(first, following - timedelta(days=1))
                assert point.total == _counted(actor, filters, span)["total"], (actor, case, point)
            before = filters.period.previous()
            for topic in stats.hot + stats.rising:
                leaf = selectors.Filters(
                    before, filters.organization, city_category(topic.code), filters.region, filters.kind
                )
                assert topic.previous == _counted(actor, leaf, before)["total"], (actor, case, topic)
                assert topic.current == _counted(actor, leaf, filters.period)["total"], (actor, case, topic)


def test_a_department_head_counts_their_joint_and_former_tickets_once(hotline_city):
    city = hotline_city
    urban, eco = city.orgs["urban"], city.orgs["eco"]
    parties: list[tuple[Ticket, object, str, bool]] = []
    own = ticket(city, "2026-11-02 09:00", org="eco", category="construction")
    parties += [(own, eco, TicketParty.Role.LEAD, False), (own, urban, TicketParty.Role.ASSIST, False)]
    joint = ticket(city, "2026-11-03 09:00", org="urban")
    parties += [(joint, urban, TicketParty.Role.LEAD, False), (joint, eco, TicketParty.Role.ASSIST, False)]
    moved = ticket(city, "2026-11-04 09:00", org="urban")  # returned by 生态环境局, re-dispatched
    parties += [(moved, eco, TicketParty.Role.LEAD, True), (moved, urban, TicketParty.Role.LEAD, False)]
    other = ticket(city, "2026-11-05 09:00", org="urban")  # never theirs
    parties += [(other, urban, TicketParty.Role.LEAD, False)]
    for t, org, role, returned in parties:
        TicketParty.objects.create(
            ticket=t, organization=org, role=role, returned=returned, created_at=t.registered_at
        )
    head = Actor.for_user(staff(eco, roles=["department_head"], scope=DataScope.DEPARTMENT))
    stats = selectors.statistics_for(head, selectors.filters_of(month="2026-11"))
    assert stats.totals["total"] == 3
    assert {row.code: row.counts["total"] for row in stats.departments} == {"city-eco": 1, "city-urban": 2}
    assert stats.trend[-1].total == 3
