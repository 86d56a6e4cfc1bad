"""Sample workflow history: 12345 tickets handled by 市城市管理局, in every state of their loop,
started some working days before today. (一网通办 applications are real 办件 of the services app:
`demo.services_history` writes a year of them, `demo.services_showcase` the named accounts' own.)

Everything goes through the real engine (`definitions_load`, `instance_start`, `transition`,
`tick`) acting as the demo accounts, with `now=` set to moments in the past, so the history,
clocks, handlers, audit rows and escalations are exactly what real use would have produced.
The choice of applicants, items and paths comes from a fixed seed; only the dates move with
today. An instance is identified by its definition and title: a second run skips existing ones.

This stage is optional: `workflow_available()` says whether the engine is installed."""

from __future__ import annotations

import importlib
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from yiwang.core.models import Notification, Organization, Person
from yiwang.demo.moments import Ago, moment_of
from yiwang.demo.subjects import NAMED_PERSONS
from yiwang.identity.actor import Actor
from yiwang.identity.models import User

HOTLINE = "hotline_12345"
OWNER = "<owner>"  # a step performed by the instance's applicant


def workflow_available() -> bool:
    """True when the workflow engine's actions exist (the stage is skipped otherwise)."""
    try:
        actions = importlib.import_module("yiwang.workflow.actions")
    except ImportError:
        return False
    return all(
        hasattr(actions, name) for name in ("definitions_load", "instance_start", "transition", "tick")
    )


@dataclass(frozen=True)
class Step:
    action: str
    actor: str  # username, or OWNER
    comment: str = ""
    organization: str | None = None  # organisation code for 派单
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    definition: str
    title: str
    organization: str
    starter: str  # username, or OWNER
    owner: str | None  # username of the applicant account, if any
    subject: tuple[str, str]  # ("person", id_number); an empty id_number picks a generated caller
    working_days_ago: int
    steps: tuple[Step, ...]
    comment: str = ""


@dataclass(frozen=True)
class WorkflowSeedResult:
    created: int
    total: int


# -- retired samples --------------------------------------------------------------------------------

# This stage used to create 36 一网通办 samples first, attached straight to people and enterprises; the
# named accounts' applications are real 办件 now (`demo.services_showcase`). Their random draws are
# still made and thrown away, so the 12345 tickets keep their callers, topics, ages and times (and a
# database seeded before the change finds its tickets by title and gets no duplicates).
# Per retired sample: (range of working days ago, number of steps), in their old order.
_RETIRED: tuple[tuple[tuple[int, int], int], ...] = (
    *[((0, 0), 0)] * 4,  # 待受理
    *[((1, 6), 1)] * 3,  # 待补正
    *[((2, 4), 0)] * 3,  # 待受理, late
    *[((1, 2), 1)] * 3,  # 审查中
    *[((4, 7), 1)] * 3,  # 审查中, late
    *[((2, 4), 2)] * 3,  # 待决定
    *[((3, 4), 3)] * 2,  # 准予许可
    ((4, 6), 2),  # 延期
    *[((8, 40), 4)] * 10,  # 已办结
    *[((8, 30), 4)] * 2,  # 不予许可, 已办结
    *[((5, 30), 1)] * 2,  # 不予受理
)
_RETIRED_ITEMS = 10  # the old samples picked among ten items, each applicant a different one each time


def _skip_retired_plans(rng: random.Random) -> None:
    picked: Counter[int] = Counter()
    for index, ((low, high), _steps) in enumerate(_RETIRED):
        applicant = index % 6 if index % 6 in (0, 3, 5) else None  # the named accounts, else the window
        rng.choice(range(_RETIRED_ITEMS - picked[applicant] if applicant is not None else _RETIRED_ITEMS))
        if applicant is not None:
            picked[applicant] += 1
        rng.randint(low, high)


def _skip_retired_moments(rng: random.Random) -> None:
    for _range, steps in _RETIRED:
        rng.randint(0, 150)
        for _ in range(steps):
            rng.random()


# -- 12345 ----------------------------------------------------------------------------------------

TOPICS = (
    "小区门口占道经营",
    "夜间施工噪音扰民",
    "路灯不亮",
    "窨井盖缺失",
    "生活垃圾清运不及时",
    "共享单车乱停放",
    "违章搭建",
    "户外广告牌破损",
    "人行道破损",
    "绿化带杂草丛生",
    "餐饮油烟扰民",
    "小区车辆乱停放",
)

_DISPATCH = Step("dispatch", "dispatcher", "请市城市管理局核实处理并答复市民", organization="city-urban")
_SIGN = Step("sign_for", "handler")
_REPLY = Step("reply", "handler", "已安排执法人员现场处置，问题已解决，已电话告知市民")
_CLOSE = Step("close", "dispatcher")

HOTLINE_PATHS: dict[str, tuple[tuple[Step, ...], tuple[int, int]]] = {
    "registered": ((), (0, 0)),
    "dispatched": ((_DISPATCH,), (0, 1)),
    "dispatched_district": (
        (Step("dispatch", "dispatcher", "请东湖区城市管理局核实处理", organization="d02-urban"),),
        (0, 2),
    ),
    "returned": (
        (
            _DISPATCH,
            Step("return_ticket", "handler", fields={"reason": "该点位属东湖区管辖，建议改派区城管局"}),
        ),
        (1, 2),
    ),
    "handling": ((_DISPATCH, _SIGN), (1, 3)),
    "handling_late": ((_DISPATCH, _SIGN), (6, 9)),
    "replied": ((_DISPATCH, _SIGN, _REPLY), (2, 4)),
    "closed": ((_DISPATCH, _SIGN, _REPLY, _CLOSE), (3, 5)),
    "answered": ((Step("answer_directly", "agent", "已按知识库口径答复来电人"),), (1, 2)),
    "archived": (
        (
            _DISPATCH,
            _SIGN,
            _REPLY,
            _CLOSE,
            Step(
                "callback",
                "agent",
                "回访来电人，对处理结果表示满意",
                fields={"satisfaction": "satisfied", "contacted": True},
            ),
        ),
        (6, 40),
    ),
}

HOTLINE_MIX = (
    ["registered"] * 2
    + ["dispatched"] * 2
    + ["dispatched_district"] * 2
    + ["returned"] * 1
    + ["handling"] * 3
    + ["handling_late"] * 3
    + ["replied"] * 2
    + ["closed"] * 2
    + ["answered"] * 2
    + ["archived"] * 7
)


def _plans(seed: int) -> list[Plan]:
    """Every sample instance, in creation order. Pure: depends only on the seed."""
    rng = random.Random(seed * 7919 + 3)
    _skip_retired_plans(rng)
    citizen = NAMED_PERSONS[0]
    plans: list[Plan] = []
    for index, path in enumerate(HOTLINE_MIX):
        steps, (low, high) = HOTLINE_PATHS[path]
        topic = rng.choice(TOPICS)
        owner = "citizen" if index % 5 == 0 else None
        plans.append(
            Plan(
                definition=HOTLINE,
                title=f"12345工单 {index + 1:04d}：{topic}",
                organization="city-12345",
                starter="agent",
                owner=owner,
                subject=("person", citizen.id_number if owner else ""),
                working_days_ago=rng.randint(low, high),
                steps=steps,
                comment=f"来电反映：{topic}，请尽快处理",
            )
        )
    return plans


# Sample tickets are laid out backwards from the moment of seeding, in office time (as the 一网通办
# showcase is): a ticket of the day was filed half an hour to three office hours ago, at whatever
# hour the demo is seeded — at night, on a weekend — so the tickets as a whole (the dispatcher's and the
# handling departments' worklists) always include some in time, near their deadline (即将超期) and
# past it.
DAY_SO_FAR_HOURS = 3.0


def _start_moment(calendar: Any, now: datetime, working_days_ago: int, minutes: int) -> datetime:
    return moment_of(Ago(days=working_days_ago, hours=DAY_SO_FAR_HOURS - minutes / 60), calendar, now)


def seed_workflows(organizations: dict[str, Organization], *, seed: int) -> WorkflowSeedResult:
    """Load the shipped definitions and create the sample instances that do not exist yet."""
    from yiwang.core.calendar import get_calendar
    from yiwang.workflow import actions as workflow_actions
    from yiwang.workflow.models import ProcessInstance

    workflow_actions.definitions_load(actor=Actor.system())
    plans = _plans(seed)
    existing = set(
        ProcessInstance.objects.filter(definition__code=HOTLINE).values_list("definition__code", "title")
    )
    users = {u.username: u for u in User.objects.filter(username__in=_usernames(plans))}
    actors = {name: Actor.for_user(user) for name, user in users.items()}
    subjects = _subject_rows()
    calendar = get_calendar()
    now = timezone.now()
    rng = random.Random(seed * 7919 + 4)
    _skip_retired_moments(rng)
    created = 0
    created_ids: list[Any] = []
    for index, plan in enumerate(plans, start=len(_RETIRED)):
        # Drawn for every plan, so the sequence never depends on what is already stored.
        minutes = rng.randint(0, 150)
        gaps = [0.5 + rng.random() * (2.5 if plan.working_days_ago < 3 else 10) for _ in plan.steps]
        obj, title = _subject_and_title(plan, index, subjects)
        if (plan.definition, title) in existing:
            continue
        moment = _start_moment(calendar, now, plan.working_days_ago, minutes)
        instance = workflow_actions.instance_start(
            actor=actors[plan.owner if plan.starter == OWNER and plan.owner else plan.starter],
            definition_code=plan.definition,
            obj=obj,
            organization=organizations[plan.organization],
            title=title,
            owner=users[plan.owner] if plan.owner else None,
            comment=plan.comment,
            now=moment,
        )
        for step, gap in zip(plan.steps, gaps, strict=True):
            moment = calendar.add_working_hours(moment, gap)
            if moment >= now:
                break  # the rest of this story has not happened yet
            workflow_actions.transition(
                instance=instance,
                action=step.action,
                actor=actors[plan.owner if step.actor == OWNER and plan.owner else step.actor],
                comment=step.comment,
                organization=organizations[step.organization] if step.organization else None,
                now=moment,
                fields=step.fields,
            )
        created += 1
        created_ids.append(instance.pk)
    if created:
        workflow_actions.tick(now=now)
        # Runs after the engine's own after-commit work (its messages to the applicants).
        transaction.on_commit(partial(date_owner_messages, created_ids, now))
    return WorkflowSeedResult(created, ProcessInstance.objects.filter(definition__code=HOTLINE).count())


def date_owner_messages(instance_ids: list[Any], now: datetime) -> None:
    """The engine told each applicant about every move of their sample items, but only when the seed
    committed, so all those messages carry the seeding time. Give each the time of the move it
    reports, as real use would have, and mark those older than three days read (a real applicant
    would have opened them). Only messages about the instances this run created are touched."""
    from yiwang.workflow.models import ProcessInstance
    from yiwang.workflow.subscribers import OWNER_TEMPLATE, owner_hears, owner_link

    read_before = now - timedelta(days=3)
    owned = ProcessInstance.objects.filter(pk__in=instance_ids, owner__isnull=False).select_related(
        "definition"
    )
    for instance in owned:
        parsed = instance.definition.parsed
        moves = [
            event.created_at
            for event in instance.events.order_by("created_at", "pk")
            if owner_hears(parsed, event.action, owner_id=instance.owner_id, actor_id=event.actor_id)
        ]
        messages = list(
            Notification.objects.filter(
                recipient_id=instance.owner_id, link=owner_link(instance.pk), template_code=OWNER_TEMPLATE
            ).order_by("pk")
        )
        if len(messages) != len(moves):
            continue  # not the engine's messages one for one (e.g. an admin changed the template)
        for message, moment in zip(messages, moves, strict=True):
            Notification.objects.filter(pk=message.pk).update(
                created_at=moment, read_at=moment + timedelta(hours=2) if moment < read_before else None
            )


def _usernames(plans: list[Plan]) -> set[str]:
    names = {p.owner for p in plans if p.owner} | {p.starter for p in plans if p.starter != OWNER}
    return names | {s.actor for p in plans for s in p.steps if s.actor != OWNER}


@dataclass(frozen=True)
class _Subjects:
    persons: dict[str, Person]
    person_pool: list[Person]


def _subject_and_title(plan: Plan, index: int, subjects: _Subjects) -> tuple[models.Model, str]:
    """The person the ticket is about (the named caller, or one from a stable pool) and its title."""
    _kind, key = plan.subject
    person = subjects.persons.get(key) or subjects.person_pool[index % len(subjects.person_pool)]
    return person, plan.title


def _subject_rows() -> _Subjects:
    """The named people plus a stable pool of generated ones to act as callers."""
    named = {p.id_number for p in NAMED_PERSONS}
    persons = {p.id_number: p for p in Person.objects.filter(id_number__in=named)}
    person_pool = list(
        Person.objects.filter(id_number__startswith="3299")
        .exclude(id_number__in=named)
        .order_by("id_number")[:50]
    )
    return _Subjects(persons, person_pool)
