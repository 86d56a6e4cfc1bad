"""API endpoints of the core app: reference data (regions, organisations, dictionaries, the
working-day calendar) for any authenticated caller, and scoped, masked subject records."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from pydantic import WithJsonSchema

from yiwang.core import actions, calendar, dictionaries, masking, selectors
from yiwang.core.api_schemas import BoundedPageNumberPagination, errors
from yiwang.core.errors import InvalidInput
from yiwang.core.models import Enterprise, Organization, Person, Region

router = Router(tags=["core"])

PAGE_SIZE = 20

# Deadlines are computed for real cases: far-off years would reach local mean time offsets
# (+08:05:43 before 1901, not valid RFC 3339) or overflow datetime near year 9999.
DEADLINE_YEARS = (1970, 2099)

# Filters the selectors check themselves (a clear Chinese 400 for other values): the OpenAPI lists
# the allowed values so clients and generated tests know them; empty means no filter. (No `from __future__ import
# annotations` in this module: Ninja resolves string annotations of a paginated view in
# ninja.pagination's namespace, where these aliases do not exist.)
RegionLevel = Annotated[str, WithJsonSchema({"type": "string", "enum": ["", *Region.Level.values]})]
OrganizationType = Annotated[str, WithJsonSchema({"type": "string", "enum": ["", *Organization.Type.values]})]


# -- schemas ------------------------------------------------------------------------------------


def _mask_address(value: str) -> str:
    if not value:
        return ""
    return value[:6] + "****" if len(value) > 6 else value[:1] + "****"


class RegionOut(Schema):
    code: str
    name: str
    level: str
    level_label: str
    parent_code: str | None

    @staticmethod
    def resolve_level_label(obj: Region) -> str:
        return str(obj.get_level_display())

    @staticmethod
    def resolve_parent_code(obj: Region) -> str | None:
        return obj.parent.code if obj.parent_id is not None and obj.parent is not None else None


class RegionNodeOut(Schema):
    code: str
    name: str
    level: str
    children: list["RegionNodeOut"] = []


RegionNodeOut.model_rebuild()


class OrganizationOut(Schema):
    code: str
    name: str
    short_name: str
    uscc: str
    type: str
    type_label: str
    region_code: str
    region_name: str
    parent_code: str | None
    phone: str
    address: str
    is_active: bool

    @staticmethod
    def resolve_type_label(obj: Organization) -> str:
        return str(obj.get_type_display())

    @staticmethod
    def resolve_region_code(obj: Organization) -> str:
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj: Organization) -> str:
        return obj.region.name

    @staticmethod
    def resolve_parent_code(obj: Organization) -> str | None:
        return obj.parent.code if obj.parent is not None else None


class PersonOut(Schema):
    uid: UUID
    name: str
    id_number: str = Field(description="公民身份号码（默认脱敏）")
    phone: str = Field(description="手机号码（默认脱敏）")
    gender: str
    birth_date: date | None = Field(None, description="出生日期（仅未脱敏时返回）")
    address: str = Field(description="住址（默认脱敏）")
    region_code: str | None
    region_name: str | None
    masked: bool


class PersonMaskedOut(PersonOut):
    """List rows are always masked; the detail endpoint unmasks with a reason."""

    birth_date: date | None = Field(None, description="出生日期（列表中不返回）")
    masked: bool = True

    @staticmethod
    def resolve_id_number(obj: Person) -> str:
        return masking.mask_id_number(obj.id_number)

    @staticmethod
    def resolve_phone(obj: Person) -> str:
        return masking.mask_phone(obj.phone)

    @staticmethod
    def resolve_address(obj: Person) -> str:
        return _mask_address(obj.address)

    @staticmethod
    def resolve_birth_date(obj: Person) -> None:
        return None

    @staticmethod
    def resolve_region_code(obj: Person) -> str | None:
        return obj.region.code if obj.region is not None else None

    @staticmethod
    def resolve_region_name(obj: Person) -> str | None:
        return obj.region.name if obj.region is not None else None

    @staticmethod
    def resolve_masked(obj: Person) -> bool:
        return True


class EnterpriseOut(Schema):
    uid: UUID
    uscc: str
    name: str
    type: str
    type_label: str
    region_code: str | None
    region_name: str | None
    legal_representative: str | None = Field(description="法定代表人姓名")
    registered_capital: Decimal | None
    established_on: date | None
    address: str
    business_scope: str

    @staticmethod
    def resolve_type_label(obj: Enterprise) -> str:
        return str(obj.get_type_display())

    @staticmethod
    def resolve_region_code(obj: Enterprise) -> str | None:
        return obj.region.code if obj.region is not None else None

    @staticmethod
    def resolve_region_name(obj: Enterprise) -> str | None:
        return obj.region.name if obj.region is not None else None

    @staticmethod
    def resolve_legal_representative(obj: Enterprise) -> str | None:
        return obj.legal_representative.name if obj.legal_representative is not None else None


class DictionaryEntryOut(Schema):
    code: str
    label: str
    data: dict[str, Any]
    sort_order: int


class DictionaryOut(Schema):
    code: str
    name: str
    description: str
    entries: list[DictionaryEntryOut]


class CalendarDayOut(Schema):
    date: date
    is_workday: bool
    kind: str = Field(
        description="workday 工作日 / weekend 周末 / holiday 法定节假日 / makeup_workday 调休上班"
    )
    name: str


class CalendarRangeOut(Schema):
    start: date
    end: date
    workdays: int
    days: list[CalendarDayOut]


class DeadlineOut(Schema):
    start: datetime
    deadline: datetime
    working_days: int | None
    working_hours: float | None
    office_hours: list[str]


# -- helpers ------------------------------------------------------------------------------------


def _person_out(person: Person, *, masked: bool) -> dict[str, Any]:
    return {
        "uid": person.uid,
        "name": person.name,
        "id_number": masking.mask_id_number(person.id_number) if masked else person.id_number,
        "phone": masking.mask_phone(person.phone) if masked else person.phone,
        "gender": person.gender,
        "birth_date": None if masked else person.birth_date,
        "address": _mask_address(person.address) if masked else person.address,
        "region_code": person.region.code if person.region is not None else None,
        "region_name": person.region.name if person.region is not None else None,
        "masked": masked,
    }


# -- reference data -----------------------------------------------------------------------------


@router.get("/regions", response={200: list[RegionOut], **errors(400, 404)}, summary="行政区划列表")
@paginate(BoundedPageNumberPagination, page_size=PAGE_SIZE)
def regions(
    request: HttpRequest,
    parent: str | None = Query(None, description="上级区划代码（只列直接下级）"),
    level: Annotated[
        RegionLevel | None, Query(description="层级：city / district / street / community")
    ] = None,
    search: str | None = Query(None, description="名称关键字或代码前缀"),
) -> Any:
    return selectors.regions_list(actor=request.auth, parent=parent, level=level, search=search)  # type: ignore[attr-defined]


@router.get("/regions/tree", response={200: list[RegionNodeOut], **errors(400, 404)}, summary="行政区划树")
def regions_tree(
    request: HttpRequest,
    root: str | None = Query(None, description="从该区划代码开始（默认整棵树）"),
    max_level: Annotated[RegionLevel | None, Query(description="最深层级，如 street 不含社区")] = None,
) -> Any:
    return selectors.region_tree(actor=request.auth, root=root, max_level=max_level)  # type: ignore[attr-defined]


@router.get(
    "/organizations", response={200: list[OrganizationOut], **errors(400, 404)}, summary="部门/单位列表"
)
@paginate(BoundedPageNumberPagination, page_size=PAGE_SIZE)
def organizations(
    request: HttpRequest,
    region: str | None = Query(None, description="区划代码（含下级区划）"),
    type: Annotated[OrganizationType | None, Query(description="单位类型")] = None,
    parent: str | None = Query(None, description="上级单位编码"),
    search: str | None = Query(None, description="名称/简称关键字或统一社会信用代码"),
) -> Any:
    return selectors.organizations_list(
        actor=request.auth,  # type: ignore[attr-defined]
        region=region,
        type=type,
        parent=parent,
        search=search,
    )


@router.get("/organizations/{code}", response={200: OrganizationOut, **errors(404)}, summary="部门/单位详情")
def organization_detail(request: HttpRequest, code: str) -> Any:
    return selectors.organization_get(actor=request.auth, code=code)  # type: ignore[attr-defined]


@router.get(
    "/dictionaries/{code}", response={200: DictionaryOut, **errors(404)}, summary="字典及其启用的条目"
)
def dictionary_detail(request: HttpRequest, code: str) -> Any:
    dictionary = dictionaries.dictionary_get(code)
    return {
        "code": dictionary.code,
        "name": dictionary.name,
        "description": dictionary.description,
        "entries": [
            {"code": e.code, "label": e.label, "data": e.data, "sort_order": e.sort_order}
            for e in dictionary.active_entries()
        ],
    }


# -- subjects -----------------------------------------------------------------------------------


@router.get(
    "/persons",
    response={200: list[PersonMaskedOut], **errors(403, 404)},
    summary="自然人列表（按数据权限，脱敏）",
)
@paginate(BoundedPageNumberPagination, page_size=PAGE_SIZE)
def persons(
    request: HttpRequest,
    search: str | None = Query(None, description="姓名关键字，或完整的身份证号/手机号"),
    region: str | None = Query(None, description="区划代码（含下级区划）"),
) -> Any:
    return selectors.persons_list(actor=request.auth, search=search, region=region)  # type: ignore[attr-defined]


@router.get(
    "/persons/{uid}",
    response={200: PersonOut, **errors(400, 403, 404)},
    summary="自然人详情（脱敏；可凭权限和事由查看完整信息）",
)
def person_detail(
    request: HttpRequest,
    uid: UUID,
    unmask: bool = Query(False, description="查看完整信息（需 core.unmask_pii 权限，留痕）"),
    reason: str = Query("", description="查看完整信息的事由"),
) -> Any:
    actor = request.auth  # type: ignore[attr-defined]
    person = selectors.person_get(actor=actor, uid=uid)
    if unmask:
        actions.pii_unmask(actor=actor, obj=person, reason=reason, fields=["id_number", "phone", "address"])
    return _person_out(person, masked=not unmask)


@router.get(
    "/enterprises", response={200: list[EnterpriseOut], **errors(403, 404)}, summary="法人列表（按数据权限）"
)
@paginate(BoundedPageNumberPagination, page_size=PAGE_SIZE)
def enterprises(
    request: HttpRequest,
    search: str | None = Query(None, description="名称关键字或完整的统一社会信用代码"),
    region: str | None = Query(None, description="区划代码（含下级区划）"),
    type: str | None = Query(None, description="主体类型"),
) -> Any:
    return selectors.enterprises_list(actor=request.auth, search=search, region=region, type=type)  # type: ignore[attr-defined]


@router.get("/enterprises/{uid}", response={200: EnterpriseOut, **errors(404)}, summary="法人详情")
def enterprise_detail(request: HttpRequest, uid: UUID) -> Any:
    return selectors.enterprise_get(actor=request.auth, uid=uid)  # type: ignore[attr-defined]


# -- calendar -----------------------------------------------------------------------------------


@router.get(
    "/calendar/workdays",
    response={200: CalendarRangeOut, **errors(400)},
    summary="工作日历：区间内每天是否上班（含节假日、调休）",
)
def calendar_workdays(
    request: HttpRequest,
    start: Annotated[date, Query(description="开始日期 YYYY-MM-DD")],
    end: Annotated[date, Query(description="结束日期 YYYY-MM-DD（含，最多 366 天）")],
) -> Any:
    days = selectors.calendar_days(actor=request.auth, start=start, end=end)  # type: ignore[attr-defined]
    return {"start": start, "end": end, "workdays": sum(1 for d in days if d.is_workday), "days": days}


@router.get(
    "/calendar/deadline", response={200: DeadlineOut, **errors(400)}, summary="按工作日或工作小时计算期限"
)
def calendar_deadline(
    request: HttpRequest,
    start: Annotated[
        datetime | None, Query(description="起算时间（ISO 8601，默认现在；不带时区按北京时间）")
    ] = None,
    working_days: int | None = Query(
        None, ge=0, le=366, description="工作日数（次日起算，期限为当日下班时间）"
    ),
    working_hours: float | None = Query(None, ge=0, le=2000, description="工作小时数（只计办公时段）"),
) -> Any:
    if (working_days is None) == (working_hours is None):
        raise InvalidInput("请在 working_days 和 working_hours 中二选一", code="deadline_unit_required")
    moment = start or timezone.now()
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    moment = timezone.localtime(moment)
    if not DEADLINE_YEARS[0] <= moment.year <= DEADLINE_YEARS[1]:
        raise InvalidInput(
            f"起算时间应在 {DEADLINE_YEARS[0]} 年至 {DEADLINE_YEARS[1]} 年之间",
            code="deadline_start_out_of_range",
        )
    work = calendar.get_calendar()
    if working_days is not None:
        deadline = work.add_working_days(moment, working_days)
    else:
        deadline = work.add_working_hours(moment, float(working_hours or 0))
    return {
        "start": moment,
        "deadline": timezone.localtime(deadline),
        "working_days": working_days,
        "working_hours": working_hours,
        "office_hours": [f"{a:%H:%M}-{b:%H:%M}" for a, b in work.office_hours],
    }
