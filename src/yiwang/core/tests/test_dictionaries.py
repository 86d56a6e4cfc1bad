"""Dictionaries: the seeded base dictionaries, cached reads, schema-validated writes and the API."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from yiwang.core import actions
from yiwang.core.dictionaries import (
    dictionary_choices,
    dictionary_entries,
    dictionary_get,
    dictionary_label,
    validate_dictionary_code,
)
from yiwang.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from yiwang.core.models import AuditEvent, Dictionary, DictionaryEntry
from yiwang.core.validators import schema_errors, validate_json_schema
from yiwang.identity.actor import Actor
from yiwang.identity.tests.factories import CitizenFactory, make_staff

pytestmark = pytest.mark.django_db

BASE = ["item_type", "ticket_type", "organization_type", "gender", "nation", "certificate_type"]


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def manager():
    return Actor.for_user(make_staff(permissions=["core.manage_master_data"]))


def test_base_dictionaries_are_seeded_with_valid_entries():
    assert sorted(Dictionary.objects.values_list("code", flat=True)) == sorted(BASE)
    for dictionary in Dictionary.objects.prefetch_related("entries"):
        validate_json_schema(dictionary.entry_schema)
        for entry in dictionary.entries.all():
            assert schema_errors(entry.data, dictionary.entry_schema) == [], (dictionary.code, entry.code)


def test_item_types_are_the_ten_powers_and_public_service_in_order():
    assert [e.label for e in dictionary_entries("item_type")] == [
        "行政许可",
        "行政给付",
        "行政确认",
        "行政裁决",
        "行政奖励",
        "行政处罚",
        "行政强制",
        "行政征收",
        "行政检查",
        "其他行政权力",
        "公共服务",
    ]
    assert dictionary_entries("item_type")[-1].data == {"is_administrative_power": False}
    assert [label for _, label in dictionary_choices("ticket_type")] == [
        "咨询",
        "求助",
        "投诉",
        "举报",
        "建议",
        "表扬",
    ]
    assert dictionary_label("certificate_type", "id_card") == "居民身份证"
    assert dictionary_label("nation", "01") == "汉族"
    assert dictionary_label("gender", "male") == "男"


def test_unknown_codes():
    assert dictionary_label("ticket_type", "no-such-entry") == "no-such-entry"
    with pytest.raises(NotFound) as missing:
        dictionary_entries("no-such-dictionary")
    assert missing.value.code == "dictionary_not_found"
    with pytest.raises(ValidationError, match="诉求类型中没有可用的取值 spam"):
        validate_dictionary_code("ticket_type", "spam")
    validate_dictionary_code("ticket_type", "complaint")


def test_reads_are_cached_and_writes_invalidate(
    manager, django_assert_num_queries, django_capture_on_commit_callbacks
):
    dictionary_entries("ticket_type")
    with django_assert_num_queries(0):
        assert dictionary_label("ticket_type", "praise") == "表扬"
    with django_capture_on_commit_callbacks(execute=True):
        actions.dictionary_entry_set(
            actor=manager,
            dictionary="ticket_type",
            code="praise",
            label="表扬感谢",
            data={"default_working_days": 1},
        )
    assert dictionary_label("ticket_type", "praise") == "表扬感谢"
    with django_capture_on_commit_callbacks(execute=True):
        actions.dictionary_entry_set(
            actor=manager, dictionary="ticket_type", code="praise", label="表扬", is_active=False
        )
    assert "praise" not in [e.code for e in dictionary_entries("ticket_type")]
    assert "praise" in [e.code for e in dictionary_entries("ticket_type", include_inactive=True)]
    assert dictionary_label("ticket_type", "praise") == "表扬"  # old records keep their label
    assert AuditEvent.objects.filter(action="core.dictionary_entry_set").count() == 2


def test_entry_data_must_match_the_schema(manager):
    with pytest.raises(InvalidInput) as exc:
        actions.dictionary_entry_set(
            actor=manager,
            dictionary="ticket_type",
            code="urge",
            label="催办",
            data={"default_working_days": "三天"},
        )
    assert "default_working_days：类型应为 integer" in exc.value.message
    with pytest.raises(InvalidInput) as extra:
        actions.dictionary_entry_set(actor=manager, dictionary="gender", code="x", label="x", data={})
    assert "缺少必填项 gb_code" in extra.value.message
    assert not DictionaryEntry.objects.filter(code__in=["urge", "x"]).exists()
    assert not AuditEvent.objects.exists()


def test_schema_change_must_keep_existing_entries_valid(manager, django_capture_on_commit_callbacks):
    strict = {"type": "object", "required": ["letter_code"]}
    with pytest.raises(InvalidInput) as exc:
        actions.dictionary_update(actor=manager, code="nation", entry_schema=strict)
    assert exc.value.code == "dictionary_entries_mismatch"
    assert list(exc.value.details) == ["97"]
    assert Dictionary.objects.get(code="nation").entry_schema != strict
    with pytest.raises(InvalidInput) as invalid:
        actions.dictionary_update(actor=manager, code="nation", entry_schema={"type": "no-such-type"})
    assert "JSON Schema 无效" in invalid.value.message
    with django_capture_on_commit_callbacks(execute=True):
        actions.dictionary_update(actor=manager, code="nation", name="民族（GB/T 3304）")
    assert dictionary_get("nation").name == "民族（GB/T 3304）"


def test_dictionary_create(manager):
    created = actions.dictionary_create(
        actor=manager, code="license_kind", name="证照类型", entry_schema={"type": "object"}
    )
    assert created.pk and AuditEvent.objects.filter(action="core.dictionary_create").count() == 1
    with pytest.raises(Conflict) as dup:
        actions.dictionary_create(actor=manager, code="license_kind", name="重复")
    assert dup.value.code == "dictionary_exists"


def test_writes_need_the_master_data_permission():
    for user in (CitizenFactory(), make_staff(permissions=["core.view_person"])):
        with pytest.raises(PermissionDenied):
            actions.dictionary_entry_set(
                actor=Actor.for_user(user), dictionary="ticket_type", code="x", label="x"
            )
    assert not DictionaryEntry.objects.filter(code="x").exists()


# -- API ----------------------------------------------------------------------------------------


def test_api_dictionary_for_any_authenticated_user(client):
    client.force_login(CitizenFactory())
    response = client.get("/api/v1/core/dictionaries/certificate_type")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "证件类型"
    assert body["entries"][0] == {
        "code": "id_card",
        "label": "居民身份证",
        "data": {"gb_code": "111", "number_pattern": "^[0-9]{17}[0-9X]$", "checksum": "gb11643"},
        "sort_order": 10,
    }


def test_api_dictionary_unknown_and_anonymous(client):
    assert client.get("/api/v1/core/dictionaries/ticket_type").json()["code"] == "unauthenticated"
    assert client.get("/api/v1/core/dictionaries/ticket_type").status_code == 401
    client.force_login(CitizenFactory())
    response = client.get("/api/v1/core/dictionaries/nope")
    assert response.status_code == 404
    assert response.json() == {"code": "dictionary_not_found", "message": "字典 nope 不存在", "details": None}
