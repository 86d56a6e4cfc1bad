"""Twelve months of 一网通办 history for 示范市: about 5,200 applications (办件) over the demo catalogue,
in every state, with their workflow instances, history events and inbox rows.

Why a bulk writer
-----------------
The real path — `application_submit` (form and material checks, file storage, numbering, audit,
`instance_start`) followed by `workflow.actions.transition` for every step with `now=` in the past —
is what `measure_engine_path` runs. Measured on SQLite over 200 applications (2 shared cores): 173 ms
per application, 213 ms with the after-commit messages to the applicants (each step locks, audits,
runs the hooks, stores the uploads and queues a message), i.e. 15–18 minutes for 5,000 applications,
far beyond the two-minute budget of `make demo`; the bulk writer takes about 20 s. So the history is written in
bulk by `write_history`, which replays each application's steps *in memory with the engine's own
clock code* (`workflow.engine` plus `workflow.actions._state_clock` / `_apply_clocks`, the very
functions `instance_start` and `transition` call) and then inserts the rows with `bulk_create`.

Invariants the bulk writer preserves (tested against the engine in `demo/tests/test_services_seed.py`):

* ProcessInstance: the published `yiwang_tongban` definition, `content_type`/`object_id` of the
  Application, the title `事项名称（办件编号）`, owner = applicant account, organisation and region of
  the item; the overall clock from the item's promised days (at least one working day, as
  `application_submit` does), state clocks, `deadline`, `due_at`, `warning_at`, `state_deadline`,
  warning leads, `escalation_due_at`, suspension fields of a 补正, `extended_days`, the assignee set
  by 受理 (claim), `completed_at` of terminal states; `warning`/`overdue` as `tick(now)` would leave
  them (escalations that `tick` would have fired in the past are not recorded; the next real `tick`
  fires those still due, exactly once).
* ProcessHandler: the handler codes of the current state (none once completed), so the staff
  inboxes (`workflow.selectors.inbox_for` and the services inbox) list open bulk applications.
* ProcessEvent: one row per step with the action name, states, actor and label the engine writes,
  the same required fields (补正 reason and materials, 不予受理 reason, 审查 comment, decision text …);
  即办件 complete on acceptance with 审查通过 → 准予许可 → 办结送达 by the system at the same moment,
  as `services.actions.applications` does.
* Application: status = the instance state (as `Application.status_for_state` shows it: a review's
  退回补正 is 待补正), `accepted_at` (time of 受理), `due_at` (the instance's deadline), `completed_at`,
  `completed_on_time` (completed by the deadline), `decision_text`, application number 实施编码 +
  yyyymmdd + 4-digit daily sequence, with `ApplicationSequence` advanced past every number used
  (later real submissions continue the sequence).
* No audit row per application and no in-app messages (they would be 40,000 rows of noise): one
  `demo.seed` audit row records the stage. Upload materials of historical applications carry no file
  (archived originals); e-licence and shared-data materials have file-less rows as in a real
  submission.

Accounts: the history needs applicants and handlers, so this stage also creates citizen accounts
for a pool of the generated people, enterprise accounts (with 授权 as 法定代表人) for a pool of the
generated enterprises, and a 窗口 / 审批 / 负责人 account for every department with items (the personas
赵敏、孙建国、周志强 serve 市市场监管局). All share the demo password. The named demo citizens and the
demo enterprise are deliberately left out, so their 我的事项 stays the small curated story of
`demo.services_showcase`.

Everything is drawn from a fixed seed; only dates move with today. Each application is keyed by
its idempotency key `demo-history-NNNNN`: a second run adds nothing."""

from __future__ import annotations

import random
import time as clock
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.utils import timezone

from yiwang.core.calendar import WorkCalendar, get_calendar
from yiwang.core.models import Enterprise, Organization, Person, Region
from yiwang.demo import subjects as demo_subjects
from yiwang.demo.accounts import DEMO_PASSWORD, PERSONAS
from yiwang.demo.services_catalog import ItemRow, item_rows
from yiwang.identity.actor import Actor
from yiwang.identity.models import EnterpriseAuthorization, Membership, Role, User

HISTORY_SIZE = 5_200
CITIZEN_ACCOUNTS = 1_500
ENTERPRISE_ACCOUNTS = 400
KEY_PREFIX = "demo-history-"
CHUNK = 500
DEFINITION = "yiwang_tongban"
STAFF_ROLES = (
    ("window", "window_clerk", "窗口受理"),
    ("approver", "approver", "审批科员"),
    ("head", "department_head", "分管负责人"),
)
# 市场监管局's handlers are the personas of the demo accounts.
PERSONA_STAFF = {"city-amr": {"window": "window", "approver": "approver", "head": "depthead"}}

# Items people come for most (the rest follow a long tail).
HOT_ITEMS: dict[str, float] = {
    "个体工商户设立登记": 9.0,
    "居民身份证换领": 12.0,
    "社会保障卡申领": 10.0,
    "个人权益记录查询打印": 14.0,
    "不动产登记（转移登记）": 11.0,
    "不动产登记（抵押登记）": 8.0,
    "食品经营许可": 9.0,
    "失业保险金申领": 7.0,
    "出生医学证明签发": 6.0,
    "结婚登记": 7.0,
    "完税证明开具": 8.0,
    "异地就医备案": 7.0,
    "就业创业证申领": 6.0,
    "城乡居民基本医疗保险参保登记": 6.0,
    "有限责任公司设立登记": 6.0,
    "企业变更登记": 5.0,
    "机动车驾驶证期满换证": 6.0,
    "无犯罪记录证明开具": 6.0,
    "高龄津贴发放": 4.0,
    "城镇职工基本养老保险关系转移接续": 5.0,
    "户口迁移（迁入）": 4.0,
    "纳税人首次申领发票": 4.0,
    "最低生活保障审批": 3.0,
    "医疗费用手工（零星）报销": 4.0,
}
# Items nobody applies for (ex officio powers): inspections and enforcement measures.
NOT_APPLIED = {"inspection", "enforcement"}

# The stand-ins for applicants' scans: a one-page PDF and a 1×1 PNG (for photo materials).
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360f8cf000001010100187dd5a40000000049454e44ae426082"
)


def sample_kind(formats: Sequence[str]) -> tuple[str, str, bytes]:
    """(extension, content type, bytes) of the stand-in for a material accepting `formats`."""
    if not formats or "pdf" in formats:
        return "pdf", "application/pdf", PDF_BYTES
    return "png", "image/png", PNG_BYTES


# -- step library ------------------------------------------------------------------------------------

WINDOW, APPROVER, HEAD, APPLICANT, SYSTEM = "window", "approver", "head", "applicant", "system"


@dataclass(frozen=True)
class Step:
    action: str
    by: str
    comment: str = ""
    fields: dict[str, Any] = field(default_factory=dict)


ACCEPT = Step("accept", WINDOW, "材料齐全，符合法定形式，予以受理")
REVIEW = Step("review", APPROVER, "经审查，申请材料真实有效，符合法定条件")
APPROVE = Step("approve", HEAD, "经审查，申请符合法定条件和标准，依法作出准予许可的决定。")
COMPLETE = Step("complete", WINDOW, "已办结，办理结果已送达申请人")
RESUBMIT = Step("resubmit", APPLICANT, "已按补正告知补齐材料")

CORRECTION_REASONS = (
    ("申请表中联系地址填写不完整，请补充后重新提交", "申请表"),
    ("上传的身份证明材料不清晰，请重新上传清晰的扫描件", "居民身份证"),
    ("经营场所使用证明已过期，请提供有效期内的租赁协议", "经营场所使用证明（产权证明或租赁协议）"),
    ("缺少授权委托书，请补充委托人签字的授权委托书", "授权委托书及受托人身份证明"),
    ("平面布局图未标注功能分区，请补充后重新提交", "经营场所平面布局图"),
)
REFUSE_REASONS = (
    "申请事项不属于本部门职权范围，请向有关行政机关申请",
    "申请人不具备申请资格",
    "申请事项依法不需要取得行政许可",
)
DENY_REASONS = (
    "经现场核查，实际情况与申请材料不符，不符合法定条件",
    "申请人未能提供符合要求的证明材料，不符合法定条件",
    "经审查，申请事项不符合相关规划要求",
)
WITHDRAW_REASONS = ("信息填写有误，撤回后重新申请", "暂不需要办理", "已通过其他渠道办理")


def _correction(rng: random.Random) -> Step:
    reason, material = rng.choice(CORRECTION_REASONS)
    return Step("request_correction", WINDOW, fields={"reason": reason, "materials": [material]})


def _return(rng: random.Random) -> Step:
    reason, _material = rng.choice(CORRECTION_REASONS)
    return Step("return_for_correction", APPROVER, fields={"reason": f"审查发现：{reason}"})


def _refuse(rng: random.Random) -> Step:
    return Step("refuse", WINDOW, fields={"reason": rng.choice(REFUSE_REASONS)})


def _deny(rng: random.Random) -> Step:
    reason = rng.choice(DENY_REASONS)
    return Step("deny", HEAD, reason, fields={"reason": reason})


def _withdraw(rng: random.Random) -> Step:
    return Step("withdraw", APPLICANT, fields={"reason": rng.choice(WITHDRAW_REASONS)})


def _extend(rng: random.Random) -> Step:
    return Step(
        "extend", HEAD, fields={"reason": "需组织现场核查，申请延长办理期限", "days": rng.choice((3, 5, 10))}
    )


# Outcome → (steps builder, pace). Pace: "quick" (well within the promise), "late" (past it), "any".
OPEN_OUTCOMES = ("submitted", "submitted_late", "correction", "reviewing", "reviewing_late", "deciding",
                 "approved", "denied", "extended", "returned", "warning")  # fmt: skip
CLOSED_OUTCOMES = ("completed", "completed_late", "completed_denied", "completed_corrected", "refused",
                   "withdrawn", "withdrawn_correction")  # fmt: skip
CLOSED_WEIGHTS = (72, 7, 5, 6, 4, 3, 3)
OPEN_WEIGHTS = (2, 4, 10, 16, 6, 12, 8, 5, 4, 3, 8)
FRESH_WEIGHTS = (30, 0, 10, 25, 0, 8, 3, 1, 0, 1, 0)  # filed today or yesterday


def _steps(outcome: str, instant: bool, rng: random.Random) -> tuple[Step, ...]:
    if instant:
        # 即办件: accepted and completed on the spot (the rest is automatic), or refused / withdrawn.
        return {
            "refused": (_refuse(rng),),
            "withdrawn": (_withdraw(rng),),
            "withdrawn_correction": (_correction(rng), _withdraw(rng)),
            "correction": (_correction(rng),),
            "submitted": (),
            "submitted_late": (),
        }.get(outcome, (ACCEPT,))
    table: dict[str, tuple[Step, ...]] = {
        "submitted": (),
        "submitted_late": (),
        "correction": (_correction(rng),),
        "reviewing": (ACCEPT,),
        "reviewing_late": (ACCEPT,),
        "deciding": (ACCEPT, REVIEW),
        "approved": (ACCEPT, REVIEW, APPROVE),
        "denied": (ACCEPT, REVIEW, _deny(rng)),
        "extended": (ACCEPT, _extend(rng)),
        "returned": (ACCEPT, _return(rng)),
        # Filed long enough ago that most of the promised time is used up, just reviewed: 预警 (yellow).
        "warning": (ACCEPT, REVIEW),
        "completed": (ACCEPT, REVIEW, APPROVE, COMPLETE),
        "completed_late": (ACCEPT, REVIEW, APPROVE, COMPLETE),
        "completed_denied": (ACCEPT, REVIEW, _deny(rng), COMPLETE),
        "completed_corrected": (_correction(rng), RESUBMIT, ACCEPT, REVIEW, APPROVE, COMPLETE),
        "refused": (_refuse(rng),),
        "withdrawn": (_withdraw(rng),),
        "withdrawn_correction": (_correction(rng), _withdraw(rng)),
    }
    return table[outcome]


# -- plans -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    index: int
    row: ItemRow
    subject_kind: str  # "person" / "enterprise"
    subject_index: int
    days_ago: int  # calendar days before today the application was filed
    minute: int  # minutes after 9:00 on that day
    outcome: str
    steps: tuple[Step, ...]
    gaps: tuple[float, ...]  # working hours before each step
    channel: str
    extra_materials: int  # conditional materials supplied on top of the required ones
    form_seed: int

    @property
    def key(self) -> str:
        return f"{KEY_PREFIX}{self.index:05d}"


def _weights(rows: Sequence[ItemRow], rng: random.Random) -> list[float]:
    """A long tail over the items, the hot ones on top; district copies split their item's share."""
    names = sorted({r.spec.name for r in rows})
    rng.shuffle(names)
    base = {name: 1.6 / (rank + 2) ** 0.8 for rank, name in enumerate(names)}
    copies = Counter(r.spec.name for r in rows)
    weights = []
    for row in rows:
        if row.spec.item_type in NOT_APPLIED:
            weights.append(0.0)
            continue
        weight = HOT_ITEMS.get(row.spec.name, base[row.spec.name])
        if row.spec.item_type in ("penalty", "adjudication"):
            weight *= 0.3
        weights.append(weight / copies[row.spec.name] * rng.uniform(0.7, 1.3))
    return weights


def _gaps(
    steps: Sequence[Step], outcome: str, promised_days: int, hours_per_day: float, rng: random.Random
) -> tuple[float, ...]:
    """Working hours before each step. Completed-on-time stories fit in the promised days, late ones
    overrun them; a 补正 wait (not counted) takes one to six working days."""
    if not steps:
        return ()
    budget = max(promised_days, 1) * hours_per_day
    if outcome == "completed_late":
        total = budget * rng.uniform(1.15, 2.2)
    elif outcome in ("reviewing_late", "submitted_late"):
        total = budget * rng.uniform(0.3, 0.6)
    else:
        total = budget * rng.uniform(0.15, 0.8)
    shares = [rng.uniform(0.4, 1.6) for _ in steps]
    unit = total / sum(shares)
    gaps: list[float] = []
    for step, share in zip(steps, shares, strict=True):
        if (
            step.action in ("resubmit", "withdraw")
            and gaps
            and steps[len(gaps) - 1].action.endswith("correction")
        ):
            gaps.append(rng.uniform(1, 6) * hours_per_day)  # the applicant takes a while to answer a 补正
        elif not gaps and outcome != "completed_late":
            gaps.append(rng.uniform(0.1, 5.0))  # the window looks at a new application within hours
        else:
            gaps.append(max(0.1, share * unit))
    return tuple(round(g, 3) for g in gaps)


def plans(
    *, seed: int = demo_subjects.DEFAULT_SEED, size: int = HISTORY_SIZE, hours_per_day: float = 7.0
) -> list[Plan]:
    """Every historical application, in index order. Pure: depends only on the seed."""
    rng = random.Random(seed * 7919 + 31)
    rows = item_rows()
    weights = _weights(rows, rng)
    applied = [r for r, w in zip(rows, weights, strict=True) if w > 0]
    result = []
    for index in range(size):
        # Every item people apply for gets at least one application; then popularity decides.
        row = applied[index] if index < len(applied) else rng.choices(rows, weights=weights)[0]
        subjects = row.spec.subjects
        kind = subjects[0] if len(subjects) == 1 else ("person" if rng.random() < 0.7 else "enterprise")
        # Filing dates over the last 365 days, busier lately (the platform's usage grows).
        days_ago = int(365 * rng.random() ** 1.35)
        recent = days_ago <= 12
        if recent and rng.random() < (0.85 if days_ago <= 5 else 0.45):
            outcome = rng.choices(OPEN_OUTCOMES, weights=OPEN_WEIGHTS if days_ago > 1 else FRESH_WEIGHTS)[0]
        else:
            outcome = rng.choices(CLOSED_OUTCOMES, weights=CLOSED_WEIGHTS)[0]
        instant = row.spec.instant
        if outcome == "warning" and (instant or row.spec.promised_days < 8):
            outcome = "deciding"
        steps = _steps(outcome, instant, rng)
        gaps = _gaps(steps, outcome, row.spec.promised_days, hours_per_day, rng)
        channel = "window" if row.spec.online_depth < 3 or rng.random() < 0.22 else "online"
        optional = sum(1 for m in row.spec.materials if m.requirement == "conditional")
        result.append(
            Plan(
                index=index,
                row=row,
                subject_kind=kind,
                subject_index=rng.randrange(10**9),
                days_ago=days_ago,
                minute=rng.randint(0, 420),
                outcome=outcome,
                steps=steps,
                gaps=gaps,
                channel=channel,
                extra_materials=rng.randint(0, optional),
                form_seed=rng.randrange(10**9),
            )
        )
    return result


# -- accounts ----------------------------------------------------------------------------------------


@dataclass
class Cast:
    """Who applies and who handles: accounts by role and pools of applicant subjects."""

    staff: dict[str, dict[str, User]]  # organisation code → role key → user
    persons: list[tuple[User, Person]]
    enterprises: list[tuple[User, Enterprise]]
    created: int = 0


def _pools() -> tuple[list[Person], list[Enterprise]]:
    named = {p.id_number for p in demo_subjects.NAMED_PERSONS}
    personas = [p.username for p in PERSONAS]
    linked = set(
        User.objects.filter(username__in=personas, person__isnull=False).values_list("person_id", flat=True)
    )
    enterprises = list(
        Enterprise.objects.filter(
            uscc__startswith="9", region__isnull=False, legal_representative__isnull=False
        )
        .exclude(uscc=demo_subjects.DEMO_ENTERPRISE.uscc)
        .exclude(legal_representative_id__in=linked)
        .exclude(legal_representative__id_number__in=named)
        .select_related("legal_representative", "region")
        .order_by("uscc")[:ENTERPRISE_ACCOUNTS]
    )
    representatives = {e.legal_representative_id for e in enterprises}
    persons = list(
        Person.objects.filter(
            id_number__startswith="3299", birth_date__lte=date(2006, 1, 1), region__isnull=False
        )
        .exclude(id_number__in=named)
        .exclude(pk__in=linked | representatives)
        .select_related("region")
        .order_by("id_number")[:CITIZEN_ACCOUNTS]
    )
    return persons, enterprises


def seed_accounts(organizations: dict[str, Organization], *, seed: int = demo_subjects.DEFAULT_SEED) -> Cast:
    """Create the applicant and handler accounts the history needs (idempotent by username)."""
    persons, enterprises = _pools()
    password = make_password(DEMO_PASSWORD)
    rng = random.Random(seed * 7919 + 37)
    wanted: dict[str, User] = {}
    for n, person in enumerate(persons):
        wanted[f"jm{n:05d}"] = User(
            username=f"jm{n:05d}", display_name=person.name, kind=User.Kind.CITIZEN, phone=person.phone or None,
            person=person, assurance_level=User.AssuranceLevel.L2, password=password,
        )  # fmt: skip
    representatives: dict[int | None, str] = {}
    for enterprise in enterprises:
        rep = enterprise.legal_representative
        assert rep is not None
        if rep.pk in representatives:
            continue
        name = f"qy{len(representatives):05d}"
        representatives[rep.pk] = name
        wanted[name] = User(
            username=name, display_name=rep.name, kind=User.Kind.ENTERPRISE, phone=rep.phone or None,
            person=rep, assurance_level=User.AssuranceLevel.L2, password=password,
        )  # fmt: skip
    departments = sorted({r.organization_code for r in item_rows()})
    staff_names: dict[str, dict[str, str]] = {}
    for code in departments:
        staff_names[code] = dict(PERSONA_STAFF.get(code, {}))
        for key, _role, _title in STAFF_ROLES:
            gender = rng.choice((Person.Gender.MALE, Person.Gender.FEMALE))
            display = demo_subjects.person_name(rng, gender)
            if key in staff_names[code]:
                continue
            username = f"{code}-{key}"
            staff_names[code][key] = username
            wanted[username] = User(
                username=username, display_name=display, kind=User.Kind.STAFF, phone=None, password=password,
            )  # fmt: skip
    existing = set(User.objects.filter(username__in=list(wanted)).values_list("username", flat=True))
    taken_phones = set(User.objects.exclude(phone__isnull=True).values_list("phone", flat=True))
    new = []
    for name, user in wanted.items():
        if name in existing:
            continue
        if user.phone in taken_phones:
            user.phone = None
        taken_phones.add(user.phone)
        new.append(user)
    User.objects.bulk_create(new, batch_size=500)
    users = {
        u.username: u for u in User.objects.filter(username__in=[*wanted, *(p.username for p in PERSONAS)])
    }

    # Staff memberships with their role (the personas already have theirs).
    roles = {r.code: r for r in Role.objects.filter(code__in=[r for _, r, _ in STAFF_ROLES])}
    have = set(
        Membership.objects.filter(
            user__in=[users[n] for c in departments for n in staff_names[c].values()]
        ).values_list("user_id", "organization_id")
    )
    memberships = []
    for code in departments:
        for key, role, title in STAFF_ROLES:
            user = users[staff_names[code][key]]
            if (user.pk, organizations[code].pk) not in have:
                memberships.append(
                    (Membership(user=user, organization=organizations[code], title=title), roles[role])
                )
    Membership.objects.bulk_create([m for m, _ in memberships], batch_size=500)
    through = Membership.roles.through
    created_memberships = {(m.user_id, m.organization_id): role for m, role in memberships}
    rows = Membership.objects.filter(user__in=[m.user for m, _ in memberships])
    through.objects.bulk_create(
        [through(membership_id=m.pk, role_id=created_memberships[(m.user_id, m.organization_id)].pk)
         for m in rows if (m.user_id, m.organization_id) in created_memberships],
        ignore_conflicts=True,
    )  # fmt: skip

    # 法定代表人 authorisations of the enterprise accounts.
    authorised = set(
        EnterpriseAuthorization.objects.filter(enterprise__in=enterprises).values_list(
            "user_id", "enterprise_id"
        )
    )
    EnterpriseAuthorization.objects.bulk_create(
        [
            EnterpriseAuthorization(
                user=users[representatives[e.legal_representative_id]], enterprise=e,
                role=EnterpriseAuthorization.Role.LEGAL_REPRESENTATIVE, valid_from=date(2024, 1, 1),
            )
            for e in enterprises
            if (users[representatives[e.legal_representative_id]].pk, e.pk) not in authorised
        ]
    )  # fmt: skip
    return Cast(
        staff={c: {k: users[n] for k, n in staff_names[c].items()} for c in departments},
        persons=[(users[f"jm{n:05d}"], p) for n, p in enumerate(persons)],
        enterprises=[(users[representatives[e.legal_representative_id]], e) for e in enterprises],
        created=len(new),
    )


# -- form data ------------------------------------------------------------------------------------

SAMPLE_TEXT = {
    "trade_name": "惠民",
    "business_scope": "日用百货零售；食品销售（仅销售预包装食品）",
    "food_items": "预包装食品销售；热食类食品制售",
    "reason": "家庭收入低于当地最低生活保障标准",
    "project_name": "示范市城东片区配套用房项目",
    "project_site": "示范市东湖区建设路以东",
    "bank_name": "中国工商银行示范市分行",
    "bank_account": "6222021001" + "000000001",
}


def form_data(
    item: Any, plan: Plan, user: User, person: Person | None, enterprise: Enterprise | None
) -> dict[str, Any]:
    """Plausible `form_data` for an item's form (valid against its JSON Schema and checks)."""
    rng = random.Random(plan.form_seed)
    subject_person = person or (enterprise.legal_representative if enterprise else None)
    region = (enterprise.region if enterprise else None) or (
        subject_person.region if subject_person else None
    )
    filed = timezone.localdate() - timedelta(days=plan.days_ago)
    prefill: dict[str, Any] = {
        "person.name": subject_person.name if subject_person else "",
        "person.id_number": subject_person.id_number if subject_person else "",
        "person.phone": (subject_person.phone if subject_person else "") or "13600000000",
        "person.address": subject_person.address if subject_person else "",
        "enterprise.name": enterprise.name if enterprise else "",
        "enterprise.uscc": enterprise.uscc if enterprise else "",
        "enterprise.address": enterprise.address if enterprise else "",
        "enterprise.legal_representative": subject_person.name if subject_person else "",
        "user.phone": user.phone or (subject_person.phone if subject_person else "") or "13600000000",
    }

    def value(name: str, prop: dict[str, Any], hint: dict[str, Any]) -> Any:
        source = str(hint.get("ui:prefill") or "")
        if prefill.get(source):
            return prefill[source]
        widget = hint.get("ui:widget")
        if prop.get("enum"):
            return rng.choice(prop["enum"])
        if widget == "id_number":
            return subject_person.id_number if subject_person else ""
        if widget == "uscc":
            return enterprise.uscc if enterprise else ""
        if widget == "phone":
            return prefill["user.phone"]
        if widget == "region":
            return region.code if region else ""
        if prop.get("format") == "date":
            return (filed - timedelta(days=rng.randint(1, 60))).isoformat()
        if prop.get("type") == "integer":
            return rng.randint(1, 12)
        if prop.get("type") == "number":
            return round(rng.uniform(20, 500), 1)
        if prop.get("type") == "boolean":
            return True
        if prop.get("type") == "array":
            sub = prop["items"]["properties"]
            sub_ui = hint.get("items", {})
            return [{n: value(n, p, sub_ui.get(n, {})) for n, p in sub.items()}]
        if widget == "file":
            return None
        return SAMPLE_TEXT.get(name) or f"{prop.get('title', name)}：详见申请材料"

    data = {}
    properties = item.form_schema.get("properties", {})
    for name, prop in properties.items():
        produced = value(name, prop, item.form_ui.get(name, {}))
        if produced not in (None, ""):
            data[name] = produced
    return data


# -- the in-memory engine replay ----------------------------------------------------------------------


def _moment(calendar: WorkCalendar, today: date, days_ago: int, minute: int) -> datetime:
    day = today - timedelta(days=days_ago)
    while not calendar.is_workday(day):
        day -= timedelta(days=1)
    start = timezone.make_aware(datetime.combine(day, time(9, 0)), timezone.get_current_timezone())
    return start + timedelta(minutes=minute)


def _workdays_back(calendar: WorkCalendar, today: date, workdays: int) -> date:
    day = today
    while not calendar.is_workday(day):
        day -= timedelta(days=1)
    for _ in range(workdays):
        day -= timedelta(days=1)
        while not calendar.is_workday(day):
            day -= timedelta(days=1)
    return day


def schedule(
    plan: Plan, calendar: WorkCalendar, now: datetime, promised_days: int
) -> tuple[datetime, list[tuple[Step, datetime]]]:
    """When the application was filed and when each step happened (steps at or after `now` have not
    happened yet and are dropped by the replay). A "warning" story is laid out backwards from `now`:
    filed about 85% of the promised working days ago, reviewed a quarter of an hour ago."""
    today = timezone.localdate(now)
    zone = timezone.get_current_timezone()
    if plan.outcome == "warning":
        day = _workdays_back(calendar, today, round(max(promised_days, 1) * 0.85))
        started = timezone.make_aware(datetime.combine(day, time(9, 0)), zone) + timedelta(
            minutes=plan.minute % 90
        )
        accepted = calendar.add_working_hours(started, 1.0)
        elapsed = calendar.working_seconds_between(accepted, now)
        reviewed = calendar.add_working_seconds(accepted, max(elapsed - 900, 60))
        return started, [(plan.steps[0], accepted), (plan.steps[1], reviewed)]
    started = _moment(calendar, today, plan.days_ago, plan.minute)
    if started >= now:
        started = _moment(calendar, today, plan.days_ago + 1, plan.minute)
    timeline = []
    moment = started
    for step, gap in zip(plan.steps, plan.gaps, strict=True):
        moment = calendar.add_working_hours(moment, gap)
        timeline.append((step, moment))
    return started, timeline


@dataclass
class Replay:
    instance: Any  # ProcessInstance (unsaved)
    events: list[Any]  # ProcessEvent (unsaved)
    handlers: list[str]
    accepted_at: datetime | None = None
    decision_text: str = ""


def replay(
    definition: Any,
    *,
    application_pk_placeholder: str,
    content_type: ContentType,
    title: str,
    organization: Organization,
    region: Region,
    owner: User,
    promised_days: int,
    started_at: datetime,
    steps: Iterable[tuple[Step, datetime, User | None]],
    instant: bool,
    now: datetime,
    instance_id: uuid.UUID,
) -> Replay:
    """What `instance_start` and `transition` (and a final `tick(now)`) would leave, computed in memory
    with the engine's own clock functions. Steps run while their moment is before `now`."""
    from yiwang.workflow import engine
    from yiwang.workflow.models import ProcessEvent, ProcessInstance

    calendar = get_calendar()
    parsed = definition.parsed
    instance = ProcessInstance(
        id=instance_id, definition=definition, content_type=content_type, object_id=application_pk_placeholder,
        title=title[:200], organization=organization, origin_organization=organization,
        region=region, owner=owner, started_at=started_at,
    )  # fmt: skip
    position = engine.begin(calendar, parsed, started_at, sla={"working_days": max(promised_days, 1)})
    events = [
        ProcessEvent(action="start", action_name="发起", from_state="", to_state=position.state, actor=owner,
                     actor_label=str(owner), comment="", created_at=started_at)
    ]  # fmt: skip
    result = Replay(instance, events, [])

    def move(step: Step, moment: datetime, actor: User | None) -> None:
        # The engine's own step function, as `transition` runs it (validation aside: the plan is valid).
        nonlocal position
        act = parsed.actions[step.action]
        from_state = position.state
        days = int(step.fields["days"]) if act.extend else None
        position = engine.step(calendar, parsed, position, act, moment, days=days)
        if act.claim and actor is not None:
            instance.assignee = actor
        events.append(
            ProcessEvent(action=act.code, action_name=act.name, from_state=from_state, to_state=position.state,
                         actor=actor, actor_label=str(actor) if actor is not None else "系统",
                         comment=step.comment, fields=dict(step.fields), created_at=moment)
        )  # fmt: skip
        if act.code == "accept" and result.accepted_at is None:
            result.accepted_at = moment
        if act.code in ("approve", "deny") and actor is not None:
            result.decision_text = step.comment

    happened: list[tuple[Step, datetime, User | None]] = []
    for step, moment, actor in steps:
        if moment >= now:
            break
        happened.append((step, moment, actor))
        if step.action == "accept" and instant:
            happened += [
                (Step(a, SYSTEM, "即办件，受理即办结"), moment, None)
                for a in ("review", "approve", "complete")
            ]
    for step, moment, actor in happened:
        move(step, moment, actor)
    last = happened[-1][1] if happened else started_at
    instance.place(position, engine.settle(calendar, parsed, position, last))
    # What the timer would have flagged by now (it skips completed and suspended instances).
    if instance.completed_at is None and instance.suspended_at is None:
        if instance.warning_at is not None and instance.warning_at <= now:
            instance.warning = True
        if instance.due_at is not None and instance.due_at < now:
            instance.overdue = instance.warning = True
    if instance.completed_at is None:
        result.handlers = sorted(parsed.handler_codes(instance.state, suspended=instance.is_suspended))
    return result


# -- the writer ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistorySeedResult:
    created: int
    total: int
    accounts_created: int
    seconds: float


def _subject(cast: Cast, plan: Plan) -> tuple[User, Person | None, Enterprise | None]:
    if plan.subject_kind == "enterprise" and cast.enterprises:
        user, enterprise = cast.enterprises[plan.subject_index % len(cast.enterprises)]
        return user, None, enterprise
    user, person = cast.persons[plan.subject_index % len(cast.persons)]
    return user, person, None


def _actor(cast: Cast, plan: Plan, step: Step, applicant: User) -> User | None:
    if step.by == APPLICANT:
        return applicant
    if step.by == SYSTEM:
        return None
    return cast.staff[plan.row.organization_code][step.by]


def _materials_for(item: Any, plan: Plan) -> tuple[list[Any], list[Any]]:
    """(uploaded, from e-licences / shared data): the required uploads plus some conditional ones, and
    every non-upload material (a file-less row, as `application_submit` writes)."""
    uploads = [m for m in item.materials_list if m.source == "upload"]
    required = [m for m in uploads if m.requirement == "required"]
    optional = [m for m in uploads if m.requirement != "required"]
    later = [m for m in item.materials_list if m.source != "upload"]
    return required + optional[: plan.extra_materials], later


class _SampleFiles:
    """Stored copies of the stand-in scans: one StoredFile per material (as `file_store` would create,
    without its audit row), from one stored content per kind (`core.files.file_copies`)."""

    def __init__(self) -> None:
        from yiwang.core.files import file_copies

        self.kinds = {
            extension: file_copies(content, name=f"样例.{extension}", content_type=content_type)
            for extension, content_type, content in (sample_kind(["pdf"]), sample_kind(["png"]))
        }

    def row(
        self, *, material: Any, stored_at: datetime | None, owner: User, organization: Organization
    ) -> Any:
        extension, _content_type, _content = sample_kind(material.formats)
        return self.kinds[extension].row(
            name=f"{material.name}.{extension}", owner=owner, organization=organization, stored_at=stored_at
        )


def write_history(
    organizations: dict[str, Organization],
    items: dict[tuple[str, str], Any],
    cast: Cast,
    *,
    seed: int = demo_subjects.DEFAULT_SEED,
    size: int = HISTORY_SIZE,
    now: datetime | None = None,
    only: Iterable[int] | None = None,
) -> int:
    """Insert the planned applications that are not stored yet (see the module docstring); returns how many."""
    from yiwang.core.models import StoredFile
    from yiwang.services.models import (
        Application,
        ApplicationMaterial,
        ApplicationSequence,
        MaterialRequirement,
    )
    from yiwang.workflow.models import ProcessDefinition, ProcessEvent, ProcessHandler, ProcessInstance

    now = now or timezone.now()
    calendar = get_calendar()
    definition = ProcessDefinition.objects.get(code=DEFINITION, status=ProcessDefinition.Status.PUBLISHED)
    content_type = ContentType.objects.get_for_model(Application)
    all_plans = plans(seed=seed, size=size, hours_per_day=calendar.seconds_per_day / 3600)
    wanted = set(only) if only is not None else None
    done = set(
        Application.objects.filter(idempotency_key__startswith=KEY_PREFIX).values_list(
            "idempotency_key", flat=True
        )
    )
    todo = [p for p in all_plans if p.key not in done and (wanted is None or p.index in wanted)]
    if not todo:
        return 0
    materials = defaultdict(list)
    for material in MaterialRequirement.objects.filter(item__in=[i.pk for i in items.values()]).order_by(
        "sort_order", "pk"
    ):
        materials[material.item_id].append(material)
    for item in items.values():
        item.materials_list = materials[item.pk]
    rng = random.Random(seed * 7919 + 41)
    id_bits = {p.index: rng.getrandbits(128) for p in all_plans}

    staged = []
    for plan in todo:
        item = items[plan.row.key]
        applicant, person, enterprise = _subject(cast, plan)
        started, timeline = schedule(plan, calendar, now, item.promised_days)
        moments = [(step, moment, _actor(cast, plan, step, applicant)) for step, moment in timeline]
        staged.append((plan, item, started, applicant, person, enterprise, moments))
    staged.sort(key=lambda s: (s[2], s[0].index))

    # Numbers: 实施编码 + yyyymmdd + daily sequence, continuing the stored sequences.
    counters: dict[tuple[str, date], int] = {}
    days = {(s[1].implementation_code, timezone.localdate(s[2])) for s in staged}
    for seq in ApplicationSequence.objects.filter(implementation_code__in={c for c, _ in days}):
        counters[(seq.implementation_code, seq.day)] = seq.last_number
    applications, replays = [], []
    for plan, item, started, applicant, person, enterprise, moments in staged:
        day = timezone.localdate(started)
        counter = counters.get((item.implementation_code, day), 0) + 1
        counters[(item.implementation_code, day)] = counter
        number = f"{item.implementation_code}{day:%Y%m%d}{counter:04d}"
        instance_id = uuid.UUID(int=id_bits[plan.index], version=4)
        played = replay(
            definition, application_pk_placeholder="", content_type=content_type, title=f"{item.name}（{number}）",
            organization=item.organization, region=item.region, owner=applicant, promised_days=item.promised_days,
            started_at=started, steps=moments, instant=item.handling_kind == "instant", now=now, instance_id=instance_id,
        )  # fmt: skip
        if plan.channel == "window":
            played.events[0].comment = "窗口收件"
        inst = played.instance
        completed = inst.completed_at is not None
        visits = 0
        if plan.channel == "window":
            visits = 1 + (1 if completed and item.online_depth <= 2 else 0)
        elif item.online_depth == 3 and completed:
            visits = 1
        application = Application(
            application_no=number, item=item, applicant=applicant, person=person, enterprise=enterprise,
            organization=item.organization, region=item.region,
            status=Application.status_for_state(inst.state, completed=completed),
            channel=plan.channel, form_data=form_data(item, plan, applicant, person, enterprise),
            idempotency_key=plan.key, submitted_at=started, accepted_at=played.accepted_at,
            completed_at=inst.completed_at, due_at=inst.deadline,
            completed_on_time=(inst.deadline is None or inst.completed_at <= inst.deadline) if completed else None,
            site_visits=visits, decision_text=played.decision_text, process_instance_id=instance_id,
        )  # fmt: skip
        applications.append(application)
        replays.append((plan, item, played))

    Application.objects.bulk_create(applications, batch_size=500)
    pks = [a.pk for a in applications]
    chunks = [pks[i : i + CHUNK] for i in range(0, len(pks), CHUNK)]  # bound-parameter limits
    for chunk in chunks:
        Application.objects.filter(pk__in=chunk).update(
            created_at=F("submitted_at"), updated_at=F("submitted_at")
        )
    instances, events, handlers, rows = [], [], [], []
    samples = _SampleFiles()
    stored_files = []
    for application, (plan, item, played) in zip(applications, replays, strict=True):
        played.instance.object_id = str(application.pk)
        instances.append(played.instance)
        for event in played.events:
            event.instance = played.instance
            events.append(event)
        handlers += [ProcessHandler(instance=played.instance, code=code) for code in played.handlers]
        uploaded, later = _materials_for(item, plan)
        for material in uploaded:
            stored_files.append(
                samples.row(material=material, stored_at=application.submitted_at, owner=application.applicant,
                            organization=item.organization)
            )  # fmt: skip
            rows.append(
                ApplicationMaterial(application=application, requirement=material, file=stored_files[-1])
            )
        rows += [ApplicationMaterial(application=application, requirement=m, file=None) for m in later]
    StoredFile.objects.bulk_create(stored_files, batch_size=1000)
    ProcessInstance.objects.bulk_create(instances, batch_size=500)
    ProcessEvent.objects.bulk_create(events, batch_size=1000)
    ProcessHandler.objects.bulk_create(handlers, batch_size=1000)
    ApplicationMaterial.objects.bulk_create(rows, batch_size=1000)
    # ApplicationMaterial.created_at is auto_now_add: give the rows the filing time.
    for chunk in chunks:
        ApplicationMaterial.objects.filter(application__in=chunk).update(
            created_at=Subquery(
                Application.objects.filter(pk=OuterRef("application_id")).values("submitted_at")[:1]
            )
        )
    stored = {
        (s.implementation_code, s.day): s
        for s in ApplicationSequence.objects.filter(implementation_code__in={c for c, _ in counters})
    }
    new_sequences = []
    for (code, day), last in counters.items():
        sequence = stored.get((code, day))
        if sequence is None:
            new_sequences.append(ApplicationSequence(implementation_code=code, day=day, last_number=last))
        elif sequence.last_number < last:
            ApplicationSequence.objects.filter(pk=sequence.pk).update(last_number=last)
    ApplicationSequence.objects.bulk_create(new_sequences, batch_size=1000)
    return len(applications)


def update_popularity(items: Iterable[Any], *, now: datetime | None = None) -> int:
    """热度 = applications of the last 12 months, per implementation code; returns how many items changed."""
    from yiwang.services.models import Application, ServiceItem

    now = now or timezone.now()
    codes = [i.implementation_code for i in items]
    counts = dict(
        Application.objects.filter(
            item__implementation_code__in=codes, submitted_at__gte=now - timedelta(days=365)
        )
        .values_list("item__implementation_code")
        .annotate(n=Count("pk"))
        .values_list("item__implementation_code", "n")
    )
    changed = 0
    for item in ServiceItem.objects.filter(implementation_code__in=codes, is_current=True):
        wanted = counts.get(item.implementation_code, 0)
        if item.popularity != wanted:
            ServiceItem.objects.filter(pk=item.pk).update(popularity=wanted)
            changed += 1
    if changed:
        from yiwang.services.search import invalidate_search_index

        transaction.on_commit(invalidate_search_index)  # the search ranks by popularity
    return changed


def seed_service_history(
    organizations: dict[str, Organization],
    items: dict[tuple[str, str], Any],
    *,
    seed: int = demo_subjects.DEFAULT_SEED,
    size: int = HISTORY_SIZE,
    now: datetime | None = None,
) -> HistorySeedResult:
    """Accounts, then the bulk history, then the items' popularity."""
    from yiwang.services.models import Application

    started = clock.monotonic()
    cast = seed_accounts(organizations, seed=seed)
    created = write_history(organizations, items, cast, seed=seed, size=size, now=now)
    if created:
        update_popularity(items.values(), now=now)
    total = Application.objects.filter(idempotency_key__startswith=KEY_PREFIX).count()
    return HistorySeedResult(created, total, cast.created, clock.monotonic() - started)


# -- the real path (for measuring, and for the equivalence test) ------------------------------------------


def submit_via_engine(
    plan: Plan, items: dict[tuple[str, str], Any], cast: Cast, *, now: datetime | None = None
) -> Any:
    """File and move one planned application through the real actions (`application_submit`, then
    `workflow.actions.transition` per step with `now=`). Returns the Application."""
    from yiwang.core.files import file_store
    from yiwang.services.actions.applications import application_submit
    from yiwang.services.models import Application
    from yiwang.workflow import actions as workflow_actions
    from yiwang.workflow.models import ProcessInstance

    now = now or timezone.now()
    calendar = get_calendar()
    item = items[plan.row.key]
    applicant, person, enterprise = _subject(cast, plan)
    actor = Actor.for_user(applicant)
    started, timeline = schedule(plan, calendar, now, item.promised_days)
    uploads = {}
    for material in item.materials.all():
        if material.source == "upload" and material.requirement == "required":
            extension, content_type, content = sample_kind(material.formats)
            uploads[material.code] = file_store(
                actor=actor, upload=content, name=f"{material.name}.{extension}", content_type=content_type
            )
    application = application_submit(
        actor=actor, item=item, data=form_data(item, plan, applicant, person, enterprise), materials=uploads,
        idempotency_key=plan.key, enterprise=enterprise, now=started,
    )  # fmt: skip
    assert application.process_instance_id is not None
    instance = ProcessInstance.objects.get(pk=application.process_instance_id)
    for step, moment in timeline:
        if moment >= now:
            break
        user = _actor(cast, plan, step, applicant)
        workflow_actions.transition(instance=instance, action=step.action, actor=Actor.for_user(user) if user else Actor.system(), comment=step.comment, now=moment, fields=step.fields)  # fmt: skip
    return Application.objects.get(pk=application.pk)


def measure_engine_path(
    organizations: dict[str, Organization], items: dict[tuple[str, str], Any], count: int = 200
) -> float:
    """Seconds per application on the real path, over `count` plans beyond the seeded ones (run it
    inside a transaction you roll back)."""
    cast = seed_accounts(organizations)
    # The history files items of 网上办理深度 Ⅰ and Ⅱ at the window (`application_submit` refuses Ⅰ online).
    extra = plans(size=HISTORY_SIZE + count)[HISTORY_SIZE:]
    chosen = [plan for plan in extra if plan.row.spec.online_depth >= 3]
    started = clock.monotonic()
    with transaction.atomic():
        for plan in chosen:
            submit_via_engine(plan, items, cast)
    return (clock.monotonic() - started) / max(len(chosen), 1)
