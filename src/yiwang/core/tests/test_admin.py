"""The Django admin for core: every changelist opens, logs are read-only, calendar edits take
effect, dictionary entries are validated with Chinese messages, and persons are masked in lists."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.contrib import admin
from django.urls import reverse

from yiwang.core import calendar
from yiwang.core.audit import audit_record
from yiwang.core.models import AuditEvent, Dictionary, DictionaryEntry, Holiday, MakeupWorkday, Region
from yiwang.core.tests.factories import OrganizationFactory, PersonFactory, RegionFactory
from yiwang.identity.actor import Actor
from yiwang.identity.tests.factories import UserFactory, make_staff

pytestmark = pytest.mark.django_db

CORE_MODELS = sorted(
    (model for model in admin.site._registry if model._meta.app_label == "core"),
    key=lambda m: m._meta.model_name,
)


@pytest.fixture
def superuser(client):
    user = UserFactory(is_staff=True, is_superuser=True, kind="staff")
    client.force_login(user)
    return user


@pytest.fixture(autouse=True)
def _calendar(settings):
    settings.YIWANG_CALENDAR_REFRESH_SECONDS = None
    calendar.invalidate_calendar()
    yield
    calendar.invalidate_calendar()


def test_every_core_model_is_registered():
    names = {m._meta.model_name for m in CORE_MODELS}
    assert names == {
        "region",
        "grid",
        "organization",
        "person",
        "enterprise",
        "holiday",
        "makeupworkday",
        "dictionary",
        "dictionaryentry",
        "storedfile",
        "auditchainhead",
        "auditevent",
        "notificationtemplate",
        "notification",
        "outboundmessage",
        "backgroundjob",
    }


@pytest.mark.parametrize("model", CORE_MODELS, ids=lambda m: m._meta.model_name)
def test_superuser_opens_every_changelist(client, superuser, model):
    audit_record(actor=Actor.for_user(superuser), action="test.touch", summary="让审计日志列表非空")
    PersonFactory(region=RegionFactory())
    url = reverse(f"admin:core_{model._meta.model_name}_changelist")
    response = client.get(url)
    assert response.status_code == 200
    assert str(model._meta.verbose_name_plural) in response.content.decode()


def test_logs_are_read_only(client, superuser):
    event = audit_record(actor=Actor.for_user(superuser), action="test.touch", summary="只读")
    assert client.get(reverse("admin:core_auditevent_add")).status_code == 403
    change = client.get(reverse("admin:core_auditevent_change", args=[event.pk]))
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    delete = client.post(reverse("admin:core_auditevent_delete", args=[event.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert client.get(reverse("admin:core_outboundmessage_add")).status_code == 403
    assert client.get(reverse("admin:core_auditchainhead_add")).status_code == 403
    assert client.get(reverse("admin:core_backgroundjob_add")).status_code == 403


def test_staff_without_view_audit_cannot_read_the_log(client):
    staff = make_staff(permissions=["core.manage_calendar"])
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    assert client.get(reverse("admin:core_auditevent_changelist")).status_code == 403
    assert client.get(reverse("admin:core_backgroundjob_changelist")).status_code == 403


def test_adding_a_holiday_in_the_admin_takes_effect_and_is_audited(
    client, superuser, django_capture_on_commit_callbacks
):
    day = date(2026, 3, 10)
    assert calendar.is_workday(day)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:core_holiday_add"), {"date": "2026-03-10", "name": "临时休假"})
    assert response.status_code == 302
    assert not calendar.is_workday(day)
    event = AuditEvent.objects.get(action="core.admin_create")
    assert event.object_type == "core.holiday" and event.actor_id == superuser.pk


def test_makeup_workday_form_errors_are_chinese(client, superuser):
    response = client.post(reverse("admin:core_makeupworkday_add"), {"date": "2026-03-11", "name": "调休"})
    assert response.status_code == 200
    assert "2026-03-11 是星期三，调休上班日只能是周六或周日" in response.content.decode()
    conflict = client.post(reverse("admin:core_makeupworkday_add"), {"date": "2026-10-03", "name": "调休"})
    assert "已登记为法定节假日" in conflict.content.decode()
    assert not MakeupWorkday.objects.filter(date__in=[date(2026, 3, 11), date(2026, 10, 3)]).exists()
    holiday = client.post(reverse("admin:core_holiday_add"), {"date": "2026-10-10", "name": "国庆"})
    assert "已登记为调休上班日" in holiday.content.decode()
    assert not Holiday.objects.filter(date=date(2026, 10, 10)).exists()


def _dictionary_post(dictionary: Dictionary, entries: list[dict[str, str]]) -> dict[str, str]:
    existing = list(dictionary.entries.order_by("sort_order", "code"))
    data = {
        "code": dictionary.code,
        "name": dictionary.name,
        "description": dictionary.description,
        "entry_schema": json.dumps(dictionary.entry_schema),
        "entries-TOTAL_FORMS": str(len(existing) + len(entries)),
        "entries-INITIAL_FORMS": str(len(existing)),
        "entries-MIN_NUM_FORMS": "0",
        "entries-MAX_NUM_FORMS": "1000",
    }
    rows = [
        {
            "id": str(e.pk),
            "code": e.code,
            "label": e.label,
            "data": json.dumps(e.data),
            "sort_order": str(e.sort_order),
            "is_active": "on",
        }
        for e in existing
    ] + entries
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"entries-{index}-{key}"] = value
        data[f"entries-{index}-dictionary"] = str(dictionary.pk)
    return data


def test_dictionary_entry_errors_are_chinese_and_nothing_is_saved(client, superuser):
    dictionary = Dictionary.objects.get(code="ticket_type")
    bad = {
        "code": "urge",
        "label": "催办",
        "data": '{"default_working_days": "三天"}',
        "sort_order": "70",
        "is_active": "on",
    }
    response = client.post(
        reverse("admin:core_dictionary_change", args=[dictionary.pk]), _dictionary_post(dictionary, [bad])
    )
    assert response.status_code == 200
    assert "default_working_days：类型应为 integer" in response.content.decode()
    assert not DictionaryEntry.objects.filter(code="urge").exists()


def test_dictionary_entry_added_in_the_admin_is_audited(
    client, superuser, django_capture_on_commit_callbacks
):
    dictionary = Dictionary.objects.get(code="ticket_type")
    good = {
        "code": "urge",
        "label": "催办",
        "data": '{"default_working_days": 3}',
        "sort_order": "70",
        "is_active": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:core_dictionary_change", args=[dictionary.pk]),
            _dictionary_post(dictionary, [good]),
        )
    assert response.status_code == 302
    assert DictionaryEntry.objects.get(code="urge").data == {"default_working_days": 3}
    assert (
        AuditEvent.objects.filter(action="core.admin_create", object_type="core.dictionaryentry").count() == 1
    )

    from yiwang.core.dictionaries import dictionary_label

    assert dictionary_label("ticket_type", "urge") == "催办"


def test_person_changelist_masks_identifiers(client, superuser):
    person = PersonFactory(phone="13800138001", region=RegionFactory())
    page = client.get(reverse("admin:core_person_changelist")).content.decode()
    assert person.id_number[:6] + "********" + person.id_number[-4:] in page
    assert "138****8001" in page
    assert person.id_number not in page


def test_moving_a_region_rewrites_descendant_paths(client, superuser):
    city = RegionFactory(code="330100", name="甲市", level=Region.Level.CITY)
    other_city = RegionFactory(code="330200", name="乙市", level=Region.Level.CITY)
    district = RegionFactory(code="330102", name="甲区", level=Region.Level.DISTRICT, parent=city)
    street = RegionFactory(code="330102001", name="甲街道", level=Region.Level.STREET, parent=district)
    OrganizationFactory(region=district)
    response = client.post(
        reverse("admin:core_region_change", args=[district.pk]),
        {"code": "330102", "name": "甲区", "level": "district", "parent": str(other_city.pk)},
    )
    assert response.status_code == 302
    street.refresh_from_db()
    assert street.path == f"/{other_city.pk}/{district.pk}/{street.pk}/"
    cycle = client.post(
        reverse("admin:core_region_change", args=[district.pk]),
        {"code": "330102", "name": "甲区", "level": "district", "parent": str(street.pk)},
    )
    assert "上级不能是自身或自身的下级" in cycle.content.decode()


def test_entry_without_dictionary_is_a_form_error_not_a_crash(client, superuser):
    response = client.post(
        reverse("admin:core_dictionaryentry_add"),
        {"code": "x", "label": "x", "data": "{}", "sort_order": "0", "is_active": "on"},
    )
    assert response.status_code == 200
    assert "这个字段是必填项" in response.content.decode()


def test_new_dictionary_with_bad_entry_is_rejected(client, superuser):
    data = {
        "code": "demo_kind",
        "name": "演示字典",
        "description": "",
        "entry_schema": '{"type": "object", "required": ["level"]}',
        "entries-TOTAL_FORMS": "1",
        "entries-INITIAL_FORMS": "0",
        "entries-MIN_NUM_FORMS": "0",
        "entries-MAX_NUM_FORMS": "1000",
        "entries-0-code": "a",
        "entries-0-label": "甲",
        "entries-0-data": "{}",
        "entries-0-sort_order": "0",
        "entries-0-is_active": "on",
    }
    response = client.post(reverse("admin:core_dictionary_add"), data)
    assert response.status_code == 200
    assert "缺少必填项 level" in response.content.decode()
    assert not Dictionary.objects.filter(code="demo_kind").exists()
