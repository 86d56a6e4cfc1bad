"""Fixed vocabularies of 一网通办: life and business themes for browsing, online depth labels."""

from __future__ import annotations

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
    2: "Ⅱ级（网上预审）",
    3: "Ⅲ级（网上受理，到现场一次）",
    4: "Ⅳ级（全程网办，零跑动）",
}

DEFAULT_PROCESS = "yiwang_tongban"
