"""一网通办 for the named demo accounts: fourteen applications (办件) of 王小明 (citizen), 李晓红 (citizen2)
and 示范市明远科技有限公司 (its agent 刘婷, enterprise) at 市市场监督管理局, most of them open.

Unlike the bulk history (`demo.services_history`, which leaves the named accounts out), these go
through the real actions: `application_submit` with the sample scans, then the handling actions
(`application_accept`, `application_request_correction`, `application_review`, `application_decide`,
`application_complete`) as the demo staff 赵敏 (window), 孙建国 (approver) and 周志强 (depthead), each
with `now=` in the past. Numbers, notices, history, messages and audit rows are what real use writes.
Finally `tick(now)` flags what is near or past its deadline, as the timer would have.

The moments are laid out backwards from now, so whenever the demo is seeded, at any hour, the window
clerk's 工作台 and 办件箱 show new applications (正常, green), one whose promised time is nearly used up
(即将超期, yellow) and one past its deadline (已超期, red), and so does the approver's among the
applications under review; 王小明 has a 补正 waiting for him. (Deadlines of N working days end with
office hours on the Nth working day after the start, 次日起算: a new 待受理 cannot be yellow before
the afternoon of its last day, so the yellow ones are those whose 10- or 15-day promise ends tomorrow,
and the red ones are past the end of an earlier day.) Colours then move with the clock, as real ones do.

Each application is keyed by its idempotency key `demo-showcase-NN`: a second run adds nothing. All are
filed online, so every item here is one of 网上办理深度 Ⅲ or Ⅳ (Ⅰ is applied for at the window only)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from yiwang.core.calendar import get_calendar
from yiwang.core.models import Enterprise
from yiwang.demo import services_history
from yiwang.demo.moments import Ago, Day, When, moment_of
from yiwang.demo.services_catalog import item_rows
from yiwang.demo.subjects import DEMO_ENTERPRISE
from yiwang.demo.workflows import date_owner_messages
from yiwang.identity.actor import Actor
from yiwang.identity.models import User

KEY_PREFIX = "demo-showcase-"
ORGANIZATION = "city-amr"
STAFF = {"window": "window", "approver": "approver", "head": "depthead"}


@dataclass(frozen=True)
class Move:
    action: str  # accept / correction / review / approve / deny / complete
    at: When
    text: str = ""  # comment, 补正理由 or decision text
    materials: tuple[str, ...] = ()  # requirement codes of a 补正


@dataclass(frozen=True)
class Story:
    number: int
    applicant: str  # username of the applicant account
    item: str  # basic code of the item at 市市场监督管理局
    filed: When
    moves: tuple[Move, ...] = ()
    shows: str = ""  # what it is there for (at the time of seeding)

    @property
    def key(self) -> str:
        return f"{KEY_PREFIX}{self.number:02d}"


ACCEPTED = "材料齐全，符合法定形式，予以受理"
REVIEWED = "经审查，申请材料真实有效，符合法定条件"
APPROVED = "经审查，申请符合法定条件和标准，依法作出准予许可的决定。"
COMPLETED = "已办结，办理结果已通过电子证照库送达"

# State clocks of yiwang_tongban: 待受理 1 working day (预警 2 hours before the end), 审查中 2, 待决定
# and 待办结 1 (预警 in the last 20%); the overall clock is the item's promised days (预警 in the last 20%).
STORIES: tuple[Story, ...] = (
    # 赵敏's 工作台 (待受理 / 待办结): green, green, red, green, yellow.
    Story(1, "citizen", "010010200100", Ago(hours=1.5), shows="待受理：正常"),
    Story(4, "enterprise", "010010500100", Ago(hours=3), shows="待受理：正常"),
    Story(5, "enterprise", "010010300100", Day(4), shows="待受理，3 个工作日的承诺时限昨天已到：已超期"),
    Story(
        9,
        "enterprise",
        "010010900100",
        Day(3),
        (
            Move("accept", Day(3, 14), ACCEPTED),
            Move("review", Day(1, 11), REVIEWED),
            Move("approve", Ago(days=0.2), APPROVED),
        ),
        shows="准予许可，待办结：正常",
    ),
    Story(
        14,
        "enterprise",
        "010010700100",
        Day(14),
        (
            Move("accept", Day(13), ACCEPTED),
            Move("review", Day(2), "经审查并现场核查，经营场所、设施设备和质量管理制度符合要求"),
            Move("approve", Ago(hours=2), APPROVED),
        ),
        shows="准予许可，待办结，15 个工作日的承诺时限明天到期：即将超期",
    ),
    # 孙建国's 工作台 (审查中): green, yellow, red.
    Story(
        8, "citizen2", "010010200100", Ago(days=1), (Move("accept", Ago(days=0.8), ACCEPTED),), "审查中：正常"
    ),
    Story(
        6,
        "enterprise",
        "010010700100",
        Day(14),
        (Move("accept", Ago(hours=2), "材料齐全，予以受理（受理较晚，承诺时限明天到期，请优先审查）"),),
        shows="审查中，15 个工作日的承诺时限明天到期：即将超期",
    ),
    Story(
        7,
        "enterprise",
        "010011000100",
        Day(12),
        (Move("accept", Day(11), ACCEPTED),),
        shows="审查中，10 个工作日的承诺时限已过：已超期",
    ),
    # 周志强's 工作台 (待决定).
    Story(
        10,
        "citizen2",
        "080011200100",
        Ago(days=6),
        (
            Move("accept", Ago(days=5.8), ACCEPTED),
            Move("review", Ago(days=0.3), "经核查，举报线索属实，违法行为已查实，建议给予举报奖励"),
        ),
        shows="待决定：正常",
    ),
    # 王小明: a 补正 waiting for him, and an earlier application completed.
    Story(
        2,
        "citizen",
        "080011200100",
        Ago(days=3),
        (
            Move(
                "correction",
                Ago(days=2.8),
                "相关证据材料中的照片不清晰，无法辨认涉事商品及购买凭证，请重新上传清晰的照片",
                ("evidence",),
            ),
        ),
        shows="待补正（暂停计时）",
    ),
    Story(
        3,
        "citizen",
        "010010200100",
        Day(30),
        (
            Move("accept", Day(30, 15), ACCEPTED),
            Move("review", Day(29), REVIEWED),
            Move("approve", Day(28), APPROVED),
            Move("complete", Day(28, 15), COMPLETED),
        ),
        shows="已办结（准予许可）",
    ),
    # Completed ones of the enterprise and of 李晓红.
    Story(
        11,
        "enterprise",
        "100010800100",
        Day(15, 9.5),
        (Move("accept", Day(15, 10), "即办件，材料齐全，当场办结"),),
        shows="即办件，受理即办结",
    ),
    Story(
        12,
        "enterprise",
        "010010600100",
        Day(40),
        (
            Move("accept", Day(40, 15), ACCEPTED),
            Move("review", Day(37), "经审查并现场核查，生产场所和设备符合要求"),
            Move("approve", Day(35), APPROVED),
            Move("complete", Day(35, 15), COMPLETED),
        ),
        shows="已办结（准予许可）",
    ),
    Story(
        13,
        "citizen2",
        "080011200100",
        Day(25),
        (
            Move("accept", Day(24), ACCEPTED),
            Move("review", Day(20), "经核查，举报事项在举报前已被我局立案查处"),
            Move("deny", Day(15), "经审查，举报事项在举报前已被我局立案查处，不符合奖励条件，依法不予奖励。"),
            Move("complete", Day(15, 15), "已办结，不予许可决定书已送达"),
        ),
        shows="已办结（不予许可）",
    ),
)


@dataclass(frozen=True)
class ShowcaseSeedResult:
    created: int
    total: int


def _uploads(actor: Actor, item: Any) -> dict[str, Any]:
    from yiwang.core.files import file_store

    uploads = {}
    for material in item.materials.all().order_by("sort_order", "pk"):
        if material.source == "upload" and material.requirement == "required":
            extension, content_type, content = services_history.sample_kind(material.formats)
            uploads[material.code] = file_store(
                actor=actor, upload=content, name=f"{material.name}.{extension}", content_type=content_type
            )
    return uploads


def _file(story: Story, item: Any, user: User, enterprise: Enterprise | None, moment: datetime) -> Any:
    from yiwang.services.actions.applications import application_submit

    actor = Actor.for_user(user)
    rows = {row.key: row for row in item_rows()}
    # The history's form filler wants a plan: only the seed of its choices and the filing day matter.
    plan = services_history.Plan(
        index=story.number, row=rows[(ORGANIZATION, story.item)], subject_kind="enterprise" if enterprise else "person",
        subject_index=0, days_ago=(timezone.localdate() - timezone.localdate(moment)).days, minute=0, outcome="",
        steps=(), gaps=(), channel="online", extra_materials=0, form_seed=random.Random(story.number).randrange(10**9),
    )  # fmt: skip
    data = services_history.form_data(item, plan, user, None if enterprise else user.person, enterprise)
    return application_submit(
        actor=actor, item=item, data=data, materials=_uploads(actor, item), idempotency_key=story.key,
        enterprise=enterprise, now=moment,
    )  # fmt: skip


def _move(application: Any, move: Move, staff: dict[str, Actor], moment: datetime) -> None:
    from yiwang.services.actions import handling

    window, approver, head = staff["window"], staff["approver"], staff["head"]
    if move.action == "accept":
        handling.application_accept(actor=window, application=application, comment=move.text, now=moment)
    elif move.action == "correction":
        ids = list(application.item.materials.filter(code__in=move.materials).values_list("pk", flat=True))
        handling.application_request_correction(
            actor=window, application=application, reason=move.text, materials=ids, now=moment
        )
    elif move.action == "review":
        handling.application_review(actor=approver, application=application, comment=move.text, now=moment)
    elif move.action in ("approve", "deny"):
        handling.application_decide(
            actor=head, application=application, decision=move.action, decision_text=move.text, now=moment
        )
    elif move.action == "complete":
        handling.application_complete(actor=window, application=application, comment=move.text, now=moment)
    else:  # a typo in STORIES
        raise ValueError(f"unknown showcase move {move.action!r}")
    application.refresh_from_db()


def seed_showcase(items: dict[tuple[str, str], Any], *, now: datetime | None = None) -> ShowcaseSeedResult:
    """File and handle the stories not stored yet (see the module docstring)."""
    from yiwang.services.models import Application
    from yiwang.workflow.actions import tick

    keys = [story.key for story in STORIES]
    done = set(Application.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True))
    now = now or timezone.now()
    calendar = get_calendar()
    # Oldest first, so the daily application numbers follow the filing times.
    todo = sorted(
        (story for story in STORIES if story.key not in done),
        key=lambda story: moment_of(story.filed, calendar, now),
    )
    if todo:
        names = {story.applicant for story in todo} | set(STAFF.values())
        users = {user.username: user for user in User.objects.filter(username__in=names)}
        staff = {role: Actor.for_user(users[name]) for role, name in STAFF.items()}
        enterprise = Enterprise.objects.get(uscc=DEMO_ENTERPRISE.uscc)
        instance_ids = []
        for story in todo:
            user = users[story.applicant]
            item = items[(ORGANIZATION, story.item)]
            filed = moment_of(story.filed, calendar, now)
            on_behalf = enterprise if user.kind == User.Kind.ENTERPRISE else None
            application = _file(story, item, user, on_behalf, filed)
            for move in story.moves:
                _move(application, move, staff, moment_of(move.at, calendar, now))
            instance_ids.append(application.process_instance_id)
        tick(now=now)
        # Runs after the engine's own after-commit work (its messages to the applicants).
        transaction.on_commit(partial(date_owner_messages, instance_ids, now))
    total = Application.objects.filter(idempotency_key__in=keys).count()
    return ShowcaseSeedResult(len(todo), total)
