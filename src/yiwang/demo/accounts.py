"""One demo account for every persona of the product brief, all with the same password.

Roles are referred to by code (seeded by the identity migration `0002_seed_roles`); staff get
a membership in their department holding that role. Citizens and the enterprise agent are linked
to the named people in `subjects.NAMED_PERSONS`; the agent acts for 示范市明远科技有限公司."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from yiwang.core.models import Enterprise, Organization, Person
from yiwang.demo.records import upsert
from yiwang.demo.subjects import DEMO_ENTERPRISE, NAMED_PERSONS
from yiwang.identity import actions as identity_actions
from yiwang.identity.actor import Actor
from yiwang.identity.models import EnterpriseAuthorization, Membership, User

DEMO_PASSWORD = "Demo@2026"  # noqa: S105 — printed on purpose: the demo city is public


@dataclass(frozen=True)
class Persona:
    username: str
    display_name: str
    persona: str  # who this is, in the brief's words
    kind: str
    phone: str
    organization: str | None = None  # organisation code
    roles: tuple[str, ...] = ()
    title: str = ""
    person_id_number: str | None = None
    try_this: str = ""
    is_superuser: bool = False


_WANG, _LI, _LIU, _CHEN = (p.id_number for p in NAMED_PERSONS)

PERSONAS: tuple[Persona, ...] = (
    Persona(
        "citizen", "王小明", "自然人（市民）", User.Kind.CITIZEN, "13800000001",
        person_id_number=_WANG, try_this="办事服务 /services/：搜「开餐馆」→ 办事指南 → 在线申报；我的办件（补正、撤回、下载结果）、消息中心；12345诉求 /hotline/mine/：自己在网上提的建议正在办理",
    ),
    Persona(
        "citizen2", "李晓红", "自然人（另一位市民）", User.Kind.CITIZEN, "13800000002",
        person_id_number=_LI, try_this="我的事项、消息中心；看不到王小明的办件（数据隔离）",
    ),
    Persona(
        "enterprise", "刘婷", "法人经办人（示范市明远科技有限公司）", User.Kind.ENTERPRISE, "13800000003",
        person_id_number=_LIU, try_this="以企业名义在线申报；我的办件：企业办件的办理进度、消息中心",
    ),
    Persona(
        "window", "赵敏", "窗口受理人员", User.Kind.STAFF, "13900000001",
        organization="city-amr", roles=("window_clerk",), title="驻市政务服务中心窗口",
        try_this="一网通办办件 /services/staff/：红黄绿时限、受理、一次性告知补正、不予受理、办结送达",
    ),
    Persona(
        "approver", "孙建国", "审批人员", User.Kind.STAFF, "13900000002",
        organization="city-amr", roles=("approver",), title="行政审批科科员",
        try_this="一网通办办件：审查通过、审查退回补正、特别程序",
    ),
    Persona(
        "depthead", "周志强", "部门负责人", User.Kind.STAFF, "13900000003",
        organization="city-amr", roles=("department_head",), title="副局长",
        try_this="一网通办办件：准予 / 不予许可、批准延期；办件统计 /services/statistics/",
    ),
    Persona(
        "agent", "吴丽", "12345 话务员", User.Kind.STAFF, "13900000004",
        organization="city-12345", roles=("hotline_agent",), title="话务员",
        try_this="来电登记 /hotline/intake/：输入号码查来电人历史、知识库直接答复、智能分类建议、相似工单并单；12345工单 /hotline/：待回访的工单（满意归档、不满意重办）",
    ),
    Persona(
        "dispatcher", "郑凯", "12345 派单员", User.Kind.STAFF, "13900000005",
        organization="city-12345", roles=("hotline_dispatcher",), title="派单员",
        try_this="12345工单 /hotline/：待派单（智能分类建议：一件有把握、一件拿不准）、退单待审核、延期审批、待审核的答复；打开工单页派单、并单、审核办结",
    ),
    Persona(
        "handler", "陈刚", "承办部门办理人员", User.Kind.STAFF, "13900000006",
        organization="city-urban", roles=("handling_officer",), title="市容科科员",
        try_this="12345工单 /hotline/：待签收、办理中（一件已超期并被督办、一件联合办理、一件保密来电）；打开工单页签收、退单、申请延期、答复",
    ),
    Persona(
        "supervisor", "黄文", "督办人员", User.Kind.STAFF, "13900000007",
        organization="city-gov", roles=("supervisor",), title="市政府督查室科长",
        try_this="消息中心：12345 超期工单的督办提醒；12345工单 /hotline/：超期工单督办",
    ),
    Persona(
        "grid", "马超", "网格员", User.Kind.STAFF, "13900000008",
        organization="d02-s001", roles=("grid_inspector",), title="翠苑社区网格员",
        try_this="工作台、消息中心（一网统管模块在后续版本）",
    ),
    Persona(
        "command", "何磊", "指挥中心值班员", User.Kind.STAFF, "13900000009",
        organization="city-ioc", roles=("command_center",), title="值班长",
        try_this="工作台、消息中心（一网统管模块在后续版本）",
    ),
    Persona(
        "clerk", "林静", "机关工作人员", User.Kind.STAFF, "13900000010",
        organization="city-gov", roles=("civil_servant",), title="市政府办公室秘书科科员",
        try_this="工作台、消息中心（协同办公模块在后续版本）",
    ),
    Persona(
        "dataofficer", "许晨", "数据管理员（首席数据官）", User.Kind.STAFF, "13900000011",
        organization="city-zwfw", roles=("data_officer",), title="数据资源科科长",
        try_this="我的账号：API 令牌；工作台、消息中心（数据共享模块在后续版本）",
    ),
    Persona(
        "leader", "高峰", "市领导", User.Kind.STAFF, "13900000012",
        organization="city-gov", roles=("leader",), title="副市长",
        try_this="工作台、消息中心（领导驾驶舱在后续版本）",
    ),
    Persona(
        "admin", "系统管理员", "平台管理员", User.Kind.STAFF, "13900000013",
        organization="city-zwfw", roles=("platform_admin",), title="平台运维",
        try_this="管理后台 /admin/：账号、角色、字典、日历、流程定义、事项目录 Excel 导入（进度条）；API 令牌",
        is_superuser=True,
    ),
)  # fmt: skip


def seed_accounts(organizations: dict[str, Organization]) -> int:
    """Create or update every persona's account, membership and authorisation; returns how many
    accounts were created. New accounts go through the identity actions (`citizen_register`,
    `staff_create`, `membership_grant`, `enterprise_authorize`) as the system actor; a later run
    only touches what differs from the persona table."""
    system = Actor.system()
    persons = {
        p.id_number: p for p in Person.objects.filter(id_number__in=[n.id_number for n in NAMED_PERSONS])
    }
    created = 0
    for persona in PERSONAS:
        person = persons[persona.person_id_number] if persona.person_id_number else None
        organization = organizations[persona.organization] if persona.organization else None
        user = User.objects.filter(username=persona.username).first()
        if user is None:
            created += 1
            user = _create_user(system, persona, person, organization)
        _sync_user(persona, person)
        if organization is not None:
            membership = Membership.objects.filter(user=user, organization=organization).first()
            held = set(membership.roles.values_list("code", flat=True)) if membership else set()
            if membership is None or set(persona.roles) - held:
                identity_actions.membership_grant(
                    actor=system,
                    user=user,
                    organization=organization,
                    roles=persona.roles,
                    title=persona.title,
                )
    _authorize_enterprise_agent(system)
    return created


def _create_user(
    system: Actor, persona: Persona, person: Person | None, organization: Organization | None
) -> User:
    if persona.kind == User.Kind.STAFF:
        assert organization is not None, persona.username
        return identity_actions.staff_create(
            actor=system,
            username=persona.username,
            display_name=persona.display_name,
            phone=persona.phone,
            organization=organization,
            roles=persona.roles,
            password=DEMO_PASSWORD,
            title=persona.title,
        )
    return identity_actions.citizen_register(
        actor=system, username=persona.username, phone=persona.phone, password=DEMO_PASSWORD, person=person
    )


def _sync_user(persona: Persona, person: Person | None) -> None:
    """Bring the fields the actions do not set (kind, real-name level, admin flags) to the persona's values."""
    user, _ = upsert(
        User,
        lookup={"username": persona.username},
        values={
            "display_name": persona.display_name,
            "kind": persona.kind,
            "phone": persona.phone,
            "person": person,
            # The named citizens' identities are on file (L2 实名核验).
            "assurance_level": User.AssuranceLevel.L2 if person else User.AssuranceLevel.L1,
            "is_active": True,
            "is_staff": persona.is_superuser,
            "is_superuser": persona.is_superuser,
        },
    )
    if not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])


def _authorize_enterprise_agent(system: Actor) -> None:
    agent = User.objects.get(username="enterprise")
    enterprise = Enterprise.objects.get(uscc=DEMO_ENTERPRISE.uscc)
    if not EnterpriseAuthorization.objects.filter(
        user=agent, enterprise=enterprise, revoked_at__isnull=True
    ).exists():
        identity_actions.enterprise_authorize(
            actor=system,
            user=agent,
            enterprise=enterprise,
            role=EnterpriseAuthorization.Role.AGENT,
            valid_from=date(2024, 1, 1),
        )
