"""What a year at the 示范市 12345 centre looks like, as plans: for every ticket its call (kind, words,
caller, place, urgency, the classifier's suggestion at registration) and its story — the steps it went
through and when (派单, 签收 or 退单, 联合办理, 延期, 答复, 审核, 办结, 回访 and 重办, 并单). Pure: the
same seed and `now` give the same plans; `demo.hotline_history` writes them.

The volume follows the way a city calls: weekdays more than weekends, public holidays less, summer more
(noise, water, heat), the afternoon and the morning peaks, a slow rise over the year; matters have
seasons (入学 in summer, 欠薪 before the Spring Festival, 个税汇算 in spring). Kinds: 咨询 35 %, 投诉
30 %, 求助 15 %, 举报 9 %, 建议 8 %, 表扬 3 %. A 咨询 is mostly answered on the spot from the
knowledge base (its words are the entry's questions as callers ask them), the other calls' words come
from `demo.hotline_corpus` (another draw than the classifier's training file). Some callers call again
about the same matter within 30 days; two in a hundred calls repeat an open matter and are merged
(并单). The stories put most tickets in 已归档 (回访 satisfied nine times in ten, the rest reopened and
closed again, some archived by the timer when nobody could be reached), some returned and
re-dispatched, joint handlings where the 派单目录 names a 协办, extensions, rejected replies, late
ones; the last days' tickets are still open, and a few stories are laid out backwards from `now` so
that every open state has tickets whenever the demo is seeded.

The registration-time 智能分类 suggestion is drawn to match the classifier's measured behaviour
(right about nine times in ten, then mostly confident) instead of running the model over 50,000 texts."""

from __future__ import annotations

import bisect
import functools
import itertools
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from yiwang.core.calendar import WorkCalendar, get_calendar
from yiwang.core.models import Person, Region
from yiwang.demo import geography, hotline_catalog, hotline_corpus
from yiwang.demo import subjects as demo_subjects
from yiwang.demo.hotline_knowledge import KnowledgeSpec, knowledge_specs
from yiwang.demo.moments import Ago, moment_of
from yiwang.demo.organizations import organization_specs

HISTORY_SIZE = 50_000
KEY_PREFIX = "demo-hotline-"
TEXT_SEED = 20261208  # the tickets' texts: another draw than the training corpus's (20261207)
DAYS = 365


# -- the calls: volume ------------------------------------------------------------------------------

KIND_WEIGHTS = {"consult": 35, "complaint": 30, "help": 15, "report": 9, "suggestion": 8, "praise": 3}
KINDS = list(KIND_WEIGHTS)
KIND_CUMULATIVE = list(itertools.accumulate(KIND_WEIGHTS.values()))
WEEKDAY = (1.15, 1.05, 1.0, 1.0, 0.95, 0.72, 0.68)  # Monday … Sunday
MONTH = (0.85, 0.78, 0.95, 1.0, 1.02, 1.1, 1.25, 1.25, 1.05, 0.95, 0.95, 1.0)  # January … December
# Calls by hour of the day (the line is open around the clock).
HOURS = (0.4, 0.25, 0.2, 0.2, 0.2, 0.35, 0.9, 2.2, 6.0, 10.0, 11.0, 9.0,
         5.0, 6.0, 9.0, 9.0, 8.0, 6.0, 4.0, 4.0, 3.5, 2.5, 1.5, 0.8)  # fmt: skip
HOUR_CUMULATIVE = list(itertools.accumulate(HOURS))
CHANNELS = (("phone", 72), ("web", 12), ("mobile", 13), ("api", 3))

# Seasons of matters: (category prefix, months, factor).
SEASONS: tuple[tuple[str, tuple[int, ...], float], ...] = (
    ("ecology.noise", (6, 7, 8), 1.6),
    ("ecology.air.cooking_fumes", (6, 7, 8, 9), 1.4),
    ("municipal.water_supply", (6, 7, 8), 1.5),
    ("municipal.drainage", (6, 7, 8), 2.5),
    ("municipal.gas_supply", (11, 12, 1, 2), 1.5),
    ("labour.wage_arrears", (12, 1), 2.2),
    ("education.enrollment", (5, 6, 7, 8), 2.5),
    ("education.off_campus_training", (7, 8), 1.5),
    ("government_services.tax", (3, 4, 5, 6), 1.8),
    ("labour.medical_insurance", (9, 10, 11, 12), 1.5),
    ("city_appearance.greening", (5, 6, 7, 8), 1.3),
    ("city_appearance.street_vending", (6, 7, 8), 1.3),
)

# Which matters each kind of call is about: (category prefix → factor on the corpus weight), else the default.
AFFINITY: dict[str, tuple[dict[str, float], float]] = {
    "complaint": (
        {"city_appearance": 1.2, "urban_construction": 1.0, "municipal": 0.8, "transport": 1.0,
         "labour.wage_arrears": 1.0, "labour.labour_contract": 1.0, "market": 1.3, "ecology": 1.3,
         "education.school_fees": 1.2, "education.teacher_conduct": 1.2, "education.off_campus_training": 1.0,
         "health.medical_service": 1.2, "public_safety.dogs": 1.0, "housing.property_management": 1.5,
         "housing.new_home_delivery": 1.2, "housing.rental": 1.0, "government_services.service_attitude": 1.5,
         "government_services.online_platform": 0.8},
        0.3,
    ),
    "help": (
        {"municipal": 1.6, "labour.wage_arrears": 1.3, "civil_affairs": 1.3, "housing.property_management": 0.8,
         "urban_construction.building_safety": 1.0, "health": 0.6, "government_services.online_platform": 1.0,
         "public_safety.public_order": 0.8, "market.elevator": 1.0},
        0.15,
    ),
    "report": (
        {"urban_construction.illegal_construction": 2.0, "market.food_safety": 2.0, "market.product_quality": 1.5,
         "market.price": 1.0, "health.illegal_practice": 2.0, "ecology.air.industrial_emission": 1.5,
         "ecology.water_pollution": 1.5, "ecology.air.open_burning": 1.5, "public_safety": 1.4,
         "education.off_campus_training": 1.0, "city_appearance.construction_waste": 1.2,
         "city_appearance.street_vending": 0.6, "labour.wage_arrears": 0.5, "urban_construction.site_dust": 1.0},
        0.05,
    ),
    "suggestion": (
        {"transport": 1.6, "city_appearance.greening": 1.0, "municipal.street_lights": 0.8,
         "government_services": 1.2, "education": 0.6, "civil_affairs.elderly_care": 1.0},
        0.15,
    ),
    "praise": (
        {"municipal": 1.0, "city_appearance": 1.0, "government_services": 1.2, "labour.wage_arrears": 0.8,
         "housing.property_management": 0.6},
        0.3,
    ),
}  # fmt: skip
URGENT: tuple[tuple[str, float], ...] = (
    ("municipal.gas_supply", 0.45),
    ("municipal.manhole_cover", 0.35),
    ("public_safety.fire_hazard", 0.35),
    ("municipal.water_supply", 0.25),
    ("public_safety.work_safety", 0.25),
    ("municipal.drainage", 0.2),
    ("urban_construction.building_safety", 0.2),
    ("market.elevator", 0.2),
    ("labour.wage_arrears", 0.08),
    ("ecology.noise", 0.03),
    ("market.price", 0.01),
)

# The knowledge base's topics (and a few entries) as 派单目录 leaves: a 咨询 answered from an entry is
# classified to it. Topics without a matching matter (公积金, 文化旅游 …) stay unclassified.
KNOWLEDGE_TOPICS = {
    "社会保险": "labour.social_insurance", "就业创业": "labour.employment", "劳动关系": "labour.labour_contract",
    "医疗保障": "labour.medical_insurance", "户籍证件": "government_services.household_registration",
    "出入境": "government_services.household_registration", "交通管理": "government_services.household_registration",
    "教育入学": "education.enrollment", "住房保障与物业": "housing.public_housing", "不动产登记": "housing.property_certificate",
    "市场主体与消费": "government_services.business_registration", "税务": "government_services.tax",
    "婚姻登记": "civil_affairs.marriage_registration", "养老服务": "civil_affairs.elderly_care",
    "社会救助": "civil_affairs.subsistence_allowance", "卫生健康": "health.medical_service",
    "城市管理": "city_appearance.garbage_collection", "生态环境": "ecology.noise.social_life",
    "交通出行": "transport.bus",
}  # fmt: skip
KNOWLEDGE_ENTRIES = {
    "kb-hrss-008": "labour.pension", "kb-hrss-009": "labour.pension", "kb-hrss-010": "labour.pension",
    "kb-hrss-021": "labour.pension", "kb-hrss-014": "labour.wage_arrears", "kb-psb-020": "public_safety.dogs",
    "kb-psb-018": "transport.illegal_parking", "kb-edu-008": "education.school_fees",
    "kb-edu-009": "education.off_campus_training", "kb-housing-009": "housing.new_home_delivery",
    "kb-housing-010": "housing.maintenance_fund", "kb-housing-013": "housing.rental",
    "kb-housing-014": "housing.property_management", "kb-housing-011": "municipal.water_supply",
    "kb-housing-012": "municipal.gas_supply", "kb-amr-007": "market.consumer_dispute",
    "kb-amr-008": "market.prepaid_card", "kb-amr-009": "market.food_safety", "kb-health-004": "health.vaccination",
    "kb-urban-004": "city_appearance.street_vending", "kb-urban-005": "city_appearance.outdoor_ads",
    "kb-urban-006": "urban_construction.illegal_construction", "kb-urban-007": "municipal.street_lights",
    "kb-urban-008": "transport.shared_bikes", "kb-d02-urban-001": "ecology.air.cooking_fumes",
    "kb-d03-urban-001": "city_appearance.greening", "kb-eco-002": "ecology.water_pollution",
    "kb-transport-002": "transport.taxi", "kb-transport-004": "transport.taxi",
    "kb-emergency-001": "public_safety.work_safety", "kb-center-001": "government_services.service_attitude",
    "kb-center-002": "government_services.service_attitude", "kb-zwfw-001": "government_services.online_platform",
    "kb-zwfw-002": "government_services.online_platform",
}  # fmt: skip
UNMAPPED_TOPICS = frozenset({"住房公积金", "水电燃气", "文化旅游", "应急安全", "农业农村", "政务服务"})


def knowledge_category(spec: KnowledgeSpec) -> str:
    """The 派单目录 leaf a knowledge-base entry answers about ("" when none fits)."""
    if spec.code in KNOWLEDGE_ENTRIES:
        return KNOWLEDGE_ENTRIES[spec.code]
    if spec.category in UNMAPPED_TOPICS:
        return ""
    return KNOWLEDGE_TOPICS.get(spec.category, "")


# -- the words ---------------------------------------------------------------------------------------

CONSULT_OPENINGS = ("", "你好，", "你好，我想咨询一下，", "请问", "麻烦问一下，", "我想问下，", "您好，想了解一下，",
                    "你好，我是{district}的，想问问", "打扰一下，")  # fmt: skip
CONSULT_ENDINGS = ("？", "？", "，需要带什么材料？", "，在哪里办理？", "，大概要多长时间？", "？谢谢", "，网上能办吗？",
                   "？我是外地户口的", "，电话一直打不通")  # fmt: skip
PRAISE = (
    "我想表扬一下{org}，前几天我反映{place}{matter}的问题，{speed}就处理好了，工作人员态度也很好，特地打电话来感谢！",
    "表扬{org}的工作人员，{matter}的事情处理得又快又好，{speed}就给了答复，为他们点赞。",
    "你好，我是{place}的居民，上次反映的{matter}问题{org}已经解决了，我们小区居民都很满意，谢谢你们！",
    "给{org}送个表扬，{matter}的问题拖了好久，这次{speed}就办好了，希望转达我们的感谢。",
)
PRAISE_SPEED = ("两天", "一天", "当天", "三天", "不到一周")
SUGGESTION_PREFIXES = ("我提个建议，", "建议：", "我有个建议，", "提个小建议，")
REPORT_PREFIXES = ("我要举报，", "实名举报：", "", "")
HELP_PREFIXES = ("麻烦帮帮忙，", "", "", "实在没办法了，请帮帮我们，")
REPEAT_PREFIXES = (
    "上次反映的问题到现在还没解决，",
    "我又来了，还是那个事，",
    "之前打过电话了，",
    "再反映一次，",
)
DUPLICATE_PREFIXES = ("我也反映一下，", "还有人反映过吗？", "我邻居也打过了，", "")

DISPATCH_COMMENTS = ("请核实处理并答复来电人", "请按职责办理", "请尽快处理", "请及时联系来电人并办理",
                     "来电人情绪较急，请优先处理", "")  # fmt: skip
REPLIES = (
    "经现场核查，来电反映的{matter}问题属实，已责令当事方立即整改，目前已整改到位。已电话联系来电人告知处理结果，来电人表示认可。",
    "接单后我单位工作人员于当日到现场查看，{matter}问题已处理完毕，并将加强日常巡查，防止反复。已回复来电人。",
    "经核实，来电人反映的{matter}情况已按规定处理，相关政策已向来电人详细解释，来电人表示理解。",
    "已约谈相关责任单位，督促其落实整改，{matter}问题已于近日解决。后续将持续跟踪，欢迎市民继续监督。",
    "经调查，{matter}问题涉及多方，已组织协调会，形成处理意见并落实；已电话告知来电人处理进展和结果。",
    "收到工单后立即安排人员处置，{matter}问题已解决。因来电人电话未接通，已发送短信告知处理结果。",
)
PRAISE_REPLY = "已收悉市民的表扬，已向相关工作人员转达，感谢市民对我们工作的肯定和支持。"
CONSULT_REPLY = "已电话联系来电人，就其咨询的{matter}相关政策和办理流程作了详细解答，来电人表示清楚。"
ASSIST_REPLY = "作为协办单位，已配合主办单位到现场联合核查{matter}问题，本单位职责范围内的事项已处理完毕。"
RETURN_REASONS = ("该事项不属于我单位职责，请按派单目录改派", "该点位不在我单位管辖范围内，建议改派属地部门",
                  "经核实，该诉求应由其他部门办理，申请退单")  # fmt: skip
REFUSE_REASONS = ("根据派单目录，该事项属你单位职责范围，请予办理", "经审核，退单理由不成立，请按职责办理")
REJECT_REASONS = ("答复未说明具体处理结果，请补充后重新答复", "答复与来电人诉求不对应，请重新核实后答复")
EXTENSION_REASONS = ("需协调多个部门现场会商，难以在时限内办结", "需等待第三方检测结果，申请延长办理期限",
                     "涉及历史遗留问题，需进一步调查核实")  # fmt: skip
CLOSE_COMMENTS = ("", "", "答复属实，同意办结", "审核通过")
MERGE_COMMENT = "同一事项重复来电，并单办理"


# -- plans ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One thing that happens to a ticket, at `at`. `by`: "agent", "dispatcher", "lead" (an officer of
    the ticket's current 主办 department) or "org:<code>" (an officer of that department)."""

    action: str
    at: datetime
    by: str
    comment: str = ""
    category: str = ""  # dispatch: the category chosen
    joint: bool = False  # dispatch: with the catalogue's 协办 departments
    organization: str = ""  # child steps: the department
    days: int = 0  # request_extension
    approve: bool = True  # decide_extension
    satisfaction: str = ""  # callback
    resolved: bool = True  # callback
    reason: str = ""  # return / refuse_return / reject_reply / request_extension


@dataclass(frozen=True)
class Plan:
    index: int
    key: str
    registered_at: datetime
    kind: str
    urgency: str
    channel: str
    content: str
    title: str
    caller_name: str
    caller_phone: str
    confidential: bool
    region: str  # region code
    address: str
    point: tuple[float, float] | None
    category: str  # the right leaf ("" for an unclassified 咨询)
    category_at_registration: str  # what the agent chose while taking the call
    suggested: str  # the classifier's suggestion at registration
    confidence: float | None
    entry: str  # knowledge-base code of a direct answer
    story: str
    steps: tuple[Step, ...]
    primary: int | None = None  # a duplicate merged into that plan's ticket
    staff: int = 0  # which colleagues handle it


@dataclass
class _Leaf:
    code: str
    name: str
    complexity: str
    weight: float
    top: str


def _leaves() -> dict[str, _Leaf]:
    parents = {c.parent for c in hotline_catalog.CATEGORIES}
    result = {}
    for spec in hotline_catalog.CATEGORIES:
        if spec.code in parents:
            continue
        texts = hotline_corpus.TEXTS.get(spec.code)
        result[spec.code] = _Leaf(
            spec.code, spec.name, spec.complexity, texts.weight if texts else 1.0, spec.code.split(".")[0]
        )
    return result


def _prefixed(table: Iterable[tuple[str, float]] | dict[str, float], code: str) -> float | None:
    best, found = -1, None
    for prefix, value in table.items() if isinstance(table, dict) else table:
        if (code == prefix or code.startswith(prefix + ".")) and len(prefix) > best:
            best, found = len(prefix), value
    return found


def _season(code: str, month: int) -> float:
    factor = 1.0
    for prefix, months, boost in SEASONS:
        if (code == prefix or code.startswith(prefix + ".")) and month in months:
            factor *= boost
    return factor


def _limit(calendar: WorkCalendar, category: _Leaf | None, urgency: str) -> tuple[float, bool]:
    """(seconds, natural) of the handling time limit the defaults give (`constants.DEFAULT_SERVICE_LEVELS`)."""
    if urgency == "urgent":
        return 24 * 3600.0, True
    days = 15 if category is not None and category.complexity == "complex" else 5
    return float(days * calendar.seconds_per_day), False


class _World:
    """What a plan draws on: categories, texts by category, knowledge entries, places, callers."""

    def __init__(self, size: int, rng: random.Random) -> None:
        self.leaves = _leaves()
        self.codes = list(self.leaves)
        needed = max(6_000, int(size * 0.7))
        self.texts: dict[str, list[str]] = defaultdict(list)
        for row in hotline_corpus.generate_corpus(needed, seed=TEXT_SEED):
            self.texts[row.category].append(row.text)
        self.used: Counter[str] = Counter()
        self.entries = [spec for spec in knowledge_specs()]
        self.entry_category = {spec.code: knowledge_category(spec) for spec in self.entries}
        names = geography.full_names()
        specs = geography.region_specs()
        self.region_names = names
        self.boxes = {spec.code: spec.box for spec in specs}
        self.communities = [s.code for s in specs if s.level == Region.Level.COMMUNITY]
        self.by_name: list[tuple[str, str, str]] = []  # (name, level, code): communities first
        for spec in specs:
            if spec.level != Region.Level.CITY:
                self.by_name.append((spec.name, spec.level, spec.code))
        levels = (Region.Level.COMMUNITY, Region.Level.STREET, Region.Level.DISTRICT)
        self.by_name.sort(key=lambda row: (levels.index(row[1]), -len(row[0])))
        self.children: dict[str, list[str]] = defaultdict(list)
        for code in self.communities:
            self.children[code[:9]].append(code)
            self.children[code[:6]].append(code)
        self.rng = rng

    def text(self, code: str) -> str:
        pool = self.texts.get(code) or self.texts[next(iter(self.texts))]
        n = self.used[code]
        self.used[code] += 1
        return pool[n % len(pool)]

    def place(self, text: str) -> str:
        """The region a text names (a community, else one under the street or district it names), else
        the caller's own community, or the city when they give no place (30%)."""
        for name, level, code in self.by_name:
            if name in text:
                if level == Region.Level.COMMUNITY:
                    return code
                return self.rng.choice(self.children[code])
        if self.rng.random() < 0.3:
            return geography.CITY_CODE
        return self.rng.choice(self.communities)


def _address(world: _World, region: str) -> str:
    """事发地址 as the agent types it: the community (the caller's words give the street and number)."""
    base = world.region_names.get(region, "")
    return f"示范市{base}" if base else ""


def _point(world: _World, region: str, rng: random.Random) -> tuple[float, float] | None:
    if region == geography.CITY_CODE or rng.random() < 0.15:
        return None
    west, south, east, north = world.boxes[region]
    return (round(rng.uniform(west, east), 6), round(rng.uniform(south, north), 6))


def _caller(rng: random.Random) -> tuple[str, str]:
    gender = rng.choice((Person.Gender.MALE, Person.Gender.FEMALE))
    name = demo_subjects.person_name(rng, gender) if rng.random() > 0.015 else ""
    while True:
        phone = f"1{rng.choice('35789')}{rng.randrange(10)}{rng.randrange(10**8):08d}"
        if not phone.startswith(("1380000", "1390000")):
            return name, phone


def _title(content: str) -> str:
    """As `ticket_register` titles a ticket: its first sentence, at most 40 characters."""
    first = re.split(r"[。！？!?\n]", content.strip(), maxsplit=1)[0]
    return (first[:40] or content[:40]).strip()


def _day_weights(today: date, calendar: WorkCalendar, rng: random.Random) -> list[tuple[date, float]]:
    """Calls per day over the last year: weekdays, months, public holidays, a slow rise, noise."""
    days = []
    for back in range(DAYS):
        day = today - timedelta(days=back)
        weight = WEEKDAY[day.weekday()] * MONTH[day.month - 1] * (1.0 + 0.15 * (DAYS - back) / DAYS)
        if day.weekday() < 5 and not calendar.is_workday(day):
            weight *= 0.75  # 法定节假日
        weight *= rng.uniform(0.88, 1.12)
        days.append((day, weight))
    return days


def _allocate(total: int, weights: Sequence[float]) -> list[int]:
    """`total` split over `weights` (largest remainder, so the parts add up)."""
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (parts[i] - exact[i], i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


# Open stories laid out backwards from `now`, so that every open state has tickets whenever the demo
# is seeded (the natural flow adds many more in the last days): (story, share of the history, minimum).
OPEN_STORIES = (
    ("open_registered", 0.0006, 2),
    ("open_dispatched", 0.001, 2),
    ("open_returned", 0.0003, 2),
    ("open_handling", 0.004, 3),
    ("open_overdue", 0.0008, 2),
    ("open_warning", 0.0006, 2),
    ("open_extension", 0.0004, 2),
    ("open_joint", 0.0015, 2),
    ("open_replied", 0.0015, 2),
    ("open_closed", 0.003, 2),
)


class _Planner:
    def __init__(self, calendar: WorkCalendar, now: datetime, rng: random.Random, world: _World) -> None:
        self.calendar, self.now, self.rng, self.world = calendar, now, rng, world
        self._weights: dict[tuple[str, int], list[float]] = {}
        self._entry_weights: dict[int, list[float]] = {}

    # moments
    def nat(self, moment: datetime, hours: float) -> datetime:
        return moment + timedelta(seconds=round(hours * 3600))

    def work(self, moment: datetime, hours: float) -> datetime:
        return self.calendar.add_working_hours(moment, max(hours, 0.01))

    def ago(self, hours: float) -> datetime:
        return moment_of(Ago(hours=hours), self.calendar, self.now).replace(microsecond=0)

    def after_limit(self, start: datetime, fraction: float, limit: tuple[float, bool]) -> datetime:
        seconds, natural = limit
        if natural:
            return start + timedelta(seconds=round(seconds * fraction))
        return self.calendar.add_working_seconds(start, max(1, round(seconds * fraction)))

    # content
    def kind_and_category(self, month: int) -> tuple[str, str]:
        kind = self.rng.choices(KINDS, cum_weights=KIND_CUMULATIVE)[0]
        if kind == "consult":
            return kind, ""
        key = (kind, month)
        if key not in self._weights:
            table, default = AFFINITY[kind]
            weights = []
            for code in self.world.codes:
                factor = _prefixed(table, code)
                weights.append(
                    self.world.leaves[code].weight
                    * (default if factor is None else factor)
                    * _season(code, month)
                )
            self._weights[key] = list(itertools.accumulate(weights))
        return kind, self.rng.choices(self.world.codes, cum_weights=self._weights[key])[0]

    def consult_entry(self, month: int) -> KnowledgeSpec:
        entries = self.world.entries
        if month not in self._entry_weights:
            weights = [_season(self.world.entry_category[e.code] or "-", month) for e in entries]
            self._entry_weights[month] = list(itertools.accumulate(weights))
        return self.rng.choices(entries, cum_weights=self._entry_weights[month])[0]

    def consult_text(self, entry: KnowledgeSpec) -> str:
        question = self.rng.choice((*entry.question_variants, entry.title))
        question = question.rstrip("？?。")
        opening = self.rng.choice(CONSULT_OPENINGS)
        district = self.rng.choice([name for name, _streets in geography.DISTRICTS.values()])
        return (opening + question + self.rng.choice(CONSULT_ENDINGS)).replace("{district}", district)

    def text(self, kind: str, code: str, region: str) -> str:
        leaf = self.world.leaves[code]
        if kind == "praise":
            org = _short_names().get(_assignment(code, region).lead, "承办单位")
            place = self.world.region_names.get(region, "") or "我们小区"
            return self.rng.choice(PRAISE).format(
                org=org, place=place, matter=leaf.name, speed=self.rng.choice(PRAISE_SPEED)
            )
        text = self.world.text(code)
        prefixes = {"suggestion": SUGGESTION_PREFIXES, "report": REPORT_PREFIXES, "help": HELP_PREFIXES}
        if kind in prefixes:
            prefix = self.rng.choice(prefixes[kind])
            if prefix and prefix not in text:
                text = prefix + text
        return text[:3900]

    def suggestion(self, code: str) -> tuple[str, float]:
        """The classifier's top suggestion as the measured model behaves: right ~88% of the time and
        then mostly confident; wrong ones mostly unsure (and within the same area two times in three)."""
        if self.rng.random() < 0.88:
            return code, round(0.42 + 0.57 * self.rng.random() ** 0.45, 4)
        return self.wrong_category(code), round(self.rng.uniform(0.12, 0.58), 4)

    def wrong_category(self, code: str, *, region: str | None = None) -> str:
        leaf = self.world.leaves[code]
        same = [c for c in self.world.codes if c != code and self.world.leaves[c].top == leaf.top]
        pool = same if same and self.rng.random() < 0.66 else [c for c in self.world.codes if c != code]
        if region is None:
            return self.rng.choice(pool)
        right = _assignment(code, region)
        fitting = [
            c
            for c in pool
            if _assignment(c, region).lead != right.lead and not _assignment(c, region).assists
        ]
        others = [c for c in self.world.codes if c != code]
        return self.rng.choice(
            fitting
            or [
                c
                for c in others
                if _assignment(c, region).lead != right.lead and not _assignment(c, region).assists
            ]
        )


@functools.cache
def _short_names() -> dict[str, str]:
    return {spec.code: spec.short_name for spec in organization_specs()}


@functools.cache
def _rules() -> dict[tuple[str, str | None], hotline_catalog.AssignmentSpec]:
    return {(rule.category, rule.region): rule for rule in hotline_catalog.ASSIGNMENTS}


def _assignment(code: str, region: str) -> hotline_catalog.AssignmentSpec:
    """`hotline_catalog.assignment_for`, from a table (it is asked for every draw)."""
    rules = _rules()
    district = region[:6] if region and region != geography.CITY_CODE else None
    return rules.get((code, district)) or rules[(code, None)]


@dataclass
class _Draft:
    """A plan while it is drawn (the steps are appended as the story unfolds)."""

    registered_at: datetime
    story: str = ""
    kind: str = ""
    category: str = ""
    region: str = ""
    steps: list[Step] = field(default_factory=list)


def _satisfaction(rng: random.Random, *, allow_unhappy: bool) -> tuple[str, bool]:
    roll = rng.random()
    if roll < 0.48:
        return "very_satisfied", True
    if roll < 0.8:
        return "satisfied", True
    if roll < 0.9 or not allow_unhappy:
        return "basically_satisfied", True
    return "dissatisfied", rng.random() < 0.3


def _flow(
    planner: _Planner,
    draft: _Draft,
    *,
    first_category: str,
    limit: tuple[float, bool],
    variant: str,
    stop: str = "",
) -> None:
    """The steps of a dispatched ticket, from 派单 to 回访 (or up to `stop`, an open state)."""
    rng, steps = planner.rng, draft.steps
    category, region = draft.category, draft.region
    comment = rng.choice(DISPATCH_COMMENTS)
    matter = planner.world.leaves[category].name
    t = draft.registered_at
    late_dispatch = variant == "late_dispatch"
    t = planner.nat(t, rng.uniform(2.2, 5.0) if late_dispatch else rng.uniform(0.08, 1.6))
    spec = _assignment(category, region)
    joint = bool(spec.assists) and variant != "single"
    if variant in ("returned", "refused"):
        wrong = first_category if variant == "returned" else category
        steps.append(Step("dispatch", t, "dispatcher", comment, category=wrong))
        if stop == "dispatched":
            return
        t = planner.nat(t, rng.uniform(0.2, 1.8))
        steps.append(Step("return", t, "lead", reason=rng.choice(RETURN_REASONS)))
        if stop == "returned":
            return
        t = planner.nat(t, rng.uniform(0.15, 1.5))
        if variant == "returned":
            steps.append(
                Step(
                    "dispatch", t, "dispatcher", rng.choice(DISPATCH_COMMENTS), category=category, joint=joint
                )
            )
        else:
            steps.append(Step("refuse_return", t, "dispatcher", reason=rng.choice(REFUSE_REASONS)))
            joint = False
    else:
        steps.append(Step("dispatch", t, "dispatcher", comment, category=category, joint=joint))
        if stop == "dispatched":
            return
    start = draft.registered_at
    if joint:
        organizations = [spec.lead, *spec.assists]
        signed = t
        for code in organizations:
            signed = planner.nat(t, rng.uniform(0.1, 1.9))
            steps.append(Step("child_sign_for", signed, f"org:{code}", organization=code))
        lead_reply = max(planner.after_limit(start, rng.uniform(0.3, 0.85), limit), planner.work(signed, 0.5))
        for code in spec.assists:
            moment = min(lead_reply - timedelta(minutes=rng.randint(5, 600)), planner.work(signed, 6.0))
            moment = max(moment, planner.work(signed, 0.3))
            steps.append(
                Step(
                    "child_reply",
                    moment,
                    f"org:{code}",
                    ASSIST_REPLY.format(matter=matter),
                    organization=code,
                )
            )
        if stop == "joint":
            return
        steps.append(
            Step(
                "child_reply",
                lead_reply,
                f"org:{spec.lead}",
                _reply(rng, draft.kind, matter),
                organization=spec.lead,
            )
        )
        t = planner.work(max(s.at for s in steps), rng.uniform(0.3, 4.0))
        steps.append(
            Step("consolidate", t, "dispatcher", _reply(rng, draft.kind, matter) + "（已汇总协办单位意见）")
        )
    else:
        late_sign = rng.random() < 0.04
        t = planner.nat(t, rng.uniform(2.1, 5.0) if late_sign else rng.uniform(0.05, 1.8))
        steps.append(Step("sign_for", t, "lead"))
        if stop == "handling":
            return
        signed = t
        if variant in ("extended", "extension_refused", "extension_pending"):
            t = max(planner.after_limit(start, rng.uniform(0.4, 0.75), limit), planner.work(signed, 0.5))
            days = rng.choice((3, 5, 5, 10))
            steps.append(
                Step("request_extension", t, "lead", days=days, reason=rng.choice(EXTENSION_REASONS))
            )
            if variant == "extension_pending" or stop == "extension":
                return
            t = planner.work(t, rng.uniform(0.5, 4.0))
            approve = variant == "extended"
            steps.append(Step("decide_extension", t, "dispatcher", "同意延期" if approve else "理由不充分，请按期办结",
                              approve=approve))  # fmt: skip
            fraction = rng.uniform(0.95, 1.0 + days / 5 * 0.8) if approve else rng.uniform(0.8, 1.1)
            t = max(planner.after_limit(start, fraction, limit), planner.work(t, 0.5))
        else:
            fraction = rng.uniform(1.05, 1.7) if variant == "late" else rng.uniform(0.08, 0.92)
            t = max(planner.after_limit(start, fraction, limit), planner.work(signed, 0.3))
        steps.append(Step("reply", t, "lead", _reply(rng, draft.kind, matter)))
        if variant == "rejected":
            t = planner.work(t, rng.uniform(0.5, 5.0))
            steps.append(Step("reject_reply", t, "dispatcher", reason=rng.choice(REJECT_REASONS)))
            t = planner.work(t, rng.uniform(2.0, 16.0))
            steps.append(Step("reply", t, "lead", _reply(rng, draft.kind, matter)))
    if stop == "replied":
        return
    t = planner.work(max(s.at for s in steps), rng.uniform(0.2, 6.0))
    steps.append(Step("close", t, "dispatcher", rng.choice(CLOSE_COMMENTS)))
    if stop == "closed":
        return
    _callbacks(planner, draft, t, allow_unhappy=not joint and draft.kind != "praise")


def _reply(rng: random.Random, kind: str, matter: str) -> str:
    if kind == "praise":
        return PRAISE_REPLY
    if kind == "consult":
        return CONSULT_REPLY.format(matter=matter)
    return rng.choice(REPLIES).format(matter=matter)


def _callbacks(planner: _Planner, draft: _Draft, closed: datetime, *, allow_unhappy: bool) -> None:
    """回访 within the 3 working days of 已办结 (else the timer archives it); 不满意 reopens it once."""
    rng = planner.rng
    if rng.random() < 0.07:
        return  # nobody reaches the caller: the timer archives the ticket
    t = planner.work(closed, rng.uniform(0.5, 18.0))
    satisfaction, resolved = _satisfaction(rng, allow_unhappy=allow_unhappy)
    draft.steps.append(Step("callback", t, "agent", satisfaction=satisfaction, resolved=resolved))
    if satisfaction != "dissatisfied":
        return
    matter = planner.world.leaves[draft.category].name
    t = planner.work(t, rng.uniform(4.0, 30.0))
    draft.steps.append(Step("reply", t, "lead", _reply(rng, draft.kind, matter)))
    t = planner.work(t, rng.uniform(0.2, 5.0))
    draft.steps.append(Step("close", t, "dispatcher", rng.choice(CLOSE_COMMENTS)))
    if rng.random() < 0.05:
        return
    t = planner.work(t, rng.uniform(0.5, 18.0))
    satisfaction, resolved = _satisfaction(rng, allow_unhappy=False)
    draft.steps.append(Step("callback", t, "agent", satisfaction=satisfaction, resolved=resolved))


def _variant(rng: random.Random) -> str:
    roll = rng.random()
    for name, share in (("returned", 0.05), ("refused", 0.012), ("late", 0.06), ("extended", 0.03),
                        ("extension_refused", 0.008), ("rejected", 0.03), ("late_dispatch", 0.015),
                        ("single", 0.08)):  # fmt: skip
        if roll < share:
            return name
        roll -= share
    return "standard"


def plans(
    *,
    size: int = HISTORY_SIZE,
    seed: int = demo_subjects.DEFAULT_SEED,
    now: datetime | None = None,
    prefix: str = KEY_PREFIX,
) -> list[Plan]:
    """Every ticket of the history, in registration order (index = position). Depends only on the
    seed, `size` and `now` (the calendar's holidays included)."""
    now = (now or timezone.now()).replace(microsecond=0)
    calendar = get_calendar()
    rng = random.Random(seed * 7919 + 53)
    world = _World(size, random.Random(seed * 7919 + 59))
    planner = _Planner(calendar, now, rng, world)
    zone = timezone.get_current_timezone()
    today = timezone.localdate(now)

    # Open stories first (how many of each), then the flow over the year with what is left.
    quotas = [(story, max(minimum, round(size * share))) for story, share, minimum in OPEN_STORIES]
    reserved = sum(n for _story, n in quotas)
    stream = max(size - reserved, 0)
    days = _day_weights(today, calendar, rng)
    elapsed_hours = (
        now - timezone.make_aware(datetime.combine(today, datetime.min.time()), zone)
    ).total_seconds() / 3600
    today_share = sum(HOURS[h] * min(1.0, max(0.0, elapsed_hours - h)) for h in range(24)) / sum(HOURS)
    weights = [w * (today_share if day == today else 1.0) for day, w in days]
    drafts: list[_Draft] = []
    for (day, _w), count in zip(days, _allocate(stream, weights), strict=True):
        midnight = timezone.make_aware(datetime.combine(day, datetime.min.time()), zone)
        for _ in range(count):
            while True:
                hour = rng.choices(range(24), cum_weights=HOUR_CUMULATIVE)[0]
                moment = midnight + timedelta(hours=hour, seconds=rng.randrange(3600))
                if moment < now - timedelta(minutes=2):
                    break
            drafts.append(_Draft(moment))
    for story, count in quotas:
        drafts += [_Draft(now, story=story) for _ in range(count)]

    # Natural flow tickets in time order; open stories get their moments as they are drawn.
    drafts.sort(key=lambda d: (d.story != "", d.registered_at))
    recent: dict[str, list[tuple[datetime, str, str, str]]] = defaultdict(list)  # category → callers
    primaries: list[tuple[datetime, int]] = []  # (registered, position in `planned`) of mergeable tickets
    planned: list[tuple[_Draft, dict[str, Any]]] = []
    for draft in drafts:
        month = (draft.registered_at if not draft.story else now).month
        meta = _draw(planner, draft, month, recent, primaries, planned)
        planned.append((draft, meta))

    planned.sort(key=lambda item: (item[0].registered_at, item[1]["order"]))
    index_of = {id(draft): n for n, (draft, _meta) in enumerate(planned)}
    result = []
    for n, (draft, meta) in enumerate(planned):
        primary = meta.get("primary_draft")
        result.append(
            Plan(
                index=n,
                key=f"{prefix}{n:06d}",
                registered_at=draft.registered_at,
                kind=draft.kind,
                urgency=meta["urgency"],
                channel=meta["channel"],
                content=meta["content"],
                title=_title(meta["content"]),
                caller_name=meta["caller"][0],
                caller_phone=meta["caller"][1],
                confidential=meta["confidential"],
                region=draft.region,
                address=meta["address"],
                point=meta["point"],
                category=draft.category,
                category_at_registration=meta["registration_category"],
                suggested=meta["suggested"],
                confidence=meta["confidence"],
                entry=meta["entry"],
                story=draft.story,
                steps=tuple(sorted(draft.steps, key=lambda s: s.at)),
                primary=index_of[id(primary)] if primary is not None else None,
                staff=meta["staff"],
            )
        )
    return result


def _draw(
    planner: _Planner,
    draft: _Draft,
    month: int,
    recent: dict[str, list[tuple[datetime, str, str, str]]],
    primaries: list[tuple[datetime, int]],
    planned: list[tuple[_Draft, dict[str, Any]]],
) -> dict[str, Any]:
    """Content and story of one ticket (appends its steps to `draft`); returns the rest of its plan."""
    rng, world = planner.rng, planner.world
    meta: dict[str, Any] = {"order": len(planned), "staff": rng.randrange(10**6), "entry": ""}
    meta["channel"] = rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0]
    meta["caller"] = _caller(rng)
    if draft.story.startswith("open_"):
        _open_story(planner, draft, meta)
        return meta

    # A second caller about the same matter as an open ticket of the last two days: 并单.
    if rng.random() < 0.02 and primaries:
        cut = bisect.bisect_left(primaries, (draft.registered_at - timedelta(hours=48), -1))
        window = [p for p in primaries[cut:] if p[0] < draft.registered_at - timedelta(minutes=30)]
        merge_at = planner.nat(draft.registered_at, rng.uniform(0.05, 0.4))
        window = [p for p in window if _open_until(planned[p[1]][0]) > merge_at + timedelta(hours=1)]
        if window:
            primary, primary_meta = planned[rng.choice(window)[1]]
            draft.kind, draft.category, draft.region, draft.story = (
                primary.kind,
                primary.category,
                primary.region,
                "merged",
            )
            content = rng.choice(DUPLICATE_PREFIXES) + primary_meta["content"]
            meta.update(
                content=content[:3900].strip(), urgency=primary_meta["urgency"], confidential=False,
                address=primary_meta["address"], point=primary_meta["point"], registration_category="",
                primary_draft=primary,
            )  # fmt: skip
            meta["suggested"], meta["confidence"] = planner.suggestion(draft.category)
            draft.steps.append(Step("merge", merge_at, "dispatcher", MERGE_COMMENT))
            return meta

    kind, category = planner.kind_and_category(month)
    draft.kind = kind
    if kind == "consult":
        _consult(planner, draft, meta, month)
        return meta
    draft.category = category
    repeat = rng.random() < 0.06 and _repeat(recent, category, draft.registered_at, rng)
    if repeat:
        _moment, name, phone, region = repeat
        meta["caller"] = (name, phone)
        draft.region = region
        content = rng.choice(REPEAT_PREFIXES) + world.text(category)
    else:
        content = planner.text(kind, category, "")
        draft.region = world.place(content)
        if kind == "praise":
            content = planner.text(kind, category, draft.region)
    recent[category].append((draft.registered_at, meta["caller"][0], meta["caller"][1], draft.region))
    _common(planner, draft, meta, content)
    leaf = world.leaves[category]
    variant = _variant(rng)
    if kind == "praise":
        variant = "single"
    first = category
    if variant == "returned":
        first = planner.wrong_category(category, region=draft.region)
        meta["suggested"], meta["confidence"] = first, round(rng.uniform(0.2, 0.62), 4)
    limit = _limit(planner.calendar, world.leaves.get(meta["suggested"]) or leaf, meta["urgency"])
    _flow(planner, draft, first_category=first, limit=limit, variant=variant)
    draft.story = variant
    if kind not in ("praise",):
        primaries.append((draft.registered_at, len(planned)))
    return meta


def _open_until(draft: _Draft) -> datetime:
    """When a ticket ends (its first satisfied 回访), or far in the future (the timer archives it)."""
    for step in draft.steps:
        if step.action == "callback" and step.satisfaction != "dissatisfied":
            return step.at
    return datetime.max.replace(tzinfo=draft.registered_at.tzinfo)


def _repeat(
    recent: dict[str, list[tuple[datetime, str, str, str]]],
    category: str,
    moment: datetime,
    rng: random.Random,
) -> tuple[datetime, str, str, str] | None:
    """A caller of the same category within the last 30 days (they call again)."""
    rows = [row for row in recent.get(category, ())[-40:] if moment - row[0] <= timedelta(days=30)]
    return rng.choice(rows) if rows else None


def _common(planner: _Planner, draft: _Draft, meta: dict[str, Any], content: str) -> None:
    rng = planner.rng
    code = draft.category
    urgent = (_prefixed(URGENT, code) or 0.06) if draft.kind in ("complaint", "help", "report") else 0.0
    meta["urgency"] = "urgent" if rng.random() < urgent else "normal"
    confidential = {"report": 0.2, "complaint": 0.025}.get(draft.kind, 0.004)
    meta["confidential"] = rng.random() < confidential
    meta["content"] = content.strip()
    meta["address"] = _address(planner.world, draft.region)
    meta["point"] = _point(planner.world, draft.region, rng)
    meta["registration_category"] = ""
    meta["suggested"], meta["confidence"] = planner.suggestion(code) if code else ("", None)


def _consult(planner: _Planner, draft: _Draft, meta: dict[str, Any], month: int) -> None:
    """A 咨询: mostly answered on the spot from the knowledge base; else dispatched for the department
    to answer (it needs the caller's own records)."""
    rng = planner.rng
    entry = planner.consult_entry(month)
    category = planner.world.entry_category[entry.code]
    content = planner.consult_text(entry)
    draft.category = category
    draft.region = (
        planner.world.place(content) if rng.random() < 0.5 else rng.choice(planner.world.communities)
    )
    _common(planner, draft, meta, content)
    meta["urgency"] = "normal"
    if category and rng.random() < 0.22:
        meta["registration_category"] = ""
        limit = _limit(planner.calendar, planner.world.leaves.get(meta["suggested"]), "normal")
        _flow(planner, draft, first_category=category, limit=limit, variant="single")
        draft.story = "consult_dispatched"
        return
    meta["registration_category"] = category
    meta["entry"] = entry.code
    meta["suggested"], meta["confidence"] = (
        (category, round(rng.uniform(0.55, 0.99), 4)) if category else ("", None)
    )
    answered = planner.nat(draft.registered_at, rng.uniform(0.03, 0.15))
    draft.steps.append(Step("answer", answered, "registrar", entry.answer[:2000].strip()))
    draft.story = "answered"
    if rng.random() < 0.45:
        t = planner.work(answered, rng.uniform(0.5, 18.0))
        satisfaction, resolved = _satisfaction(rng, allow_unhappy=False)
        draft.steps.append(Step("callback", t, "agent", satisfaction=satisfaction, resolved=resolved))


def _open_story(planner: _Planner, draft: _Draft, meta: dict[str, Any]) -> None:
    """A ticket laid out backwards from `now` so that it waits in one open state now."""
    rng, world = planner.rng, planner.world
    story = draft.story
    kind = rng.choice(("complaint", "complaint", "help", "report"))
    joint_codes = [c for c in world.codes if _assignment(c, geography.CITY_CODE).assists]
    while True:
        _kind, category = planner.kind_and_category(planner.now.month)
        if category:
            break
    if story == "open_joint":
        category = rng.choice(joint_codes)
    draft.kind, draft.category = kind, category
    content = planner.text(kind, category, "")
    draft.region = world.place(content)
    _common(planner, draft, meta, content)
    meta["urgency"] = "normal"
    leaf = world.leaves[category]
    meta["suggested"], meta["confidence"] = category, round(rng.uniform(0.5, 0.97), 4)
    limit = _limit(planner.calendar, leaf, "normal")
    single = not _assignment(category, draft.region).assists
    if story == "open_registered":
        draft.registered_at = planner.nat(planner.now, -rng.uniform(0.05, 1.2 if rng.random() < 0.7 else 3.0))
        return
    if story == "open_dispatched":
        draft.registered_at = planner.nat(planner.now, -rng.uniform(0.8, 2.0))
        _flow(planner, draft, first_category=category, limit=limit, variant="single", stop="dispatched")
        return
    if story == "open_returned":
        draft.registered_at = planner.nat(planner.now, -rng.uniform(2.5, 4.0))
        first = planner.wrong_category(category, region=draft.region)
        meta["suggested"], meta["confidence"] = first, round(rng.uniform(0.2, 0.6), 4)
        _flow(planner, draft, first_category=first, limit=limit, variant="returned", stop="returned")
        return
    if story == "open_warning":
        # Most of the time limit used up, not all of it: 预警 (yellow) whenever the demo is seeded.
        draft.registered_at = _warning_start(planner, limit)
        _flow(planner, draft, first_category=category, limit=limit, variant="single", stop="handling")
        return
    hours = {
        "open_handling": rng.uniform(2.0, 24.0),
        "open_overdue": limit[0] / 3600 + 7 + rng.uniform(1.0, 14.0),  # past the last day of the limit
        "open_extension": rng.uniform(10.0, 22.0),
        "open_joint": rng.uniform(2.0, 18.0),
        "open_replied": rng.uniform(6.0, 30.0),
        "open_closed": rng.uniform(12.0, 34.0),
    }[story]
    draft.registered_at = planner.ago(hours)
    if story in ("open_handling", "open_overdue"):
        _flow(planner, draft, first_category=category, limit=limit, variant="single", stop="handling")
    elif story == "open_extension":
        _flow(planner, draft, first_category=category, limit=limit, variant="extension_pending")
    elif story == "open_joint":
        _flow(planner, draft, first_category=category, limit=limit, variant="standard", stop="joint")
    elif story == "open_replied":
        _flow(planner, draft, first_category=category, limit=limit, variant="single", stop="replied")
    else:
        _flow(planner, draft, first_category=category, limit=limit, variant="single" if single else "standard",
              stop="closed")  # fmt: skip
    # Whatever the flow drew after `now` has not happened yet: pull the open state's steps before it.
    steps = draft.steps
    if steps and steps[-1].at >= planner.now:
        span = steps[-1].at - draft.registered_at
        room = planner.now - timedelta(minutes=rng.randint(3, 40)) - draft.registered_at
        scale = room / span if span.total_seconds() > 0 else 0
        draft.steps = [
            Step(**{**s.__dict__, "at": (draft.registered_at + (s.at - draft.registered_at) * scale).replace(microsecond=0)})
            for s in steps
        ]  # fmt: skip


def _warning_start(planner: _Planner, limit: tuple[float, bool]) -> datetime:
    """A registration moment that leaves 4–16 % of the overall time limit at `now`."""
    calendar, now = planner.calendar, planner.now
    seconds, _natural = limit
    days = round(seconds / calendar.seconds_per_day)
    start = planner.ago(seconds / 3600 * 0.85)
    for tenths in range(round(seconds / 360 * 0.6), round(seconds / 360 * 1.3)):
        start = planner.ago(tenths / 10)
        deadline = calendar.add_working_days(start, days)
        budget = calendar.working_seconds_between(start, deadline)
        remaining = calendar.working_seconds_between(now, deadline)
        if 0.04 * budget < remaining <= 0.16 * budget:
            break
    return start
