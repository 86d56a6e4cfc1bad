"""Reads of the catalogue: browsing and searching current items, versions, and the guide (办事指南).

The published catalogue is public (no actor needed); drafts are visible only to those who may
maintain the item's organisation (`services.manage_catalog` in scope)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.safestring import SafeString

from yiwang.core import dictionaries
from yiwang.core.errors import DomainError, InvalidInput, NotFound
from yiwang.core.models import Organization
from yiwang.identity.actor import Actor
from yiwang.services import search
from yiwang.services.codes import CODE_IN_URL_RE
from yiwang.services.constants import ENTERPRISE_THEMES, ONLINE_DEPTH_LABELS, PERSON_THEMES, THEMES
from yiwang.services.models import ItemLevel, MaterialRequirement, ServiceItem
from yiwang.services.permissions import MANAGE_CATALOG, can_manage_catalog
from yiwang.workflow.diagram import (
    ProcessLayout,
    ProcessState,
    ProcessStep,
    ProcessTransition,
    process_layout,
    process_steps,
    render_svg,
)
from yiwang.workflow.selectors import definitions_for

MAX_SEARCH_RESULTS = 500
SUBJECTS = {choice.value for choice in ServiceItem.ServedSubject}

_CODE = re.compile(CODE_IN_URL_RE)


def _published() -> QuerySet[ServiceItem]:
    # scope: the public catalogue (published, current versions)
    return ServiceItem.objects.filter(is_current=True, status=ServiceItem.Status.PUBLISHED)


def _check_filters(*, theme: str, level: str, served_subject: str) -> None:
    if theme and theme not in THEMES:
        raise InvalidInput(
            f"主题分类不存在：{theme}", code="catalog_filter_invalid", details={"theme": list(THEMES)}
        )
    if level and level not in ItemLevel.values:
        raise InvalidInput(
            f"行使层级不存在：{level}", code="catalog_filter_invalid", details={"level": ItemLevel.values}
        )
    if served_subject and served_subject not in SUBJECTS:
        raise InvalidInput(
            f"服务对象不存在：{served_subject}",
            code="catalog_filter_invalid",
            details={"served_subject": sorted(SUBJECTS)},
        )


def items_published(
    *,
    q: str = "",
    department: str = "",
    theme: str = "",
    level: str = "",
    item_type: str = "",
    served_subject: str = "",
) -> Sequence[ServiceItem]:
    """Current published items, filtered; with `q` ranked by relevance (see `services.search`),
    otherwise by popularity then name. `department` is an organisation code; `theme`, `level`,
    `served_subject` take the codes of `constants.THEMES`, `ItemLevel`, `ServiceItem.ServedSubject`."""
    _check_filters(theme=theme, level=level, served_subject=served_subject)
    qs = _published().select_related("organization", "region")
    if department:
        qs = qs.filter(organization__code=department)
    if theme:
        # JSON list membership, portable: the serialised list contains the quoted code.
        qs = qs.filter(themes__icontains=f'"{theme}"')
    if served_subject:
        qs = qs.filter(served_subjects__icontains=f'"{served_subject}"')
    if level:
        qs = qs.filter(level=level)
    if item_type:
        qs = qs.filter(item_type=item_type)
    if not q.strip():
        return qs.order_by("-popularity", "name", "id")  # type: ignore[return-value]  # a QuerySet is a sequence
    ranked = search.search(q, limit=MAX_SEARCH_RESULTS)
    if not ranked:
        return []
    position = {item_id: i for i, (item_id, _) in enumerate(ranked)}
    rows = list(qs.filter(pk__in=list(position)))
    rows.sort(key=lambda row: position[row.pk])
    return rows


def _materials_prefetch() -> Prefetch[Any]:
    return Prefetch("materials", queryset=MaterialRequirement.objects.order_by("sort_order", "id"))


def item_get_current(code: str) -> ServiceItem:
    """The current published version of an implementation code (NotFound otherwise)."""
    if not _CODE.fullmatch(code or ""):
        raise NotFound("事项不存在", code="catalog_item_not_found")
    item = (
        _published()
        .filter(implementation_code=code)
        .select_related("organization__region", "region", "result_sample")
        .prefetch_related(_materials_prefetch())
        .first()
    )
    if item is None:
        raise NotFound("事项不存在或尚未发布", code="catalog_item_not_found")
    return item


def item_versions(code: str, *, actor: Actor | None = None) -> list[ServiceItem]:
    """Every version of an implementation, newest first: published ones (current or not) for anyone,
    drafts too for those who may maintain it. NotFound when nothing is visible."""
    if not _CODE.fullmatch(code or ""):
        raise NotFound("事项不存在", code="catalog_item_not_found")
    # scope: published versions for everyone, drafts filtered below by can_manage_catalog
    rows = list(
        ServiceItem.objects.filter(implementation_code=code)
        .select_related("organization__region")
        .order_by("-version")
    )
    manager = bool(rows) and can_manage_catalog(actor, rows[0].organization)
    visible = [r for r in rows if manager or r.status != ServiceItem.Status.DRAFT]
    if not visible:
        raise NotFound("事项不存在或尚未发布", code="catalog_item_not_found")
    return visible


def item_get_version(code: str, version: int, *, actor: Actor | None = None) -> ServiceItem:
    """One version (an application's item stays readable after newer versions are published)."""
    for row in item_versions(code, actor=actor):
        if row.version == version:
            # scope: a version item_versions() already showed this actor
            return (
                ServiceItem.objects.select_related("organization__region", "region", "result_sample")
                .prefetch_related(_materials_prefetch())
                .get(pk=row.pk)
            )
    raise NotFound(f"事项没有第 {version} 版", code="catalog_version_not_found")


def item_latest_for_manage(code: str, *, actor: Actor) -> ServiceItem:
    """The newest version (draft or current) of an implementation the actor may maintain; NotFound
    for one outside the actor's scope (its existence is not revealed)."""
    if not _CODE.fullmatch(code or ""):
        raise NotFound("事项不存在", code="catalog_item_not_found")
    # scope: can_manage_catalog on the row below
    row = (
        ServiceItem.objects.filter(implementation_code=code)
        .exclude(status=ServiceItem.Status.RETIRED)
        .filter(Q(status=ServiceItem.Status.DRAFT) | Q(is_current=True))
        .select_related("organization__region", "region")
        .prefetch_related(_materials_prefetch())
        .order_by("-version")
        .first()
    )
    if row is None or not can_manage_catalog(actor, row.organization):
        raise NotFound("事项不存在或无权维护", code="catalog_item_not_found")
    return row


def items_manageable(actor: Actor) -> QuerySet[ServiceItem]:
    """Every version of the items the actor may maintain (for the admin)."""
    return ServiceItem.objects.for_actor(actor, MANAGE_CATALOG)


# -- browsing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facet:
    code: str
    label: str
    count: int


@dataclass(frozen=True)
class CatalogueFacets:
    person_themes: list[Facet]
    enterprise_themes: list[Facet]
    departments: list[Facet]
    levels: list[Facet]
    total: int


def catalogue_facets() -> CatalogueFacets:
    """Counts of current items by theme, department and level, for the catalogue home (3 queries)."""
    theme_counts: Counter[str] = Counter()
    total = 0
    for themes in _published().values_list("themes", flat=True):
        total += 1
        theme_counts.update(t for t in themes or [] if isinstance(t, str))
    departments = [
        Facet(row["organization__code"], row["organization__name"], row["n"])
        for row in _published()
        .values("organization__code", "organization__name")
        .annotate(n=Count("id"))
        .order_by("organization__name")
    ]
    level_counts = {row["level"]: row["n"] for row in _published().values("level").annotate(n=Count("id"))}
    return CatalogueFacets(
        person_themes=[Facet(c, label, theme_counts[c]) for c, label in PERSON_THEMES.items()],
        enterprise_themes=[Facet(c, label, theme_counts[c]) for c, label in ENTERPRISE_THEMES.items()],
        departments=departments,
        levels=[Facet(c, str(label), level_counts.get(c, 0)) for c, label in ItemLevel.choices],
        total=total,
    )


def item_type_label(code: str) -> str:
    try:
        return dictionaries.dictionary_label("item_type", code)
    except DomainError:
        return code


# -- the guide (办事指南) -------------------------------------------------------------------------


@dataclass
class ProcessDiagram:
    states: list[ProcessState] = field(default_factory=list)
    transitions: list[ProcessTransition] = field(default_factory=list)

    @cached_property
    def layout(self) -> ProcessLayout:
        return process_layout(self.states, self.transitions)

    @property
    def svg(self) -> SafeString:
        return render_svg(self.layout)

    @property
    def steps(self) -> list[ProcessStep]:
        """The printed step list: states in process order, each action once."""
        return process_steps(self.layout)

    @property
    def main_path_names(self) -> list[str]:
        names = {s.code: s.name for s in self.states}
        return [names[code] for code in self.layout.main_path]


@dataclass(frozen=True)
class GuideElement:
    key: str
    label: str
    text: str


@dataclass
class Guide:
    item: ServiceItem
    elements: list[GuideElement]
    materials: list[MaterialRequirement]
    process: ProcessDiagram
    has_form: bool
    item_type_label: str
    level_label: str

    @property
    def by_key(self) -> dict[str, GuideElement]:
        return {e.key: e for e in self.elements}


def process_diagram(definition_code: str) -> ProcessDiagram:
    """States and actions of the published process definition (empty when it is not published)."""
    definition = definitions_for(Actor.system(), status="published", code=definition_code).first()
    if definition is None:
        return ProcessDiagram()
    parsed = definition.parsed
    states = [ProcessState(s.code, s.name, s.type) for s in parsed.states.values()]
    transitions = [
        ProcessTransition(a.code, a.name, source, a.target)
        for a in parsed.actions.values()
        if a.target is not None
        for source in a.sources
    ]
    return ProcessDiagram(states=states, transitions=transitions)


def _days(n: int) -> str:
    return "当场办结" if n == 0 else f"{n} 个工作日"


def guide_for(item: ServiceItem) -> Guide:
    """The 14 core elements of the guide, the materials and the process diagram of one item version."""
    materials = list(item.materials.all())
    process = process_diagram(item.process_definition_code)
    required = sum(1 for m in materials if m.requirement == MaterialRequirement.Requirement.REQUIRED)
    material_text = (
        f"共 {len(materials)} 项（必要 {required} 项）：" + "；".join(m.name for m in materials)
        if materials
        else "无需提交申请材料"
    )
    main_path = " → ".join(process.main_path_names)
    fee = "不收费"
    if item.is_charged:
        fee = item.fee_standard + (f"（依据：{item.fee_basis}）" if item.fee_basis else "")
    depth = ONLINE_DEPTH_LABELS.get(item.online_depth, str(item.online_depth))
    level_label = str(ItemLevel(item.level).label) if item.level in ItemLevel.values else item.level
    elements = [
        GuideElement("name", "事项名称", item.name),
        GuideElement("organization", "实施主体", f"{item.organization.name}（{level_label}）"),
        GuideElement("conditions", "办理条件", item.conditions or "无特别条件"),
        GuideElement("materials", "申请材料", material_text),
        GuideElement("process", "办理流程", item.process_description or main_path or "见办理流程图"),
        GuideElement(
            "time_limit",
            "办理时限",
            f"法定办结时限 {_days(item.statutory_days)}；承诺办结时限 {_days(item.promised_days)}"
            f"（{item.get_handling_kind_display()}）",
        ),
        GuideElement("fee", "收费标准", fee),
        GuideElement("place", "办理地点", item.place or "网上办理"),
        GuideElement("consultation_phone", "咨询电话", item.consultation_phone or "12345"),
        GuideElement("complaint_phone", "监督电话", item.complaint_phone or "12345"),
        GuideElement("online_depth", "网上办理深度", f"{depth}；到办事现场 {item.site_visits} 次"),
        GuideElement("office_hours", "办理时间", item.office_hours or "法定工作日"),
        GuideElement("delivery", "结果送达方式", item.delivery_methods or "窗口领取"),
        GuideElement(
            "forms",
            "表格下载",
            "申请表（Excel 模板）" if item.form_schema.get("properties") else "本事项无需填写申请表",
        ),
    ]
    return Guide(
        item=item,
        elements=elements,
        materials=materials,
        process=process,
        has_form=bool(item.form_schema.get("properties")),
        item_type_label=item_type_label(item.item_type),
        level_label=level_label,
    )


def organization_by_code(code: str) -> Organization:
    """An active organisation by its code (implementing organisation of a new item)."""
    organization = Organization.objects.select_related("region").filter(code=code, is_active=True).first()
    if organization is None:
        raise NotFound(f"实施主体 {code[:64]} 不存在或已停用", code="catalog_organization_not_found")
    return organization
