"""The 一网通办 demo: the catalogue (≥120 items of every type), a year of applications written in bulk,
and proof that the bulk rows are what the engine itself would have written.

The whole city is seeded twice for this module inside one transaction rolled back afterwards."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Count, Max
from django.test import TestCase
from django.utils import timezone

from yiwang.core.models import AuditEvent, Organization, StoredFile
from yiwang.demo import services_catalog, services_history, services_showcase
from yiwang.demo.city import SeedReport, seed_demo_city
from yiwang.identity.actor import Actor
from yiwang.identity.models import EnterpriseAuthorization, Membership, User
from yiwang.services.actions.handling import application_accept
from yiwang.services.forms import form_data_errors
from yiwang.services.models import (
    Application,
    ApplicationMaterial,
    ApplicationSequence,
    MaterialRequirement,
    ServiceItem,
)
from yiwang.services.rules import publish_problems
from yiwang.services.selectors.handling import staff_inbox
from yiwang.services.selectors.statistics import period_of, statistics_for
from yiwang.workflow.models import ProcessEvent, ProcessHandler, ProcessInstance
from yiwang.workflow.selectors import inbox_for

MODELS = (
    ServiceItem,
    MaterialRequirement,
    Application,
    ApplicationMaterial,
    ApplicationSequence,
    ProcessInstance,
    ProcessEvent,
    ProcessHandler,
    StoredFile,
    User,
    Membership,
    EnterpriseAuthorization,
)
ITEM_TYPES = {
    "licensing",
    "benefit",
    "confirmation",
    "adjudication",
    "reward",
    "penalty",
    "enforcement",
    "levy",
    "inspection",
    "other_power",
    "public_service",
}


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def _seed() -> SeedReport:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return seed_demo_city()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        started = timezone.now()
        first = _seed()
        after_first = _counts()
        second = _seed()
        after_second = _counts()
        yield {
            "first": first,
            "second": second,
            "after_first": after_first,
            "after_second": after_second,
            "started": started,
        }
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def _history() -> Application:
    return Application.objects.filter(idempotency_key__startswith=services_history.KEY_PREFIX)


def _organizations() -> dict[str, Organization]:
    return {o.code: o for o in Organization.objects.all()}


# -- catalogue ----------------------------------------------------------------------------------


def test_catalogue_covers_every_type_and_many_departments(seeded):
    current = ServiceItem.objects.filter(is_current=True, status=ServiceItem.Status.PUBLISHED)
    assert current.count() >= 120
    assert seeded["first"].count("政务服务事项") == current.count()
    assert set(current.values_list("item_type", flat=True)) == ITEM_TYPES
    assert current.values("organization").distinct().count() >= 15
    assert set(current.values_list("level", flat=True)) == {"city", "district", "street"}
    for name in (
        "个体工商户设立登记",
        "食品经营许可",
        "建设工程规划许可证核发",
        "居民身份证换领",
        "结婚登记",
    ):
        assert current.filter(name=name).exists(), name
    # 四级四同: the district implementations of one item share its basic code.
    shop = current.filter(name="个体工商户设立登记")
    assert shop.count() == 4 and shop.values("basic_code").distinct().count() == 1
    assert current.filter(handling_kind="instant").count() >= 10
    assert set(current.values_list("online_depth", flat=True)) == {1, 2, 3, 4}
    assert not current.filter(online_depth=4).exclude(site_visits=0).exists()
    assert current.filter(is_charged=True).exclude(fee_standard="").count() >= 5


def test_every_item_passes_the_publish_validation(seeded):
    items = list(ServiceItem.objects.filter(is_current=True).select_related("organization", "region"))
    materials = {}
    for material in MaterialRequirement.objects.filter(item__in=items):
        materials.setdefault(material.item_id, []).append(material)
    for item in items:
        assert publish_problems(item, materials[item.pk]) == [], item.name
        assert 3 <= len(materials[item.pk]) <= 6, item.name
        assert item.form_schema["properties"] and item.legal_basis.startswith("《")
        assert item.place and item.consultation_phone.startswith("0599-")
    sources = Counter(m.source for ms in materials.values() for m in ms)
    assert sources["licence"] > 100 and sources["data"] > 10 and sources["upload"] > 200
    assert any(m.requirement == "conditional" and m.condition for ms in materials.values() for m in ms)


def test_catalogue_rows_are_unique_and_well_formed():
    rows = services_catalog.item_rows()
    assert len({r.key for r in rows}) == len(rows)
    assert all(re.fullmatch(r"\d{12}", r.spec.basic_code) for r in rows)
    assert len({r.spec.name for r in rows}) >= 120


# -- history ----------------------------------------------------------------------------------------


def test_history_has_every_state_and_colour(seeded):
    history = _history()
    assert history.count() >= 5_000
    assert seeded["first"].count("一网通办历史办件") == history.count()
    statuses = Counter(history.values_list("status", flat=True))
    assert set(statuses) == set(Application.Status.values) - {"draft"}, statuses
    completed = Counter(history.filter(status="completed").values_list("completed_on_time", flat=True))
    assert completed[True] > 10 * completed[False] > 0
    assert set(history.values_list("channel", flat=True)) == {"online", "window"}
    assert history.filter(channel="window", site_visits__gte=1).exists()
    # Spread over a year, over many items, with a popularity skew.
    first, last = history.order_by("submitted_at").first(), history.order_by("-submitted_at").first()
    assert last.submitted_at - first.submitted_at > timedelta(days=330)
    per_item = Counter(history.values_list("item_id", flat=True))
    assert len(per_item) >= 130
    top = per_item.most_common(1)[0][1]
    assert top > 20 * min(per_item.values())
    instances = ProcessInstance.objects.filter(content_type__app_label="services")
    colours = Counter(i.deadline_status for i in instances.select_related("definition"))
    assert {"ok", "warning", "overdue", "suspended", "done"} <= set(colours), colours
    # Varying numbers of materials, uploads with stored files.
    per_app = Counter(
        ApplicationMaterial.objects.filter(application__in=history).values_list("application_id", flat=True)
    )
    assert len(set(per_app.values())) >= 4
    assert ApplicationMaterial.objects.filter(application__in=history, file__isnull=False).count() > 5_000


def test_application_numbers_are_unique_and_well_formed(seeded):
    rows = list(_history().values_list("application_no", "item__implementation_code", "submitted_at"))
    assert len({r[0] for r in rows}) == len(rows)
    for number, code, submitted in rows:
        day = timezone.localdate(submitted)
        assert re.fullmatch(rf"{code}{day:%Y%m%d}\d{{4}}", number), number
    # The daily sequences continue after the history's numbers.
    used: dict[tuple[str, str], int] = {}
    for number, code, _submitted in rows:
        key = (code, number[len(code) : len(code) + 8])
        used[key] = max(used.get(key, 0), int(number[-4:]))
    stored = {
        (s.implementation_code, f"{s.day:%Y%m%d}"): s.last_number for s in ApplicationSequence.objects.all()
    }
    assert all(stored[key] >= n for key, n in used.items())


def test_history_rows_agree_with_each_other(seeded):
    """Status = state; dates and handlers as the engine keeps them; the timer's flags as of seeding."""
    started = seeded["started"]
    now = timezone.now()
    instances = {
        i.pk: i
        for i in ProcessInstance.objects.filter(content_type__app_label="services").prefetch_related(
            "handlers"
        )
    }
    for application in _history():
        instance = instances[application.process_instance_id]
        assert instance.object_id == str(application.pk)
        assert (
            Application.status_for_state(instance.state, completed=instance.completed_at is not None)
            == application.status
        )
        assert instance.owner_id == application.applicant_id
        assert instance.title.endswith(f"（{application.application_no}）")
        assert application.due_at == instance.deadline
        assert (application.completed_at is None) == (instance.completed_at is None)
        if application.completed_at is not None:
            assert application.completed_on_time == (application.completed_at <= instance.deadline)
            assert not list(instance.handlers.all())
        else:
            assert list(instance.handlers.all())
            if instance.suspended_at is None:
                assert not instance.overdue or instance.due_at < now
                assert instance.overdue or instance.due_at >= started
        if application.status not in ("submitted", "correction", "refused", "withdrawn"):
            assert application.accepted_at is not None
    events = ProcessEvent.objects.filter(instance__content_type__app_label="services")
    assert events.values("instance").distinct().count() == len(instances)
    last = events.values("instance").annotate(at=Max("created_at"))
    assert all(row["at"] <= now for row in last)


def test_form_data_passes_the_item_forms(seeded):
    for application in _history().select_related("item").order_by("pk")[:400]:
        assert form_data_errors(application.item, application.form_data, check_files=False) == [], (
            application.item.name
        )


def test_popularity_follows_the_history(seeded):
    counts = dict(_history().values_list("item").annotate(n=Count("pk")).values_list("item", "n"))
    for item in ServiceItem.objects.filter(is_current=True):
        assert item.popularity == counts.get(item.pk, 0), item.name
    top = list(
        ServiceItem.objects.filter(is_current=True).order_by("-popularity").values_list("name", flat=True)[:5]
    )
    assert set(top) <= set(services_history.HOT_ITEMS), top


def test_second_seed_adds_nothing(seeded):
    assert seeded["after_first"] == seeded["after_second"]
    second: SeedReport = seeded["second"]
    assert second.created == 0
    assert [line.total for line in second.lines] == [line.total for line in seeded["first"].lines]


def test_history_plans_are_deterministic():
    first, second = services_history.plans(size=300), services_history.plans(size=300)
    assert first == second
    assert len({p.key for p in first}) == 300
    assert {p.outcome for p in services_history.plans()} >= {"completed", "refused", "withdrawn", "warning"}


# -- the engine and the selectors on bulk rows --------------------------------------------------------


def test_engine_continues_a_bulk_application_and_inboxes_show_them(seeded):
    window = Actor.for_user(User.objects.get(username="window"))
    waiting = _history().filter(organization__code="city-amr", status="submitted").order_by("pk")
    assert waiting.exists()
    inbox = staff_inbox(window)
    assert set(waiting.values_list("pk", flat=True)) <= set(inbox.values_list("pk", flat=True))
    engine_inbox = set(inbox_for(window).values_list("pk", flat=True))
    assert {a.process_instance_id for a in waiting} <= engine_inbox
    application = waiting.first()
    events = ProcessEvent.objects.filter(instance_id=application.process_instance_id).count()
    application_accept(actor=window, application=application, comment="受理")
    application.refresh_from_db()
    assert application.status in ("reviewing", "completed")
    assert application.accepted_at is not None
    assert ProcessEvent.objects.filter(instance_id=application.process_instance_id).count() > events
    # Another department's clerk sees the history of their own department only.
    police = Actor.for_user(User.objects.get(username="city-psb-window"))
    seen = staff_inbox(police, status="done")
    assert seen.exists()
    assert set(seen.values_list("organization__code", flat=True)) == {"city-psb"}


def test_statistics_have_something_to_say(seeded):
    head = Actor.for_user(User.objects.get(username="depthead"))
    today = timezone.localdate()
    start = today.replace(day=1) - timedelta(days=330)
    period = period_of(f"{start:%Y-%m}", f"{today:%Y-%m}")
    stats = statistics_for(head, period)
    assert stats.total > 300
    assert 0.8 < stats.on_time_rate < 1
    assert stats.instant_share and stats.instant_share > 0
    assert stats.materials_average and stats.materials_average > 1
    assert stats.online_full_rate and stats.online_full_rate > 0.1
    assert stats.site_visits_average and stats.site_visits_average > 0
    assert sum(1 for row in stats.by_month if row["count"]) >= 10
    assert len(stats.by_item) >= 10


OUTCOMES = (
    "completed",
    "completed_late",
    "completed_denied",
    "completed_corrected",
    "refused",
    "withdrawn",
    "withdrawn_correction",
    "reviewing",
    "deciding",
    "returned",
    "extended",
    "warning",
)
APPLICATION_FIELDS = (
    "status", "application_no", "submitted_at", "accepted_at", "completed_at", "due_at",
    "completed_on_time", "applicant_id", "person_id", "enterprise_id", "organization_id", "region_id",
)  # fmt: skip
INSTANCE_FIELDS = (
    "definition_id", "content_type_id", "title", "state", "organization_id", "origin_organization_id",
    "region_id", "owner_id", "assignee_id", "started_at", "state_entered_at", "completed_at", "deadline",
    "warning_lead_seconds", "state_deadline", "state_warning_lead_seconds", "due_at", "warning_at",
    "escalation_due_at", "suspended_at", "suspended_remaining_seconds", "suspended_state_remaining_seconds",
    "extended_days",
)  # fmt: skip


def _snapshot(application: Application) -> dict:
    instance = ProcessInstance.objects.get(pk=application.process_instance_id)
    events = list(
        ProcessEvent.objects.filter(instance=instance)
        .order_by("created_at", "pk")
        .values_list(
            "action",
            "action_name",
            "from_state",
            "to_state",
            "actor_id",
            "actor_label",
            "fields",
            "created_at",
        )
    )
    return {
        "application": {f: getattr(application, f) for f in APPLICATION_FIELDS},
        "instance": {f: getattr(instance, f) for f in INSTANCE_FIELDS},
        "handlers": sorted(ProcessHandler.objects.filter(instance=instance).values_list("code", flat=True)),
        "events": events,
        "materials": Counter(
            (m.requirement.code, m.file_id is not None)
            for m in ApplicationMaterial.objects.filter(application=application).select_related("requirement")
        ),
    }


def test_bulk_rows_equal_what_the_engine_writes(seeded):
    """Replay the same plans once through `application_submit` + `transition` and once through the bulk
    writer, at the same `now`: every stored field the engine derives must match."""
    organizations = _organizations()
    items = services_catalog.seed_service_items(organizations).items
    cast = services_history.seed_accounts(organizations)
    size = services_history.HISTORY_SIZE + 600
    extra = services_history.plans(size=size)[services_history.HISTORY_SIZE :]
    # The history files items of 网上办理深度 Ⅰ and Ⅱ at the window (`application_submit` refuses Ⅰ online).
    extra = [plan for plan in extra if plan.row.spec.online_depth >= 3]
    chosen = {}
    for plan in extra:
        if plan.outcome in OUTCOMES and plan.outcome not in chosen:
            chosen[plan.outcome] = plan
    instant = next(p for p in extra if p.row.spec.instant and p.outcome == "completed")
    chosen["instant"] = instant
    assert len(chosen) >= 10, sorted(chosen)
    now = timezone.now()
    for outcome, plan in chosen.items():
        savepoint = transaction.savepoint()
        with TestCase.captureOnCommitCallbacks(execute=False):
            engine = _snapshot(services_history.submit_via_engine(plan, items, cast, now=now))
        transaction.savepoint_rollback(savepoint)
        assert (
            services_history.write_history(organizations, items, cast, size=size, now=now, only=[plan.index])
            == 1
        )
        bulk = _snapshot(Application.objects.get(idempotency_key=plan.key))
        assert bulk["application"] == engine["application"], outcome
        assert bulk["instance"] == engine["instance"], outcome
        assert bulk["handlers"] == engine["handlers"], outcome
        assert bulk["events"] == engine["events"], outcome
        # The bulk writer adds some conditional uploads on top of what the engine path uploaded.
        assert not (engine["materials"] - bulk["materials"]), outcome


# -- the demo accounts' own applications (demo.services_showcase) ----------------------------------------

SLA_ROW = re.compile(
    r'<tr class="sla-(ok|warning|overdue|suspended)" data-(?:application|instance)="([0-9a-f-]+)"'
)


def test_every_tongban_instance_belongs_to_an_application(seeded):
    tongban = ProcessInstance.objects.filter(definition__code="yiwang_tongban")
    assert tongban.count() == Application.objects.exclude(status="draft").count() > 5_000
    assert not tongban.exclude(content_type__app_label="services", content_type__model="application").exists()
    showcase = Application.objects.filter(idempotency_key__startswith=services_showcase.KEY_PREFIX)
    assert showcase.count() == len(services_showcase.STORIES) == seeded["first"].count("演示账号办件")
    for application in showcase:
        instance = ProcessInstance.objects.get(pk=application.process_instance_id)
        assert instance.object_id == str(application.pk) and instance.owner_id == application.applicant_id


def test_named_accounts_filed_open_applications_at_the_market_regulator(seeded):
    showcase = Application.objects.filter(idempotency_key__startswith=services_showcase.KEY_PREFIX)
    assert set(showcase.values_list("organization__code", flat=True)) == {"city-amr"}
    assert Counter(showcase.values_list("applicant__username", flat=True)) == {
        "citizen": 3,
        "citizen2": 3,
        "enterprise": 8,
    }
    enterprise = showcase.filter(applicant__username="enterprise")
    assert set(enterprise.values_list("enterprise__name", flat=True)) == {"示范市明远科技有限公司"}
    assert Counter(showcase.values_list("status", flat=True)) == {
        "submitted": 3,
        "correction": 1,
        "reviewing": 3,
        "deciding": 1,
        "approved": 2,
        "completed": 4,
    }
    # Filed through application_submit: numbered, with the stored scans and an audit row each.
    for application in showcase:
        assert application.application_no.startswith(application.item.implementation_code)
        assert ApplicationMaterial.objects.filter(application=application, file__isnull=False).exists()
    assert AuditEvent.objects.filter(action="services.application_submit").count() == len(
        services_showcase.STORIES
    )


def _colours(html: str) -> Counter:
    return Counter(colour for colour, _uid in SLA_ROW.findall(html))


def test_window_clerk_sees_every_deadline_colour_in_both_inboxes(seeded, client):
    client.force_login(User.objects.get(username="window"))

    # 办件箱 (the services inbox): every open application of the department, all three colours among
    # those of 明远科技, and the whole inbox over its pages.
    first = client.get("/services/staff/").content.decode()
    assert len(SLA_ROW.findall(first)) == 20
    assert 'href="/workbench/"' in first  # back to the 工作台
    mine = client.get("/services/staff/", {"q": "明远科技"}).content.decode()
    assert {"ok", "warning", "overdue"} <= set(_colours(mine)), _colours(mine)
    everything = Counter()
    for number in (1, 2, 3):
        everything += _colours(client.get("/services/staff/", {"page": number}).content.decode())
    assert {"ok", "warning", "overdue", "suspended"} <= set(everything), everything

    # 工作台: the 待受理 / 待办结 applications, each opening its 办件办理 page, and the link to the 办件箱.
    workbench = client.get("/workbench/").content.decode()
    assert {"ok", "warning", "overdue"} <= set(_colours(workbench)), _colours(workbench)
    assert '<a class="btn btn-primary" href="/services/staff/">一网通办办件</a>' in workbench
    for uid in re.findall(r'href="/services/staff/applications/([0-9a-f-]+)/"', workbench):
        assert Application.objects.get(uid=uid).status in ("submitted", "approved", "denied")
    assert "/workbench/instances/" not in workbench


def test_approver_sees_every_deadline_colour_among_the_applications_under_review(seeded, client):
    client.force_login(User.objects.get(username="approver"))
    expected = {6: "warning", 7: "overdue", 8: "ok"}  # story number → colour at seeding time

    for number, colour in expected.items():
        application = Application.objects.select_related("item").get(
            idempotency_key=f"{services_showcase.KEY_PREFIX}{number:02d}"
        )
        html = client.get("/workbench/", {"q": application.application_no}).content.decode()
        assert SLA_ROW.findall(html) == [(colour, str(application.process_instance_id))], number
        assert f'href="/services/staff/applications/{application.uid}/">{application.item.name}</a>' in html
        assert f'<span class="muted ref-no">{application.application_no}</span>' in html


def test_citizen_finds_his_applications_in_my_items_and_my_applications(seeded, client):
    citizen = User.objects.get(username="citizen")
    own = list(Application.objects.filter(applicant=citizen).select_related("item"))
    assert len(own) == 3
    client.force_login(citizen)

    my_items = client.get("/my/").content.decode()
    my_applications = client.get("/services/applications/").content.decode()
    home = client.get("/").content.decode()

    for application in own:
        assert f'href="/services/applications/{application.uid}/">{application.item.name}</a>' in my_items
        assert application.application_no in my_applications
    # The 补正 waiting for him leads to the application's page (where he uploads the materials again).
    waiting = next(a for a in own if a.status == "correction")
    tasks = home.split('aria-labelledby="tasks-title"', 1)[1].split("</section>", 1)[0]
    assert f'href="/services/applications/{waiting.uid}/"' in tasks
    assert client.get(f"/services/applications/{waiting.uid}/").status_code == 200
    # 李晓红 sees none of them.
    client.force_login(User.objects.get(username="citizen2"))
    other = client.get("/my/").content.decode()
    assert not any(str(application.uid) in other for application in own)
