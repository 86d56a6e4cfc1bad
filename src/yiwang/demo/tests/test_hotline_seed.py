"""The 12345 demo: the plans of a year at the centre, the bulk rows and proof that they are what the real
actions write, the named accounts' live work, and a second seed that adds nothing.

The city (regions, departments, people, accounts) and its 12345 stages are seeded twice for this
module inside one transaction rolled back afterwards, with a 300-ticket history (the full 50,000 are
measured by `yiwang seed`, not here)."""

from __future__ import annotations

import itertools
import re
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from yiwang.core.models import Notification, Organization
from yiwang.demo import (
    accounts,
    geography,
    grids,
    hotline,
    hotline_history,
    hotline_plans,
    organizations,
    subjects,
)
from yiwang.hotline import tallies
from yiwang.hotline.actions.tickets import ticket_callback, ticket_sign_for
from yiwang.hotline.models import (
    OPEN_STATUSES,
    DispatchCatalog,
    ExtensionRequest,
    KnowledgeEntry,
    Ticket,
    TicketCategory,
    TicketParty,
    TicketSequence,
)
from yiwang.hotline.selectors.tickets import tickets_for
from yiwang.identity.actor import Actor
from yiwang.identity.models import User
from yiwang.workflow.models import Escalation, InstanceLink, ProcessEvent, ProcessHandler, ProcessInstance
from yiwang.workflow.selectors import inbox_for

SIZE = 300
CORPUS = 1_300
MODELS = (
    Ticket, TicketParty, TicketSequence, ExtensionRequest, KnowledgeEntry, TicketCategory, DispatchCatalog,
    ProcessInstance, ProcessEvent, ProcessHandler, InstanceLink, Escalation, User,
)  # fmt: skip


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def _seed_hotline(orgs: dict[str, Organization]) -> dict[str, Any]:
    """The 12345 stages as `demo.city` runs them, each in its own transaction."""
    with transaction.atomic():
        catalog = hotline.seed_hotline_catalog()
    with transaction.atomic():
        knowledge = hotline.seed_knowledge(orgs)
    model = hotline.seed_classifier(size=CORPUS)
    with transaction.atomic():
        history = hotline_history.seed_hotline_history(orgs, size=SIZE)
    with TestCase.captureOnCommitCallbacks(execute=True), transaction.atomic():
        showcase = hotline.seed_hotline_showcase(orgs)
    return {
        "catalog": catalog,
        "knowledge": knowledge,
        "model": model,
        "history": history,
        "showcase": showcase,
    }


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        started = timezone.now()
        regions, _ = geography.seed_regions()
        grids.seed_grids()  # tickets with a point get their grid, in bulk and through the actions
        orgs, _ = organizations.seed_organizations(regions)
        subjects.seed_subjects(regions, seed=subjects.DEFAULT_SEED)
        accounts.seed_accounts(orgs)
        first = _seed_hotline(orgs)
        after_first = _counts()
        second = _seed_hotline(orgs)
        after_second = _counts()
        yield {
            "first": first,
            "second": second,
            "after_first": after_first,
            "after_second": after_second,
            "started": started,
            "orgs": orgs,
        }
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def _history():
    return Ticket.objects.filter(idempotency_key__startswith=hotline_plans.KEY_PREFIX)


def _showcase(key: str) -> Ticket:
    return Ticket.objects.get(idempotency_key=f"{hotline.KEY_PREFIX}{key}")


# -- the plans ---------------------------------------------------------------------------------------------

NOW = datetime(2026, 11, 18, 7, 30, tzinfo=UTC)  # a Wednesday, 15:30 in 示范市


@pytest.fixture(scope="module")
def year(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():  # the working calendar is read from the database
        return hotline_plans.plans(size=4_000, now=NOW)


def test_plans_are_deterministic(year):
    again = hotline_plans.plans(size=4_000, now=NOW)
    assert again == year
    assert [p.index for p in year] == list(range(4_000))
    assert len({p.key for p in year}) == 4_000
    assert all(a.registered_at <= b.registered_at for a, b in itertools.pairwise(year))
    assert hotline_plans.plans(size=300, now=NOW, seed=7)[0] != hotline_plans.plans(size=300, now=NOW)[0]


def test_plans_have_the_mix_of_a_hotline(year):
    n = len(year)
    kinds = Counter(p.kind for p in year)
    assert 0.31 < kinds["consult"] / n < 0.39
    assert 0.26 < kinds["complaint"] / n < 0.34
    assert 0.12 < kinds["help"] / n < 0.18
    assert {"report", "suggestion", "praise"} <= set(kinds)
    assert 0.03 < sum(p.urgency == "urgent" for p in year) / n < 0.07
    assert 0.015 < sum(p.confidential for p in year) / n < 0.045
    assert 0.01 < sum(p.primary is not None for p in year) / n < 0.035
    # 咨询 are mostly answered on the spot, from the knowledge base.
    consults = [p for p in year if p.kind == "consult" and p.story != "merged"]
    answered = [p for p in consults if p.story == "answered"]
    assert 0.7 < len(answered) / len(consults) < 0.9
    assert all(p.entry and p.steps[0].action == "answer" for p in answered)
    # Repeat callers: the same phone about the same matter within 30 days.
    seen: dict[tuple[str, str], datetime] = {}
    repeats = 0
    for plan in year:
        key = (plan.caller_phone, plan.category)
        if plan.primary is None and key in seen and plan.registered_at - seen[key] <= timedelta(days=30):
            repeats += 1
        seen[key] = plan.registered_at
    assert 0.035 < repeats / n < 0.09
    assert all(re.fullmatch(r"1[3-9]\d{9}", p.caller_phone) for p in year)


def test_plans_spread_like_a_year_of_calls(year):
    first, last = year[0].registered_at, year[-1].registered_at
    assert last - first > timedelta(days=360) and last < NOW
    local = [timezone.localtime(p.registered_at) for p in year if not p.story.startswith("open_")]
    weekday = Counter(moment.weekday() for moment in local)
    assert min(weekday[d] for d in range(5)) > max(weekday[5], weekday[6])
    months = Counter(moment.month for moment in local)
    assert months[7] > 1.3 * months[2]
    hours = Counter(moment.hour for moment in local)
    assert hours[10] > 10 * hours[3]
    # Matters have seasons: 排水 in the rainy summer.
    drainage = Counter(
        timezone.localtime(p.registered_at).month for p in year if p.category == "municipal.drainage"
    )
    assert drainage[6] + drainage[7] + drainage[8] > drainage[12] + drainage[1] + drainage[2]


def test_every_story_is_drawn(year):
    stories = Counter(p.story for p in year)
    assert set(stories) >= {
        "standard", "answered", "single", "consult_dispatched", "late", "returned", "refused", "extended",
        "extension_refused", "rejected", "merged", *(story for story, _share, _minimum in hotline_plans.OPEN_STORIES),
    }  # fmt: skip
    actions = Counter(step.action for p in year for step in p.steps)
    assert actions["callback"] > actions["close"] * 0.8
    dissatisfied = sum(
        1 for p in year for s in p.steps if s.action == "callback" and s.satisfaction == "dissatisfied"
    )
    callbacks = sum(1 for p in year for s in p.steps if s.action == "callback")
    assert 0.04 < dissatisfied / callbacks < 0.12
    # Every step happens after the one before and before `now`... or not yet (the writer drops it).
    for plan in year:
        moments = [plan.registered_at, *(s.at for s in plan.steps)]
        assert moments == sorted(moments), plan.index


# -- the bulk history ----------------------------------------------------------------------------------


def test_every_ticket_state_is_present(seeded):
    history = _history()
    assert history.count() == SIZE == seeded["first"]["history"].total
    statuses = Counter(history.values_list("status", flat=True))
    assert set(statuses) == set(Ticket.Status.values), statuses
    assert statuses["archived"] > SIZE / 2
    assert set(history.values_list("kind", flat=True)) == set(Ticket.Kind.values)
    # Joint handlings, returns, reopenings, extensions, merges, callbacks and the timer's archiving.
    assert TicketParty.objects.filter(ticket__in=history, role="assist").exists()
    assert history.filter(returned_count__gt=0).exists()
    assert history.filter(reopened_count__gt=0).exists()
    assert ExtensionRequest.objects.filter(ticket__in=history, status="approved").exists()
    assert ExtensionRequest.objects.filter(ticket__in=history, status="pending").exists()
    assert history.filter(merged_into__isnull=False).exists()
    assert history.filter(knowledge_entry__isnull=False, status__in=("closed", "archived")).exists()
    # 回访: satisfied nine times in ten; the others reopened (重办), most of them satisfied the second time.
    satisfied = history.filter(
        satisfaction__in=("very_satisfied", "satisfied", "basically_satisfied")
    ).count()
    reopened = ProcessEvent.objects.filter(
        action="reopen", instance_id__in=history.values("process_instance_id")
    )
    assert satisfied > 5 * reopened.count() > 0
    archived_by_timer = ProcessEvent.objects.filter(
        action="auto_archive", instance_id__in=history.values("process_instance_id")
    )
    assert archived_by_timer.exists()
    assert history.filter(confidential=True).exists()
    flags = Counter(
        (instance.overdue, instance.warning, instance.completed_at is None)
        for instance in ProcessInstance.objects.filter(pk__in=history.values("process_instance_id"))
    )
    assert flags[(True, True, True)]  # open and overdue
    assert flags[(False, False, True)]  # open, in time
    assert flags[(False, False, False)]  # archived


def test_bulk_rows_agree_with_each_other(seeded):
    """Status = state; the time limit, inbox rows and flags as the engine keeps them; the 主办 as the
    dispatches left it; numbers unique, with the daily sequences past them."""
    started, now = seeded["started"], timezone.now()
    instances = {i.pk: i for i in ProcessInstance.objects.filter(definition__code="hotline_12345")}
    handlers = Counter(ProcessHandler.objects.values_list("instance_id", flat=True))
    leads = {}
    for party in TicketParty.objects.filter(role="lead").order_by("created_at", "pk"):
        leads[party.ticket_id] = party
    numbers = set()
    for ticket in _history().select_related("organization"):
        instance = instances[ticket.process_instance_id]
        assert instance.object_id == str(ticket.pk)
        assert instance.state == ticket.status
        assert (instance.completed_at is not None) == (ticket.status == "archived")
        day = timezone.localdate(ticket.registered_at)
        assert re.fullmatch(rf"12345{day:%Y%m%d}\d{{6}}", ticket.ticket_no)
        numbers.add(ticket.ticket_no)
        if ticket.status not in ("closed", "archived"):
            assert ticket.due_at == instance.deadline
        if ticket.merged_into_id is not None:
            assert not handlers[instance.pk]
            assert instance.suspended_at is not None or instance.completed_at is not None
        elif instance.completed_at is None:
            assert handlers[instance.pk], ticket.ticket_no
            if instance.overdue:
                assert instance.due_at < now
            if instance.due_at < started:
                assert instance.overdue
        else:
            assert not handlers[instance.pk]
        if ticket.status == "returned" or ticket.pk not in leads:
            assert ticket.organization.code == "city-12345"
        else:
            assert ticket.organization_id == leads[ticket.pk].organization_id
            assert ticket.category_id is not None
    assert len(numbers) == SIZE
    # 重复来电: an earlier ticket of the same number and category within 30 days.
    rows = list(_history().values_list("pk", "caller_phone", "category_id", "registered_at", "is_repeat"))
    expected = {
        pk
        for pk, phone, category, moment, _repeat in rows
        if category is not None
        and any(
            (p, c) == (phone, category)
            and moment - timedelta(days=30) <= m <= moment
            and (m < moment or o < pk)
            for o, p, c, m, _r in rows
            if o != pk
        )
    }
    assert {pk for pk, *_rest, repeat in rows if repeat} == expected
    used: dict[str, int] = {}
    for number in numbers:
        used[number[5:13]] = max(used.get(number[5:13], 0), int(number[13:]))
    stored = {f"{s.day:%Y%m%d}": s.last_number for s in TicketSequence.objects.all()}
    assert all(stored[day] >= last for day, last in used.items())
    events = ProcessEvent.objects.filter(instance__definition__code="hotline_12345")
    assert events.filter(action="start").count() == len(instances)
    # Points lie in a grid of the ticket's region (as `ticket_register` places them); the monthly
    # counts of the KPIs equal a recount of the bulk rows and the showcase's.
    located = _history().filter(grid__isnull=False).select_related("grid__community", "region")
    assert located.count() > SIZE // 2
    assert all(t.grid.community.path.startswith(t.region.path) for t in located)
    assert not _history().filter(grid__isnull=False, longitude__isnull=True).exists()
    assert tallies.differences() == []


def test_second_seed_adds_nothing(seeded):
    assert seeded["after_first"] == seeded["after_second"]
    second = seeded["second"]
    assert second["catalog"].categories == second["catalog"].assignments == second["catalog"].rules == 0
    assert second["knowledge"].created == 0
    assert not second["model"].trained
    assert second["history"].created == second["showcase"].created == 0


def test_the_catalogue_and_knowledge_base_are_loaded(seeded):
    first = seeded["first"]
    assert first["catalog"].total_categories == len(hotline.hotline_catalog.CATEGORIES) == 80
    assert first["catalog"].rules == 4
    assert DispatchCatalog.objects.count() == sum(
        1 + len(a.assists) for a in hotline.hotline_catalog.ASSIGNMENTS
    )
    assert first["knowledge"].total == 148 and first["knowledge"].overdue == len(hotline.REVIEW_OVERDUE)
    entry = KnowledgeEntry.objects.get(code="kb-hrss-014")
    assert entry.category.code == "labour.wage_arrears" and entry.organization.code == "city-hrss"
    assert KnowledgeEntry.objects.filter(uses__gt=0).exists()
    assert first["model"].trained and first["model"].model.is_file()
    assert first["model"].corpus.read_text(encoding="utf-8").startswith("内容,类别\n")


# -- the bulk rows are the engine's ------------------------------------------------------------------------

TICKET_FIELDS = (
    "ticket_no", "kind", "urgency", "channel", "title", "content", "caller_name", "caller_phone", "confidential",
    "address", "longitude", "latitude", "region_id", "grid_id", "category_id", "suggested_category_id", "suggested_confidence",
    "organization_id", "status", "registered_by_id", "knowledge_entry_id", "idempotency_key", "registered_at",
    "due_at", "dispatched_at", "sign_due_at", "signed_at", "signed_on_time", "replied_at", "closed_at",
    "closed_on_time", "callback_at", "satisfaction", "resolved", "returned_count", "reopened_count", "is_repeat",
)  # fmt: skip
INSTANCE_FIELDS = (
    "definition_id", "content_type_id", "title", "state", "organization_id", "origin_organization_id",
    "region_id", "owner_id", "assignee_id", "child_role", "children_join", "claimed_by_id", "claimed_at",
    "claimed_codes", "started_at", "state_entered_at", "completed_at", "deadline", "warning_lead_seconds",
    "state_deadline", "state_warning_lead_seconds", "natural_clock", "state_natural_clock", "due_at", "warning_at",
    "escalation_due_at", "worklist_clock", "worklist_deadline", "worklist_warning_at", "warning", "overdue",
    "suspended_at", "suspended_remaining_seconds", "suspended_state_remaining_seconds", "extended_days",
    "overall_started_at", "escalated_at",
)  # fmt: skip
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _plain(value: Any) -> Any:
    """Instance ids differ between the two paths: name them by what they are."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, str) and UUID.match(value):
        return "<instance>"
    return value


def _flags(instance: ProcessInstance, now: datetime) -> tuple[bool, bool]:
    """`warning` / `overdue` as `tick(now)` leaves them (its first, bulk update)."""
    warning, overdue = instance.warning, instance.overdue
    if instance.completed_at is None and instance.suspended_at is None:
        warning = warning or (instance.warning_at is not None and instance.warning_at <= now)
        if instance.due_at is not None and instance.due_at < now:
            warning = overdue = True
    return warning, overdue


def _instance_snapshot(instance: ProcessInstance, now: datetime) -> dict[str, Any]:
    fields = {name: getattr(instance, name) for name in INSTANCE_FIELDS}
    fields["warning"], fields["overdue"] = _flags(instance, now)
    events = list(
        ProcessEvent.objects.filter(instance=instance)
        .order_by("created_at", "pk")
        .values_list("action", "action_name", "from_state", "to_state", "actor_id", "actor_label", "comment",
                     "fields", "created_at")
    )  # fmt: skip
    return {
        "fields": fields,
        "object": instance.object_id,
        "events": [(*event[:7], _plain(event[7]), event[8]) for event in events],
        "handlers": sorted(ProcessHandler.objects.filter(instance=instance).values_list("code", flat=True)),
        "escalations": sorted(
            Escalation.objects.filter(instance=instance).values_list(
                "state", "rule", "clock_started_at", "kind", "action", "fired_at", "notified_count"
            )
        ),
    }


def _snapshot(ticket: Ticket, now: datetime) -> dict[str, Any]:
    instance = ProcessInstance.objects.get(pk=ticket.process_instance_id)
    children = ProcessInstance.objects.filter(parent=instance).order_by("child_role", "organization_id")
    snapshot = {
        "ticket": {name: getattr(ticket, name) for name in TICKET_FIELDS},
        "merged_into": ticket.merged_into.ticket_no if ticket.merged_into else None,
        "instance": _instance_snapshot(instance, now),
        "children": [_instance_snapshot(child, now) for child in children],
        "parties": list(
            TicketParty.objects.filter(ticket=ticket)
            .order_by("created_at", "pk")
            .values_list("organization_id", "role", "returned", "created_at", "instance_id")
        ),
        "requests": list(
            ExtensionRequest.objects.filter(ticket=ticket)
            .order_by("requested_at")
            .values_list(
                "days",
                "reason",
                "status",
                "requested_by_id",
                "requested_at",
                "decided_by_id",
                "decided_at",
                "decision_comment",
            )
        ),
        "links": list(
            InstanceLink.objects.filter(secondary=instance).values_list(
                "kind", "actor_id", "comment", "created_at"
            )
        ),
    }
    assert snapshot["instance"]["object"] == str(ticket.pk)
    # Children are named by department and role, not by their ids.
    child_ids = {str(child.pk) for child in children}
    snapshot["parties"] = [
        (*row[:4], str(row[4]) in child_ids if row[4] else None) for row in snapshot["parties"]
    ]
    return snapshot


# One plan of every story (and the merged pair, replayed together), from a draw of its own.
STORIES = (
    "standard", "answered", "single", "consult_dispatched", "late", "returned", "refused", "extended",
    "extension_refused", "rejected", "late_dispatch", "open_registered", "open_dispatched", "open_returned",
    "open_handling", "open_overdue", "open_warning", "open_extension", "open_joint", "open_replied", "open_closed",
)  # fmt: skip


def _chosen(plans: list[hotline_plans.Plan], now: datetime) -> dict[str, list[hotline_plans.Plan]]:
    """A plan (never the same twice) of every story, and of the paths that cut across stories."""
    by_index = {p.index: p for p in plans}
    chosen: dict[str, list[hotline_plans.Plan]] = {}
    used: set[int] = set()

    def take(name: str, group: list[hotline_plans.Plan]) -> None:
        if name not in chosen and not {p.index for p in group} & used:
            chosen[name] = group
            used.update(p.index for p in group)

    for plan in plans:
        steps = {s.action for s in plan.steps}
        callbacks = [s for s in plan.steps if s.action == "callback"]
        if plan.primary is not None:
            take("merged", [by_index[plan.primary], plan])
        elif any(s.joint for s in plan.steps) and callbacks:
            take("joint", [plan])
        elif any(s.satisfaction == "dissatisfied" for s in callbacks):
            take("reopened", [plan])
        elif "close" in steps and not callbacks and plan.registered_at < now - timedelta(days=9):
            take("timer", [plan])
        elif plan.story in STORIES:
            take(plan.story, [plan])
    return chosen


def test_bulk_rows_equal_what_the_engine_writes(seeded):
    """Replay the same plans once through the real actions (`replay_via_engine`) and once through the
    bulk writer, at the same `now`: every stored field the actions and the engine derive must match."""
    now = timezone.now().replace(microsecond=0)
    orgs = seeded["orgs"]
    cast = hotline_history.seed_accounts(orgs)
    plans = hotline_plans.plans(size=1_500, seed=11, now=now, prefix="test-hotline-")
    chosen = _chosen(plans, now)
    assert set(chosen) >= {*STORIES, "joint", "reopened", "timer", "merged"}, sorted(
        set(STORIES) - set(chosen)
    )
    for story, group in chosen.items():
        savepoint = transaction.savepoint()
        with TestCase.captureOnCommitCallbacks(execute=False):
            replayed = hotline_history.replay_via_engine(group, cast, now=now)
            engine = [_snapshot(replayed[plan.index], now) for plan in group]
        transaction.savepoint_rollback(savepoint)
        assert hotline_history.write_history(group, cast, now=now, seed=11) == len(group)
        bulk = [_snapshot(Ticket.objects.get(idempotency_key=plan.key), now) for plan in group]
        for mine, theirs in zip(bulk, engine, strict=True):
            assert mine["ticket"] == theirs["ticket"], story
            for part in ("merged_into", "instance", "children", "parties", "requests", "links"):
                assert mine[part] == theirs[part], (story, part)


# -- the engine and the selectors on bulk rows ----------------------------------------------------------------


def test_handling_departments_list_their_open_tickets(seeded):
    """陈刚 (市城管局) and the officer of the district department with the most open tickets."""
    busiest = Counter(
        Ticket.objects.filter(status__in=OPEN_STATUSES, organization__code__startswith="d0").values_list(
            "organization__code", flat=True
        )
    ).most_common(1)[0][0]
    for username, code in (("handler", "city-urban"), (f"{busiest}-handler", busiest)):
        actor = Actor.for_user(User.objects.get(username=username))
        listed = set(tickets_for(actor, queue="open").values_list("pk", flat=True))
        theirs = Ticket.objects.filter(organization__code=code, status__in=OPEN_STATUSES)
        assert theirs.exists(), code
        assert set(theirs.values_list("pk", flat=True)) <= listed
        others = Ticket.objects.filter(pk__in=listed).exclude(organization__code=code)
        assert not others.exclude(parties__organization__code=code).exists()
        waiting = theirs.filter(status="dispatched")
        inbox = set(inbox_for(actor).values_list("pk", flat=True))
        assert {t.process_instance_id for t in waiting} <= inbox


def test_the_engine_continues_bulk_tickets(seeded):
    waiting = _history().filter(status="dispatched").select_related("organization").first()
    assert waiting is not None
    officer = User.objects.get(username=f"{waiting.organization.code}-handler")
    if waiting.organization.code == "city-urban":
        officer = User.objects.get(username="handler")
    signed = ticket_sign_for(actor=Actor.for_user(officer), ticket=waiting)
    assert signed.status == "handling" and signed.signed_at is not None
    closed = _history().filter(status="closed", merged_into__isnull=True).first()
    called = ticket_callback(
        actor=Actor.for_user(User.objects.get(username="agent")), ticket=closed, satisfaction="satisfied",
        resolved=True,
    )  # fmt: skip
    assert called.status == "archived"


# -- the named accounts' live work ------------------------------------------------------------------------


def test_showcase_gives_every_persona_work_today(seeded):
    showcase = Ticket.objects.filter(idempotency_key__startswith=hotline.KEY_PREFIX)
    assert showcase.count() == seeded["first"]["showcase"].total == 17
    statuses = Counter(showcase.values_list("status", flat=True))
    # 06 is the second pothole caller, merged into 05 and waiting with it in 待派单.
    assert statuses == {"registered": 3, "dispatched": 1, "handling": 8, "joint": 1, "returned": 1, "replied": 1,
                        "closed": 2}  # fmt: skip
    confident, unsure = _showcase("01"), _showcase("02")
    assert confident.suggested_category is not None and unsure.suggested_category is not None
    assert confident.suggested_confidence > unsure.suggested_confidence
    answered = _showcase("07")
    assert answered.knowledge_entry.code == "kb-psb-001" and answered.status == "closed"
    assert _showcase("10").confidential and _showcase("12").returned_count == 1
    assert ExtensionRequest.objects.filter(ticket=_showcase("13"), status="pending").exists()
    candidates = KnowledgeEntry.objects.filter(status="candidate")
    assert candidates.count() == seeded["first"]["showcase"].candidates == 3
    # 陈刚 sees a confidential caller as 保密 (no name, no number) on his ticket.
    handler = Actor.for_user(User.objects.get(username="handler"))
    assert _showcase("10").pk in set(tickets_for(handler).values_list("pk", flat=True))


def test_showcase_merges_the_second_pothole_caller(seeded):
    first, second = _showcase("05"), _showcase("06")
    assert second.merged_into == first
    link = InstanceLink.objects.get(secondary_id=second.process_instance_id)
    assert link.primary_id == first.process_instance_id and link.kind == "merge"
    merged = ProcessInstance.objects.get(pk=second.process_instance_id)
    assert merged.suspended_at is not None and not ProcessHandler.objects.filter(instance=merged).exists()


def test_showcase_overdue_ticket_was_escalated_along_the_chain(seeded):
    ticket = _showcase("04")
    instance = ProcessInstance.objects.get(pk=ticket.process_instance_id)
    assert ticket.status == "handling" and instance.overdue and instance.claimed_by.username == "handler"
    rules = set(Escalation.objects.filter(instance=instance, kind="overdue").values_list("rule", flat=True))
    # One notice per level of the chain that is due (承办人, 部门负责人, 督办人员; 市领导 after 72 hours).
    assert {"instance:1", "instance:1:1:0"} <= rules, rules
    assert any(rule.startswith("instance:1:2:") for rule in rules), rules
    link = f"/workbench/instances/{instance.pk}/"
    told = set(Notification.objects.filter(link=link).values_list("recipient__username", flat=True))
    assert {"handler", "supervisor"} <= told, told


def test_citizen_follows_his_own_web_ticket(seeded):
    ticket = _showcase("11")
    citizen = User.objects.get(username="citizen")
    assert ticket.caller_user == citizen and ticket.channel == "web" and ticket.status == "handling"
    instance = ProcessInstance.objects.get(pk=ticket.process_instance_id)
    assert instance.owner == citizen
    messages = Notification.objects.filter(recipient=citizen, link=f"/my/{instance.pk}/")
    moves = ProcessEvent.objects.filter(instance=instance).exclude(actor=citizen)
    assert sorted(m.created_at for m in messages) == sorted(moves.values_list("created_at", flat=True))
    assert not Ticket.objects.filter(caller_user__username="citizen2").filter(pk=ticket.pk).exists()


def test_instance_ids_are_version_4_uuids(seeded):
    for pk in ProcessInstance.objects.filter(definition__code="hotline_12345").values_list("pk", flat=True)[
        :50
    ]:
        assert uuid.UUID(str(pk)).version == 4
