"""The city the access matrix walks: every kind of caller the platform has, and objects that belong
to someone else for most of them.

Department A (东城区市场监督管理局) handles citizen A's application, which waits for 补正 with a
reason and a notice; department B is the other district's. Around them: citizen B, an enterprise
agent (for an enterprise that is not A's), A's window clerk, A's catalogue admin (staff of A without
any handling permission), B's window clerk, the region- and city-wide roles of other domains (12345
agent and dispatcher, supervisor, command centre), A's 12345 handling officer and the platform admin.

12345 (`Hotline`): the centre (`city-12345`), a 派单目录 whose categories A leads (one with B as
协办), A's knowledge-base entry, and one ticket in each state an operation applies to — all in
东城区, built through the app's actions: a call from A's number waiting for A to sign for it, a
confidential caller's ticket A is handling, citizen A's own web requests (one waiting for dispatch,
one confidential and dispatched to A), and tickets returned, with a pending 延期申请, replied,
closed and jointly handled; the agent's API token for Open311.

`SECRETS` are what only those entitled to the application may read (and the callers' names, which
only the 12345 centre reads); `pii` the clear ID numbers and phone numbers that nobody without the
unmask permission may receive, masked or not. The dispatcher holds `core.unmask_pii` (an extra
role) so that unmasking a caller's number has someone allowed to succeed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from yiwang.core import identifiers
from yiwang.core.files import file_store
from yiwang.core.jobs import job_create
from yiwang.core.models import BackgroundJob, Dictionary, DictionaryEntry, Notification, Organization, Region
from yiwang.core.tests.factories import EnterpriseFactory, OrganizationFactory, PersonFactory, RegionFactory
from yiwang.hotline.actions import catalog as hotline_catalog
from yiwang.hotline.actions import knowledge as hotline_knowledge
from yiwang.hotline.actions import tickets as hotline
from yiwang.hotline.models import Ticket, TicketCategory
from yiwang.identity.actor import Actor
from yiwang.identity.api_auth import hash_token
from yiwang.identity.models import ApiToken, DataScope, EnterpriseAuthorization, Membership, User
from yiwang.identity.tests.factories import CitizenFactory, RoleFactory, UserFactory, make_staff
from yiwang.services.actions.applications import application_save_draft, application_submit
from yiwang.services.actions.catalogue import item_update
from yiwang.services.actions.handling import (
    application_accept,
    application_complete,
    application_decide,
    application_request_correction,
    application_review,
)
from yiwang.services.models import Application
from yiwang.services.tests.applications_support import pdf, valid_data
from yiwang.services.tests.factories import ServiceItemFactory
from yiwang.workflow.actions import definitions_load
from yiwang.workflow.models import ProcessEvent

ACTORS = (
    "anonymous",
    "citizen_a",
    "citizen_b",
    "agent",
    "clerk_a",
    "staff_a_without",
    "clerk_b",
    "hotline_agent",
    "hotline_dispatcher",
    "officer_a",
    "supervisor",
    "command_center",
    "admin",
)
REASON = "场地使用证明已过期，请补交有效期内的租赁合同"
MATERIAL_NAME = "东城租赁合同原件.pdf"
DRAFT_ADDRESS = "东城区幸福路草稿 8 号"
PHONE_A = "13700137007"  # citizen A's, also the number A calls 12345 from
CONFIDENTIAL_CALLER = "司马守密"
CONFIDENTIAL_PHONE = "13900139009"
CALLER = "北堂春生"  # the caller of the tickets further round the loop
CALLER_PHONE = "13600136006"
# A shop's landline (the caller of the returned ticket): not personal, so not in `pii`, and the intake
# probe may send it in a query string (every page echoes its own URL in the language form).
LANDLINE = "025-84561234"
OPEN311_KEY = "yw_open311-0123456789abcdefghijklmnopqrstu"


@dataclass
class Hotline:
    """12345 in 东城区: every ticket is department A's matter (or on its way to A)."""

    center: Organization
    category: TicketCategory  # a leaf A leads
    knowledge_code: str  # A's published knowledge-base entry
    call: Ticket  # citizen A's number calling, dispatched to A: 待签收
    confidential: Ticket  # a confidential caller's, signed for by A: 办理中
    web: Ticket  # citizen A's own web request: 待派单
    web_confidential: Ticket  # citizen A's own request, confidential, dispatched to A: 待签收
    returned: Ticket  # A returned it: 已退单, for the dispatcher to review
    extension: Ticket  # A is handling it and asked for more time: 办理中, 延期申请 pending
    replied: Ticket  # A replied: 待审核
    closed: Ticket  # 已办结, waiting for 回访
    joint: Ticket  # 联合办理 with B as 协办; A (主办) has replied, ready for 汇总答复
    open311_key: str  # the agent's API token (an integrated system registering through Open311)


@dataclass
class World:
    users: dict[str, User | None]
    department_a: Organization
    department_b: Organization
    item: Any
    application: Application  # waiting for 补正
    done: Application  # A's other application, approved and completed, with its result
    draft: Application
    upload_uid: str  # a file citizen A uploaded (one of the application's materials)
    notice_uid: str  # the 补正材料告知书 issued to A
    notification: Notification
    token: ApiToken  # clerk A's API token
    job: BackgroundJob  # catalogue admin A's
    person_uid: str  # citizen A's person record
    enterprise_uid: str  # the agent's enterprise
    hotline: Hotline
    pii: list[str] = field(default_factory=list)

    @property
    def instance_id(self) -> str:
        return str(self.application.process_instance_id)


def build_access_world() -> World:
    definitions_load(actor=Actor.system())
    city = RegionFactory(code="320100", name="示范市", level=Region.Level.CITY)
    east = RegionFactory(code="320102", name="东城区", parent=city)
    west = RegionFactory(code="320104", name="西城区", parent=city)
    government = OrganizationFactory(name="示范市人民政府", region=city, type=Organization.Type.GOVERNMENT)
    department_a = OrganizationFactory(name="东城区市场监督管理局", region=east, parent=government)
    department_b = OrganizationFactory(name="西城区市场监督管理局", region=west, parent=government)
    center = OrganizationFactory(
        code="city-12345", name="示范市12345热线中心", short_name="12345", region=city, parent=government
    )
    for organization in (government, department_a, department_b, center):
        organization.refresh_from_db()  # its tree path

    id_a = identifiers.id_number("320102", date(1988, 3, 9), 27)
    person_a = PersonFactory(name="东方明珠", id_number=id_a, phone=PHONE_A, region=east)
    citizen_a = CitizenFactory(person=person_a, display_name="东方明珠", phone=PHONE_A)
    citizen_b = CitizenFactory(display_name="西门吹雪")
    agent = UserFactory(kind=User.Kind.ENTERPRISE, display_name="企业经办人")
    enterprise = EnterpriseFactory(region=west)
    EnterpriseAuthorization.objects.create(user=agent, enterprise=enterprise, valid_from=date(2020, 1, 1))
    users: dict[str, User | None] = {
        "anonymous": None,
        "citizen_a": citizen_a,
        "citizen_b": citizen_b,
        "agent": agent,
        "clerk_a": make_staff(department_a, role_code="window_clerk", display_name="东城窗口"),
        "staff_a_without": make_staff(department_a, role_code="catalog_admin", display_name="东城事项管理员"),
        "clerk_b": make_staff(department_b, role_code="window_clerk", display_name="西城窗口"),
        "hotline_agent": make_staff(center, role_code="hotline_agent", display_name="话务员"),
        "hotline_dispatcher": make_staff(center, role_code="hotline_dispatcher", display_name="派单员"),
        "officer_a": make_staff(department_a, role_code="handling_officer", display_name="东城承办人"),
        "supervisor": make_staff(department_a, role_code="supervisor", scope=DataScope.REGION),
        "command_center": make_staff(department_a, role_code="command_center", scope=DataScope.REGION),
        "admin": make_staff(government, role_code="platform_admin", scope=DataScope.ALL, is_staff=True),
    }

    item = ServiceItemFactory(organization=department_a)
    data = valid_data(legal_person="东方明珠", id_number=id_a, phone=PHONE_A)
    data["staff"] = [{"name": "东方明珠", "id_number": id_a}]
    applicant = Actor.for_user(citizen_a)
    application = application_submit(
        actor=applicant,
        item=item,
        data=data,
        materials={"premises_proof": pdf(MATERIAL_NAME)},
        idempotency_key=uuid.uuid4().hex,
    )
    clerk = users["clerk_a"]
    assert clerk is not None
    material = item.materials.get(code="premises_proof")
    application_request_correction(
        actor=Actor.for_user(clerk), application=application, reason=REASON, materials=[material.pk]
    )
    application.refresh_from_db()
    draft = application_save_draft(actor=applicant, item=item, data={**data, "address": DRAFT_ADDRESS})
    done = _completed(applicant, item, data, clerk, make_staff(department_a, role_code="approver"))
    catalog_admin = users["staff_a_without"]
    assert catalog_admin is not None
    item_update(
        actor=Actor.for_user(catalog_admin), item=item, name=item.name + "（修订）"
    )  # a draft to publish
    dictionary = Dictionary.objects.create(code="matter_type", name="事项类型")
    DictionaryEntry.objects.create(dictionary=dictionary, code="licence", label="行政许可")
    upload = application.materials.select_related("file").get(requirement=material).file
    notice = ProcessEvent.objects.get(
        instance_id=application.process_instance_id, action="request_correction"
    ).attachments.get()
    notification = Notification.objects.filter(recipient=citizen_a).order_by("-pk").first() or (
        Notification.objects.create(recipient=citizen_a, title="补正通知", body=REASON)
    )
    token_text = "yw_matrix-0123456789abcdefghijklmnopqrstuv"
    token = ApiToken.objects.create(
        user=clerk, name="东城窗口令牌", prefix=token_text[:8], token_hash=hash_token(token_text)
    )
    job = job_create(
        actor=Actor.for_user(catalog_admin),
        kind="catalogue_import",
        title="事项导入",
        organization=department_a,
    )
    report = file_store(
        actor=Actor.for_user(catalog_admin),
        upload=b"%PDF-1.4 report",
        name="导入报告.pdf",
        organization=department_a,
    )
    BackgroundJob.objects.filter(pk=job.pk).update(
        result_file=report, status=BackgroundJob.Status.SUCCEEDED, finished_at=timezone.now()
    )
    hotline_world = _hotline(users, center, department_a, department_b, east)
    return World(
        users=users,
        department_a=department_a,
        department_b=department_b,
        item=item,
        application=application,
        done=done,
        draft=draft,
        upload_uid=str(upload.uid),
        notice_uid=str(notice.uid),
        notification=notification,
        token=token,
        job=job,
        person_uid=str(person_a.uid),
        enterprise_uid=str(enterprise.uid),
        hotline=hotline_world,
        pii=[id_a, PHONE_A, CONFIDENTIAL_PHONE, CALLER_PHONE],
    )


def _hotline(
    users: dict[str, User | None],
    center: Organization,
    department_a: Organization,
    department_b: Organization,
    east: Region,
) -> Hotline:
    def actor(name: str) -> Actor:
        user = users[name]
        assert user is not None
        return Actor.for_user(user)

    dispatcher_user = users["hotline_dispatcher"]
    assert dispatcher_user is not None
    unmask = RoleFactory(code="caller_unmask", permissions=["core.unmask_pii"], data_scope=DataScope.ALL)
    Membership.objects.get(user=dispatcher_user).roles.add(unmask)
    agent, dispatcher, officer = actor("hotline_agent"), actor("hotline_dispatcher"), actor("officer_a")
    hotline_catalog.catalog_load(
        actor=actor("admin"),
        categories=[
            {"code": "market", "name": "市场监管"},
            {"code": "market.food_safety", "name": "食品安全", "parent": "market"},
            {"code": "market.pricing", "name": "价格收费", "parent": "market"},
        ],
        assignments=[
            {"category": "market.food_safety", "lead": department_a.code},
            {"category": "market.pricing", "lead": department_a.code, "assists": [department_b.code]},
        ],
    )
    food, pricing = (
        TicketCategory.objects.get(code="market.food_safety"),
        TicketCategory.objects.get(code="market.pricing"),
    )
    entry = hotline_knowledge.knowledge_entry_save(
        actor=officer,
        code="dongcheng-food-licence",
        organization=department_a,
        title="食品经营许可证到期换证",
        answer="可在到期前三十个工作日内通过一网通办申请延续。",
        keywords=["食品经营许可证", "延续"],
    )

    def call(
        content: str, *, name: str = CALLER, phone: str = CALLER_PHONE, confidential: bool = False
    ) -> Ticket:
        return hotline.ticket_register(
            actor=agent,
            kind=Ticket.Kind.COMPLAINT,
            content=content,
            caller_name=name,
            caller_phone=phone,
            confidential=confidential,
            region=east,
        )

    def dispatched(ticket: Ticket, category: TicketCategory = food) -> Ticket:
        return hotline.ticket_dispatch(actor=dispatcher, ticket=ticket, category=category)

    def handling(ticket: Ticket) -> Ticket:
        return hotline.ticket_sign_for(actor=officer, ticket=dispatched(ticket))

    def replied(ticket: Ticket) -> Ticket:
        return hotline.ticket_reply(
            actor=officer, ticket=handling(ticket), comment="已到现场核查，责令整改。"
        )

    first_call = dispatched(call("东城区幸福路小餐馆后厨卫生很差", name="东方明珠", phone=PHONE_A))
    confidential = handling(
        call(
            "东城区幸福路超市销售过期食品",
            name=CONFIDENTIAL_CALLER,
            phone=CONFIDENTIAL_PHONE,
            confidential=True,
        )
    )
    web = hotline.ticket_register(
        actor=actor("citizen_a"),
        kind=Ticket.Kind.SUGGESTION,
        content="建议东城区菜市场公示食品抽检结果",
        channel=Ticket.Channel.WEB,
        region=east,
    )
    web_confidential = dispatched(
        hotline.ticket_register(
            actor=actor("citizen_a"),
            kind=Ticket.Kind.COMPLAINT,
            content="东城区幸福路药店销售假药，请为我保密",
            channel=Ticket.Channel.WEB,
            confidential=True,
            region=east,
        )
    )
    returned = hotline.ticket_return(
        actor=officer,
        ticket=dispatched(call("东城区幸福路路灯不亮", name="幸福路便利店", phone=LANDLINE)),
        reason="路灯不属于市场监管职责",
    )
    extension = handling(call("东城区幸福路面包店无证经营"))
    hotline.ticket_request_extension(actor=officer, ticket=extension, days=5, reason="需要联合执法")
    answered = replied(call("东城区幸福路早餐店油烟扰民"))
    closed = hotline.ticket_close(actor=dispatcher, ticket=replied(call("东城区幸福路奶茶店使用过期原料")))
    joint = dispatched(call("东城区幸福路停车场乱收费"), pricing)
    hotline.ticket_sign_for(actor=officer, ticket=joint)  # A's part of the joint handling
    hotline.ticket_reply(actor=officer, ticket=joint, comment="主办单位已核查收费标准。")
    joint.refresh_from_db()
    agent_user = users["hotline_agent"]
    assert agent_user is not None
    ApiToken.objects.create(
        user=agent_user, name="Open311 对接", prefix=OPEN311_KEY[:8], token_hash=hash_token(OPEN311_KEY)
    )
    return Hotline(
        center=center,
        category=food,
        knowledge_code=entry.code,
        call=first_call,
        confidential=confidential,
        web=web,
        web_confidential=web_confidential,
        returned=returned,
        extension=extension,
        replied=answered,
        closed=closed,
        joint=joint,
        open311_key=OPEN311_KEY,
    )


def _completed(applicant: Actor, item: Any, data: dict[str, Any], clerk: User, approver: User) -> Application:
    application = application_submit(
        actor=applicant,
        item=item,
        data=data,
        materials={"premises_proof": pdf("第二份租赁合同.pdf")},
        idempotency_key=uuid.uuid4().hex,
    )
    application_accept(actor=Actor.for_user(clerk), application=application)
    application_review(actor=Actor.for_user(approver), application=application, comment="符合条件")
    application_decide(
        actor=Actor.for_user(approver), application=application, decision="approve", decision_text="准予许可"
    )
    application_complete(actor=Actor.for_user(clerk), application=application)
    application.refresh_from_db()
    assert application.result_file_id is not None
    return application


# What only those entitled to A's application may read (beside the clear PII above), and the names of
# 12345 callers, which only the centre reads (a handling department sees them masked or not at all).
SECRETS = [REASON, MATERIAL_NAME, DRAFT_ADDRESS, "东方明珠", CONFIDENTIAL_CALLER, CALLER]
