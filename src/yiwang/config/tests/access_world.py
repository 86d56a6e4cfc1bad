"""The city the access matrix walks: every kind of caller the platform has, and objects that belong
to someone else for most of them.

Department A (东城区市场监督管理局) handles citizen A's application, which waits for 补正 with a
reason and a notice; department B is the other district's. Around them: citizen B, an enterprise
agent (for an enterprise that is not A's), A's window clerk, A's catalogue admin (staff of A without
any handling permission), B's window clerk, the region- and city-wide roles of other domains (12345
agent, supervisor, command centre) and the platform admin.

`SECRETS` are what only those entitled to the application may read; `pii` the clear ID numbers and
phone numbers that nobody without the unmask permission may receive, masked or not."""

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
from yiwang.identity.actor import Actor
from yiwang.identity.api_auth import hash_token
from yiwang.identity.models import ApiToken, DataScope, EnterpriseAuthorization, User
from yiwang.identity.tests.factories import CitizenFactory, UserFactory, make_staff
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
    "supervisor",
    "command_center",
    "admin",
)
REASON = "场地使用证明已过期，请补交有效期内的租赁合同"
MATERIAL_NAME = "东城租赁合同原件.pdf"
DRAFT_ADDRESS = "东城区幸福路草稿 8 号"


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
    for organization in (government, department_a, department_b):
        organization.refresh_from_db()  # its tree path

    id_a = identifiers.id_number("320102", date(1988, 3, 9), 27)
    person_a = PersonFactory(name="东方明珠", id_number=id_a, phone="13700137007", region=east)
    citizen_a = CitizenFactory(person=person_a, display_name="东方明珠")
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
        "hotline_agent": make_staff(government, role_code="hotline_agent", scope=DataScope.ALL),
        "supervisor": make_staff(department_a, role_code="supervisor", scope=DataScope.REGION),
        "command_center": make_staff(department_a, role_code="command_center", scope=DataScope.REGION),
        "admin": make_staff(government, role_code="platform_admin", scope=DataScope.ALL, is_staff=True),
    }

    item = ServiceItemFactory(organization=department_a)
    data = valid_data(legal_person="东方明珠", id_number=id_a, phone="13700137007")
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
        pii=[id_a, "13700137007"],
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


# What only those entitled to A's application may read (beside the clear PII above).
SECRETS = [REASON, MATERIAL_NAME, DRAFT_ADDRESS, "东方明珠"]
