"""The 实施清单 of 示范市: 130-odd service items of every item type, run by 16 city departments, the
district 市场监管 and 城管 bureaus and the street offices, each with its materials and application form.

Everything here is data plus one writer (`seed_service_items`). An item is identified by its
实施编码 (organisation USCC + level digit + 基本编码, see `services.codes`) and version 1; the
基本编码 is built from the item type, a main-item serial and a sub-item serial, so implementations of
the same item at every district share it (四级四同). A second run finds every item in place and
changes nothing.

Legal bases cite real laws and regulations; addresses, phones and organisations are fictional
(area code 0599 is unassigned)."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from yiwang.core.models import Organization
from yiwang.demo.geography import CITY_NAME, DISTRICTS
from yiwang.demo.organizations import district_slug
from yiwang.identity.actor import Actor

# 事项类型 → the 2-digit 事项类型代码 that opens the 基本编码.
TYPE_DIGITS: dict[str, str] = {
    "licensing": "01",
    "penalty": "02",
    "enforcement": "03",
    "levy": "04",
    "benefit": "05",
    "inspection": "06",
    "confirmation": "07",
    "reward": "08",
    "adjudication": "09",
    "other_power": "10",
    "public_service": "20",
}

OFFICE_HOURS = "工作日 上午9:00—12:00，下午13:30—17:30（法定节假日除外）"
COMPLAINT_PHONE = "0599-12345"
CITY_CENTER_ADDRESS = f"{CITY_NAME}东湖区市民大道100号{CITY_NAME}政务服务中心"
DEFAULT_VISITS = {1: 2, 2: 1, 3: 1, 4: 0}


# -- materials ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MaterialSpec:
    code: str
    name: str
    requirement: str = "required"  # required / conditional
    condition: str = ""
    source: str = "upload"  # upload / licence / data
    licence_type_code: str = ""
    data_resource_code: str = ""
    formats: tuple[str, ...] = ("pdf", "jpg", "png")
    copies: int = 1
    notes: str = ""


def _licence(code: str, name: str, licence: str, condition: str = "") -> MaterialSpec:
    return MaterialSpec(
        code,
        name,
        requirement="conditional" if condition else "required",
        condition=condition,
        source="licence",
        licence_type_code=licence,
        notes="已接入电子证照库的，可免于提交，由系统自动调取",
    )


def _data(code: str, name: str, resource: str) -> MaterialSpec:
    return MaterialSpec(
        code, name, source="data", data_resource_code=resource, notes="通过数据共享获取，申请人无需提交"
    )


COMMON: dict[str, MaterialSpec] = {
    m.code: m
    for m in (
        _licence("id_card", "居民身份证", "resident_id_card"),
        _licence("business_licence", "营业执照", "business_licence"),
        _licence("household_register", "居民户口簿", "household_register"),
        _licence("marriage_certificate", "结婚证", "marriage_certificate"),
        _licence("property_certificate", "不动产权证书", "real_estate_certificate"),
        _licence("driving_licence", "机动车驾驶证", "driving_licence"),
        _licence("social_security_card", "社会保障卡", "social_security_card", "已申领社会保障卡的"),
        _licence("disability_certificate", "残疾人证", "disability_certificate"),
        _licence("food_licence", "食品经营许可证", "food_business_licence"),
        _data("hukou_data", "户籍信息", "psb_household"),
        _data("social_insurance_data", "社会保险参保缴费记录", "hrss_contribution"),
        _data("income_data", "家庭收入及财产核查报告", "civil_family_economy"),
        MaterialSpec("application_form", "申请表", notes="在线填写申请表后自动生成，无需另行上传"),
        MaterialSpec(
            "authorization",
            "授权委托书及受托人身份证明",
            requirement="conditional",
            condition="委托他人代为办理的",
        ),
        MaterialSpec("premises", "经营场所使用证明（产权证明或租赁协议）", notes="租赁的须提供租赁协议"),
        MaterialSpec("floor_plan", "经营场所平面布局图", notes="标注功能分区、设备布局和流程走向"),
        MaterialSpec(
            "photo", "近期免冠证件照片", formats=("jpg", "png"), notes="白色背景，不小于 358×441 像素"
        ),
        MaterialSpec("articles", "公司章程", notes="全体股东签署"),
        MaterialSpec("resolution", "股东会决议或决定"),
        MaterialSpec(
            "staff_health",
            "从业人员健康证明",
            requirement="conditional",
            condition="从事接触直接入口食品工作的",
        ),
        MaterialSpec("site_photos", "现场照片", formats=("jpg", "png"), notes="门头、内部全景各 1 张"),
        MaterialSpec("bank_account", "本人银行账户信息", notes="社会保障卡金融账户或本人一类银行账户"),
        MaterialSpec("medical_certificate", "医学证明或诊断材料"),
        MaterialSpec("labour_contract", "劳动合同或事实劳动关系证明"),
        MaterialSpec("site_plan", "建设工程设计方案总平面图", formats=("pdf", "dwg")),
        MaterialSpec("land_certificate", "土地使用权证明文件"),
        MaterialSpec("eia_report", "环境影响报告书（表）"),
        MaterialSpec("safety_docs", "安全管理制度和岗位操作规程"),
        MaterialSpec("vehicle_docs", "车辆行驶证及技术等级评定证明"),
        MaterialSpec("qualification", "专业技术人员资格证明"),
        MaterialSpec("hospital_proof", "医疗机构出具的相关证明"),
        MaterialSpec("contract", "买卖合同或相关权属来源证明"),
        MaterialSpec(
            "guardian",
            "监护人身份证明及监护关系证明",
            requirement="conditional",
            condition="申请人为未成年人或无民事行为能力人的",
        ),
        MaterialSpec("evidence", "相关证据材料", notes="与申请事项有关的书证、物证、视听资料等"),
        MaterialSpec("commitment", "告知承诺书", notes="实行告知承诺制的，可免于提交相关证明材料"),
    )
}


def _own(code: str, name: str, condition: str = "", notes: str = "") -> MaterialSpec:
    return MaterialSpec(
        code, name, requirement="conditional" if condition else "required", condition=condition, notes=notes
    )


# -- forms ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    name: str
    title: str
    kind: str = "text"  # text/textarea/date/number/integer/select/radio/region/phone/id_number/uscc/checkbox/group/file
    choices: tuple[str, ...] = ()
    required: bool = True
    children: tuple[FieldSpec, ...] = ()
    help: str = ""
    material: str = ""  # for kind="file"


def _f(
    name: str, title: str, kind: str = "text", *choices: str, required: bool = True, help: str = ""
) -> FieldSpec:
    return FieldSpec(name, title, kind, tuple(choices), required, help=help)


def _group(name: str, title: str, *children: FieldSpec) -> FieldSpec:
    return FieldSpec(name, title, "group", children=tuple(children), required=False)


PERSON_BASICS = (
    FieldSpec("applicant_name", "申请人姓名"),
    FieldSpec("id_number", "公民身份号码", "id_number"),
    FieldSpec("phone", "联系电话", "phone"),
    FieldSpec("address", "联系地址", required=False),
)
ENTERPRISE_BASICS = (
    FieldSpec("enterprise_name", "单位名称"),
    FieldSpec("uscc", "统一社会信用代码", "uscc"),
    FieldSpec("legal_representative", "法定代表人（负责人）"),
    FieldSpec("contact_phone", "联系人手机号码", "phone"),
    FieldSpec("enterprise_address", "住所（经营场所）", required=False),
)
_PREFILL = {
    "applicant_name": "person.name",
    "id_number": "person.id_number",
    "phone": "person.phone",
    "address": "person.address",
    "enterprise_name": "enterprise.name",
    "uscc": "enterprise.uscc",
    "legal_representative": "enterprise.legal_representative",
    "contact_phone": "user.phone",
    "enterprise_address": "enterprise.address",
}
_WIDGETS = {
    "textarea": "textarea",
    "date": "date",
    "number": "number",
    "integer": "number",
    "select": "select",
    "radio": "radio",
    "region": "region",
    "phone": "phone",
    "id_number": "id_number",
    "uscc": "uscc",
    "checkbox": "checkbox",
    "file": "file",
}
_PLACEHOLDERS = {"id_number": "18 位公民身份号码", "uscc": "18 位统一社会信用代码", "phone": "11 位手机号码"}


def _property(spec: FieldSpec) -> dict[str, Any]:
    if spec.kind == "group":
        sub_schema, _ = _object(spec.children)
        return {"type": "array", "title": spec.title, "items": sub_schema, "maxItems": 50}
    prop: dict[str, Any] = {"title": spec.title}
    if spec.kind in ("number", "integer"):
        prop["type"] = spec.kind
        prop["minimum"] = 0
    elif spec.kind == "checkbox":
        prop["type"] = "boolean"
    else:
        prop["type"] = "string"
        if spec.kind == "date":
            prop["format"] = "date"
        elif spec.kind in ("select", "radio"):
            prop["enum"] = list(spec.choices)
        elif spec.kind == "textarea":
            prop["maxLength"] = 2000
        elif spec.kind not in ("file", "region"):
            prop["maxLength"] = 200
    return prop


def _hint(spec: FieldSpec) -> dict[str, Any]:
    hint: dict[str, Any] = {}
    if spec.kind in _WIDGETS:
        hint["ui:widget"] = _WIDGETS[spec.kind]
    if spec.name in _PREFILL:
        hint["ui:prefill"] = _PREFILL[spec.name]
    if spec.kind in _PLACEHOLDERS:
        hint["ui:placeholder"] = _PLACEHOLDERS[spec.kind]
    if spec.help:
        hint["ui:help"] = spec.help
    if spec.kind == "file":
        hint["ui:material"] = spec.material
    if spec.kind == "textarea":
        hint["ui:rows"] = 4
    if spec.kind == "group":
        _, sub_ui = _object(spec.children)
        sub_ui.pop("ui:order", None)
        hint = {"ui:addLabel": f"添加{spec.title}", "items": sub_ui}
    return hint


def _object(fields: Sequence[FieldSpec]) -> tuple[dict[str, Any], dict[str, Any]]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {f.name: _property(f) for f in fields},
        "required": [f.name for f in fields if f.required],
    }
    ui: dict[str, Any] = {"ui:order": [f.name for f in fields]}
    for spec in fields:
        hint = _hint(spec)
        if hint:
            ui[spec.name] = hint
    return schema, ui


def build_form(
    basics: Sequence[FieldSpec], extra: Sequence[FieldSpec]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The item's JSON Schema (Draft 2020-12) and UI hints: the subject's basics, then its own fields."""
    schema, ui = _object([*basics, *extra])
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
    return schema, ui


# -- items ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemSpec:
    main: int  # 主项编码 serial within the item type (5 digits)
    name: str
    item_type: str
    department: str  # "city-amr", or "district-amr" / "district-urban" / "street" for every district
    legal_basis: str
    conditions: str
    statutory_days: int
    promised_days: int
    online_depth: int
    subjects: tuple[str, ...]
    themes: tuple[str, ...]
    keywords: str
    result_name: str
    result_type: str
    materials: tuple[MaterialSpec, ...]
    fields: tuple[FieldSpec, ...]
    instant: bool = False
    fee_basis: str = ""
    fee_standard: str = ""
    sub: int = 1  # 子项编码
    site_visits: int | None = None
    delivery: str = "窗口领取、邮政寄递、电子证照"
    process: str = ""

    @property
    def basic_code(self) -> str:
        return f"{TYPE_DIGITS[self.item_type]}{self.main:05d}{self.sub:03d}00"

    @property
    def visits(self) -> int:
        if self.online_depth == 4:
            return 0
        return DEFAULT_VISITS[self.online_depth] if self.site_visits is None else self.site_visits


P, E, PE = ("person",), ("enterprise",), ("person", "enterprise")


def _m(*keys: str | MaterialSpec) -> tuple[MaterialSpec, ...]:
    return tuple(COMMON[k] if isinstance(k, str) else k for k in keys)


_REGISTRATION_FIELDS = (
    _f("trade_name", "名称（字号）"),
    _f("business_scope", "经营范围", "textarea"),
    _f("capital", "出资额（万元）", "number"),
    _f("premises_region", "经营场所所在区划", "region"),
)
_FOOD_FIELDS = (
    _f("main_category", "主体业态", "select", "食品销售经营者", "餐饮服务经营者", "单位食堂"),
    _f("food_items", "经营项目", "textarea", help="如：预包装食品销售、热食类食品制售"),
    _f("area", "经营场所面积（平方米）", "number"),
    FieldSpec("floor_plan_file", "经营场所平面布局图", "file", material="floor_plan"),
    _group(
        "food_staff",
        "从业人员",
        _f("name", "姓名"),
        _f("id_number", "公民身份号码", "id_number"),
        _f("post", "岗位", required=False),
    ),
)
_CONSTRUCTION_FIELDS = (
    _f("project_name", "项目名称"),
    _f("project_site", "建设地点"),
    _f("project_region", "项目所在区划", "region"),
    _f("floor_area", "总建筑面积（平方米）", "number"),
    _f("investment", "总投资（万元）", "number"),
)
_VEHICLE_FIELDS = (
    _f("vehicle_count", "车辆数（辆）", "integer"),
    _f("business_kind", "经营类别", "select", "普通货运", "道路旅客运输", "危险货物运输", "出租汽车客运"),
)
_FAMILY_FIELDS = (
    _f("household_size", "家庭人口数", "integer"),
    _f("monthly_income", "家庭月人均收入（元）", "number"),
    _f("reason", "申请理由", "textarea"),
    _group(
        "members",
        "共同生活家庭成员",
        _f("name", "姓名"),
        _f("id_number", "公民身份号码", "id_number"),
        _f("relation", "与申请人关系"),
    ),
)
_BANK_FIELDS = (
    _f("bank_name", "开户银行"),
    _f("bank_account", "银行账号"),
)
_MOVE_FIELDS = (
    _f("from_region", "迁出地区划", "region"),
    _f("to_address", "迁入地详细地址"),
    _f("move_reason", "迁移原因", "select", "投靠亲属", "购房落户", "人才引进", "就业落户", "其他"),
)
_HEALTH_FIELDS = (
    _f("institution", "执业机构名称"),
    _f("practice_category", "执业类别", "select", "临床", "中医", "口腔", "公共卫生", "护理"),
    _f("practice_scope", "执业范围"),
)
_REPORT_FIELDS = (
    _f("reported_party", "被举报对象名称"),
    _f("report_date", "举报日期", "date"),
    _f("report_content", "举报内容", "textarea"),
)
_DISPUTE_FIELDS = (
    _f("respondent", "被申请人"),
    _f("claims", "请求事项", "textarea"),
    _f("facts", "事实与理由", "textarea"),
)
_CASE_FIELDS = (
    _f("case_no", "案件编号", required=False),
    _f("statement", "陈述、申辩意见", "textarea"),
)
_EVENT_DATE = (_f("event_date", "发生日期", "date"),)

_STANDARD_CONDITIONS = "申请人具有完全民事行为能力，申请材料齐全、符合法定形式。"


def _cond(text: str) -> str:
    return f"{text}{'' if text.endswith('。') else '。'}{_STANDARD_CONDITIONS}"


def _items() -> list[ItemSpec]:
    items: list[ItemSpec] = []

    def add(
        main: int,
        name: str,
        item_type: str,
        department: str,
        legal_basis: str,
        conditions: str,
        days: tuple[int, int],
        depth: int,
        subjects: tuple[str, ...],
        themes: tuple[str, ...],
        keywords: str,
        result: tuple[str, str],
        materials: tuple[MaterialSpec, ...],
        fields: tuple[FieldSpec, ...] = (),
        **extra: Any,
    ) -> None:
        items.append(
            ItemSpec(
                main=main,
                name=name,
                item_type=item_type,
                department=department,
                legal_basis=legal_basis,
                conditions=_cond(conditions),
                statutory_days=days[0],
                promised_days=days[1],
                online_depth=depth,
                subjects=subjects,
                themes=themes,
                keywords=keywords,
                result_name=result[0],
                result_type=result[1],
                materials=materials,
                fields=fields,
                **extra,
            )
        )

    L, B, C = "licensing", "benefit", "confirmation"
    # ---- 市场监管 ----------------------------------------------------------------------------
    add(
        101,
        "个体工商户设立登记",
        L,
        "district-amr",
        "《促进个体工商户发展条例》第七条；《中华人民共和国市场主体登记管理条例》第三条",
        "有经营能力的自然人，经营场所符合当地规划和有关规定",
        (15, 1),
        4,
        P,
        ("startup", "employment"),
        "个体户 开店 营业执照 个体工商户",
        ("个体工商户营业执照", "证照"),
        _m("id_card", "premises", "commitment", "authorization"),
        _REGISTRATION_FIELDS,
        instant=True,
    )
    add(
        102,
        "有限责任公司设立登记",
        L,
        "city-amr",
        "《中华人民共和国公司法》第二十九条；《中华人民共和国市场主体登记管理条例》第三条",
        "股东符合法定人数，有符合公司章程规定的出资，有公司名称和住所",
        (15, 3),
        4,
        PE,
        ("startup",),
        "开办企业 公司设立 注册公司 营业执照",
        ("营业执照", "证照"),
        _m("id_card", "articles", "resolution", "premises", "authorization"),
        _REGISTRATION_FIELDS,
    )
    add(
        103,
        "企业变更登记",
        L,
        "city-amr",
        "《中华人民共和国市场主体登记管理条例》第二十四条",
        "登记事项发生变更，自作出变更决议、决定或者法定变更事项发生之日起 30 日内申请",
        (15, 3),
        4,
        E,
        ("change",),
        "变更 法定代表人变更 地址变更 经营范围变更",
        ("营业执照（变更后）", "证照"),
        _m("business_licence", "resolution", "articles", "authorization"),
        (
            _f("change_items", "变更事项", "select", "名称", "住所", "法定代表人", "注册资本", "经营范围"),
            _f("after_change", "变更后内容", "textarea"),
        ),
    )
    add(
        104,
        "企业注销登记",
        L,
        "city-amr",
        "《中华人民共和国市场主体登记管理条例》第三十一条；《中华人民共和国公司法》第二百三十九条",
        "已依法完成清算，或者未发生债权债务、承诺适用简易注销程序",
        (15, 3),
        4,
        E,
        ("deregistration",),
        "注销 简易注销 清算",
        ("准予注销登记通知书", "批文"),
        _m(
            "business_licence",
            "resolution",
            _own("liquidation", "清算报告或全体投资人承诺书"),
            "authorization",
        ),
        (_f("deregistration_kind", "注销方式", "radio", "一般注销", "简易注销"), _f("reason", "注销原因")),
    )
    add(
        105,
        "食品经营许可",
        L,
        "city-amr",
        "《中华人民共和国食品安全法》第三十五条；《食品经营许可和备案管理办法》第六条",
        "具有与经营的食品品种、数量相适应的经营场所、设备设施、食品安全管理人员和管理制度",
        (10, 5),
        3,
        E,
        ("operation",),
        "食品经营许可证 餐饮 开餐馆 超市 食品销售",
        ("食品经营许可证", "证照"),
        _m("business_licence", "premises", "floor_plan", "staff_health", "safety_docs", "authorization"),
        _FOOD_FIELDS,
        process="申请 → 受理 → 材料审查（必要时现场核查）→ 决定 → 发证",
    )
    add(
        105,
        "食品经营许可证延续",
        L,
        "city-amr",
        "《中华人民共和国食品安全法》第三十五条；《食品经营许可和备案管理办法》第三十条",
        "在食品经营许可证有效期届满 30 个工作日前提出申请",
        (10, 5),
        4,
        E,
        ("operation",),
        "食品经营许可证延续 到期换证",
        ("食品经营许可证", "证照"),
        _m("business_licence", "food_licence", "commitment"),
        _FOOD_FIELDS[:3],
        sub=2,
    )
    add(
        106,
        "食品生产许可",
        L,
        "city-amr",
        "《中华人民共和国食品安全法》第三十五条；《食品生产许可管理办法》第十条",
        "具有与生产的食品品种、数量相适应的生产场所、设备、专业技术人员和管理制度",
        (20, 10),
        3,
        E,
        ("operation",),
        "食品生产许可证 SC 食品工厂",
        ("食品生产许可证", "证照"),
        _m(
            "business_licence",
            "floor_plan",
            _own("process_flow", "食品生产工艺流程图"),
            "safety_docs",
            "site_photos",
        ),
        (
            _f("food_category", "食品类别", "select", "粮食加工品", "糕点", "饮料", "肉制品", "调味品"),
            _f("production_site", "生产地址"),
        ),
    )
    add(
        107,
        "药品零售企业许可",
        L,
        "city-amr",
        "《中华人民共和国药品管理法》第五十一条；《药品经营和使用质量监督管理办法》第八条",
        "有依法经过资格认定的药师或者其他药学技术人员，有与所经营药品相适应的营业场所、设备、仓储设施",
        (30, 15),
        3,
        E,
        ("operation", "medical"),
        "药店 药品经营许可证 零售药店",
        ("药品经营许可证", "证照"),
        _m("business_licence", "premises", "floor_plan", "qualification", "safety_docs"),
        (
            _f("pharmacist", "执业药师姓名"),
            _f("area", "营业面积（平方米）", "number"),
            _f("scope", "经营范围", "select", "处方药、非处方药", "乙类非处方药", "中药饮片"),
        ),
    )
    add(
        108,
        "第二类医疗器械经营备案",
        "other_power",
        "city-amr",
        "《医疗器械监督管理条例》第四十一条；《医疗器械经营监督管理办法》第十四条",
        "具有与经营范围和经营规模相适应的经营场所、贮存条件和质量管理人员",
        (0, 0),
        4,
        E,
        ("operation", "medical"),
        "医疗器械 备案 二类",
        ("第二类医疗器械经营备案凭证", "证照"),
        _m("business_licence", "premises", "qualification", "safety_docs"),
        (_f("device_scope", "经营范围", "textarea"),),
        instant=True,
    )
    add(
        109,
        "特种设备使用登记",
        L,
        "city-amr",
        "《中华人民共和国特种设备安全法》第三十三条；《特种设备使用管理规则》",
        "特种设备在投入使用前或者投入使用后 30 日内办理",
        (15, 5),
        4,
        E,
        ("operation",),
        "电梯 锅炉 压力容器 特种设备 使用登记",
        ("特种设备使用登记证", "证照"),
        _m(
            "business_licence",
            _own("product_certificate", "产品合格证及监督检验证明"),
            _own("install_record", "安装监督检验报告"),
        ),
        (
            _f(
                "equipment_kind",
                "设备种类",
                "select",
                "电梯",
                "锅炉",
                "压力容器",
                "起重机械",
                "场（厂）内专用机动车辆",
            ),
            _f("equipment_code", "设备代码"),
            _f("install_site", "使用地点"),
        ),
    )
    add(
        110,
        "广告发布登记",
        L,
        "city-amr",
        "《中华人民共和国广告法》第二十九条",
        "广播电台、电视台、报刊出版单位从事广告发布业务",
        (20, 10),
        4,
        E,
        ("operation",),
        "广告发布 登记",
        ("广告发布登记证", "证照"),
        _m("business_licence", "qualification", "safety_docs"),
        (_f("media", "媒介名称"),),
    )
    add(
        111,
        "计量器具型式批准",
        L,
        "city-amr",
        "《中华人民共和国计量法》第十三条",
        "制造、修理计量器具的企业具备相应的设施、人员和检定仪器设备",
        (20, 15),
        2,
        E,
        ("operation",),
        "计量 器具 型式批准",
        ("计量器具型式批准证书", "证照"),
        _m("business_licence", _own("instrument_docs", "计量器具技术资料"), "qualification"),
        (_f("instrument", "计量器具名称"),),
    )
    add(
        112,
        "对举报食品安全违法行为的奖励",
        "reward",
        "city-amr",
        "《中华人民共和国食品安全法》第一百一十五条；《市场监管领域重大违法行为举报奖励暂行办法》第三条",
        "举报内容属实，经查证属于重大违法行为，且举报人此前未获奖励",
        (60, 30),
        3,
        P,
        ("certificates",),
        "举报奖励 食品安全 奖金",
        ("举报奖励决定书", "批文"),
        _m("id_card", "bank_account", "evidence"),
        _REPORT_FIELDS + _BANK_FIELDS,
    )
    add(
        113,
        "专利侵权纠纷行政裁决",
        "adjudication",
        "city-amr",
        "《中华人民共和国专利法》第六十五条；《专利行政执法办法》第八条",
        "请求人是专利权人或者利害关系人，有明确的被请求人和具体请求事项，属于本部门管辖",
        (90, 60),
        2,
        PE,
        ("operation",),
        "专利 侵权 纠纷 裁决",
        ("专利侵权纠纷处理决定书", "批文"),
        _m("id_card", _own("patent_certificate", "专利证书及年费缴纳凭证"), "evidence", "authorization"),
        _DISPUTE_FIELDS,
    )
    add(
        114,
        "对未取得食品经营许可从事食品经营活动的行政处罚",
        "penalty",
        "city-amr",
        "《中华人民共和国食品安全法》第一百二十二条",
        "当事人可在收到行政处罚告知书之日起 5 个工作日内提出陈述、申辩或听证申请",
        (90, 90),
        1,
        PE,
        ("operation",),
        "行政处罚 陈述申辩 无证经营",
        ("行政处罚决定书", "批文"),
        _m("id_card", "business_licence", "evidence"),
        _CASE_FIELDS,
    )
    add(
        115,
        "对食品生产经营者的监督检查",
        "inspection",
        "city-amr",
        "《中华人民共和国食品安全法》第一百一十条；《食品生产经营监督检查管理办法》第三条",
        "依照“双随机、一公开”计划实施，被检查单位应当配合并如实提供资料",
        (30, 20),
        1,
        E,
        ("operation",),
        "监督检查 双随机 食品安全",
        ("监督检查结果记录表", "其他"),
        _m("business_licence", "safety_docs", _own("self_check", "食品安全自查报告")),
        (_f("check_period", "检查年度"),),
    )
    add(
        116,
        "查封、扣押有证据证明不符合食品安全标准的食品",
        "enforcement",
        "city-amr",
        "《中华人民共和国食品安全法》第一百一十条第四项；《中华人民共和国行政强制法》第二十二条",
        "当事人对查封、扣押决定有异议的，可在规定期限内提出陈述、申辩",
        (30, 30),
        1,
        E,
        ("operation",),
        "查封 扣押 行政强制",
        ("查封（扣押）决定书", "批文"),
        _m("business_licence", "evidence", "authorization"),
        _CASE_FIELDS,
    )
    # ---- 公安 ---------------------------------------------------------------------------------
    add(
        201,
        "居民身份证换领",
        "other_power",
        "city-psb",
        "《中华人民共和国居民身份证法》第十一条",
        "居民身份证有效期满、登记项目变更、严重损坏不能辨认的",
        (60, 20),
        3,
        P,
        ("certificates",),
        "身份证 换证 到期 身份证换领",
        ("中华人民共和国居民身份证", "证照"),
        _m("id_card", "household_register", "photo", "guardian"),
        (_f("reason", "换领原因", "select", "有效期满", "登记项目变更", "证件损坏"),),
        fee_basis="《国家发展改革委 财政部关于降低部分行政事业性收费标准的通知》（发改价格〔2017〕1186号）",
        fee_standard="居民身份证工本费每证 20 元；临时居民身份证每证 10 元",
        delivery="窗口领取、邮政寄递",
    )
    add(
        202,
        "户口迁移（迁入）",
        "other_power",
        "city-psb",
        "《中华人民共和国户口登记条例》第十条；《国务院关于进一步推进户籍制度改革的意见》",
        "在本市有合法稳定住所或者符合人才引进、投靠亲属等落户条件",
        (20, 10),
        3,
        P,
        ("household",),
        "落户 户口迁入 迁户口 户籍",
        ("准予迁入证明", "批文"),
        _m("id_card", "household_register", "property_certificate", "marriage_certificate", "authorization"),
        _MOVE_FIELDS,
    )
    add(
        203,
        "出生登记",
        C,
        "city-psb",
        "《中华人民共和国户口登记条例》第七条",
        "婴儿出生后一个月以内，由户主、亲属、抚养人或者邻居向婴儿常住地户口登记机关申报",
        (5, 1),
        4,
        P,
        ("birth", "household"),
        "新生儿 报户口 出生落户",
        ("居民户口簿（出生登记页）", "证照"),
        _m(
            _licence("birth_certificate", "出生医学证明", "birth_medical_certificate"),
            "household_register",
            "marriage_certificate",
            "id_card",
        ),
        (
            _f("baby_name", "新生儿姓名"),
            _f("birth_date", "出生日期", "date"),
            _f("gender", "性别", "radio", "男", "女"),
        ),
        instant=True,
    )
    add(
        204,
        "居住证申领",
        "public_service",
        "city-psb",
        "《居住证暂行条例》第九条",
        "离开常住户口所在地，到本市居住半年以上，有合法稳定就业、合法稳定住所、连续就读条件之一",
        (15, 5),
        3,
        P,
        ("household", "certificates"),
        "居住证 暂住证 流动人口",
        ("居住证", "证照"),
        _m(
            "id_card",
            "photo",
            _own("residence_proof", "居住证明（租赁合同或房屋产权证明）"),
            "labour_contract",
        ),
        (_f("residence_address", "现居住地址"), _f("residence_since", "来本市居住日期", "date")),
        delivery="窗口领取",
    )
    add(
        205,
        "无犯罪记录证明开具",
        "public_service",
        "city-psb",
        "《公安机关办理犯罪记录查询工作规定》第三条",
        "本人或者经本人委托的代理人申请查询本人的犯罪记录",
        (3, 1),
        4,
        P,
        ("certificates", "employment"),
        "无犯罪记录 良民证 政审",
        ("无犯罪记录证明", "证照"),
        _m(
            "id_card",
            "hukou_data",
            _own("purpose_proof", "用途说明材料", "境外使用需注明使用国家（地区）的"),
            "authorization",
        ),
        (_f("purpose", "证明用途", "select", "就业", "出国（境）", "收养", "其他"),),
        instant=True,
    )
    add(
        206,
        "普通护照签发",
        L,
        "city-psb",
        "《中华人民共和国护照法》第五条",
        "中国公民因前往外国定居、探亲、学习、就业、旅行、从事商务活动等非公务原因出国",
        (15, 7),
        3,
        P,
        ("certificates", "transport"),
        "护照 出国 出境证件",
        ("中华人民共和国普通护照", "证照"),
        _m("id_card", "photo", "guardian"),
        (_f("destination", "前往国家（地区）"),),
        fee_basis="《国家发展改革委 财政部关于降低部分行政事业性收费标准的通知》（发改价格〔2019〕914号）",
        fee_standard="普通护照每本 120 元",
    )
    add(
        207,
        "往来港澳通行证及签注签发",
        L,
        "city-psb",
        "《中国公民因私事往来香港地区或者澳门地区的暂行管理办法》第四条",
        "内地居民因私事前往香港、澳门",
        (7, 5),
        3,
        P,
        ("certificates", "transport"),
        "港澳通行证 签注 去香港",
        ("往来港澳通行证", "证照"),
        _m("id_card", "photo", "guardian"),
        (_f("endorsement", "签注种类", "select", "个人旅游", "探亲", "商务", "逗留"),),
        fee_basis="《国家发展改革委 财政部关于降低部分行政事业性收费标准的通知》（发改价格〔2019〕914号）",
        fee_standard="往来港澳通行证每证 60 元；一次有效签注每件 15 元",
    )
    add(
        208,
        "机动车驾驶证期满换证",
        "other_power",
        "city-psb",
        "《中华人民共和国道路交通安全法》第十九条；《机动车驾驶证申领和使用规定》第七十一条",
        "机动车驾驶人在驾驶证有效期满前九十日内申请换证",
        (1, 0),
        4,
        P,
        ("transport", "certificates"),
        "驾照 换证 驾驶证到期",
        ("机动车驾驶证", "证照"),
        _m("driving_licence", "id_card", _own("physical_exam", "机动车驾驶人身体条件证明")),
        (_f("licence_class", "准驾车型", "select", "C1", "C2", "B2", "A1"),),
        instant=True,
        fee_basis="《国家发展改革委 财政部关于降低部分行政事业性收费标准的通知》",
        fee_standard="工本费每证 10 元",
    )
    add(
        209,
        "见义勇为人员确认及奖励",
        "reward",
        "city-psb",
        "《国务院办公厅转发民政部等部门关于加强见义勇为人员权益保护意见的通知》（国办发〔2012〕39号）",
        "为保护国家、集体利益或者他人人身、财产安全，不顾个人安危，与违法犯罪作斗争或者抢险救灾",
        (60, 30),
        2,
        P,
        ("certificates",),
        "见义勇为 奖励 表彰",
        ("见义勇为确认及奖励决定书", "批文"),
        _m("id_card", "evidence", _own("witness", "证人证言")),
        (*_EVENT_DATE, _f("deed", "事迹概述", "textarea")),
    )
    add(
        210,
        "剧毒化学品购买许可",
        L,
        "city-psb",
        "《危险化学品安全管理条例》第三十八条",
        "依法取得相应许可证件的单位，因生产、科研、医疗等需要购买剧毒化学品",
        (3, 2),
        2,
        E,
        ("operation",),
        "剧毒化学品 购买许可",
        ("剧毒化学品购买许可证", "证照"),
        _m("business_licence", _own("purpose_statement", "购买用途说明"), "qualification"),
        (_f("chemical", "化学品名称"), _f("quantity", "购买数量（千克）", "number")),
    )
    # ---- 人社 ---------------------------------------------------------------------------------
    add(
        301,
        "城镇职工基本养老保险关系转移接续",
        "public_service",
        "city-hrss",
        "《中华人民共和国社会保险法》第十九条；《城镇企业职工基本养老保险关系转移接续暂行办法》第四条",
        "参保人员跨省、市流动就业，在新就业地参加城镇职工基本养老保险",
        (45, 15),
        4,
        P,
        ("social_security", "employment"),
        "养老保险 转移 社保转移 跨省",
        ("基本养老保险关系转移接续联系函", "批文"),
        _m("id_card", "social_insurance_data", _own("transfer_certificate", "参保缴费凭证")),
        (_f("from_region", "转出地区划", "region"), _f("from_agency", "转出地社保经办机构")),
    )
    add(
        302,
        "失业保险金申领",
        B,
        "city-hrss",
        "《中华人民共和国社会保险法》第四十五条；《失业保险条例》第十四条",
        "失业前用人单位和本人已经缴纳失业保险费满一年，非因本人意愿中断就业，已经进行失业登记并有求职要求",
        (10, 3),
        4,
        P,
        ("employment", "social_security"),
        "失业金 失业保险 领失业金",
        ("失业保险待遇核定通知", "批文"),
        _m(
            "id_card",
            "social_insurance_data",
            _own("termination_proof", "解除或终止劳动关系证明"),
            "bank_account",
        ),
        (_f("termination_date", "解除劳动关系日期", "date"), *_BANK_FIELDS),
    )
    add(
        303,
        "就业创业证申领",
        "public_service",
        "city-hrss",
        "《就业服务与就业管理规定》第六十三条",
        "在法定劳动年龄内、有劳动能力和就业要求的城乡劳动者",
        (5, 1),
        4,
        P,
        ("employment",),
        "就业创业证 失业证 就业登记",
        ("就业创业证", "证照"),
        _m(
            "id_card",
            "photo",
            "social_insurance_data",
            _own("unemployment_proof", "失业状态声明", "登记为失业的"),
        ),
        (_f("employment_status", "就业状态", "radio", "就业", "失业", "灵活就业"),),
        instant=True,
    )
    add(
        304,
        "工伤认定",
        C,
        "city-hrss",
        "《工伤保险条例》第十七条、第二十条",
        "职工发生事故伤害或者被诊断为职业病，用人单位在 30 日内、职工或其近亲属在 1 年内提出",
        (60, 30),
        3,
        PE,
        ("social_security", "hiring"),
        "工伤 认定 职业病",
        ("认定工伤决定书", "批文"),
        _m("id_card", "labour_contract", "medical_certificate", "evidence", "authorization"),
        (*_EVENT_DATE, _f("employer", "用人单位"), _f("injury", "受伤经过", "textarea")),
    )
    add(
        305,
        "一次性创业补贴申领",
        B,
        "city-hrss",
        "《国务院关于进一步做好稳就业工作的意见》（国发〔2019〕28号）；《就业补助资金管理办法》第五条",
        "首次创办小微企业或从事个体经营，正常经营 6 个月以上",
        (20, 10),
        4,
        PE,
        ("employment", "startup"),
        "创业补贴 一次性 扶持",
        ("创业补贴发放决定", "批文"),
        _m("id_card", "business_licence", "bank_account", "social_insurance_data"),
        _BANK_FIELDS,
    )
    add(
        306,
        "职工退休核准",
        C,
        "city-hrss",
        "《国务院关于工人退休、退职的暂行办法》（国发〔1978〕104号）；《中华人民共和国社会保险法》第十六条",
        "达到法定退休年龄且累计缴费满 15 年",
        (20, 10),
        4,
        P,
        ("retirement", "social_security"),
        "退休 办理退休 养老金",
        ("职工退休审批表", "其他"),
        _m("id_card", "social_insurance_data", _own("personnel_file", "本人档案")),
        (_f("retire_date", "拟退休日期", "date"), _f("employer", "工作单位")),
    )
    add(
        307,
        "社会保障卡申领",
        "public_service",
        "city-hrss",
        "《中华人民共和国社会保险法》第五十八条",
        "参加本市社会保险的人员",
        (10, 3),
        4,
        P,
        ("social_security", "certificates"),
        "社保卡 社会保障卡 申领",
        ("社会保障卡", "证照"),
        _m("id_card", "photo", "guardian"),
        (_f("bank_name", "合作银行", "select", "中国工商银行", "中国农业银行", "中国银行", "中国建设银行"),),
    )
    add(
        308,
        "个人权益记录查询打印",
        "public_service",
        "city-hrss",
        "《社会保险个人权益记录管理办法》第十五条",
        "参保人员本人或委托代理人",
        (1, 0),
        4,
        P,
        ("social_security",),
        "社保缴费证明 参保证明 打印",
        ("社会保险参保证明", "其他"),
        _m("id_card", "social_insurance_data", "authorization"),
        (_f("period_from", "查询起始月份", "date"),),
        instant=True,
    )
    add(
        309,
        "劳务派遣经营许可",
        L,
        "city-hrss",
        "《中华人民共和国劳动合同法》第五十七条；《劳务派遣行政许可实施办法》第六条",
        "注册资本不少于人民币 200 万元，有与开展业务相适应的固定经营场所和设施",
        (20, 10),
        4,
        E,
        ("hiring", "operation"),
        "劳务派遣 经营许可证",
        ("劳务派遣经营许可证", "证照"),
        _m("business_licence", "premises", "safety_docs", "articles"),
        (_f("capital", "注册资本（万元）", "number"),),
    )
    add(
        310,
        "人力资源服务许可",
        L,
        "city-hrss",
        "《人力资源市场暂行条例》第十八条",
        "有与开展人力资源服务业务相适应的场所、设施和专业人员",
        (20, 10),
        4,
        E,
        ("hiring", "operation"),
        "职业中介 人力资源服务许可证",
        ("人力资源服务许可证", "证照"),
        _m("business_licence", "premises", "qualification", "safety_docs"),
        (),
    )
    add(
        311,
        "对用人单位遵守劳动保障法律法规情况的监督检查",
        "inspection",
        "city-hrss",
        "《劳动保障监察条例》第十一条",
        "用人单位应如实报送书面材料并配合检查",
        (60, 30),
        1,
        E,
        ("hiring",),
        "劳动保障 监察 书面审查",
        ("劳动保障书面审查结果", "其他"),
        _m("business_licence", "labour_contract", _own("payroll", "工资支付记录")),
        (_f("employee_count", "职工人数", "integer"),),
    )
    add(
        312,
        "技能人才评价补贴申领",
        B,
        "city-hrss",
        "《就业补助资金管理办法》第五条",
        "取得职业资格证书或职业技能等级证书的本市参保职工",
        (20, 10),
        4,
        P,
        ("employment", "education"),
        "技能补贴 职业技能 证书补贴",
        ("补贴发放决定", "批文"),
        _m("id_card", _licence("skill_certificate", "职业技能等级证书", "skill_certificate"), "bank_account"),
        _BANK_FIELDS,
    )
    # ---- 卫健 ---------------------------------------------------------------------------------
    add(
        401,
        "出生医学证明签发",
        "public_service",
        "city-health",
        "《中华人民共和国母婴保健法》第二十三条；《国家卫生健康委关于进一步加强出生医学证明管理的通知》",
        "在本市依法设立的助产机构内出生的新生儿",
        (5, 1),
        3,
        P,
        ("birth", "medical"),
        "出生证 出生医学证明 新生儿",
        ("出生医学证明", "证照"),
        _m("id_card", "marriage_certificate", _own("delivery_record", "分娩记录")),
        (_f("baby_name", "新生儿姓名"), _f("birth_date", "出生日期", "date"), _f("hospital", "出生医院")),
        instant=True,
    )
    add(
        402,
        "医师执业注册",
        L,
        "city-health",
        "《中华人民共和国医师法》第十三条；《医师执业注册管理办法》第六条",
        "取得医师资格，拟在医疗、预防、保健机构中执业",
        (20, 10),
        4,
        P,
        ("medical", "employment"),
        "医师 执业证 注册 医生",
        ("医师执业证书（电子化注册）", "证照"),
        _m(
            "id_card",
            _licence("physician_qualification", "医师资格证书", "physician_qualification"),
            _own("employment_letter", "拟执业机构聘用证明"),
            "photo",
        ),
        _HEALTH_FIELDS,
    )
    add(
        403,
        "护士执业注册",
        L,
        "city-health",
        "《护士条例》第七条；《护士执业注册管理办法》第五条",
        "取得护士执业资格考试合格成绩，符合健康标准",
        (20, 10),
        4,
        P,
        ("medical", "employment"),
        "护士 执业注册",
        ("护士执业证书（电子化注册）", "证照"),
        _m("id_card", _own("nurse_exam", "护士执业资格考试成绩合格证明"), "medical_certificate", "photo"),
        _HEALTH_FIELDS,
    )
    add(
        404,
        "公共场所卫生许可",
        L,
        "city-health",
        "《公共场所卫生管理条例》第八条",
        "经营宾馆、美容美发、游泳场所等公共场所，卫生设施符合国家卫生标准和要求",
        (20, 5),
        4,
        E,
        ("operation",),
        "卫生许可证 理发店 美容院 宾馆 游泳馆",
        ("公共场所卫生许可证", "证照"),
        _m("business_licence", "floor_plan", "commitment", "staff_health"),
        (
            _f(
                "venue_kind",
                "场所类别",
                "select",
                "住宿场所",
                "沐浴场所",
                "美容美发场所",
                "游泳场所",
                "文化娱乐场所",
            ),
            _f("area", "营业面积（平方米）", "number"),
        ),
    )
    add(
        405,
        "医疗机构执业登记",
        L,
        "city-health",
        "《医疗机构管理条例》第十四条",
        "按照设置审批批准的规模和条件完成建设，有相应的医务人员、设备和规章制度",
        (45, 30),
        3,
        E,
        ("operation", "medical"),
        "诊所 医疗机构执业许可证 开诊所",
        ("医疗机构执业许可证", "证照"),
        _m("business_licence", "floor_plan", "qualification", "safety_docs", "site_photos"),
        (
            _f("institution_kind", "机构类别", "select", "综合门诊部", "诊所", "医务室", "专科医院"),
            _f("beds", "床位数", "integer"),
        ),
    )
    add(
        406,
        "放射诊疗许可",
        L,
        "city-health",
        "《放射诊疗管理规定》第十一条",
        "具有经核准登记的医学影像科诊疗科目和符合防护要求的场所、设备及人员",
        (20, 20),
        2,
        E,
        ("medical",),
        "放射 诊疗 许可 X光",
        ("放射诊疗许可证", "证照"),
        _m("business_licence", _own("radiation_assessment", "放射防护评价报告"), "qualification"),
        (),
    )
    add(
        407,
        "计划生育家庭特别扶助金申领",
        B,
        "city-health",
        "《中华人民共和国人口与计划生育法》第三十一条；《全国农村部分计划生育家庭奖励扶助和特别扶助制度实施方案》",
        "独生子女死亡或伤、病残后未再生育或收养子女，女方年满 49 周岁",
        (30, 20),
        3,
        P,
        ("birth", "retirement"),
        "计生 特别扶助 失独",
        ("特别扶助资格确认通知", "批文"),
        _m("id_card", "household_register", "marriage_certificate", "bank_account"),
        _BANK_FIELDS,
    )
    add(
        408,
        "无偿献血奖励",
        "reward",
        "city-health",
        "《中华人民共和国献血法》第十七条",
        "自愿无偿献血达到规定次数或献血量",
        (30, 15),
        4,
        P,
        ("medical",),
        "献血 奖励 表彰",
        ("无偿献血奉献奖证书", "证照"),
        _m("id_card", _own("donation_record", "无偿献血证"), "bank_account"),
        (),
    )
    # ---- 住建 ---------------------------------------------------------------------------------
    add(
        501,
        "建筑工程施工许可",
        L,
        "city-housing",
        "《中华人民共和国建筑法》第七条；《建筑工程施工许可管理办法》第二条",
        "已办理用地批准手续，取得建设工程规划许可证，施工企业已确定，有满足施工需要的资金安排和施工图纸",
        (15, 3),
        4,
        E,
        ("construction",),
        "施工许可证 开工 建筑工程",
        ("建筑工程施工许可证", "证照"),
        _m(
            "business_licence",
            _licence("planning_permit", "建设工程规划许可证", "construction_planning_permit"),
            _own("construction_contract", "施工合同"),
            _own("drawing_review", "施工图审查合格书"),
            "commitment",
        ),
        _CONSTRUCTION_FIELDS,
    )
    add(
        502,
        "商品房预售许可",
        L,
        "city-housing",
        "《中华人民共和国城市房地产管理法》第四十五条；《城市商品房预售管理办法》第六条",
        "已交付全部土地使用权出让金，取得土地使用权证书和建设工程规划许可证，投入开发建设的资金达到工程建设总投资 25% 以上",
        (10, 5),
        3,
        E,
        ("construction", "investment"),
        "预售证 商品房 楼盘",
        ("商品房预售许可证", "证照"),
        _m(
            "business_licence",
            "land_certificate",
            _licence("planning_permit", "建设工程规划许可证", "construction_planning_permit"),
            _own("presale_plan", "商品房预售方案"),
        ),
        _CONSTRUCTION_FIELDS[:3],
    )
    add(
        503,
        "建设工程竣工验收备案",
        "other_power",
        "city-housing",
        "《建设工程质量管理条例》第四十九条",
        "建设工程竣工验收合格之日起 15 日内",
        (5, 3),
        4,
        E,
        ("construction",),
        "竣工验收 备案",
        ("建设工程竣工验收备案证明书", "其他"),
        _m(
            "business_licence",
            _own("acceptance_report", "工程竣工验收报告"),
            _own("quality_report", "质量检测报告"),
        ),
        _CONSTRUCTION_FIELDS[:2],
    )
    add(
        504,
        "房屋租赁登记备案",
        "other_power",
        "city-housing",
        "《商品房屋租赁管理办法》第十四条",
        "房屋租赁合同订立后 30 日内",
        (3, 1),
        4,
        PE,
        ("housing",),
        "租房 备案 租赁合同",
        ("房屋租赁登记备案证明", "其他"),
        _m("id_card", "property_certificate", _own("lease", "房屋租赁合同")),
        (
            _f("house_address", "房屋坐落"),
            _f("rent", "月租金（元）", "number"),
            _f("lease_end", "租赁截止日期", "date"),
        ),
        instant=True,
    )
    add(
        505,
        "公共租赁住房资格申请",
        B,
        "city-housing",
        "《公共租赁住房管理办法》第七条",
        "在本市无自有住房或住房面积低于规定标准，收入、财产低于规定标准",
        (30, 20),
        3,
        P,
        ("housing",),
        "公租房 保障房 住房保障",
        ("公共租赁住房资格确认通知", "批文"),
        _m("id_card", "household_register", "income_data", _own("housing_status", "住房情况声明")),
        _FAMILY_FIELDS,
    )
    add(
        506,
        "建筑业企业资质核准",
        L,
        "city-housing",
        "《中华人民共和国建筑法》第十三条；《建筑业企业资质管理规定》第三条",
        "有符合规定的净资产、技术负责人、技术装备和已完成的建筑工程业绩",
        (20, 15),
        4,
        E,
        ("construction",),
        "资质 施工总承包 建筑业",
        ("建筑业企业资质证书", "证照"),
        _m("business_licence", "qualification", _own("performance", "工程业绩证明")),
        (),
    )
    add(
        507,
        "城市房屋拆迁补偿安置争议裁决",
        "adjudication",
        "city-housing",
        "《国有土地上房屋征收与补偿条例》第二十六条",
        "征收当事人在签约期限内达不成补偿协议，或者被征收房屋所有权人不明确",
        (60, 30),
        1,
        P,
        ("housing",),
        "征收 补偿 裁决 拆迁",
        ("房屋征收补偿决定书", "批文"),
        _m("id_card", "property_certificate", "evidence"),
        _DISPUTE_FIELDS,
    )
    # ---- 自然资源和规划 --------------------------------------------------------------------------
    add(
        601,
        "建设工程规划许可证核发",
        L,
        "city-nrp",
        "《中华人民共和国城乡规划法》第四十条",
        "已取得建设用地规划许可或土地使用权证明，建设工程设计方案符合控制性详细规划和规划条件",
        (20, 10),
        4,
        E,
        ("construction",),
        "规划许可证 工程规划 建设工程",
        ("建设工程规划许可证", "证照"),
        _m("business_licence", "land_certificate", "site_plan", _own("design_scheme", "建设工程设计方案")),
        _CONSTRUCTION_FIELDS,
    )
    add(
        602,
        "建设用地规划许可证核发",
        L,
        "city-nrp",
        "《中华人民共和国城乡规划法》第三十七条、第三十八条",
        "以划拨或出让方式取得国有土地使用权的建设项目",
        (20, 10),
        4,
        E,
        ("construction", "investment"),
        "用地规划许可证 建设用地",
        ("建设用地规划许可证", "证照"),
        _m("business_licence", _own("land_contract", "国有建设用地使用权出让合同"), "site_plan"),
        _CONSTRUCTION_FIELDS[:3],
    )
    add(
        603,
        "不动产登记（转移登记）",
        C,
        "city-nrp",
        "《中华人民共和国民法典》第二百零九条；《不动产登记暂行条例》第三条、第十四条",
        "因买卖、赠与、继承等导致不动产权利转移",
        (30, 5),
        3,
        PE,
        ("housing",),
        "过户 二手房 房产证 不动产登记",
        ("不动产权证书", "证照"),
        _m("id_card", "property_certificate", "contract", "marriage_certificate", "authorization"),
        (
            _f("property_location", "不动产坐落"),
            _f("transfer_reason", "转移原因", "select", "买卖", "赠与", "继承", "其他"),
            _f("price", "成交价格（万元）", "number"),
        ),
        fee_basis="《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》（发改价格规〔2016〕2559号）",
        fee_standard="住宅类每件 80 元，非住宅类每件 550 元",
    )
    add(
        603,
        "不动产登记（抵押登记）",
        C,
        "city-nrp",
        "《中华人民共和国民法典》第四百零二条；《不动产登记暂行条例》第三条",
        "以不动产设定抵押权",
        (30, 3),
        4,
        PE,
        ("housing",),
        "抵押 贷款 不动产抵押",
        ("不动产登记证明", "证照"),
        _m("id_card", "property_certificate", _own("mortgage_contract", "抵押合同与主债权合同")),
        (_f("property_location", "不动产坐落"), _f("loan_amount", "被担保主债权数额（万元）", "number")),
        sub=2,
        fee_basis="《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》（发改价格规〔2016〕2559号）",
        fee_standard="住宅类每件 80 元，非住宅类每件 550 元",
    )
    add(
        603,
        "不动产登记（首次登记）",
        C,
        "city-nrp",
        "《不动产登记暂行条例》第三条；《不动产登记暂行条例实施细则》第二十四条",
        "新建商品房等不动产权利首次登记",
        (30, 10),
        3,
        E,
        ("housing", "construction"),
        "首次登记 初始登记 大证",
        ("不动产权证书", "证照"),
        _m("business_licence", "land_certificate", _own("acceptance_report", "竣工验收材料")),
        (_f("property_location", "不动产坐落"),),
        sub=3,
        fee_basis="《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》（发改价格规〔2016〕2559号）",
        fee_standard="非住宅类每件 550 元",
    )
    add(
        604,
        "不动产登记资料查询",
        "public_service",
        "city-nrp",
        "《不动产登记资料查询暂行办法》第三条",
        "权利人、利害关系人查询不动产登记资料",
        (1, 0),
        4,
        PE,
        ("housing",),
        "查档 房产查询 不动产查询",
        ("不动产登记信息查询结果", "其他"),
        _m("id_card", _own("interest_proof", "利害关系证明材料", "利害关系人查询的"), "authorization"),
        (_f("property_location", "不动产坐落"),),
        instant=True,
    )
    add(
        605,
        "土地权属争议调处",
        "adjudication",
        "city-nrp",
        "《中华人民共和国土地管理法》第十四条；《土地权属争议调查处理办法》第四条",
        "单位之间、个人之间、个人与单位之间发生的土地所有权和使用权争议",
        (180, 90),
        1,
        PE,
        ("housing",),
        "土地争议 权属 调处",
        ("土地权属争议处理决定书", "批文"),
        _m("id_card", "evidence", "land_certificate"),
        _DISPUTE_FIELDS,
    )
    add(
        606,
        "乡村建设规划许可证核发",
        L,
        "city-nrp",
        "《中华人民共和国城乡规划法》第四十一条",
        "在乡、村庄规划区内进行乡镇企业、乡村公共设施和公益事业建设以及农村村民住宅建设",
        (20, 10),
        3,
        P,
        ("construction", "housing"),
        "农房 建房 乡村规划",
        ("乡村建设规划许可证", "证照"),
        _m("id_card", "household_register", "site_plan"),
        _CONSTRUCTION_FIELDS[:3],
    )
    # ---- 生态环境 ------------------------------------------------------------------------------
    add(
        701,
        "排污许可",
        L,
        "city-eco",
        "《排污许可管理条例》第六条；《中华人民共和国环境保护法》第四十五条",
        "依法取得建设项目环境影响报告书（表）批准文件，有符合国家或地方要求的污染防治设施",
        (20, 10),
        4,
        E,
        ("environment",),
        "排污许可证 排污 环保",
        ("排污许可证", "证照"),
        _m("business_licence", "eia_report", _own("monitoring_plan", "自行监测方案")),
        (_f("industry", "行业类别"), _f("pollutants", "主要污染物", "textarea")),
    )
    add(
        702,
        "建设项目环境影响评价审批",
        L,
        "city-eco",
        "《中华人民共和国环境影响评价法》第二十二条",
        "建设项目符合生态环境分区管控和相关规划",
        (60, 20),
        4,
        E,
        ("environment", "investment"),
        "环评 环境影响 报告书 审批",
        ("环境影响评价批复", "批文"),
        _m("business_licence", "eia_report", _own("public_participation", "公众参与说明")),
        _CONSTRUCTION_FIELDS[:3],
    )
    add(
        703,
        "危险废物经营许可",
        L,
        "city-eco",
        "《中华人民共和国固体废物污染环境防治法》第八十条；《危险废物经营许可证管理办法》第五条",
        "有符合要求的贮存、处置设施和技术人员",
        (20, 20),
        3,
        E,
        ("environment",),
        "危废 危险废物 经营许可证",
        ("危险废物经营许可证", "证照"),
        _m("business_licence", "eia_report", "safety_docs", "qualification"),
        (),
    )
    add(
        704,
        "对举报环境违法行为的奖励",
        "reward",
        "city-eco",
        "《中华人民共和国环境保护法》第五十七条",
        "举报的环境违法行为经查证属实",
        (30, 20),
        3,
        P,
        ("certificates",),
        "环保 举报 奖励",
        ("举报奖励通知", "批文"),
        _m("id_card", "evidence", "bank_account"),
        _REPORT_FIELDS + _BANK_FIELDS,
    )
    add(
        705,
        "对超标排放大气污染物的行政处罚",
        "penalty",
        "city-eco",
        "《中华人民共和国大气污染防治法》第九十九条",
        "当事人可依法提出陈述、申辩或者听证",
        (90, 90),
        1,
        E,
        ("environment",),
        "行政处罚 大气 超标排放",
        ("行政处罚决定书", "批文"),
        _m(
            "business_licence",
            "evidence",
            "authorization",
            _own("rectification", "整改情况报告", "已完成整改的"),
        ),
        _CASE_FIELDS,
    )
    # ---- 交通运输 ------------------------------------------------------------------------------
    add(
        801,
        "道路货物运输经营许可",
        L,
        "city-transport",
        "《中华人民共和国道路运输条例》第二十一条、第二十四条",
        "有与其经营业务相适应并经检测合格的车辆和符合条件的驾驶人员",
        (20, 5),
        4,
        E,
        ("operation", "transport"),
        "道路运输许可证 货运 物流",
        ("道路运输经营许可证", "证照"),
        _m("business_licence", "vehicle_docs", "safety_docs", "qualification"),
        _VEHICLE_FIELDS,
    )
    add(
        802,
        "道路旅客运输经营许可",
        L,
        "city-transport",
        "《中华人民共和国道路运输条例》第八条、第十条",
        "有与其经营业务相适应并经检测合格的车辆和符合条件的驾驶人员，有健全的安全生产管理制度",
        (20, 10),
        3,
        E,
        ("operation", "transport"),
        "客运 班车 道路运输许可证",
        ("道路运输经营许可证", "证照"),
        _m("business_licence", "vehicle_docs", "safety_docs", _own("line_plan", "客运线路运营方案")),
        _VEHICLE_FIELDS,
    )
    add(
        803,
        "道路运输从业人员从业资格证核发",
        L,
        "city-transport",
        "《中华人民共和国道路运输条例》第九条、第二十二条",
        "取得相应的机动车驾驶证，经考试合格",
        (10, 5),
        3,
        P,
        ("employment", "transport"),
        "从业资格证 货车司机 客车司机",
        ("道路运输从业人员从业资格证", "证照"),
        _m("id_card", "driving_licence", "photo"),
        (_f("qualification_kind", "从业资格类别", "select", "道路货物运输驾驶员", "道路旅客运输驾驶员"),),
    )
    add(
        804,
        "网络预约出租汽车运输证核发",
        L,
        "city-transport",
        "《网络预约出租汽车经营服务管理暂行办法》第十二条",
        "车辆符合本市网约车技术条件，已接入网约车平台",
        (10, 5),
        4,
        PE,
        ("transport", "operation"),
        "网约车 运输证 车辆",
        ("网络预约出租汽车运输证", "证照"),
        _m(
            "id_card",
            "vehicle_docs",
            "driving_licence",
            _own("platform_agreement", "网约车平台接入证明"),
            "business_licence",
        ),
        _VEHICLE_FIELDS[:1],
    )
    add(
        805,
        "城市道路挖掘修复费征收",
        "levy",
        "city-transport",
        "《城市道路管理条例》第三十七条",
        "因工程建设需要挖掘城市道路的，按规定缴纳修复费",
        (5, 3),
        3,
        E,
        ("construction",),
        "掘路 修复费 征收",
        ("缴费通知书", "其他"),
        _m(
            "business_licence",
            _own("excavation_permit", "挖掘城市道路批准文件"),
            _own("excavation_plan", "施工方案及示意图"),
            "authorization",
        ),
        (_f("road", "挖掘道路名称"), _f("area", "挖掘面积（平方米）", "number")),
        fee_basis="《城市道路管理条例》第三十七条",
        fee_standard="按挖掘面积和路面结构计收",
    )
    add(
        806,
        "机动车维修经营备案",
        "other_power",
        "city-transport",
        "《中华人民共和国道路运输条例》第四十二条",
        "有与维修业务相适应的场地、设备和技术人员",
        (5, 0),
        4,
        E,
        ("operation", "transport"),
        "汽修 维修 备案",
        ("机动车维修经营备案回执", "其他"),
        _m("business_licence", "premises", "qualification"),
        (),
        instant=True,
    )
    # ---- 民政 ---------------------------------------------------------------------------------
    add(
        901,
        "最低生活保障审批",
        B,
        "city-civil",
        "《社会救助暂行办法》第九条、第十一条；《最低生活保障审核确认办法》第十条",
        "共同生活的家庭成员人均收入低于当地最低生活保障标准，且符合财产状况规定",
        (30, 20),
        3,
        P,
        ("social_security",),
        "低保 最低生活保障 社会救助",
        ("最低生活保障证", "证照"),
        _m("id_card", "household_register", "income_data", "hukou_data", "disability_certificate"),
        _FAMILY_FIELDS,
    )
    add(
        902,
        "特困人员救助供养",
        B,
        "city-civil",
        "《社会救助暂行办法》第十四条；《特困人员认定办法》第四条",
        "无劳动能力、无生活来源、无法定赡养抚养扶养义务人或者其义务人无履行能力的老年人、残疾人和未成年人",
        (20, 20),
        3,
        P,
        ("social_security", "retirement"),
        "特困 五保 救助供养",
        ("特困人员救助供养证", "证照"),
        _m("id_card", "household_register", "income_data", "disability_certificate"),
        _FAMILY_FIELDS[:3],
    )
    add(
        903,
        "临时救助",
        B,
        "city-civil",
        "《社会救助暂行办法》第四十七条、第四十八条",
        "因火灾、交通事故等意外事件或家庭成员突发重大疾病等原因导致基本生活暂时出现严重困难",
        (15, 10),
        3,
        P,
        ("social_security", "medical"),
        "临时救助 困难 救急",
        ("临时救助金发放通知", "批文"),
        _m("id_card", "household_register", "medical_certificate", "bank_account"),
        _FAMILY_FIELDS[2:3] + _BANK_FIELDS,
    )
    add(
        904,
        "高龄津贴发放",
        B,
        "street",
        "《中华人民共和国老年人权益保障法》第三十三条；《示范市高龄津贴发放办法》",
        "具有本市户籍、年满 80 周岁的老年人",
        (20, 10),
        4,
        P,
        ("retirement",),
        "高龄津贴 老人 尊老金",
        ("高龄津贴发放确认", "其他"),
        _m("id_card", "hukou_data", "bank_account", "authorization"),
        _BANK_FIELDS,
    )
    add(
        905,
        "残疾人两项补贴申领",
        B,
        "street",
        "《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》（国发〔2015〕52号）",
        "持有第二代残疾人证的低保家庭残疾人或一、二级重度残疾人",
        (20, 10),
        4,
        P,
        ("social_security", "medical"),
        "残疾人 护理补贴 生活补贴",
        ("残疾人两项补贴发放确认", "其他"),
        _m("id_card", "disability_certificate", "bank_account", "guardian"),
        _BANK_FIELDS,
    )
    add(
        906,
        "结婚登记",
        C,
        "city-civil",
        "《中华人民共和国民法典》第一千零四十九条；《婚姻登记条例》第四条、第五条",
        "男女双方完全自愿，达到法定婚龄，均无配偶，不属于直系血亲和三代以内旁系血亲",
        (1, 0),
        2,
        P,
        ("marriage",),
        "结婚 领证 婚姻登记 结婚证",
        ("结婚证", "证照"),
        _m(
            "id_card",
            "household_register",
            "photo",
            _own(
                "no_spouse_statement",
                "本人无配偶以及与对方当事人没有直系血亲和三代以内旁系血亲关系的签字声明",
            ),
        ),
        (
            _f("partner_name", "对方姓名"),
            _f("partner_id_number", "对方公民身份号码", "id_number"),
            _f("registration_date", "预约登记日期", "date"),
        ),
        instant=True,
        site_visits=1,
        delivery="当场领取",
    )
    add(
        906,
        "离婚登记",
        C,
        "city-civil",
        "《中华人民共和国民法典》第一千零七十六条、第一千零七十七条；《婚姻登记条例》第十条",
        "男女双方自愿离婚，对子女抚养、财产以及债务处理等事项协商一致，离婚冷静期届满",
        (30, 30),
        2,
        P,
        ("marriage",),
        "离婚 冷静期 离婚证",
        ("离婚证", "证照"),
        _m("id_card", "household_register", "marriage_certificate", _own("divorce_agreement", "离婚协议书")),
        (_f("partner_name", "对方姓名"), _f("partner_id_number", "对方公民身份号码", "id_number")),
        sub=2,
        site_visits=2,
        delivery="当场领取",
    )
    add(
        907,
        "收养登记",
        C,
        "city-civil",
        "《中华人民共和国民法典》第一千一百零五条；《中国公民收养子女登记办法》第五条",
        "收养人无子女或者只有一名子女，有抚养、教育和保护被收养人的能力，年满三十周岁",
        (30, 30),
        2,
        P,
        ("birth",),
        "收养 领养 收养证",
        ("收养登记证", "证照"),
        _m("id_card", "household_register", "marriage_certificate", "medical_certificate"),
        (_f("adoptee_name", "被收养人姓名"), _f("adoptee_birth", "被收养人出生日期", "date")),
        site_visits=2,
    )
    add(
        908,
        "社会团体成立登记",
        L,
        "city-civil",
        "《社会团体登记管理条例》第三条、第十条",
        "有 50 个以上的个人会员或者 30 个以上的单位会员，有规范的名称和相应的组织机构",
        (60, 30),
        3,
        PE,
        ("startup",),
        "社团 协会 成立登记",
        ("社会团体法人登记证书", "证照"),
        _m("id_card", "articles", _own("sponsor_approval", "业务主管单位批准文件"), "premises"),
        (_f("association_name", "社会团体名称"),),
    )
    add(
        909,
        "民办非企业单位成立登记",
        L,
        "city-civil",
        "《民办非企业单位登记管理暂行条例》第三条、第九条",
        "有规范的名称、必要的组织机构，有与其业务活动相适应的从业人员、合法财产和固定场所",
        (60, 30),
        3,
        PE,
        ("startup",),
        "民非 社会服务机构 成立",
        ("民办非企业单位登记证书", "证照"),
        _m("id_card", "articles", _own("capital_proof", "验资报告"), "premises"),
        (_f("unit_name", "单位名称"),),
    )
    add(
        910,
        "婚姻登记档案查询",
        "public_service",
        "city-civil",
        "《婚姻登记档案管理办法》第十五条",
        "婚姻当事人或其委托的代理人",
        (5, 1),
        4,
        P,
        ("marriage",),
        "婚姻档案 婚姻状况证明 查档",
        ("婚姻登记记录证明", "其他"),
        _m("id_card", "household_register", "authorization"),
        (),
        instant=True,
    )
    add(
        911,
        "殡葬补贴申领",
        B,
        "city-civil",
        "《殡葬管理条例》第三条；《示范市基本殡葬服务费用减免办法》",
        "本市户籍居民去世后在本市殡仪馆火化",
        (10, 5),
        4,
        P,
        ("death",),
        "丧葬 殡葬补贴 火化 减免",
        ("殡葬补贴发放通知", "其他"),
        _m("id_card", _own("death_certificate", "居民死亡医学证明（推断）书"), "bank_account"),
        (_f("deceased_name", "逝者姓名"), _f("deceased_id", "逝者公民身份号码", "id_number"), *_BANK_FIELDS),
    )
    # ---- 教育 ---------------------------------------------------------------------------------
    add(
        1001,
        "教师资格认定",
        L,
        "city-edu",
        "《中华人民共和国教师法》第十一条、第十三条；《教师资格条例》第十三条",
        "具备相应学历，普通话水平测试达标，教师资格考试合格，体检合格",
        (30, 20),
        3,
        P,
        ("education", "employment"),
        "教师资格证 认定 老师",
        ("教师资格证书", "证照"),
        _m(
            "id_card",
            _licence("degree_certificate", "学历证书", "academic_certificate"),
            _own("mandarin_certificate", "普通话水平测试等级证书"),
            "medical_certificate",
            "photo",
        ),
        (
            _f("level", "资格种类", "select", "幼儿园", "小学", "初级中学", "高级中学", "中等职业学校"),
            _f("subject", "任教学科"),
        ),
    )
    add(
        1002,
        "民办学校办学许可",
        L,
        "city-edu",
        "《中华人民共和国民办教育促进法》第十二条、第十八条",
        "有符合规定的举办者、办学场所、教学设施、教师队伍和办学资金",
        (90, 60),
        2,
        E,
        ("education", "startup"),
        "办学许可证 培训机构 民办学校",
        ("民办学校办学许可证", "证照"),
        _m("business_licence", "articles", "premises", "qualification", "safety_docs"),
        (_f("school_name", "学校名称"),),
    )
    add(
        1003,
        "义务教育阶段新生入学登记",
        "public_service",
        "city-edu",
        "《中华人民共和国义务教育法》第十二条",
        "适龄儿童、少年按户籍或居住证明在学区内入学",
        (20, 10),
        4,
        P,
        ("education",),
        "入学 小学报名 初中 学区",
        ("入学通知", "其他"),
        _m("id_card", "household_register", "property_certificate", "guardian"),
        (
            _f("child_name", "儿童姓名"),
            _f("child_id", "儿童公民身份号码", "id_number"),
            _f("grade", "入学年级", "radio", "小学一年级", "初中一年级"),
        ),
    )
    add(
        1004,
        "家庭经济困难学生资助",
        B,
        "city-edu",
        "《中华人民共和国教育法》第三十八条；《学生资助资金管理办法》",
        "家庭经济困难的在校学生",
        (30, 20),
        4,
        P,
        ("education", "social_security"),
        "助学金 学生资助 困难",
        ("学生资助确认", "其他"),
        _m("id_card", "household_register", "income_data"),
        _FAMILY_FIELDS[:3],
    )
    # ---- 城管 ---------------------------------------------------------------------------------
    add(
        1101,
        "城市建筑垃圾处置核准",
        L,
        "district-urban",
        "《国务院对确需保留的行政审批项目设定行政许可的决定》第101项；《城市建筑垃圾管理规定》第七条",
        "有建筑垃圾分类处置方案和消纳场所，运输车辆具备全密闭运输机械装置",
        (20, 5),
        4,
        E,
        ("construction", "environment"),
        "渣土 建筑垃圾 处置",
        ("城市建筑垃圾处置核准证", "证照"),
        _m("business_licence", _own("disposal_plan", "建筑垃圾处置方案"), "vehicle_docs"),
        _CONSTRUCTION_FIELDS[:2],
    )
    add(
        1102,
        "设置大型户外广告审批",
        L,
        "district-urban",
        "《城市市容和环境卫生管理条例》第十一条",
        "广告设置符合户外广告设置规划，结构安全",
        (20, 10),
        4,
        E,
        ("operation",),
        "户外广告 招牌 广告牌",
        ("户外广告设置许可决定书", "批文"),
        _m("business_licence", _own("ad_design", "设计效果图"), _own("structure_safety", "结构安全证明")),
        (
            _f("ad_site", "设置地点"),
            _f("ad_size", "广告面积（平方米）", "number"),
            _f("ad_until", "设置期限", "date"),
        ),
    )
    add(
        1103,
        "临时占用城市道路审批",
        L,
        "district-urban",
        "《城市道路管理条例》第三十一条",
        "因特殊情况需要临时占用城市道路",
        (20, 5),
        4,
        PE,
        ("construction", "operation"),
        "占道 临时占用 道路",
        ("临时占用城市道路许可决定书", "批文"),
        _m(
            "id_card",
            "business_licence",
            _own("occupation_plan", "占道平面示意图"),
            _own("traffic_plan", "交通组织方案", "占用机动车道的"),
        ),
        (
            _f("road", "占用道路名称"),
            _f("area", "占用面积（平方米）", "number"),
            _f("until", "占用截止日期", "date"),
        ),
    )
    add(
        1104,
        "砍伐、迁移城市树木审批",
        L,
        "city-urban",
        "《城市绿化条例》第二十条",
        "因城市建设、树木存在安全隐患等确需砍伐或迁移",
        (20, 10),
        3,
        PE,
        ("construction",),
        "砍树 迁移树木 绿化",
        ("城市树木砍伐（迁移）许可决定书", "批文"),
        _m("id_card", _own("tree_list", "树木清单及照片"), _own("replant_plan", "补植方案"), "authorization"),
        (_f("tree_site", "树木位置"), _f("tree_count", "株数", "integer")),
    )
    add(
        1105,
        "临时占用城市绿地审批",
        L,
        "city-urban",
        "《城市绿化条例》第十九条",
        "因建设或其他特殊需要临时占用城市绿地",
        (20, 10),
        3,
        E,
        ("construction",),
        "占用绿地 绿化",
        ("临时占用城市绿地许可决定书", "批文"),
        _m(
            "business_licence",
            _own("occupation_plan", "占用绿地平面示意图"),
            _own("restore_commitment", "绿地恢复承诺书"),
        ),
        (_f("site", "占用地点"), _f("area", "占用面积（平方米）", "number")),
    )
    add(
        1106,
        "对违法设置户外广告的行政处罚",
        "penalty",
        "district-urban",
        "《城市市容和环境卫生管理条例》第三十四条",
        "当事人可依法提出陈述、申辩",
        (60, 60),
        1,
        PE,
        ("operation",),
        "处罚 户外广告 违法设置",
        ("行政处罚决定书", "批文"),
        _m("id_card", "evidence", "authorization"),
        _CASE_FIELDS,
    )
    add(
        1107,
        "城市生活垃圾经营性清扫、收集、运输服务许可",
        L,
        "city-urban",
        "《城市生活垃圾管理办法》第十七条",
        "有与业务相适应的车辆、设备和管理制度",
        (20, 10),
        3,
        E,
        ("operation", "environment"),
        "垃圾清运 环卫 许可",
        ("城市生活垃圾经营性服务许可证", "证照"),
        _m("business_licence", "vehicle_docs", "safety_docs"),
        _VEHICLE_FIELDS[:1],
    )
    # ---- 税务 ---------------------------------------------------------------------------------
    add(
        1201,
        "纳税人首次申领发票",
        "other_power",
        "city-tax",
        "《中华人民共和国发票管理办法》第十五条",
        "已办理涉税信息确认的纳税人",
        (5, 1),
        4,
        E,
        ("tax", "startup"),
        "发票 领票 税控 开票",
        ("发票领用核定结果", "其他"),
        _m("business_licence", "id_card", _own("tax_officer", "办税人员实名信息"), "authorization"),
        (
            _f(
                "invoice_kind", "发票种类", "select", "增值税专用发票", "增值税普通发票", "全面数字化电子发票"
            ),
            _f("monthly_count", "每月最高领用数量", "integer"),
        ),
        instant=True,
    )
    add(
        1202,
        "清税证明开具",
        "other_power",
        "city-tax",
        "《中华人民共和国税收征收管理法实施细则》第十五条",
        "已结清应纳税款、滞纳金、罚款，缴销发票和税务登记证件",
        (20, 5),
        4,
        E,
        ("deregistration", "tax"),
        "清税 注销 税务注销",
        ("清税证明", "证照"),
        _m(
            "business_licence",
            _own("tax_settlement", "清税申报表"),
            _own("invoice_cancel", "发票缴销证明", "领用过发票的"),
            "authorization",
        ),
        (),
    )
    add(
        1203,
        "完税证明开具",
        "public_service",
        "city-tax",
        "《税收票证管理办法》第二十条",
        "已缴纳税款的纳税人",
        (1, 0),
        4,
        PE,
        ("tax",),
        "完税证明 纳税证明 个税",
        ("中华人民共和国税收完税证明", "证照"),
        _m("id_card", _data("tax_payment_data", "纳税缴款记录", "tax_payment"), "authorization"),
        (_f("tax_period", "税款所属期", "date"),),
        instant=True,
    )
    add(
        1204,
        "残疾人就业保障金征收",
        "levy",
        "city-tax",
        "《残疾人就业保障金征收使用管理办法》第六条",
        "安排残疾人就业未达到规定比例的用人单位",
        (15, 5),
        4,
        E,
        ("tax", "hiring"),
        "残保金 征收 申报",
        ("残疾人就业保障金缴款凭证", "其他"),
        _m(
            "business_licence",
            "social_insurance_data",
            _own("disabled_staff", "在职残疾职工名单及残疾人证", "安排了残疾人就业的"),
        ),
        (_f("employee_count", "上年职工人数", "integer"), _f("disabled_count", "安排残疾人数", "integer")),
        fee_basis="《残疾人就业保障金征收使用管理办法》",
        fee_standard="按上年用人单位安排残疾人就业未达到规定比例的差额人数和职工年平均工资计收",
    )
    add(
        1205,
        "税务行政处罚“首违不罚”",
        "penalty",
        "city-tax",
        "《中华人民共和国行政处罚法》第三十三条；《税务行政处罚“首违不罚”事项清单》",
        "首次发生清单所列事项且危害后果轻微，在税务机关发现前主动改正",
        (30, 15),
        3,
        E,
        ("tax",),
        "首违不罚 轻微违法",
        ("不予行政处罚决定书", "批文"),
        _m("business_licence", "evidence", _own("correction_proof", "改正情况说明")),
        _CASE_FIELDS,
    )
    # ---- 医保 ---------------------------------------------------------------------------------
    add(
        1301,
        "城乡居民基本医疗保险参保登记",
        "public_service",
        "city-medins",
        "《中华人民共和国社会保险法》第二十五条",
        "本市户籍或持本市居住证、未参加职工基本医疗保险的城乡居民",
        (5, 0),
        4,
        P,
        ("social_security", "medical"),
        "医保 参保 居民医保",
        ("参保登记确认", "其他"),
        _m("id_card", "household_register", "guardian"),
        (),
        instant=True,
    )
    add(
        1302,
        "异地就医备案",
        "public_service",
        "city-medins",
        "《国家医保局 财政部关于进一步做好基本医疗保险跨省异地就医直接结算工作的通知》",
        "异地长期居住、常驻异地工作、异地转诊就医的参保人员",
        (5, 0),
        4,
        P,
        ("medical", "social_security"),
        "异地就医 备案 跨省结算",
        ("异地就医备案回执", "其他"),
        _m(
            "id_card",
            _own("residence_statement", "异地居住承诺书"),
            _own("referral", "转诊转院证明", "转诊就医的"),
        ),
        (
            _f("destination", "就医地区划", "region"),
            _f("kind", "备案类型", "select", "异地长期居住", "常驻异地工作", "转诊就医"),
        ),
        instant=True,
    )
    add(
        1303,
        "医疗费用手工（零星）报销",
        B,
        "city-medins",
        "《中华人民共和国社会保险法》第二十八条、第二十九条",
        "参保人员因急诊、异地就医未直接结算等原因全额垫付医疗费用",
        (20, 10),
        3,
        P,
        ("medical",),
        "报销 医疗费 零星报销",
        ("医疗费用报销结算单", "其他"),
        _m(
            "id_card",
            _own("invoices", "医疗费用票据"),
            _own("discharge", "出院记录或门诊病历"),
            "bank_account",
        ),
        _BANK_FIELDS,
    )
    add(
        1304,
        "生育津贴支付",
        B,
        "city-medins",
        "《中华人民共和国社会保险法》第五十四条、第五十六条",
        "用人单位已经缴纳生育保险费的职工，享受产假或计划生育手术休假",
        (20, 10),
        4,
        P,
        ("birth", "social_security"),
        "生育津贴 产假 生育保险",
        ("生育津贴核定结果", "其他"),
        _m(
            "id_card",
            _licence("birth_certificate", "出生医学证明", "birth_medical_certificate"),
            "bank_account",
        ),
        (_f("delivery_date", "分娩日期", "date"), *_BANK_FIELDS),
    )
    add(
        1305,
        "定点医药机构申请确认",
        "other_power",
        "city-medins",
        "《医疗机构医疗保障定点管理暂行办法》第十条",
        "正式运营 3 个月以上，有相应的医保管理制度和信息系统",
        (60, 30),
        3,
        E,
        ("medical", "operation"),
        "定点 医保定点 药店定点",
        ("医保定点协议", "其他"),
        _m("business_licence", "safety_docs", "qualification"),
        (),
    )
    # ---- 文广旅 ------------------------------------------------------------------------------
    add(
        1401,
        "娱乐场所经营许可",
        L,
        "city-culture",
        "《娱乐场所管理条例》第九条",
        "有与其经营活动相适应的设施设备，场所符合消防安全条件",
        (20, 10),
        3,
        E,
        ("operation",),
        "KTV 歌舞厅 娱乐场所",
        ("娱乐经营许可证", "证照"),
        _m("business_licence", "premises", "floor_plan", "safety_docs"),
        (_f("rooms", "包厢数量", "integer"),),
    )
    add(
        1402,
        "旅行社设立许可",
        L,
        "city-culture",
        "《旅行社条例》第六条、第七条",
        "有固定的经营场所、必要的营业设施，交存质量保证金",
        (20, 10),
        4,
        E,
        ("startup", "operation"),
        "旅行社 设立 经营许可",
        ("旅行社业务经营许可证", "证照"),
        _m("business_licence", "premises", _own("deposit", "质量保证金存缴证明")),
        (),
    )
    add(
        1403,
        "营业性演出审批",
        L,
        "city-culture",
        "《营业性演出管理条例》第十三条",
        "演出举办单位具备相应资质，演出内容符合规定，场所符合安全条件",
        (3, 3),
        4,
        E,
        ("operation",),
        "演出 演唱会 审批",
        ("营业性演出准予许可决定书", "批文"),
        _m("business_licence", _own("programme", "节目及其视听资料"), "safety_docs"),
        (_f("show_name", "演出名称"), _f("show_date", "演出日期", "date"), _f("venue", "演出场所")),
    )
    add(
        1404,
        "互联网上网服务营业场所经营许可",
        L,
        "city-culture",
        "《互联网上网服务营业场所管理条例》第七条、第十一条",
        "有与其经营活动相适应的营业场所，计算机台数符合规定",
        (20, 10),
        3,
        E,
        ("operation",),
        "网吧 上网服务",
        ("网络文化经营许可证", "证照"),
        _m("business_licence", "premises", "floor_plan", "safety_docs"),
        (_f("computers", "计算机台数", "integer"),),
    )
    # ---- 应急 ---------------------------------------------------------------------------------
    add(
        1501,
        "危险化学品经营许可",
        L,
        "city-emergency",
        "《危险化学品安全管理条例》第三十三条、第三十四条",
        "有符合国家标准的经营场所和储存设施，从业人员经过专业技术培训",
        (30, 20),
        3,
        E,
        ("operation",),
        "危化品 经营许可证",
        ("危险化学品经营许可证", "证照"),
        _m("business_licence", "premises", "safety_docs", "qualification"),
        (_f("chemicals", "经营品种", "textarea"),),
    )
    add(
        1502,
        "烟花爆竹经营（零售）许可",
        L,
        "city-emergency",
        "《烟花爆竹安全管理条例》第十九条",
        "零售场所符合安全条件，有经过安全知识培训的负责人",
        (20, 5),
        4,
        PE,
        ("operation",),
        "烟花爆竹 零售 许可证",
        ("烟花爆竹经营（零售）许可证", "证照"),
        _m("id_card", "premises", "safety_docs"),
        (_f("shop_site", "零售点地址"),),
    )
    add(
        1503,
        "生产经营单位生产安全事故应急预案备案",
        "other_power",
        "city-emergency",
        "《中华人民共和国安全生产法》第八十一条；《生产安全事故应急预案管理办法》第二十六条",
        "应急预案经评审或论证后，由主要负责人签署公布",
        (20, 10),
        4,
        E,
        ("operation",),
        "应急预案 备案 安全生产",
        ("应急预案备案登记表", "其他"),
        _m(
            "business_licence",
            _own("emergency_plan", "应急预案文本及评审意见"),
            _own("plan_list", "应急预案备案申请表"),
        ),
        (),
        instant=True,
    )
    add(
        1504,
        "对生产经营单位安全生产情况的监督检查",
        "inspection",
        "city-emergency",
        "《中华人民共和国安全生产法》第六十五条",
        "被检查单位应当配合，不得拒绝、阻挠",
        (30, 20),
        1,
        E,
        ("operation",),
        "安全检查 执法检查",
        ("安全生产监督检查记录", "其他"),
        _m("business_licence", "safety_docs", _own("hazard_list", "隐患排查治理台账")),
        (),
    )
    # ---- 农业农村 ------------------------------------------------------------------------------
    add(
        1601,
        "农药经营许可",
        L,
        "city-agri",
        "《农药管理条例》第二十四条、第二十五条",
        "有具备农药和病虫害防治专业知识的经营人员，有与其经营的农药相适应的营业场所和仓储场所",
        (20, 10),
        4,
        E,
        ("operation",),
        "农药 经营许可证 农资",
        ("农药经营许可证", "证照"),
        _m("business_licence", "premises", "qualification", "safety_docs"),
        (),
    )
    add(
        1602,
        "动物防疫条件合格证核发",
        L,
        "city-agri",
        "《中华人民共和国动物防疫法》第二十四条、第二十五条",
        "场所的位置与居民生活区等的距离符合规定，有与其规模相适应的污水、污物处理设施",
        (20, 15),
        3,
        PE,
        ("operation",),
        "养殖场 动物防疫 合格证",
        ("动物防疫条件合格证", "证照"),
        _m("id_card", "site_plan", "safety_docs"),
        (_f("livestock", "养殖品种及规模"),),
    )
    add(
        1603,
        "兽药经营许可",
        L,
        "city-agri",
        "《兽药管理条例》第二十二条",
        "有与所经营的兽药相适应的兽药技术人员、营业场所、设备和仓库设施",
        (30, 20),
        3,
        E,
        ("operation",),
        "兽药 经营许可",
        ("兽药经营许可证", "证照"),
        _m("business_licence", "premises", "qualification"),
        (),
    )
    add(
        1604,
        "农作物种子生产经营许可",
        L,
        "city-agri",
        "《中华人民共和国种子法》第三十一条、第三十三条",
        "有与种子生产经营相适应的生产经营设施、设备及专业技术人员",
        (20, 15),
        3,
        E,
        ("operation",),
        "种子 生产经营许可",
        ("农作物种子生产经营许可证", "证照"),
        _m("business_licence", "qualification", "premises"),
        (_f("crops", "作物种类"),),
    )
    add(
        1605,
        "农业机械登记（拖拉机和联合收割机）",
        C,
        "city-agri",
        "《中华人民共和国农业机械化促进法》；《拖拉机和联合收割机登记规定》第五条",
        "拖拉机、联合收割机所有人在投入使用前申请注册登记",
        (2, 1),
        3,
        P,
        ("transport",),
        "拖拉机 农机 登记 牌证",
        ("拖拉机和联合收割机登记证书", "证照"),
        _m("id_card", "contract", _own("factory_certificate", "出厂合格证明")),
        (_f("machine_kind", "机型", "select", "轮式拖拉机", "手扶拖拉机", "联合收割机"),),
    )
    add(
        1606,
        "对举报农产品质量安全违法行为的奖励",
        "reward",
        "city-agri",
        "《中华人民共和国农产品质量安全法》第六十条",
        "举报事项经查证属实，举报人愿意领取奖励",
        (30, 20),
        3,
        P,
        ("certificates",),
        "农产品 举报奖励",
        ("举报奖励决定书", "批文"),
        _m("id_card", "evidence", "bank_account"),
        _REPORT_FIELDS + _BANK_FIELDS,
    )
    # ---- 其他（政府层面） ------------------------------------------------------------------------
    add(
        1701,
        "林木林地权属争议处理",
        "adjudication",
        "city-agri",
        "《中华人民共和国森林法》第二十二条；《林木林地权属争议处理办法》第四条",
        "当事人之间发生林木所有权和林地使用权争议，协商不成",
        (180, 90),
        1,
        PE,
        ("housing",),
        "林地 林木 权属争议",
        ("林木林地权属争议处理决定书", "批文"),
        _m("id_card", _own("forest_certificate", "林权证明"), "evidence"),
        _DISPUTE_FIELDS,
    )
    add(
        1702,
        "政府信息公开申请",
        "public_service",
        "city-zwfw",
        "《中华人民共和国政府信息公开条例》第二十七条、第三十三条",
        "公民、法人或者其他组织向行政机关申请获取政府信息",
        (20, 20),
        4,
        PE,
        ("certificates",),
        "信息公开 依申请公开",
        ("政府信息公开申请答复书", "批文"),
        _m("id_card", "business_licence", "authorization"),
        (
            _f("information", "所需信息的名称、文号或便于查询的其他特征性描述", "textarea"),
            _f("delivery", "获取方式", "radio", "电子邮件", "邮寄", "当面领取"),
        ),
    )
    add(
        1703,
        "对政务服务“好差评”差评的整改反馈",
        "other_power",
        "city-zwfw",
        "《国务院办公厅关于建立政务服务“好差评”制度提高政务服务水平的意见》（国办发〔2019〕51号）",
        "办事企业和群众对政务服务作出差评并留下联系方式",
        (5, 5),
        4,
        PE,
        ("certificates",),
        "差评 整改 好差评",
        ("差评整改反馈", "其他"),
        _m(
            "id_card",
            _own("evaluation_record", "差评记录"),
            _own("supplement", "补充说明材料", "需补充说明诉求的"),
        ),
        (_f("evaluation_no", "评价编号"), _f("content", "差评内容", "textarea")),
    )
    return items


# -- resolution onto organisations ----------------------------------------------------------------


@dataclass(frozen=True)
class ItemRow:
    """One implementation: a spec at one organisation and level."""

    spec: ItemSpec
    organization_code: str
    level: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.organization_code, self.spec.basic_code)


def _district_codes() -> list[str]:
    return [district_slug(code) for code in DISTRICTS]


def item_rows() -> list[ItemRow]:
    """Every implementation: city items once, district items at each district, street items at each
    street office. Pure: depends on nothing stored."""
    rows: list[ItemRow] = []
    for spec in _items():
        if spec.department == "district-amr":
            rows += [ItemRow(spec, f"{d}-amr", "district") for d in _district_codes()]
        elif spec.department == "district-urban":
            rows += [ItemRow(spec, f"{d}-urban", "district") for d in _district_codes()]
        elif spec.department == "street":
            rows += [ItemRow(spec, f"{d}-s001", "street") for d in _district_codes()]
        else:
            rows.append(ItemRow(spec, spec.department, "city"))
    return rows


def _place(organization: Organization, level: str) -> str:
    if level == "city":
        return f"{CITY_CENTER_ADDRESS}（{organization.short_name or organization.name}综合窗口）"
    return f"{organization.address}（{organization.short_name or organization.name}便民服务窗口）"


def item_values(row: ItemRow, organization: Organization) -> dict[str, Any]:
    """The ServiceItem field values of one implementation (without codes, status and version)."""
    spec = row.spec
    schema, ui = build_form(ENTERPRISE_BASICS if spec.subjects == E else PERSON_BASICS, spec.fields)
    instant = spec.instant
    return {
        "name": spec.name,
        "item_type": spec.item_type,
        "level": row.level,
        "legal_basis": spec.legal_basis,
        "conditions": spec.conditions,
        "statutory_days": spec.statutory_days,
        "promised_days": spec.promised_days,
        "handling_kind": "instant" if instant else "committed",
        "is_charged": bool(spec.fee_standard),
        "fee_basis": spec.fee_basis,
        "fee_standard": spec.fee_standard or "不收费",
        "handling_form": "网上办理" if spec.online_depth == 4 else "窗口办理、网上办理",
        "online_depth": spec.online_depth,
        "site_visits": spec.visits,
        "served_subjects": list(spec.subjects),
        "themes": list(spec.themes),
        "keywords": spec.keywords,
        "place": _place(organization, row.level),
        "office_hours": OFFICE_HOURS,
        "consultation_phone": organization.phone,
        "complaint_phone": COMPLAINT_PHONE,
        "result_name": spec.result_name,
        "result_type": spec.result_type,
        "delivery_methods": spec.delivery,
        "process_description": spec.process
        or (
            "申请 → 受理（当场办结）"
            if instant
            else "申请 → 受理 / 补正 / 不予受理 → 审查 → 决定（准予 / 不予）→ 办结送达"
        ),
        "form_schema": schema,
        "form_ui": ui,
    }


def material_values(spec: MaterialSpec, index: int) -> dict[str, Any]:
    return {
        "code": spec.code,
        "name": spec.name,
        "requirement": spec.requirement,
        "condition": spec.condition,
        "source": spec.source,
        "licence_type_code": spec.licence_type_code,
        "data_resource_code": spec.data_resource_code,
        "formats": list(spec.formats),
        "max_size_mb": 10,
        "copies": spec.copies,
        "notes": spec.notes,
        "sort_order": (index + 1) * 10,
    }


# -- writer -----------------------------------------------------------------------------------------


@dataclass
class CatalogSeedResult:
    created: int = 0
    updated: int = 0
    total: int = 0
    via_actions: bool = True
    items: dict[tuple[str, str], Any] = field(default_factory=dict)  # ItemRow.key → ServiceItem


def catalogue_actions_available() -> bool:
    """True when the catalogue helper's actions (`item_create`, `material_add`, `item_publish`) exist."""
    try:
        module = importlib.import_module("yiwang.services.actions.catalogue")
    except ImportError:
        return False
    return all(
        callable(getattr(module, name, None)) for name in ("item_create", "material_add", "item_publish")
    )


def _create_with_actions(row: ItemRow, organization: Organization, values: dict[str, Any]) -> Any:
    from yiwang.services.actions import catalogue

    system = Actor.system()
    item = catalogue.item_create(
        actor=system, organization=organization, basic_code=row.spec.basic_code, **values
    )
    for index, material in enumerate(row.spec.materials):
        catalogue.material_add(actor=system, item=item, **material_values(material, index))
    return catalogue.item_publish(actor=system, item=item)


def _create_with_models(row: ItemRow, organization: Organization, values: dict[str, Any], code: str) -> Any:
    from yiwang.services.models import MaterialRequirement, ServiceItem

    item = ServiceItem.objects.create(
        basic_code=row.spec.basic_code,
        implementation_code=code,
        version=1,
        status=ServiceItem.Status.PUBLISHED,
        is_current=True,
        published_at=timezone.now(),
        organization=organization,
        region=organization.region,
        **values,
    )
    MaterialRequirement.objects.bulk_create(
        [MaterialRequirement(item=item, **material_values(m, i)) for i, m in enumerate(row.spec.materials)]
    )
    return item


def _refresh(item: Any, row: ItemRow, values: dict[str, Any]) -> bool:
    """Bring a stored demo item (version 1) back to the table's values; True when something changed.
    Demo data only: a real catalogue edit goes through `item_update` and makes a new version."""
    from yiwang.services.models import MaterialRequirement

    changed = [name for name, value in values.items() if getattr(item, name) != value]
    for name in changed:
        setattr(item, name, values[name])
    if changed:
        item.save(update_fields=[*changed, "updated_at"])
    stored = {m.code: m for m in item.materials.all()}
    for index, spec in enumerate(row.spec.materials):
        wanted = material_values(spec, index)
        material = stored.get(spec.code)
        if material is None:
            MaterialRequirement.objects.create(item=item, **wanted)
            changed.append(spec.code)
            continue
        differs = [k for k, v in wanted.items() if getattr(material, k) != v]
        if differs:
            for k in differs:
                setattr(material, k, wanted[k])
            material.save(update_fields=differs)
            changed.append(spec.code)
    return bool(changed)


def seed_service_items(
    organizations: dict[str, Organization], *, use_actions: bool | None = None
) -> CatalogSeedResult:
    """Create (through the catalogue actions when they exist, as the system) or refresh every item."""
    from yiwang.services import codes
    from yiwang.services.models import ServiceItem

    use_actions = catalogue_actions_available() if use_actions is None else use_actions
    result = CatalogSeedResult(via_actions=use_actions)
    rows = item_rows()
    wanted_codes = {}
    for row in rows:
        organization = organizations[row.organization_code]
        wanted_codes[row.key] = codes.implementation_code(
            organization_uscc=organization.uscc, level=row.level, basic_code=row.spec.basic_code
        )
    stored = {
        item.implementation_code: item
        for item in ServiceItem.objects.filter(implementation_code__in=wanted_codes.values(), version=1)
    }
    for row in rows:
        organization = organizations[row.organization_code]
        code = wanted_codes[row.key]
        values = item_values(row, organization)
        item = stored.get(code)
        if item is None:
            with transaction.atomic():
                if use_actions:
                    item = _create_with_actions(row, organization, values)
                else:
                    item = _create_with_models(row, organization, values, code)
            result.created += 1
        elif _refresh(item, row, values):
            result.updated += 1
        result.items[row.key] = item
    result.total = ServiceItem.objects.filter(
        implementation_code__in=wanted_codes.values(), is_current=True
    ).count()
    return result
