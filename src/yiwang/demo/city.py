"""Build 示范市: regions and grids → organisations → people and enterprises → accounts → 12345 (派单目录,
knowledge base, the classifier, a year of tickets and the named accounts' own) → 一网通办 catalogue, a year
of applications and the named accounts' own applications. Each stage runs in its own transaction and
writes one audit row when it created something; a second run finds everything in place, changes
nothing and writes no audit row."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.db import transaction

from yiwang.core.audit import audit_record
from yiwang.core.models import Enterprise, Organization, Person, Region
from yiwang.demo import accounts, geography, grids, organizations, subjects, workflows
from yiwang.identity.actor import Actor
from yiwang.identity.models import User


class Writer(Protocol):
    """Anything with `write(str)`: a management command's `self.stdout`, `sys.stdout`, a StringIO."""

    def write(self, message: str, /) -> object: ...


@dataclass(frozen=True)
class SeedLine:
    label: str
    created: int
    total: int


@dataclass
class SeedReport:
    lines: list[SeedLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def created(self) -> int:
        return sum(line.created for line in self.lines)

    def count(self, label: str) -> int:
        return next(line.total for line in self.lines if line.label == label)

    def summary(self) -> str:
        rows = [f"示范市演示数据（用时 {self.seconds:.1f} 秒）："]
        rows += [f"  {line.label}：共 {line.total} 条，本次新增 {line.created} 条" for line in self.lines]
        rows += [f"  {note}" for note in self.notes]
        if not self.created:
            rows.append("  数据已是最新，无需改动。")
        return "\n".join(rows)


def _say(stdout: Writer | None, message: str) -> None:
    if stdout is not None:
        stdout.write(message + "\n")


def _audit(stage: str, created: dict[str, int]) -> None:
    if any(created.values()):
        details = "，".join(f"{label} {n} 条" for label, n in created.items() if n)
        audit_record(
            actor=Actor.system(),
            action="demo.seed",
            summary=f"示范市演示数据（{stage}）：新增 {details}",
            data={"stage": stage, "created": created},
        )


def seed_demo_city(
    *,
    stdout: Writer | None = None,
    seed: int = subjects.DEFAULT_SEED,
    hotline_tickets: int | None = None,
    hotline_corpus: int | None = None,
) -> SeedReport:
    """The whole city. `hotline_tickets` / `hotline_corpus`: the size of the 12345 history and of the
    classifier's training corpus (default: settings DEMO_HOTLINE_TICKETS / DEMO_HOTLINE_CORPUS, else
    50,000 and 6,000; the tests seed a smaller city)."""
    started = time.monotonic()
    report = SeedReport()

    _say(stdout, "正在生成行政区划、网格和部门……")
    with transaction.atomic():
        regions, regions_created = geography.seed_regions()
        grids_seeded = grids.seed_grids()
        orgs, orgs_created = organizations.seed_organizations(regions)
        _audit(
            "区划与部门",
            {"行政区划": regions_created, "网格": grids_seeded.created, "部门/单位": orgs_created},
        )
    city = regions[geography.CITY_CODE]
    report.lines.append(
        SeedLine("行政区划", regions_created, Region.objects.filter(path__startswith=city.path).count())
    )
    report.lines.append(SeedLine("网格", grids_seeded.created, grids_seeded.total))
    report.lines.append(
        SeedLine("部门/单位", orgs_created, Organization.objects.filter(code__in=list(orgs)).count())
    )

    _say(stdout, "正在生成自然人和法人……")
    with transaction.atomic():
        result = subjects.seed_subjects(regions, seed=seed)
        _audit("自然人与法人", {"自然人": result.persons_created, "法人": result.enterprises_created})
    report.lines.append(
        SeedLine(
            "自然人",
            result.persons_created,
            Person.objects.filter(region__path__startswith=city.path).count(),
        )
    )
    report.lines.append(
        SeedLine(
            "法人",
            result.enterprises_created,
            Enterprise.objects.filter(region__path__startswith=city.path).count(),
        )
    )

    _say(stdout, "正在创建演示账号……")
    with transaction.atomic():
        users_created = accounts.seed_accounts(orgs)
        _audit("演示账号", {"演示账号": users_created})
    usernames = [persona.username for persona in accounts.PERSONAS]
    report.lines.append(
        SeedLine("演示账号", users_created, User.objects.filter(username__in=usernames).count())
    )

    if workflows.workflow_available():
        _seed_hotline(report, orgs, seed=seed, stdout=stdout, tickets=hotline_tickets, corpus=hotline_corpus)
    else:
        report.notes.append("流程引擎尚未就绪，跳过 12345 热线。")

    _seed_services(report, orgs, seed=seed, stdout=stdout)

    report.seconds = time.monotonic() - started
    return report


def _seed_hotline(
    report: SeedReport,
    orgs: dict[str, Organization],
    *,
    seed: int,
    stdout: Writer | None,
    tickets: int | None,
    corpus: int | None,
) -> None:
    """12345: the 派单目录 and time limits, the knowledge base, the classifier, a year of tickets and the
    named accounts' live work (`demo.hotline`, `demo.hotline_history`)."""
    from yiwang.demo import hotline, hotline_history

    tickets = (
        getattr(settings, "DEMO_HOTLINE_TICKETS", hotline_history.HISTORY_SIZE)
        if tickets is None
        else tickets
    )
    corpus = getattr(settings, "DEMO_HOTLINE_CORPUS", hotline.CORPUS_SIZE) if corpus is None else corpus

    _say(stdout, "正在载入 12345 派单目录和时限规则……")
    with transaction.atomic():
        catalog = hotline.seed_hotline_catalog()
        _audit(
            "12345派单目录",
            {"流程定义": catalog.definitions, "诉求分类": catalog.categories, "时限规则": catalog.rules},
        )
    report.lines.append(SeedLine("12345诉求分类", catalog.categories, catalog.total_categories))

    _say(stdout, "正在生成 12345 知识库……")
    with transaction.atomic():
        knowledge = hotline.seed_knowledge(orgs)
        _audit("12345知识库", {"知识库条目": knowledge.created})
    report.lines.append(SeedLine("12345知识库条目", knowledge.created, knowledge.total))

    _say(stdout, "正在训练 12345 智能分类模型……")
    with transaction.atomic():
        model = hotline.seed_classifier(size=corpus)
        _audit("12345分类模型", {"分类模型": int(model.trained)})
    how = "训练完成" if model.trained else "模型已是最新（语料未变）"
    _say(stdout, f"  {how}：{model.rows} 条语料、{model.classes} 个类别，用时 {model.seconds:.1f} 秒")
    report.lines.append(SeedLine("12345分类模型", int(model.trained), 1))
    if model.trained:
        report.notes.append(
            f"12345 智能分类模型：{model.rows} 条语料训练，用时 {model.seconds:.1f} 秒（{model.model}）。"
        )

    _say(stdout, f"正在生成 12345 历史工单（{tickets} 件）……")
    with transaction.atomic():
        history = hotline_history.seed_hotline_history(orgs, seed=seed, size=tickets)
        _audit("12345工单", {"12345工单": history.created, "热线账号": history.accounts_created})
    report.lines.append(SeedLine("12345历史工单", history.created, history.total))
    if history.created:
        report.notes.append(f"12345 历史工单批量写入：{history.created} 件，用时 {history.seconds:.1f} 秒。")

    _say(stdout, "正在生成演示账号的 12345 工单……")
    with transaction.atomic():
        showcase = hotline.seed_hotline_showcase(orgs)
        _audit("演示账号工单", {"演示账号工单": showcase.created})
    report.lines.append(SeedLine("演示账号工单", showcase.created, showcase.total))


def _seed_services(
    report: SeedReport, orgs: dict[str, Organization], *, seed: int, stdout: Writer | None
) -> None:
    """一网通办: the catalogue (实施清单), a year of applications and the demo accounts' own ones. Skipped, with a note, when the
    services app or the workflow engine is not there yet."""
    if not workflows.workflow_available():
        report.notes.append("流程引擎尚未就绪，跳过一网通办事项与办件历史。")
        return
    try:
        from yiwang.demo import services_catalog, services_history, services_showcase
    except ImportError as exc:  # the services app is not installed
        report.notes.append(f"一网通办模块不可用（{exc}），跳过事项与办件历史。")
        return

    _say(stdout, "正在生成一网通办事项目录……")
    started = time.monotonic()
    with transaction.atomic():
        catalog = services_catalog.seed_service_items(orgs)
        _audit("一网通办事项", {"政务服务事项": catalog.created})
    report.lines.append(SeedLine("政务服务事项", catalog.created, catalog.total))
    catalog_seconds = time.monotonic() - started

    _say(stdout, "正在生成一网通办历史办件……")
    with transaction.atomic():
        history = services_history.seed_service_history(orgs, catalog.items, seed=seed)
        _audit("一网通办办件", {"办件账号": history.accounts_created, "历史办件": history.created})
    report.lines.append(SeedLine("一网通办历史办件", history.created, history.total))
    if catalog.created or history.created:
        how = "事项目录经目录维护接口创建并发布" if catalog.via_actions else "事项目录直接写入"
        report.notes.append(
            f"一网通办：{how}（{catalog_seconds:.1f} 秒），历史办件批量写入（{history.seconds:.1f} 秒）。"
        )
    if history.accounts_created:
        report.notes.append(
            f"为历史办件新建申请人及各部门窗口、审批人员账号 {history.accounts_created} 个（密码同演示账号）。"
        )

    _say(stdout, "正在生成演示账号的一网通办办件……")
    with transaction.atomic():
        showcase = services_showcase.seed_showcase(catalog.items)
        _audit("演示账号办件", {"演示账号办件": showcase.created})
    report.lines.append(SeedLine("演示账号办件", showcase.created, showcase.total))
