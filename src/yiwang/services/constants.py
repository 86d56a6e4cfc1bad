"""Fixed vocabularies of 一网通办: life and business themes for browsing, online depth labels."""

from __future__ import annotations

from typing import NamedTuple

PERSON_THEMES: dict[str, str] = {
    "birth": "生育收养",
    "household": "户籍办理",
    "education": "教育科研",
    "employment": "就业创业",
    "social_security": "社会保障",
    "marriage": "婚姻登记",
    "housing": "住房保障",
    "medical": "医疗卫生",
    "transport": "交通出行",
    "retirement": "退休养老",
    "death": "死亡殡葬",
    "certificates": "证件办理",
}

ENTERPRISE_THEMES: dict[str, str] = {
    "startup": "设立开办",
    "operation": "经营许可",
    "construction": "工程建设",
    "tax": "税费缴纳",
    "hiring": "用工招聘",
    "change": "变更登记",
    "investment": "投资审批",
    "environment": "环保审批",
    "deregistration": "注销清算",
}

THEMES: dict[str, str] = {**PERSON_THEMES, **ENTERPRISE_THEMES}

ONLINE_DEPTH_LABELS: dict[int, str] = {
    1: "Ⅰ级（网上咨询、表格下载）",
    2: "Ⅱ级（网上预审，到现场提交）",
    3: "Ⅲ级（网上受理，到现场一次）",
    4: "Ⅳ级（全程网办，零跑动）",
}

DEFAULT_PROCESS = "yiwang_tongban"
# The actions of DEFAULT_PROCESS that this app runs by code (`services.actions`): its contract with the
# engine (`workflow.contracts`), registered in ServicesConfig.ready.
PROCESS_CONTRACT_ACTIONS = (
    "accept",
    "refuse",
    "request_correction",
    "resubmit",
    "withdraw",
    "review",
    "return_for_correction",
    "resubmit_to_review",
    "approve",
    "deny",
    "complete",
)
# The actions that ask the applicant for a 补正 (their events carry the notice: reason, materials).
CORRECTION_ACTIONS = ("request_correction", "return_for_correction")
# 提交补正材料: the applicant's action in each state that waits for a 补正, going back to the step that
# asked for it (待受理 after the window's 补正, 审查中 after the reviewer's). An instance of an older
# definition version, which knew only `correction`, resubmits to 待受理 as it always did.
RESUBMIT_ACTIONS: dict[str, str] = {"correction": "resubmit", "review_correction": "resubmit_to_review"}

# Everyday words people type → words of the catalogue (used by `services.search`; each key found in a
# query adds the catalogue words as extra, slightly lower-weighted search terms).
SEARCH_SYNONYMS: dict[str, tuple[str, ...]] = {
    "开餐馆": ("食品经营", "餐饮"),
    "餐馆": ("食品经营", "餐饮"),
    "饭店": ("食品经营", "餐饮"),
    "小吃店": ("食品经营", "餐饮"),
    "卖吃的": ("食品经营",),
    "开店": ("个体工商户", "设立登记"),
    "开公司": ("企业", "设立登记"),
    "办公司": ("企业", "设立登记"),
    "注销公司": ("注销登记",),
    "生孩子": ("出生医学证明", "生育"),
    "生小孩": ("出生医学证明", "生育"),
    "新生儿": ("出生医学证明", "出生登记"),
    "上户口": ("户口", "出生登记"),
    "身份证": ("居民身份证",),
    "结婚": ("婚姻登记", "结婚登记"),
    "离婚": ("婚姻登记", "离婚登记"),
    "退休": ("养老保险", "退休"),
    "养老金": ("养老保险",),
    "社保": ("社会保险", "养老保险"),
    "失业": ("失业保险", "失业登记"),
    "盖房子": ("建设工程规划许可",),
    "建房": ("建设工程规划许可", "建设用地"),
    "驾照": ("机动车驾驶证",),
    "公积金": ("住房公积金",),
    "饭馆": ("食品经营", "餐饮"),
    "奶茶店": ("食品经营", "餐饮"),
    "注册公司": ("企业", "设立登记"),
}


class SearchIntent(NamedTuple):
    """What a person who types an everyday phrase needs: items by name (an item whose name is one of
    these or ends with it — 有限责任公司设立登记 for 公司设立登记), listed first in this order, and every
    item of some themes."""

    items: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()


_OPEN_RESTAURANT = SearchIntent(items=("食品经营许可", "个体工商户设立登记", "公司设立登记"))
_OPEN_BUSINESS = SearchIntent(items=("个体工商户设立登记", "公司设立登记"))

# Everyday phrases → the items they need (used by `services.search`; a phrase found in a query puts
# its items first, even when they share no word with it — 开餐馆 needs a business registration too).
SEARCH_INTENTS: dict[str, SearchIntent] = {
    "开餐馆": _OPEN_RESTAURANT,
    "开饭店": _OPEN_RESTAURANT,
    "开饭馆": _OPEN_RESTAURANT,
    "开小吃店": _OPEN_RESTAURANT,
    "开奶茶店": _OPEN_RESTAURANT,
    "开店": _OPEN_BUSINESS,
    "开公司": SearchIntent(items=("公司设立登记",)),
    "办公司": SearchIntent(items=("公司设立登记",)),
    "注册公司": SearchIntent(items=("公司设立登记",)),
    "办证": SearchIntent(themes=("certificates",)),
    "证件": SearchIntent(themes=("certificates",)),
}

# 特别程序 (检验、检测 … not counted against the time limit): code → name, as the yiwang_tongban
# definition's suspend action names them (its `oneOf`); the timeline falls back on these for
# events recorded under an older version of the definition.
SPECIAL_PROCEDURES: dict[str, str] = {
    "inspection": "检验",
    "testing": "检测",
    "quarantine": "检疫",
    "appraisal": "鉴定",
    "expert_review": "专家评审",
    "hearing": "听证",
    "publicity": "公示",
    "site_survey": "现场勘查",
    "bidding": "招标、拍卖",
}

# Working days one extension request (延期) may add when the definition's `extend` action sets no
# `max_extend_days`.
EXTENSION_LIMIT_DEFAULT = 365
