"""The demo city: counts, validity of every identifier, accounts, idempotence and determinism.

The full seed (≈12,000 rows) runs once for this module inside an outer transaction that is
rolled back afterwards, so other test modules start from an empty database."""

from __future__ import annotations

import contextlib
import itertools
import re
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from unittest import mock

import pytest
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.http import HttpRequest
from django.test import TestCase
from django.urls import resolve
from django.utils import timezone
from stdnum.cn import ric

from yiwang.core import validators
from yiwang.core.audit import verify_chain
from yiwang.core.models import AuditEvent, Enterprise, Notification, Organization, Person, Region
from yiwang.demo import accounts, geography, hotline, hotline_history, organizations, subjects, workflows
from yiwang.demo.city import SeedReport, seed_demo_city
from yiwang.hotline.models import Ticket
from yiwang.identity.actor import Actor
from yiwang.identity.models import EnterpriseAuthorization, Membership, User
from yiwang.services.models import Application
from yiwang.workflow.models import Escalation, ProcessEvent, ProcessInstance
from yiwang.workflow.selectors import inbox_for

MODELS = (
    Region,
    Organization,
    Person,
    Enterprise,
    User,
    Membership,
    EnterpriseAuthorization,
    AuditEvent,
    ProcessInstance,
    ProcessEvent,
    Escalation,
    Notification,
)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def _seed() -> SeedReport:
    """Seed as `yiwang seed` would: the after-commit work (the engine's messages to applicants) runs
    when each stage's transaction ends, here inside the outer test transaction."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return seed_demo_city()


@contextlib.contextmanager
def _seeded_at_office_hours():
    """Seed as on the latest working afternoon, 16:30, so that these tests see the same demo whatever
    the hour CI runs (the sample tickets' colours at other hours: `test_sample_tickets_show_every_
    colour_whenever_the_demo_is_seeded`)."""
    from django.utils import timezone

    from yiwang.core.calendar import get_calendar

    calendar, now = get_calendar(), timezone.localtime()
    day = now.date() if now.time() >= time(16, 30) else now.date() - timedelta(days=1)
    while not calendar.is_workday(day):
        day -= timedelta(days=1)
    moment = datetime.combine(day, time(16, 30), tzinfo=timezone.get_default_timezone())
    # In UTC, as timezone.now() answers (the audit hashes the moment as stored).
    with mock.patch("django.utils.timezone.now", return_value=moment.astimezone(UTC)):
        yield


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed twice inside one transaction; yield both reports and the counts after each run."""
    with django_db_blocker.unblock(), transaction.atomic(), _seeded_at_office_hours():
        first = _seed()
        after_first = _counts()
        latest_person = Person.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
        second = _seed()
        after_second = _counts()
        latest_person_again = (
            Person.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
        )
        yield {
            "first": first,
            "second": second,
            "after_first": after_first,
            "after_second": after_second,
            "person_stamps": (latest_person, latest_person_again),
        }
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_second_seed_changes_nothing(seeded):
    first: SeedReport = seeded["first"]
    second: SeedReport = seeded["second"]
    assert first.created > 12_000
    assert second.created == 0
    assert seeded["after_second"] == seeded["after_first"]
    # Existing rows are not rewritten either.
    assert seeded["person_stamps"][0] == seeded["person_stamps"][1]
    assert [line.total for line in second.lines] == [line.total for line in first.lines]


def test_counts_meet_the_brief(seeded):
    assert Person.objects.filter(id_number__startswith="3299").count() >= 10_000
    assert Enterprise.objects.count() >= 2_000
    assert 25 <= Organization.objects.count() <= 45
    personas = [p.username for p in accounts.PERSONAS]
    assert User.objects.filter(username__in=personas).count() == len(accounts.PERSONAS)
    report: SeedReport = seeded["first"]
    assert report.count("自然人") >= 10_000
    assert report.count("法人") >= 2_000


def test_region_tree_has_four_levels(seeded):
    levels = Counter(Region.objects.values_list("level", flat=True))
    assert levels == {"city": 1, "district": 4, "street": 12, "community": 40}
    city = Region.objects.get(code=geography.CITY_CODE)
    assert city.name == "示范市" and city.parent is None and city.path == f"/{city.pk}/"
    for region in Region.objects.select_related("parent").exclude(pk=city.pk):
        validators.validate_region_code(region.code)
        assert region.code.startswith(
            region.parent.code.rstrip("0") if region.level == "district" else region.parent.code
        )
        assert len(region.code) == {"district": 6, "street": 9, "community": 12}[region.level]
        assert region.path == f"{region.parent.path}{region.pk}/"
    assert Region.objects.filter(path__startswith=city.path).count() == 57
    assert all(r.geometry and r.geometry["type"] == "Polygon" for r in Region.objects.all())


def test_every_identifier_is_valid(seeded):
    persons = list(Person.objects.values_list("id_number", "gender", "birth_date", "phone", "region__code"))
    assert len(persons) >= 10_000
    for id_number, gender, birth_date, phone, region_code in persons:
        validators.validate_id_number(id_number)
        validators.validate_mobile(phone)
        # The 17th digit's parity matches the gender, the birth date matches the record and the
        # ID's region prefix is the person's district.
        assert (int(id_number[16]) % 2 == 1) == (gender == Person.Gender.MALE), id_number
        assert ric.get_birth_date(id_number) == birth_date
        assert id_number[:6] == region_code[:6]
    assert len({p[3] for p in persons}) == len(persons), "phones are unique"
    for uscc, kind in Enterprise.objects.values_list("uscc", "type"):
        validators.validate_uscc(uscc)
        expected = {"company": "91", "individual": "92", "cooperative": "93", "social": "52"}[kind]
        assert uscc[:2] == expected
        assert uscc[2:6] == "3299"
    for uscc in Organization.objects.values_list("uscc", flat=True):
        validators.validate_uscc(uscc)
        assert uscc[0] == "1"  # 机构编制部门登记


def test_enterprises_have_plausible_records(seeded):
    assert not Enterprise.objects.filter(legal_representative__isnull=True).exists()
    assert not Enterprise.objects.filter(region__isnull=True).exists()
    assert Enterprise.objects.filter(type="individual").count() > 300
    assert Enterprise.objects.values("name").distinct().count() == Enterprise.objects.count()
    demo = Enterprise.objects.get(name="示范市明远科技有限公司")
    assert demo.legal_representative.name == "陈明远"


def test_named_departments_exist(seeded):
    for code, name in [
        ("city-gov", "示范市人民政府"),
        ("city-zwfw", "示范市政务服务和数据管理局"),
        ("city-amr", "示范市市场监督管理局"),
        ("city-12345", "示范市12345政务服务便民热线中心"),
        ("d02-amr", "示范市东湖区市场监督管理局"),
    ]:
        assert Organization.objects.get(code=code).name == name
    assert Organization.objects.get(code="city-gov").type == Organization.Type.GOVERNMENT
    assert Organization.objects.get(code="city-center").type == Organization.Type.CENTER
    amr = Organization.objects.get(code="d02-amr")
    assert amr.path.startswith(Organization.objects.get(code="city-gov").path)
    assert amr.region.code == "329902"


def test_every_persona_can_log_in_with_the_demo_password(seeded, client):
    validate_password(accounts.DEMO_PASSWORD)
    for persona in accounts.PERSONAS:
        assert client.login(
            request=HttpRequest(), username=persona.username, password=accounts.DEMO_PASSWORD
        ), persona.username
        client.logout()
    assert not client.login(request=HttpRequest(), username="citizen", password="wrong-password1")


def test_login_page_accepts_the_demo_citizen(seeded, client):
    response = client.post("/accounts/login/", {"username": "citizen", "password": accounts.DEMO_PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == User.objects.get(username="citizen").pk


@pytest.mark.parametrize("persona", accounts.PERSONAS, ids=lambda p: p.username)
def test_persona_has_the_intended_role_and_links(seeded, persona):
    user = User.objects.get(username=persona.username)
    actor = Actor.for_user(user)
    assert set(persona.roles) <= set(actor.role_codes)
    assert user.kind == persona.kind and user.phone == persona.phone
    if persona.organization:
        assert Organization.objects.get(code=persona.organization).pk in actor.organization_ids
    if persona.person_id_number:
        assert user.person.id_number == persona.person_id_number
    assert user.is_superuser == persona.is_superuser


def test_enterprise_agent_acts_for_the_demo_enterprise(seeded):
    user = User.objects.get(username="enterprise")
    enterprise = Enterprise.objects.get(uscc=subjects.DEMO_ENTERPRISE.uscc)
    assert Actor.for_user(user).enterprise_ids == frozenset({enterprise.pk})
    assert user.person.name == "刘婷"


def test_generation_is_deterministic(seeded):
    again = subjects.generate_persons(200)
    assert [p.id_number for p in again[:20]] == [p.id_number for p in subjects.generate_persons(20)]
    stored = list(
        Person.objects.filter(id_number__startswith="3299")
        .exclude(id_number__in=[p.id_number for p in subjects.NAMED_PERSONS])
        .order_by("pk")
        .values_list("id_number", "name", "uid")[:20]
    )
    assert stored == [(p.id_number, p.name, p.uid) for p in again[:20]]
    enterprises = subjects.generate_enterprises(again, 20)
    assert [e.uscc for e in enterprises] == [e.uscc for e in subjects.generate_enterprises(again, 20)]
    assert subjects.generate_persons(20, seed=7)[0].id_number != again[0].id_number


def test_specs_are_unique():
    assert len({s.uscc for s in organizations.organization_specs()}) == len(
        organizations.organization_specs()
    )
    assert len({s.code for s in geography.region_specs()}) == len(geography.region_specs())
    assert len({p.phone for p in accounts.PERSONAS}) == len(accounts.PERSONAS)


def test_seed_writes_an_intact_audit_trail(seeded):
    assert workflows.workflow_available()
    # One per stage that created something: 区划与部门, 自然人与法人, 演示账号, 12345派单目录, 12345知识库,
    # 12345分类模型 (unless this test process trained it for an earlier module), 12345工单, 演示账号工单,
    # 一网通办事项, 一网通办办件, 演示账号办件.
    trained = (
        seeded["first"].lines[[line.label for line in seeded["first"].lines].index("12345分类模型")].created
    )
    assert AuditEvent.objects.filter(action="demo.seed").count() == 10 + trained
    assert verify_chain() == []


@pytest.mark.parametrize(
    "local",
    [
        datetime(2026, 11, 16, 8, 20),  # Monday, before office hours
        datetime(2026, 11, 16, 12, 40),  # lunch break
        datetime(2026, 11, 16, 19, 20),  # evening
        datetime(2026, 11, 21, 10, 0),  # Saturday
        datetime(2026, 11, 22, 23, 50),  # Sunday night
    ],
)
def test_tickets_show_every_colour_whenever_the_demo_is_seeded(local):
    """The history and the named accounts' tickets are laid out from the seeding moment: a dispatcher
    who opens the demo at any hour finds tickets in time, near their deadline, past it and done."""
    moment = local.replace(tzinfo=timezone.get_default_timezone()).astimezone(UTC)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        regions, _ = geography.seed_regions()
        orgs, _ = organizations.seed_organizations(regions)
        subjects.seed_subjects(regions, seed=subjects.DEFAULT_SEED)
        accounts.seed_accounts(orgs)
        hotline.seed_hotline_catalog()
        hotline.seed_knowledge(orgs)
        hotline_history.seed_hotline_history(orgs, size=300)
        hotline.seed_hotline_showcase(orgs)
        instances = ProcessInstance.objects.filter(definition__code="hotline_12345")
        colours = Counter(i.deadline_status for i in instances.select_related("definition"))
    assert {"ok", "warning", "overdue", "done", "suspended"} <= set(colours), colours


def test_hotline_history_covers_every_deadline_colour(seeded):
    instances = list(
        ProcessInstance.objects.filter(definition__code="hotline_12345").select_related("definition")
    )
    report: SeedReport = seeded["first"]
    assert (
        len(instances)
        == Ticket.objects.count()
        == report.count("12345历史工单") + report.count("演示账号工单")
    )
    colours = Counter(i.deadline_status for i in instances)
    assert {"ok", "warning", "overdue", "suspended", "done"} <= set(colours), colours
    assert colours["done"] > len(instances) / 2
    # Every instance has a history that starts with 发起 and is in time order.
    for instance in instances:
        events = list(instance.events.order_by("created_at", "id"))
        assert events[0].action == "start"
        assert events[-1].to_state == instance.state
        assert all(a.created_at <= b.created_at for a, b in itertools.pairwise(events))
    # Overdue items fired their escalation notices to the supervisors and department heads.
    assert Escalation.objects.filter(kind="overdue", action="").exists()
    assert Notification.objects.filter(recipient__username="supervisor").exists()
    assert Notification.objects.filter(recipient__username="depthead").exists()


def test_portal_and_inboxes_have_something_to_show(seeded):
    citizen = User.objects.get(username="citizen")
    # His three applications and the suggestion he sent through the website (12345).
    assert ProcessInstance.objects.filter(owner=citizen).count() >= 4
    assert ProcessInstance.objects.filter(owner=citizen, definition__code="hotline_12345").count() == 1
    assert ProcessInstance.objects.filter(owner__username="enterprise").count() >= 5
    for username in ("window", "approver", "depthead", "agent", "dispatcher", "handler"):
        assert inbox_for(Actor.for_user(User.objects.get(username=username))).exists(), username
    # Data isolation: the other citizen owns none of 王小明's items.
    wang = User.objects.get(username="citizen").person
    assert not Ticket.objects.filter(caller_user__username="citizen2").exists()
    assert Ticket.objects.filter(caller_user=citizen).count() == 1
    assert not Application.objects.filter(applicant__username="citizen2", person=wang).exists()
    assert Application.objects.filter(applicant__username="citizen2").exists()


def test_citizen_has_a_correction_waiting_and_messages_about_their_items(seeded):
    citizen = User.objects.get(username="citizen")
    waiting = list(inbox_for(Actor.for_user(citizen)))
    assert [i.state for i in waiting] == ["correction"]
    assert waiting[0].owner == citizen
    messages = list(Notification.objects.filter(recipient=citizen).order_by("pk"))
    # One message per move made by staff (or the timer) on his items (his applications and his 12345
    # suggestion's 派单 and 签收), each linking to 我的事项.
    moves = ProcessEvent.objects.filter(instance__owner=citizen).exclude(actor=citizen)
    assert len(messages) == moves.count() >= 7
    assert set(moves.filter(instance__definition__code="hotline_12345").values_list("action", flat=True)) == {
        "dispatch",
        "sign_for",
    }
    # Each message carries the time of the move it reports; the old ones have been read.
    assert sorted(m.created_at for m in messages) == sorted(moves.values_list("created_at", flat=True))
    assert any(m.read_at is None for m in messages) and any(m.read_at is not None for m in messages)
    own = {str(pk) for pk in ProcessInstance.objects.filter(owner=citizen).values_list("pk", flat=True)}
    assert {m.link.removeprefix("/my/").removesuffix("/") for m in messages} <= own
    assert all(m.template_code == "workflow.transition" and m.title.startswith("您的“") for m in messages)
    assert any("已一次性告知补正，当前状态：待补正" in m.title for m in messages)
    assert any("照片不清晰，无法辨认涉事商品" in m.body for m in messages)


def test_demo_accounts_promise_only_what_this_release_has():
    available = (
        "门户首页", "我的事项", "消息中心", "工作台", "管理后台", "我的账号", "办事服务", "以企业名义", "一网通办办件",
        "来电登记", "12345工单",
    )  # fmt: skip
    for persona in accounts.PERSONAS:
        assert persona.try_this.startswith(available), persona.username
        for later in ("12345 模块", "一网统管", "协同办公", "驾驶舱", "数据共享", "督办模块"):
            if later in persona.try_this:
                assert "后续版本" in persona.try_this, persona.username
        for path in re.findall(r"/[a-z/]+/", persona.try_this):  # every page named exists
            resolve(path)
