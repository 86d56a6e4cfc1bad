"""Sample workflow history: 一网通办 applications at 市市场监督管理局 and 12345 tickets handled by
市城市管理局, in every state of their loops, started some working days before today.

Everything goes through the real engine (`definitions_load`, `instance_start`, `transition`,
`tick`) acting as the demo accounts, with `now=` set to moments in the past, so the history,
clocks, handlers, audit rows and escalations are exactly what real use would have produced.
The choice of applicants, items and paths comes from a fixed seed; only the dates move with
today. An instance is identified by its definition and title: a second run skips existing ones.

This stage is optional: `workflow_available()` says whether the engine is installed."""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from yiwang.core.models import Enterprise, Notification, Organization, Person
from yiwang.demo.subjects import DEMO_ENTERPRISE, NAMED_PERSONS
from yiwang.identity.actor import Actor
from yiwang.identity.models import User

TONGBAN = "yiwang_tongban"
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
    subject: tuple[str, str]  # ("person", id_number) or ("enterprise", uscc)
    working_days_ago: int
    steps: tuple[Step, ...]
    comment: str = ""


@dataclass(frozen=True)
class WorkflowSeedResult:
    created: int
    total: int


# -- 一网通办 ---------------------------------------------------------------------------------------

ITEMS = (
    "食品经营许可证核发",
    "企业设立登记",
    "企业变更登记",
    "食品经营许可证延续",
    "药品零售企业经营许可",
    "特种设备使用登记",
    "第二类医疗器械经营备案",
    "食品生产许可证核发",
    "广告发布登记",
    "企业注销登记",
)

_ACCEPT = Step("accept", "window", "材料齐全，符合法定形式，予以受理")
_REVIEW = Step("review", "approver", "经审查，申请材料真实有效，符合许可条件")
_APPROVE = Step("approve", "depthead", "同意准予许可")
_COMPLETE = Step("complete", "window", "已制证并通过电子证照库送达")
_CORRECTION = Step(
    "request_correction",
    "window",
    fields={"reason": "营业场所平面图未标注功能分区，请补充后重新提交", "materials": ["经营场所平面布局图"]},
)

# path name → (steps, range of working days ago the application was filed)
TONGBAN_PATHS: dict[str, tuple[tuple[Step, ...], tuple[int, int]]] = {
    "submitted": ((), (0, 0)),
    "submitted_late": ((), (2, 4)),
    "correction": ((_CORRECTION,), (1, 6)),
    "reviewing": ((_ACCEPT,), (1, 2)),
    "reviewing_late": ((_ACCEPT,), (4, 7)),
    "deciding": ((_ACCEPT, _REVIEW), (2, 4)),
    "approved": ((_ACCEPT, _REVIEW, _APPROVE), (3, 4)),
    "extended": (
        (
            _ACCEPT,
            Step("extend", "depthead", fields={"reason": "需现场核查经营场所，申请延长办理期限", "days": 5}),
        ),
        (4, 6),
    ),
    "completed": ((_ACCEPT, _REVIEW, _APPROVE, _COMPLETE), (8, 40)),
    "denied": (
        (
            _ACCEPT,
            _REVIEW,
            Step("deny", "depthead", fields={"reason": "现场核查发现经营场所与申报不符"}),
            _COMPLETE,
        ),
        (8, 30),
    ),
    "refused": (
        (Step("refuse", "window", fields={"reason": "该事项不属于本部门职权范围，请向区市场监管局申请"}),),
        (5, 30),
    ),
}

# The mix of paths for the 36 applications. Every sixth one (index 0, 6, 12 …) is the citizen 王小明's:
# index 6 falls on "correction", so his 我的待办 shows a 补正 request waiting for him.
TONGBAN_MIX = (
    ["submitted"] * 4
    + ["correction"] * 3
    + ["submitted_late"] * 3
    + ["reviewing"] * 3
    + ["reviewing_late"] * 3
    + ["deciding"] * 3
    + ["approved"] * 2
    + ["extended"] * 1
    + ["completed"] * 10
    + ["denied"] * 2
    + ["refused"] * 2
)

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
    citizen, citizen2 = NAMED_PERSONS[0], NAMED_PERSONS[1]
    plans: list[Plan] = []
    used: dict[str, set[str]] = {}  # applicant → items already applied for
    for index, path in enumerate(TONGBAN_MIX):
        steps, (low, high) = TONGBAN_PATHS[path]
        if index % 6 == 0:  # the citizen 王小明 applies online himself
            starter, owner, subject, name = OWNER, "citizen", ("person", citizen.id_number), citizen.name
        elif index % 6 == 3:  # the enterprise agent applies for 明远科技
            starter, owner, subject, name = (
                OWNER,
                "enterprise",
                ("enterprise", DEMO_ENTERPRISE.uscc),
                DEMO_ENTERPRISE.name,
            )
        elif index % 6 == 5:
            starter, owner, subject, name = OWNER, "citizen2", ("person", citizen2.id_number), citizen2.name
        else:  # filed at the window on behalf of an enterprise without an account
            starter, owner, subject, name = "window", None, ("enterprise", ""), ""
        taken = used.setdefault(name, set())
        item = rng.choice([i for i in ITEMS if i not in taken] if name else ITEMS)
        taken.add(item)
        title = f"{item}（{name}）" if name else item
        plans.append(
            Plan(
                definition=TONGBAN,
                title=title,
                organization="city-amr",
                starter=starter,
                owner=owner,
                subject=subject,
                working_days_ago=rng.randint(low, high),
                steps=steps,
                comment="网上申报" if starter == OWNER else "窗口收件",
            )
        )
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


def _workday_start(calendar: Any, today: date, working_days_ago: int) -> date:
    day = today
    while not calendar.is_workday(day):
        day -= timedelta(days=1)
    for _ in range(working_days_ago):
        day -= timedelta(days=1)
        while not calendar.is_workday(day):
            day -= timedelta(days=1)
    return day


def _start_moment(calendar: Any, today: date, working_days_ago: int, minutes: int) -> datetime:
    day = _workday_start(calendar, today, working_days_ago)
    start = timezone.make_aware(datetime.combine(day, time(9, 0)), timezone.get_current_timezone())
    return start + timedelta(minutes=minutes)


def seed_workflows(organizations: dict[str, Organization], *, seed: int) -> WorkflowSeedResult:
    """Load the shipped definitions and create the sample instances that do not exist yet."""
    from yiwang.core.calendar import get_calendar
    from yiwang.workflow import actions as workflow_actions
    from yiwang.workflow.models import ProcessInstance

    workflow_actions.definitions_load(actor=Actor.system())
    plans = _plans(seed)
    existing = set(
        ProcessInstance.objects.filter(definition__code__in=(TONGBAN, HOTLINE)).values_list(
            "definition__code", "title"
        )
    )
    users = {u.username: u for u in User.objects.filter(username__in=_usernames(plans))}
    actors = {name: Actor.for_user(user) for name, user in users.items()}
    subjects = _subject_rows()
    calendar = get_calendar()
    now = timezone.now()
    today = timezone.localdate(now)
    rng = random.Random(seed * 7919 + 4)
    created = 0
    created_ids: list[Any] = []
    for index, plan in enumerate(plans):
        # Drawn for every plan, so the sequence never depends on what is already stored.
        minutes = rng.randint(0, 150)
        gaps = [0.5 + rng.random() * (2.5 if plan.working_days_ago < 3 else 10) for _ in plan.steps]
        obj, title = _subject_and_title(plan, index, subjects)
        if (plan.definition, title) in existing:
            continue
        moment = _start_moment(calendar, today, plan.working_days_ago, minutes)
        if moment > now - timedelta(minutes=30):  # before office hours today: file it the day before
            moment = _start_moment(calendar, today, plan.working_days_ago + 1, minutes)
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
                instance,
                step.action,
                actor=actors[plan.owner if step.actor == OWNER and plan.owner else step.actor],
                comment=step.comment,
                organization=organizations[step.organization] if step.organization else None,
                now=moment,
                **step.fields,
            )
        created += 1
        created_ids.append(instance.pk)
    if created:
        workflow_actions.tick(now=now)
        # Runs after the engine's own after-commit work (its messages to the applicants).
        transaction.on_commit(partial(_date_owner_messages, created_ids, now))
    total = (
        ProcessInstance.objects.filter(
            organization__in=[organizations[c] for c in ("city-amr", "city-12345", "city-urban", "d02-urban")]
        )
        # The 一网通办 history (demo.services_history) is counted by its own stage.
        .exclude(content_type__app_label="services", content_type__model="application")
        .count()
    )
    return WorkflowSeedResult(created, total)


def _date_owner_messages(instance_ids: list[Any], now: datetime) -> None:
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
    enterprises: dict[str, Enterprise]
    person_pool: list[Person]
    enterprise_pool: list[Enterprise]


def _subject_and_title(plan: Plan, index: int, subjects: _Subjects) -> tuple[models.Model, str]:
    """The domain object the instance is attached to and its title. Applications filed at the
    window name an enterprise from a stable pool of generated ones."""
    kind, key = plan.subject
    if kind == "person":
        return subjects.persons.get(key) or subjects.person_pool[
            index % len(subjects.person_pool)
        ], plan.title
    enterprise = subjects.enterprises.get(key)
    if enterprise is not None:
        return enterprise, plan.title
    enterprise = subjects.enterprise_pool[index % len(subjects.enterprise_pool)]
    return enterprise, f"{plan.title}（{enterprise.name}）"


def _subject_rows() -> _Subjects:
    """The named subjects plus a stable pool of generated ones to act as callers and applicants."""
    named = {p.id_number for p in NAMED_PERSONS}
    persons = {p.id_number: p for p in Person.objects.filter(id_number__in=named)}
    enterprises = {e.uscc: e for e in Enterprise.objects.filter(uscc=DEMO_ENTERPRISE.uscc)}
    person_pool = list(
        Person.objects.filter(id_number__startswith="3299")
        .exclude(id_number__in=named)
        .order_by("id_number")[:50]
    )
    enterprise_pool = list(
        Enterprise.objects.filter(type=Enterprise.Type.COMPANY, uscc__startswith="913299")
        .exclude(uscc=DEMO_ENTERPRISE.uscc)
        .order_by("uscc")[:50]
    )
    return _Subjects(persons, enterprises, person_pool, enterprise_pool)
