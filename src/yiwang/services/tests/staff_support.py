"""Shared set-up of the staff-side tests (handling, staff pages, statistics).

`submitted(...)` files an application through the applications module's `application_submit`."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import datetime
from io import BytesIO
from typing import Any

import pytest

from yiwang.core.tests.factories import OrganizationFactory, PersonFactory
from yiwang.identity.actor import Actor
from yiwang.identity.models import User
from yiwang.identity.tests.factories import CitizenFactory, make_staff
from yiwang.services.actions.applications import application_submit
from yiwang.services.models import Application
from yiwang.services.tests.applications_support import pdf, valid_data
from yiwang.services.tests.factories import ServiceItemFactory
from yiwang.workflow.actions import DEFINITIONS_DIR, definition_publish, definition_save, definitions_load

SYSTEM = Actor.system()

SUSPEND_ACTIONS = [
    {
        "code": "suspend",
        "name": "特别程序",
        "from": ["reviewing", "deciding"],
        "permissions": ["services.review_application", "services.decide_application"],
        "roles": ["approver"],
        "required_fields": ["kind", "reason"],
        "suspend": True,
        "optional": True,
    },
    {
        "code": "resume",
        "name": "特别程序结束",
        "from": ["reviewing", "deciding"],
        "permissions": ["services.review_application", "services.decide_application"],
        "roles": ["approver"],
        "resume": True,
    },
]


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    assert content.startswith(b"%PDF")
    return "".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


def stored_bytes(stored: Any) -> bytes:
    from yiwang.core.files import file_content

    with file_content(stored) as handle:
        return bytes(handle.read())


@pytest.fixture
def definitions() -> None:
    definitions_load(actor=SYSTEM)


@pytest.fixture
def special_definition(definitions: None) -> None:
    """Publish a version of yiwang_tongban that also has the special-procedure suspend/resume actions."""
    content = json.loads((DEFINITIONS_DIR / "yiwang_tongban.json").read_text(encoding="utf-8"))
    code, name, description = content.pop("code"), content.pop("name"), content.pop("description")
    if "suspend" not in {a["code"] for a in content["actions"]}:
        content["actions"] += copy.deepcopy(SUSPEND_ACTIONS)
    draft = definition_save(actor=SYSTEM, code=code, name=name, definition=content, description=description)
    definition_publish(actor=SYSTEM, definition=draft)


def submitted(
    item: Any = None, *, applicant: User | None = None, now: datetime | None = None, **item_fields: Any
) -> Application:
    """A submitted application (状态 待受理) with its workflow instance, filed by `application_submit`."""
    item = item or ServiceItemFactory(**item_fields)
    applicant = applicant or CitizenFactory()
    return application_submit(
        actor=Actor.for_user(applicant),
        item=item,
        data=valid_data(),
        materials={"premises_proof": pdf("租赁合同.pdf")},
        idempotency_key=uuid.uuid4().hex,
        now=now,
    )


class Department:
    """A department with a window clerk, an approver, a head and a catalogue admin (no handling rights)."""

    def __init__(self, organization: Any = None) -> None:
        self.organization = organization or OrganizationFactory()
        self.clerk = make_staff(self.organization, role_code="window_clerk")
        self.approver = make_staff(self.organization, role_code="approver")
        self.head = make_staff(self.organization, role_code="department_head")
        self.catalog_admin = make_staff(self.organization, role_code="catalog_admin")

    def actor(self, who: str) -> Actor:
        return Actor.for_user(getattr(self, who))


def citizen() -> User:
    return CitizenFactory(person=PersonFactory())
