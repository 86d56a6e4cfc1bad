"""Walk-through defect (issue 12 §7): the result of an enterprise's application names the enterprise and
its 统一社会信用代码 as holder — never the agent who filed it."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from yiwang.core.tests.factories import EnterpriseFactory, PersonFactory
from yiwang.identity.actor import Actor
from yiwang.identity.models import EnterpriseAuthorization, User
from yiwang.identity.tests.factories import UserFactory
from yiwang.services.actions import handling
from yiwang.services.actions.applications import application_submit
from yiwang.services.models import Application
from yiwang.services.tests.applications_support import pdf, valid_data
from yiwang.services.tests.factories import ServiceItemFactory
from yiwang.services.tests.staff_support import (
    Department,
    citizen,
    definitions,  # noqa: F401
    pdf_text,
    stored_bytes,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("definitions")]


def _agent() -> tuple[User, Any]:
    enterprise = EnterpriseFactory(name="示范市明远科技有限公司")
    agent = UserFactory(kind=User.Kind.ENTERPRISE, display_name="刘婷", person=PersonFactory(name="刘婷"))
    EnterpriseAuthorization.objects.create(user=agent, enterprise=enterprise, valid_from=date(2020, 1, 1))
    return agent, enterprise


def _decided(dept: Department, applicant: User, *, decision: str = "approve", **item_fields: Any) -> str:
    item = ServiceItemFactory(organization=dept.organization, **item_fields)
    application = application_submit(
        actor=Actor.for_user(applicant),
        item=item,
        data=valid_data(),
        materials={"premises_proof": pdf()},
        idempotency_key=uuid.uuid4().hex,
    )
    handling.application_accept(actor=dept.actor("clerk"), application=application)
    handling.application_review(actor=dept.actor("approver"), application=application, comment="符合条件")
    stored = handling.application_decide(
        actor=dept.actor("head"), application=application, decision=decision, decision_text="经营项目：热食类"
    )
    application.refresh_from_db()
    assert application.result_file_id == stored.pk
    return pdf_text(stored_bytes(stored))


def test_an_enterprise_licence_names_the_enterprise_and_its_credit_code_as_holder():
    dept = Department()
    agent, enterprise = _agent()
    text = _decided(dept, agent)
    assert "食品经营许可证" in text
    assert f"持证主体{enterprise.name}" in text.replace(" ", "").replace("\n", "")
    assert "统一社会信用代码" in text and enterprise.uscc in text
    assert "刘婷" not in text  # the agent who filed it is not the holder


def test_an_enterprise_decision_names_the_enterprise_and_its_credit_code():
    dept = Department()
    agent, enterprise = _agent()
    for decision, result_type in (("approve", "批准文书"), ("deny", "证照")):
        text = _decided(dept, agent, decision=decision, result_type=result_type)
        assert ("准予许可决定书" if decision == "approve" else "不予许可决定书") in text
        assert enterprise.name in text and enterprise.uscc in text and "统一社会信用代码" in text
        assert "刘婷" not in text


def test_a_person_licence_names_the_person_without_a_credit_code():
    dept = Department()
    applicant = citizen()
    text = _decided(dept, applicant)
    assert applicant.person.name in text.replace(" ", "")
    assert "统一社会信用代码" not in text


def test_the_application_is_filed_in_the_enterprise_name():
    agent, enterprise = _agent()
    application = application_submit(
        actor=Actor.for_user(agent),
        item=ServiceItemFactory(),
        data=valid_data(),
        materials={"premises_proof": pdf()},
        idempotency_key=uuid.uuid4().hex,
    )
    assert (application.enterprise_id, application.person_id) == (enterprise.pk, None)
    assert Application.objects.get(pk=application.pk).applicant == agent
