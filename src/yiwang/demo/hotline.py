"""The 12345 part of 示范市, in the stages `demo.city` runs (each in its own transaction):

1. `seed_hotline_catalog`: the shipped process definitions, the 派单目录 of `demo.hotline_catalog`
   through `catalog_load`, and the time-limit rules through `service_level_set`.
2. `seed_knowledge`: the knowledge base of `demo.hotline_knowledge` through `knowledge_entry_save`
   (a few entries past their review date, so the maintenance view has work).
3. `seed_classifier`: the labelled corpus of `demo.hotline_corpus` written to
   `DATA_DIR/hotline/corpus.csv`, and the 智能分类 model trained on it — unless the model next to it
   was built from the same file (its sha256 is kept beside the model).
4. `demo.hotline_history.seed_hotline_history`: a year of tickets, written in bulk.
5. `seed_hotline_showcase`: the named accounts' live work of the day through the real actions — among
   it three 咨询 nobody could answer, now candidate entries (待编写) of the knowledge base — and the
   timer run (`tick`) that flags and escalates what is due.

Every stage is idempotent: a second run finds everything in place and changes nothing."""

from __future__ import annotations

import hashlib
import io
import time as clock
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from yiwang.core.calendar import get_calendar
from yiwang.core.models import Organization, Region
from yiwang.demo import geography, hotline_catalog, hotline_corpus
from yiwang.demo.hotline_knowledge import knowledge_specs
from yiwang.demo.hotline_plans import knowledge_category
from yiwang.demo.moments import Ago, moment_of
from yiwang.demo.workflows import date_owner_messages
from yiwang.identity.actor import Actor
from yiwang.identity.models import User

CORPUS_SIZE = 6_000
CORPUS_SEED = 20261207
# Entries whose figures change every year were last reviewed more than half a year ago: due now.
REVIEW_OVERDUE = ("kb-medins-003", "kb-hrss-010", "kb-housing-004", "kb-tax-001", "kb-agri-001", "kb-edu-001")
SERVICE_LEVELS = (
    ("general", "normal", {"working_days": 5}),
    ("complex", "normal", {"working_days": 15}),
    ("general", "urgent", {"natural_hours": 24}),
    ("complex", "urgent", {"natural_hours": 24}),
)


# -- 1. the 派单目录 -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogSeedResult:
    definitions: int  # process definitions published
    categories: int  # categories created
    total_categories: int
    assignments: int  # 承办关系 now in the 派单目录 (when it was (re)loaded, else 0)
    rules: int  # time-limit rules set


def _wanted_catalog() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    categories = [
        {"code": c.code, "name": c.name, "parent": c.parent, "complexity": c.complexity,
         "keywords": list(c.keywords), "description": c.description}
        for c in hotline_catalog.CATEGORIES
    ]  # fmt: skip
    assignments = [
        {"category": a.category, "region": a.region, "lead": a.lead, "assists": list(a.assists)}
        for a in hotline_catalog.ASSIGNMENTS
    ]
    return categories, assignments


def _catalog_in_place(categories: Sequence[dict[str, Any]], assignments: Sequence[dict[str, Any]]) -> bool:
    from yiwang.hotline.models import DispatchCatalog, TicketCategory

    # scope: the public catalogue
    stored = {c.code: c for c in TicketCategory.objects.select_related("parent")}
    for spec in categories:
        node = stored.get(spec["code"])
        if node is None or (
            node.name, node.parent.code if node.parent else None, node.complexity, node.keywords, node.description,
            node.is_active,
        ) != (spec["name"], spec["parent"], spec["complexity"], spec["keywords"], spec["description"], True):  # fmt: skip
            return False
    wanted = set()
    for spec in assignments:
        wanted.add((spec["category"], spec["region"], spec["lead"], "lead"))
        wanted |= {(spec["category"], spec["region"], code, "assist") for code in spec["assists"]}
    loaded = {spec["code"] for spec in categories}
    have = set(
        DispatchCatalog.objects.filter(category__code__in=loaded).values_list(
            "category__code", "region__code", "organization__code", "role"
        )
    )
    return have == wanted


def seed_hotline_catalog() -> CatalogSeedResult:
    """Definitions, 派单目录 and time limits, each written only when it differs from what is stored."""
    from yiwang.hotline.actions.catalog import catalog_load, service_level_set
    from yiwang.hotline.models import ServiceLevel, TicketCategory
    from yiwang.workflow.actions import definitions_load

    system = Actor.system()
    published = definitions_load(actor=system)
    categories, assignments = _wanted_catalog()
    before = set(TicketCategory.objects.values_list("code", flat=True))  # scope: the public catalogue
    loaded = 0
    if not _catalog_in_place(categories, assignments):
        loaded = catalog_load(actor=system, categories=categories, assignments=assignments).assignments
    rules = 0
    for complexity, urgency, sla in SERVICE_LEVELS:
        rule = ServiceLevel.objects.filter(
            category__isnull=True, complexity=complexity, urgency=urgency
        ).first()
        if rule is None or rule.handling_sla != sla:
            service_level_set(actor=system, urgency=urgency, handling_sla=sla, complexity=complexity)
            rules += 1
    codes = [spec["code"] for spec in categories]
    total = TicketCategory.objects.filter(code__in=codes).count()  # scope: the public catalogue
    return CatalogSeedResult(len(published), len(set(codes) - before), total, loaded, rules)


# -- 2. the knowledge base ---------------------------------------------------------------------------


@dataclass(frozen=True)
class KnowledgeSeedResult:
    created: int
    total: int
    overdue: int  # entries past their review date


def seed_knowledge(
    organizations: dict[str, Organization], *, now: datetime | None = None
) -> KnowledgeSeedResult:
    """Every entry not stored yet, through `knowledge_entry_save` as the platform; valid from a year
    ago (the history's agents answered with them) until `valid_days` from today."""
    from yiwang.hotline.actions.knowledge import knowledge_entry_save
    from yiwang.hotline.models import KnowledgeEntry, TicketCategory

    now = now or timezone.now()
    today = timezone.localdate(now)
    specs = knowledge_specs()
    # scope: the demo's own entries, by code
    stored = set(
        KnowledgeEntry.objects.filter(code__in=[s.code for s in specs]).values_list("code", flat=True)
    )
    categories = {c.code: c for c in TicketCategory.objects.all()}  # scope: the public catalogue
    system = Actor.system()
    created = 0
    for spec in specs:
        if spec.code in stored:
            continue
        reviewed = now - timedelta(days=200) if spec.code in REVIEW_OVERDUE else now
        knowledge_entry_save(
            actor=system,
            code=spec.code,
            organization=organizations[spec.department],
            title=spec.title,
            answer=spec.answer,
            question_variants=spec.question_variants,
            keywords=spec.keywords,
            category=categories.get(knowledge_category(spec)),
            valid_from=today - timedelta(days=365),
            valid_until=today + timedelta(days=spec.valid_days),
            now=reviewed,
        )
        created += 1
    entries = KnowledgeEntry.objects.filter(code__in=[s.code for s in specs])  # scope: the demo's entries
    overdue = entries.filter(review_due__lte=today).count()
    return KnowledgeSeedResult(created, entries.count(), overdue)


# -- 3. the classifier -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassifierSeedResult:
    trained: bool
    rows: int
    classes: int
    seconds: float
    corpus: Path
    model: Path


def _csv_bytes(rows: Sequence[hotline_corpus.LabelledText]) -> bytes:
    """The corpus file's content, as `write_corpus_csv` writes it."""
    import csv

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(hotline_corpus.HEADER)
    writer.writerows((row.text, row.category) for row in rows)
    return buffer.getvalue().encode("utf-8")


def seed_classifier(data_dir: Path | None = None, *, size: int = CORPUS_SIZE) -> ClassifierSeedResult:
    """Write the labelled corpus and train the model on it, unless the stored model was trained on a
    file with the same sha256 (kept in `classifier.corpus.sha256` beside the model)."""
    from yiwang.hotline import classification, classifier

    started = clock.monotonic()
    data_dir = Path(data_dir or settings.DATA_DIR)
    corpus = data_dir / "hotline" / "corpus.csv"
    model = data_dir / classification.model_path().relative_to(Path(settings.DATA_DIR))
    stamp = model.with_name("classifier.corpus.sha256")
    rows = hotline_corpus.generate_corpus(size, seed=CORPUS_SEED)
    content = _csv_bytes(rows)
    digest = hashlib.sha256(content).hexdigest()
    if not corpus.is_file() or hashlib.sha256(corpus.read_bytes()).hexdigest() != digest:
        hotline_corpus.write_corpus_csv(corpus, rows)
    classes = len({row.category for row in rows})
    if model.is_file() and stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == digest:
        return ClassifierSeedResult(False, len(rows), classes, clock.monotonic() - started, corpus, model)
    texts, labels = classifier.load_labelled(corpus)
    classifier.save(classifier.train(texts, labels, seed=0), model)
    stamp.write_text(digest + "\n", encoding="utf-8")
    return ClassifierSeedResult(True, len(rows), classes, clock.monotonic() - started, corpus, model)


# -- 5. the showcase -----------------------------------------------------------------------------------

KEY_PREFIX = "demo-12345-showcase-"  # not under the history's "demo-hotline-"
HANDLER_ORG = "city-urban"  # 陈刚's department

# Texts for the two 待派单 tickets with a suggestion: the first the model is most sure of, and the
# one it is least sure of (what the dispatcher sees depends on the trained model, so it is chosen).
CONFIDENT_TEXTS = (
    "人民路和解放路交叉口的路灯坏了一个多星期了，晚上黑漆漆的，老人小孩过马路很危险，希望尽快修好。",
    "小区门口的垃圾桶已经满了三天没人清运，臭气熏天，苍蝇到处飞，麻烦环卫部门尽快来拉走。",
    "公司已经拖欠我们三个月工资了，老板一直说下个月发，现在电话也不接，我们十几个工人都等着钱过年。",
)
UNSURE_TEXTS = (
    "楼下那家店天天晚上开到很晚，门口堆满东西，声音也大，找了好几次都没有用，你们管管吧。",
    "我们这边的事情拖了好久了，找了好几个部门都说不归他们管，到底该找谁？",
    "门口那块地方最近乱七八糟的，晚上也吵，希望有关部门来看一下。",
)


@dataclass(frozen=True)
class ShowcaseSeedResult:
    created: int
    total: int
    candidates: int
    escalations: int


@dataclass
class _Cast:
    agent: Actor
    dispatcher: Actor
    handler: Actor
    citizen: Actor
    officers: dict[str, Actor]
    calendar: Any
    now: datetime
    regions: dict[str, Region]
    organizations: dict[str, Organization]

    def ago(self, *, days: float = 0, hours: float = 0) -> datetime:
        """Office time before now (working days and hours)."""
        return moment_of(Ago(days=days, hours=hours), self.calendar, self.now)

    def minutes(self, n: float) -> datetime:
        """Natural minutes before now (the centre works around the clock)."""
        return self.now - timedelta(minutes=n)

    def officer(self, code: str) -> Actor:
        if code not in self.officers:
            self.officers[code] = Actor.for_user(User.objects.get(username=f"{code}-handler"))
        return self.officers[code]


def _category(code: str) -> Any:
    from yiwang.hotline.models import TicketCategory

    return TicketCategory.objects.get(code=code)  # scope: the public catalogue


def _suggest(texts: Sequence[str], *, confident: bool) -> tuple[str, tuple[Any, float] | None]:
    """The text the model is most (or least) sure of, with its top suggestion (none without a model)."""
    from yiwang.hotline import classification

    scored = []
    for text in texts:
        found = classification.suggest_categories(text, k=1)
        scored.append((found[0].confidence if found else 0.0, text, found[0] if found else None))
    _confidence, text, best = (max if confident else min)(scored, key=lambda row: (row[0], row[1]))
    return text, ((best.category, best.confidence) if best is not None else None)


def _register(cast: _Cast, key: str, *, at: datetime, actor: Actor | None = None, **values: Any) -> Any:
    from yiwang.hotline.actions.tickets import ticket_register

    values.setdefault("kind", "complaint")
    values.setdefault("region", cast.regions[geography.CITY_CODE])
    if (actor or cast.agent) is cast.agent:
        values.setdefault("caller_name", "张建华")
        values.setdefault("caller_phone", "15912345678")
    return ticket_register(actor=actor or cast.agent, idempotency_key=f"{KEY_PREFIX}{key}", now=at, **values)


def _dispatched(cast: _Cast, ticket: Any, category: str, at: datetime, *, joint: bool = False) -> Any:
    from yiwang.hotline.actions.tickets import ticket_dispatch

    return ticket_dispatch(
        actor=cast.dispatcher, ticket=ticket, category=_category(category), assists=None if joint else [],
        comment="请核实处理并答复来电人", now=at,
    )  # fmt: skip


def _stories(cast: _Cast) -> list[tuple[str, Any]]:
    """(key, story): each story files and moves one ticket (or a pair) with the real actions."""
    from yiwang.hotline.actions import tickets as act
    from yiwang.hotline.actions.knowledge import knowledge_candidate_create
    from yiwang.hotline.models import ExtensionRequest, KnowledgeEntry

    def confident() -> None:
        text, suggestion = _suggest(CONFIDENT_TEXTS, confident=True)
        _register(cast, "01", at=cast.minutes(25), content=text, suggestion=suggestion)

    def unsure() -> None:
        text, suggestion = _suggest(UNSURE_TEXTS, confident=False)
        _register(cast, "02", at=cast.minutes(12), content=text, suggestion=suggestion, caller_name="刘女士",
                  caller_phone="13705551234")  # fmt: skip

    def to_sign() -> None:
        ticket = _register(cast, "03", at=cast.minutes(70), kind="help", caller_name="周先生",
                           caller_phone="18905556677", content="建设路菜市场门口的井盖不见了，"
                           "路过的电动车差点掉进去，现在只放了个纸箱挡着，请赶紧来处理。",
                           address="示范市建设路菜市场门口")  # fmt: skip
        _dispatched(cast, ticket, "municipal.manhole_cover", cast.minutes(40))

    def overdue() -> None:
        start = cast.ago(days=8, hours=2)
        ticket = _register(cast, "04", at=start, caller_name="孙女士", caller_phone="13605558899",
                           content="解放路人行道上的地砖坏了一大片，翘起来的砖头已经绊倒好几个老人了，"
                           "反映过一次还是没人修。", address="示范市解放路")  # fmt: skip
        _dispatched(cast, ticket, "municipal.road_damage", start + timedelta(hours=1))
        act.ticket_sign_for(actor=cast.handler, ticket=ticket, now=start + timedelta(hours=2))

    def pothole() -> None:
        start = cast.minutes(180)
        first = _register(cast, "05", at=start, caller_name="王师傅", caller_phone="13905553210",
                          content="人民路体育馆门口机动车道上有个大坑，直径得有半米，"
                          "晚上看不清，刚才有辆电动车摔了，请尽快修补。", address="示范市人民路体育馆门口")  # fmt: skip
        _dispatched(cast, first, "municipal.road_damage", start + timedelta(minutes=25))
        act.ticket_sign_for(actor=cast.handler, ticket=first, now=start + timedelta(minutes=70))
        second = _register(cast, "06", at=cast.minutes(50), caller_name="李女士", caller_phone="15005554321",
                           content="人民路体育馆门口的马路上有个大坑，好多车压过去都颠一下，"
                           "刚才还有人摔倒了，赶紧修一修。", address="示范市人民路体育馆门口")  # fmt: skip
        act.ticket_merge(actor=cast.dispatcher, primary=first, duplicate=second,
                         comment="同一路段坑洼，并单办理", now=cast.minutes(40))  # fmt: skip

    def answered() -> None:
        entry = KnowledgeEntry.objects.get(code="kb-psb-001")  # scope: a public answer
        ticket = _register(cast, "07", at=cast.minutes(35), kind="consult", caller_name="陈女士",
                           caller_phone="13805550011", content="你好，我的身份证丢了，想问一下在哪里补办，需要带什么？",
                           category=entry.category)  # fmt: skip
        act.ticket_answer(
            actor=cast.agent, ticket=ticket, comment=entry.answer, entry=entry, now=cast.minutes(31)
        )

    def replied() -> None:
        start = cast.ago(days=2, hours=3)
        ticket = _register(cast, "08", at=start, caller_name="赵先生", caller_phone="13505557788",
                           content="湖滨路公交站旁边的绿化带里堆了很多装修垃圾，好几天了没人清理。")  # fmt: skip
        _dispatched(cast, ticket, "city_appearance.garbage_collection", start + timedelta(minutes=40))
        act.ticket_sign_for(actor=cast.handler, ticket=ticket, now=start + timedelta(minutes=90))
        act.ticket_reply(actor=cast.handler, ticket=ticket, now=cast.ago(hours=2),
                         comment="已安排环卫人员将装修垃圾全部清运，并对周边商户进行了宣传，已电话告知来电人。")  # fmt: skip

    def closed() -> None:
        start = cast.ago(days=3, hours=4)
        ticket = _register(cast, "09", at=start, caller_name="吴先生", caller_phone="13605552468",
                           content="中山路和新华路路口的红绿灯旁边那盏路灯一直闪，晚上开车很晃眼。")  # fmt: skip
        _dispatched(cast, ticket, "municipal.street_lights", start + timedelta(minutes=30))
        act.ticket_sign_for(actor=cast.handler, ticket=ticket, now=start + timedelta(minutes=80))
        act.ticket_reply(actor=cast.handler, ticket=ticket, now=cast.ago(days=1),
                         comment="已更换故障灯具，经夜间复查照明正常。")  # fmt: skip
        act.ticket_close(
            actor=cast.dispatcher, ticket=ticket, comment="答复属实，同意办结", now=cast.ago(hours=4)
        )

    def confidential() -> None:
        start = cast.ago(days=1, hours=1)
        ticket = _register(cast, "10", at=start, kind="report", confidential=True, caller_name="（实名）钱先生",
                           caller_phone="13705559876", content="我要举报，新华路一家烧烤店每天晚上把桌椅摆满人行道，"
                           "我跟老板说过，他还威胁我，请替我保密。")  # fmt: skip
        _dispatched(cast, ticket, "city_appearance.street_vending", start + timedelta(minutes=20))
        act.ticket_sign_for(actor=cast.handler, ticket=ticket, now=start + timedelta(minutes=75))

    def citizen() -> None:
        # Sent this morning (natural time): his messages about it are new, whenever the demo is seeded.
        start = cast.minutes(6 * 60)
        ticket = _register(cast, "11", at=start, actor=cast.citizen, kind="suggestion", channel="web",
                           content="建议在东湖区人民医院门口的公交站加装遮雨棚，下雨天等车的老人孩子都淋着。")  # fmt: skip
        _dispatched(cast, ticket, "transport.bus", start + timedelta(minutes=50))
        act.ticket_sign_for(
            actor=cast.officer("city-transport"), ticket=ticket, now=start + timedelta(hours=2)
        )

    def returned() -> None:
        start = cast.minutes(150)
        ticket = _register(cast, "12", at=start, caller_name="郑女士", caller_phone="18605551357",
                           content="地铁口的共享单车堆成了山，人都走不过去，每天早上都这样。")  # fmt: skip
        _dispatched(cast, ticket, "city_appearance.street_cleaning", start + timedelta(minutes=30))
        act.ticket_return(actor=cast.handler, ticket=ticket, reason="共享单车停放管理由市交通运输局负责，请改派",
                          now=cast.minutes(45))  # fmt: skip

    def extension() -> None:
        start = cast.ago(days=4, hours=1)
        ticket = _register(cast, "13", at=start, caller_name="冯先生", caller_phone="13905552020",
                           content="幸福路的排水沟堵了，一下雨整条路都淹了，车都开不过去。")  # fmt: skip
        _dispatched(cast, ticket, "municipal.drainage", start + timedelta(minutes=35))
        act.ticket_sign_for(actor=cast.handler, ticket=ticket, now=start + timedelta(minutes=90))
        act.ticket_request_extension(actor=cast.handler, ticket=ticket, days=5, now=cast.ago(hours=1),
                                     reason="排水管道需整段开挖疏通，已联系施工单位，需延长办理期限")  # fmt: skip
        assert ExtensionRequest.objects.filter(ticket=ticket, status="pending").exists()

    def joint() -> None:
        start = cast.ago(days=1, hours=2)
        ticket = _register(cast, "14", at=start, kind="help", caller_name="何女士", caller_phone="13805553030",
                           content="我们整栋楼从昨天晚上开始停水，也没有通知，家里老人孩子没水用，请帮忙问问什么时候来水。")  # fmt: skip
        _dispatched(cast, ticket, "municipal.water_supply", start + timedelta(minutes=20), joint=True)
        act.ticket_sign_for(actor=cast.handler, ticket=ticket, now=start + timedelta(minutes=50))
        housing = cast.officer("city-housing")
        act.ticket_sign_for(actor=housing, ticket=ticket, now=start + timedelta(minutes=65))
        act.ticket_reply(actor=housing, ticket=ticket, now=cast.ago(hours=3),
                         comment="已督促物业公司排查楼内加压泵故障，维修人员已到场。")  # fmt: skip

    def candidates() -> None:
        questions = (
            ("15", "小区物业不让装新能源汽车充电桩，说电容量不够，这种情况该找谁？", "city-housing",
             "housing.property_management", "city-housing"),
            ("16", "退役军人优待证在哪里办理，需要带什么材料？", "city-civil", "civil_affairs.elderly_care", "city-civil"),
            ("17", "孩子在外地上学，医保能不能在学校那边报销？门诊也能报吗？", "city-medins",
             "labour.medical_insurance", "city-medins"),
        )  # fmt: skip
        for number, (key, question, department, category, officer) in enumerate(questions):
            start = cast.ago(days=2 + number, hours=3)
            ticket = _register(cast, key, at=start, kind="consult", caller_name="咨询市民",
                               caller_phone=f"1360555{4000 + number:04d}", content=question)  # fmt: skip
            knowledge_candidate_create(actor=cast.agent, ticket=ticket, question=question,
                                       organization=cast.organizations[department])  # fmt: skip
            _dispatched(cast, ticket, category, start + timedelta(minutes=30))
            act.ticket_sign_for(actor=cast.officer(officer), ticket=ticket, now=start + timedelta(hours=1))

    return [
        ("01", confident), ("02", unsure), ("03", to_sign), ("04", overdue), ("05", pothole), ("07", answered),
        ("08", replied), ("09", closed), ("10", confidential), ("11", citizen), ("12", returned),
        ("13", extension), ("14", joint), ("15", candidates),
    ]  # fmt: skip


def seed_hotline_showcase(
    organizations: dict[str, Organization], *, now: datetime | None = None
) -> ShowcaseSeedResult:
    """The stories not stored yet, then `tick(now)`: what is near or past its deadline is flagged and
    escalated along the definition's chain, as the timer would have done."""
    from yiwang.hotline.models import KnowledgeEntry, Ticket
    from yiwang.workflow.actions import tick

    now = now or timezone.now()
    # scope: the demo's own tickets, by their idempotency keys
    done = set(
        Ticket.objects.filter(idempotency_key__startswith=KEY_PREFIX).values_list(
            "idempotency_key", flat=True
        )
    )
    users = {
        u.username: u for u in User.objects.filter(username__in=["agent", "dispatcher", "handler", "citizen"])
    }
    cast = _Cast(
        agent=Actor.for_user(users["agent"]),
        dispatcher=Actor.for_user(users["dispatcher"]),
        handler=Actor.for_user(users["handler"]),
        citizen=Actor.for_user(users["citizen"]),
        officers={},
        calendar=get_calendar(),
        now=now,
        regions={r.code: r for r in Region.objects.filter(code__startswith="3299")},
        organizations=organizations,
    )
    ran = 0
    for key, story in _stories(cast):
        if f"{KEY_PREFIX}{key}" in done:
            continue
        with transaction.atomic():
            story()
        ran += 1
    escalations = tick(now=now).escalations if ran else 0
    if ran:
        # The engine told the citizen about every move of his own ticket when the stage commits: give
        # each message the time of the move it reports (runs after the engine's after-commit work).
        owned = list(
            Ticket.objects.filter(
                idempotency_key__startswith=KEY_PREFIX, caller_user__isnull=False
            ).values_list("process_instance_id", flat=True)
        )
        transaction.on_commit(partial(date_owner_messages, owned, now))
    total = Ticket.objects.filter(idempotency_key__startswith=KEY_PREFIX).count()
    created = total - len(done)
    candidates = KnowledgeEntry.objects.filter(  # scope: the demo's candidate entries
        status=KnowledgeEntry.Status.CANDIDATE, source_ticket__idempotency_key__startswith=KEY_PREFIX
    ).count()
    return ShowcaseSeedResult(created, total, candidates, escalations)
