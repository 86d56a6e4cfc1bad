"""Who may apply online (在线申报) for an item, told before the form rather than after it (一次告知).

Online application is open for items of 网上办理深度 Ⅱ (网上预审: filed online, checked by the window
before the applicant comes with the originals), Ⅲ and Ⅳ; items of Ⅰ (网上咨询、表格下载) are applied
for at the window. The applicant applies as a natural person (自然人) or as an enterprise
(法人) it acts for, and the item names whom it serves (`ServiceItem.served_subjects`, empty = everyone).

`online_applying(actor, item)` answers for the guide (办事指南) and the apply page: allowed, or why not
in plain Chinese and what to do instead. It mirrors the checks the actions keep making on every
write (`services.actions.applications.applicant_subject`, `_check_item`), which use the same codes:
`service_item_not_online`, `application_subject_not_served`, `application_subject_missing`,
`application_applicant_only`. Pure: reads nothing beyond the actor and the item."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from yiwang.identity.actor import Actor
from yiwang.services.constants import ONLINE_DEPTH_LABELS
from yiwang.services.models import ServiceItem

ONLINE_DEPTHS = frozenset({2, 3, 4})
PERSON, ENTERPRISE = ServiceItem.ServedSubject.PERSON.value, ServiceItem.ServedSubject.ENTERPRISE.value
NOT_ONLINE = "service_item_not_online"
SUBJECT_NOT_SERVED = "application_subject_not_served"
SUBJECT_MISSING = "application_subject_missing"
APPLICANT_ONLY = "application_applicant_only"


@dataclass(frozen=True)
class Link:
    text: str
    url: str


@dataclass(frozen=True)
class OnlineApplying:
    """Whether the actor may apply online for the item; if not, `title` says why, `lines` what to do."""

    allowed: bool
    code: str = ""
    title: str = ""
    lines: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()


def accepts_online(item: ServiceItem) -> bool:
    """网上办理深度 Ⅱ (网上预审), Ⅲ (网上受理，到现场一次) or Ⅳ (全程网办)."""
    return item.online_depth in ONLINE_DEPTHS


def not_online_message(item: ServiceItem) -> str:
    """The error of a write on an item of depth Ⅰ (the actions raise it with code `NOT_ONLINE`)."""
    depth = ONLINE_DEPTH_LABELS.get(item.online_depth, str(item.online_depth))
    return f"该事项不支持网上申请，请到办理地点现场办理：{item.place or '见办事指南'}。网上办理深度：{depth}"


def window_lines(item: ServiceItem) -> tuple[str, ...]:
    """How to apply at the window: place, hours, the form to bring, the phone."""
    depth = ONLINE_DEPTH_LABELS.get(item.online_depth, str(item.online_depth))
    lines = [f"网上办理深度：{depth}，网上申请适用于Ⅱ级及以上事项。"]
    if (item.form_schema or {}).get("properties"):
        lines.append("可先在办事指南中下载申请表（Excel 或 PDF）填好，与申请材料一并带到窗口。")
    lines.append(f"办理地点：{item.place or '见办事指南'}")
    lines.append(f"办理时间：{item.office_hours or '法定工作日'}")
    lines.append(f"咨询电话：{item.consultation_phone or '12345'}")
    return tuple(lines)


def subject_kinds(actor: Actor) -> set[str]:
    """As whom the actor may apply: an enterprise it acts for, and itself as a person unless it is an
    enterprise account acting for one (as `applicant_subject` decides)."""
    user = actor.user
    if user is None:
        return set()
    kinds = set()
    if actor.enterprise_ids or actor.is_superuser:
        kinds.add(ENTERPRISE)
    acts_for_enterprise = getattr(user, "kind", "") == "enterprise" and actor.enterprise_ids
    if getattr(user, "person_id", None) is not None and not acts_for_enterprise:
        kinds.add(PERSON)
    return kinds


def online_applying(actor: Actor, item: ServiceItem) -> OnlineApplying:
    """May `actor` apply online for `item` now? Anonymous visitors may (they are asked to log in)."""
    if not accepts_online(item):
        return OnlineApplying(
            allowed=False,
            code=NOT_ONLINE,
            title="本事项不支持网上申请，请到窗口办理",
            lines=window_lines(item),
        )
    user = actor.user
    if user is None:
        return OnlineApplying(allowed=True)
    if getattr(user, "kind", "") == "staff" or getattr(user, "is_staff", False):  # as the apply page
        return OnlineApplying(
            allowed=False,
            code=APPLICANT_ONLY,
            title="工作人员账号不能在网上申报",
            lines=("网上申报仅供个人和法人账号使用，工作人员请在工作台办理。",),
        )
    served = set(item.served_subjects or []) or {PERSON, ENTERPRISE}
    kinds = subject_kinds(actor)
    if kinds & served:
        return OnlineApplying(allowed=True)
    if not kinds:
        return OnlineApplying(
            allowed=False,
            code=SUBJECT_MISSING,
            title="您的账号尚未关联实名信息（自然人），暂不能网上申报",
            lines=("请先完成实名认证，或使用已实名的账号登录。",),
            links=(Link("我的账号", reverse("identity:profile")),),
        )
    if served == {ENTERPRISE}:
        return OnlineApplying(
            allowed=False,
            code=SUBJECT_NOT_SERVED,
            title="本事项由法人（企业）办理",
            lines=("请使用法人账号登录，或先办理企业设立登记。",),
            links=(Link("企业设立登记等开办事项", f"{reverse('services:catalogue')}?theme=startup"),),
        )
    return OnlineApplying(
        allowed=False,
        code=SUBJECT_NOT_SERVED,
        title="本事项由自然人（个人）办理",
        lines=("请使用本人的个人账号登录后申请；法人账号不能以企业名义申报本事项。",),
    )
