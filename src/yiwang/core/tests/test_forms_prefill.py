"""Prefill (`core.forms.prefill`): a form's ``ui:prefill`` fields start with what the platform
knows of the applicant — their person record, the enterprise they act for, their account."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from yiwang.core.forms.prefill import prefill, subject_values
from yiwang.core.tests.factories import EnterpriseFactory, PersonFactory
from yiwang.core.tests.form_examples import SCHEMA, UI, USCC

pytestmark = pytest.mark.django_db


def test_fields_are_prefilled_from_the_person_and_the_enterprise():
    person = PersonFactory(name="赵六", phone="13800000000", address="中山路 1 号")
    enterprise = EnterpriseFactory(uscc=USCC, legal_representative=person)
    values = prefill(SCHEMA, UI, person=person, enterprise=enterprise)
    assert values == {"name": "赵六", "id_number": person.id_number, "uscc": USCC, "mobile": "13800000000"}
    assert prefill(SCHEMA, UI, person=person, enterprise=None) == {
        "name": "赵六",
        "id_number": person.id_number,
        "mobile": "13800000000",
    }
    assert prefill(SCHEMA, UI, person=None, enterprise=None) == {}


def test_the_account_and_the_legal_representative_can_be_named():
    schema = {
        "type": "object",
        "properties": {
            "phone": {"type": "string", "title": "联系电话"},
            "legal": {"type": "string", "title": "法定代表人"},
        },
    }
    ui = {"phone": {"ui:prefill": "user.phone"}, "legal": {"ui:prefill": "enterprise.legal_representative"}}
    legal = PersonFactory(name="钱七")
    user = SimpleNamespace(phone="13700000000", display_name="钱七")
    values = prefill(
        schema, ui, person=None, enterprise=EnterpriseFactory(legal_representative=legal), user=user
    )
    assert values == {"phone": "13700000000", "legal": "钱七"}


def test_empty_values_are_not_offered():
    person = PersonFactory(name="孙八", phone="", address="")
    values = subject_values(person=person, enterprise=None)
    assert "person.phone" not in values and "person.address" not in values
    assert values["person.name"] == "孙八"
