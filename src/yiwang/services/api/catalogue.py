"""API: the catalogue (事项目录) — public browsing, search, items, guides and versions; staff create,
edit (a new draft version) and publish items of their department.

(No `from __future__ import annotations`: Ninja resolves the annotations of paginated views in
ninja.pagination's namespace, see core/api.py.)"""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal
from uuid import UUID

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import WithJsonSchema

from yiwang.core.api_schemas import BoundedPageNumberPagination, errors
from yiwang.core.errors import PermissionDenied
from yiwang.identity.actor import Actor
from yiwang.services.actions.catalogue import (
    item_create,
    item_publish,
    item_update,
    material_add,
    material_remove,
)
from yiwang.services.constants import THEMES
from yiwang.services.models import ItemLevel, MaterialRequirement, ServiceItem
from yiwang.services.permissions import MANAGE_CATALOG
from yiwang.services.selectors.catalogue import (
    guide_for,
    item_get_current,
    item_latest_for_manage,
    item_type_label,
    item_versions,
    items_published,
    organization_by_code,
)

router = Router(tags=["一网通办"])

# Filters the selector checks itself (a Chinese 400 for other values); the OpenAPI lists the values.
ThemeFilter = Annotated[str, WithJsonSchema({"type": "string", "enum": ["", *THEMES]})]
LevelFilter = Annotated[str, WithJsonSchema({"type": "string", "enum": ["", *ItemLevel.values]})]
SubjectFilter = Annotated[str, WithJsonSchema({"type": "string", "enum": ["", "person", "enterprise"]})]

PAGE_SIZE = 20

if TYPE_CHECKING:
    Theme = str
else:
    Theme = Literal[tuple(THEMES)]  # the codes of constants.THEMES
Subject = Literal["person", "enterprise"]
Level = Literal["city", "district", "street"]
HandlingKind = Literal["instant", "committed"]


# -- schemas ------------------------------------------------------------------------------------


class ItemSummaryOut(Schema):
    implementation_code: str
    basic_code: str
    name: str
    version: int
    item_type: str
    item_type_label: str
    organization_code: str
    organization_name: str
    level: str
    online_depth: int = Field(description="网上办理深度 1–4（Ⅰ–Ⅳ 级）")
    site_visits: int
    statutory_days: int
    promised_days: int
    handling_kind: str
    served_subjects: list[str]
    themes: list[str]
    popularity: int

    @staticmethod
    def resolve_item_type_label(obj: ServiceItem) -> str:
        return item_type_label(obj.item_type)

    @staticmethod
    def resolve_organization_code(obj: ServiceItem) -> str:
        return obj.organization.code

    @staticmethod
    def resolve_organization_name(obj: ServiceItem) -> str:
        return obj.organization.name


class MaterialOut(Schema):
    code: str
    name: str
    requirement: str = Field(description="required 必要 / conditional 容缺或情形")
    condition: str
    source: str = Field(description="upload 申请人上传 / licence 电子证照 / data 共享数据")
    licence_type_code: str
    data_resource_code: str
    formats: list[str]
    max_size_mb: int
    copies: int
    notes: str
    sort_order: int


class ItemDetailOut(ItemSummaryOut):
    uid: UUID
    status: str
    is_current: bool
    published_at: datetime | None
    region_code: str
    legal_basis: str
    conditions: str
    is_charged: bool
    fee_basis: str
    fee_standard: str
    handling_form: str
    keywords: str
    place: str
    office_hours: str
    consultation_phone: str
    complaint_phone: str
    result_name: str
    result_type: str
    delivery_methods: str
    process_description: str
    process_definition_code: str
    form_schema: dict[str, Any] = Field(description="申请表 JSON Schema（Draft 2020-12）")
    form_ui: dict[str, Any] = Field(description="申请表界面提示（uiSchema 约定）")
    materials: list[MaterialOut]

    @staticmethod
    def resolve_region_code(obj: ServiceItem) -> str:
        return obj.region.code

    @staticmethod
    def resolve_materials(obj: ServiceItem) -> list[MaterialRequirement]:
        return list(obj.materials.all())


class GuideElementOut(Schema):
    key: str
    label: str
    text: str


class ProcessStateOut(Schema):
    code: str
    name: str
    kind: str


class ProcessTransitionOut(Schema):
    code: str
    name: str
    source: str
    target: str


class ProcessOut(Schema):
    states: list[ProcessStateOut]
    transitions: list[ProcessTransitionOut]


class GuideOut(Schema):
    implementation_code: str
    version: int
    name: str
    elements: list[GuideElementOut] = Field(description="办事指南 14 项核心要素")
    materials: list[MaterialOut]
    process: ProcessOut
    form_download_url: str | None
    apply_url: str


class VersionOut(Schema):
    version: int
    status: str
    is_current: bool
    name: str
    published_at: datetime | None
    updated_at: datetime


class MaterialIn(Schema):
    code: str = Field(pattern=r"^[-a-zA-Z0-9_]{1,64}$")
    name: str = Field(min_length=1, max_length=200)
    requirement: Literal["required", "conditional"] = "required"
    condition: str = Field("", max_length=255)
    source: Literal["upload", "licence", "data"] = "upload"
    licence_type_code: str = Field("", max_length=64)
    data_resource_code: str = Field("", max_length=64)
    formats: list[Annotated[str, Field(pattern=r"^[a-z0-9]{1,10}$")]] = Field(
        default_factory=list, max_length=20
    )
    max_size_mb: int = Field(10, ge=1, le=1024)
    copies: int = Field(1, ge=1, le=99)
    notes: str = Field("", max_length=2000)


class ItemFieldsIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    item_type: str = Field(min_length=1, max_length=32, description="字典 item_type 的编码，如 licensing")
    legal_basis: str = Field("", max_length=5000)
    conditions: str = Field("", max_length=5000)
    statutory_days: int = Field(20, ge=0, le=365)
    promised_days: int = Field(5, ge=0, le=365, description="不超过法定办结时限")
    handling_kind: HandlingKind = "committed"
    is_charged: bool = False
    fee_basis: str = Field("", max_length=2000)
    fee_standard: str = Field("", max_length=2000)
    handling_form: str = Field("窗口办理、网上办理", max_length=100)
    online_depth: int = Field(3, ge=1, le=4, description="Ⅳ 级时到现场次数须为 0")
    site_visits: int = Field(1, ge=0, le=10)
    served_subjects: list[Subject] = Field(default_factory=list, max_length=2)
    themes: list[Theme] = Field(default_factory=list, max_length=len(THEMES))
    keywords: str = Field("", max_length=255)
    place: str = Field("", max_length=255)
    office_hours: str = Field("", max_length=255)
    consultation_phone: str = Field("", max_length=64)
    complaint_phone: str = Field("", max_length=64)
    result_name: str = Field("", max_length=200)
    result_type: str = Field("", max_length=32)
    delivery_methods: str = Field("", max_length=255)
    process_description: str = Field("", max_length=5000)
    process_definition_code: str = Field("yiwang_tongban", pattern=r"^[-a-zA-Z0-9_]{1,64}$")
    form_schema: dict[str, Any] = Field(default_factory=dict)
    form_ui: dict[str, Any] = Field(default_factory=dict)
    materials: list[MaterialIn] | None = Field(None, max_length=50, description="给出时整体替换申请材料")


class ItemCreateIn(ItemFieldsIn):
    organization_code: str = Field(min_length=1, max_length=64, description="实施主体（部门）编码")
    basic_code: str = Field(pattern=r"^\d{12}$", description="基本编码（12 位数字）")
    level: Level = "city"
    implementation_code: str = Field(
        "", max_length=40, description="实施编码；留空时由实施主体统一社会信用代码、层级和基本编码生成"
    )


class ItemPatchIn(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    item_type: str | None = Field(None, min_length=1, max_length=32)
    legal_basis: str | None = Field(None, max_length=5000)
    conditions: str | None = Field(None, max_length=5000)
    statutory_days: int | None = Field(None, ge=0, le=365)
    promised_days: int | None = Field(None, ge=0, le=365)
    handling_kind: HandlingKind | None = None
    is_charged: bool | None = None
    fee_basis: str | None = Field(None, max_length=2000)
    fee_standard: str | None = Field(None, max_length=2000)
    handling_form: str | None = Field(None, max_length=100)
    online_depth: int | None = Field(None, ge=1, le=4)
    site_visits: int | None = Field(None, ge=0, le=10)
    served_subjects: list[Subject] | None = Field(None, max_length=2)
    themes: list[Theme] | None = Field(None, max_length=len(THEMES))
    keywords: str | None = Field(None, max_length=255)
    place: str | None = Field(None, max_length=255)
    office_hours: str | None = Field(None, max_length=255)
    consultation_phone: str | None = Field(None, max_length=64)
    complaint_phone: str | None = Field(None, max_length=64)
    result_name: str | None = Field(None, max_length=200)
    result_type: str | None = Field(None, max_length=32)
    delivery_methods: str | None = Field(None, max_length=255)
    process_description: str | None = Field(None, max_length=5000)
    process_definition_code: str | None = Field(None, pattern=r"^[-a-zA-Z0-9_]{1,64}$")
    form_schema: dict[str, Any] | None = None
    form_ui: dict[str, Any] | None = None
    materials: list[MaterialIn] | None = Field(None, max_length=50, description="给出时整体替换申请材料")


# -- helpers ------------------------------------------------------------------------------------


def _staff(request: HttpRequest) -> Actor:
    actor: Actor = request.auth  # type: ignore[attr-defined]
    if not actor.has_perm(MANAGE_CATALOG):
        raise PermissionDenied("您没有维护事项目录的权限", code="catalog_forbidden")
    return actor


def _apply_url(code: str) -> str:
    try:
        return reverse("services:apply", args=[code])
    except NoReverseMatch:
        return f"/services/items/{code}/apply/"


def _replace_materials(actor: Actor, item: ServiceItem, materials: list[MaterialIn]) -> None:
    for material in list(item.materials.all()):
        material_remove(actor=actor, material=material)
    for order, given in enumerate(materials, start=1):
        material_add(actor=actor, item=item, sort_order=order, **given.dict())


def _detail(item: ServiceItem) -> ServiceItem:
    return item_get_current(item.implementation_code) if item.is_current else item


# -- public endpoints ---------------------------------------------------------------------------


@router.get(
    "/items",
    response={200: list[ItemSummaryOut], **errors(400)},
    auth=None,
    summary="事项目录：检索与分类浏览",
)
@paginate(BoundedPageNumberPagination, page_size=PAGE_SIZE)
def items(
    request: HttpRequest,
    q: str = Query("", max_length=100, description="关键词（中文分词检索，如「开餐馆」「食品经营」）"),
    department: str = Query("", max_length=64, description="实施主体（部门）编码"),
    theme: ThemeFilter = Query("", description="主题分类编码"),  # noqa: B008
    level: LevelFilter = Query("", description="行使层级"),  # noqa: B008
    item_type: str = Query("", max_length=32, description="事项类型（字典 item_type 编码）"),
    served_subject: SubjectFilter = Query("", description="服务对象"),  # noqa: B008
    **kwargs: Any,
) -> Any:
    return items_published(
        q=q,
        department=department,
        theme=theme,
        level=level,
        item_type=item_type,
        served_subject=served_subject,
    )


@router.get(
    "/items/{implementation_code}",
    response={200: ItemDetailOut, **errors(404)},
    auth=None,
    summary="事项详情（当前发布版本，含申请材料与申请表）",
)
def item_detail(request: HttpRequest, implementation_code: str) -> Any:
    return item_get_current(implementation_code)


@router.get(
    "/items/{implementation_code}/guide",
    response={200: GuideOut, **errors(404)},
    auth=None,
    summary="办事指南（14 项核心要素与办理流程）",
)
def item_guide(request: HttpRequest, implementation_code: str) -> Any:
    item = item_get_current(implementation_code)
    guide = guide_for(item)
    return {
        "implementation_code": item.implementation_code,
        "version": item.version,
        "name": item.name,
        "elements": guide.elements,
        "materials": guide.materials,
        "process": {"states": guide.process.states, "transitions": guide.process.transitions},
        "form_download_url": reverse("services:guide_form", args=[item.implementation_code])
        if guide.has_form
        else None,
        "apply_url": _apply_url(item.implementation_code),
    }


@router.get(
    "/items/{implementation_code}/versions",
    response={200: list[VersionOut], **errors(404)},
    auth=None,
    summary="事项的历史版本（已发布版本）",
)
def item_version_list(request: HttpRequest, implementation_code: str) -> Any:
    return item_versions(implementation_code)


# -- staff endpoints ----------------------------------------------------------------------------


@router.post(
    "/items",
    response={201: ItemDetailOut, **errors(400, 403, 404, 409)},
    summary="新建事项（草稿）",
)
def item_create_endpoint(request: HttpRequest, payload: ItemCreateIn) -> Status[Any]:
    actor = _staff(request)
    data = payload.dict()
    materials = data.pop("materials")
    organization = organization_by_code(data.pop("organization_code"))
    item = item_create(actor=actor, organization=organization, **data)
    if materials:
        _replace_materials(actor, item, payload.materials or [])
    return Status(201, item)


@router.patch(
    "/items/{implementation_code}",
    response={200: ItemDetailOut, **errors(400, 403, 404, 409)},
    summary="修改事项（已发布的事项生成新的草稿版本）",
)
def item_patch(request: HttpRequest, implementation_code: str, payload: ItemPatchIn) -> Any:
    actor = _staff(request)
    item = item_latest_for_manage(implementation_code, actor=actor)
    data = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    materials = data.pop("materials", None)
    draft = item_update(actor=actor, item=item, **data)
    if materials is not None:
        _replace_materials(actor, draft, payload.materials or [])
    return draft


@router.post(
    "/items/{implementation_code}/publish",
    response={200: ItemDetailOut, **errors(400, 403, 404, 409)},
    summary="发布事项草稿（成为当前版本）",
)
def item_publish_endpoint(request: HttpRequest, implementation_code: str) -> Any:
    actor = _staff(request)
    item = item_latest_for_manage(implementation_code, actor=actor)
    published = item_publish(actor=actor, item=item)
    return _detail(published)
