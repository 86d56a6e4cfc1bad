"""The 12345 派单目录 of 示范市 as plain data: matter categories (top level → optional middle level →
leaf) and, per leaf, who handles it (主办 lead, 协办 assists) city-wide and, for matters that the
district bureaus handle on the street, per district.

The categories follow the way 12345 centres classify citizen requests in practice (GB/T 33358
and the 国办发〔2020〕53号 catalogue habits: 城乡建设, 市容环境, 交通出行, 劳动社保, 市场监管,
生态环境, …); every leaf is one distinct matter a caller can raise. Complex leaves (历史遗留,
拆迁安置, 烂尾交付, 预付卡跑路) get the 15-working-day limit instead of 5.

Routing uses only departments of `yiwang.demo.organizations`: 示范市 has no water or gas company
and no district environment bureau, so 供水/燃气 go to 市城管局 (市政公用) and the environmental
side of district matters is assisted by 市生态环境局. Nothing here touches the database; the
hotline app loads it.
"""

from __future__ import annotations

from dataclasses import dataclass

from yiwang.demo.geography import DISTRICTS
from yiwang.demo.organizations import district_slug

GENERAL = "general"
COMPLEX = "complex"


@dataclass(frozen=True)
class CategorySpec:
    code: str
    name: str
    parent: str | None
    complexity: str = GENERAL
    keywords: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class AssignmentSpec:
    """Who handles `category` in `region` (a district code; None = 全市)."""

    category: str
    region: str | None
    lead: str
    assists: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Leaf:
    code: str  # last segment; the full code is parent code + "." + this
    name: str
    keywords: tuple[str, ...]
    description: str
    lead: str  # city-level 主办
    assists: tuple[str, ...] = ()
    # Per-district routing; "{d}" is replaced by the district slug ("d02").
    district_lead: str | None = None
    district_assists: tuple[str, ...] = ()
    complexity: str = GENERAL


@dataclass(frozen=True)
class _Group:
    code: str
    name: str
    children: tuple[_Leaf | _Group, ...]
    description: str = ""


_D_URBAN = "{d}-urban"
_D_AMR = "{d}-amr"
_D_STREET = "{d}-s001"

_TREE: tuple[_Group, ...] = (
    _Group(
        "city_appearance",
        "市容环境",
        (
            _Leaf(
                "street_vending",
                "占道经营",
                ("摆摊", "占道", "流动摊贩", "出店经营", "夜市"),
                "流动摊贩、店铺出店经营占用道路、人行道、广场经营。",
                "city-urban",
                district_lead=_D_URBAN,
            ),
            _Leaf(
                "garbage_collection",
                "垃圾清运不及时",
                ("垃圾桶", "垃圾站", "清运", "满溢", "大件垃圾"),
                "生活垃圾、大件垃圾堆积未清运，垃圾桶满溢，垃圾站臭味。",
                "city-urban",
                district_lead=_D_URBAN,
            ),
            _Leaf(
                "street_cleaning",
                "道路保洁与公厕",
                ("保洁", "清扫", "公厕", "卫生死角", "洒水车"),
                "道路、人行道、桥下等公共区域保洁不到位，公共厕所脏乱或不开放。",
                "city-urban",
                district_lead=_D_URBAN,
            ),
            _Leaf(
                "outdoor_ads",
                "户外广告与小广告",
                ("小广告", "广告牌", "招牌", "横幅", "牛皮癣"),
                "乱张贴、乱涂写小广告，户外广告牌、店招松动或设置不规范，广告屏光污染。",
                "city-urban",
                district_lead=_D_URBAN,
            ),
            _Leaf(
                "greening",
                "园林绿化",
                ("树木", "修剪", "绿化带", "倒树", "绿地"),
                "行道树修剪、倒伏、病虫害，绿地毁坏、侵占，绿化养护不到位。",
                "city-urban",
                district_lead=_D_URBAN,
            ),
            _Leaf(
                "construction_waste",
                "建筑垃圾与渣土运输",
                ("渣土车", "建筑垃圾", "偷倒", "撒漏", "装修垃圾"),
                "渣土车撒漏、未密闭运输，建筑垃圾、装修垃圾偷倒乱倒。",
                "city-urban",
                ("city-psb",),
                district_lead=_D_URBAN,
                district_assists=("city-psb",),
            ),
        ),
    ),
    _Group(
        "urban_construction",
        "城乡建设",
        (
            _Leaf(
                "illegal_construction",
                "违法建设",
                ("违章搭建", "违建", "加盖", "私搭乱建", "彩钢棚"),
                "私搭乱建、楼顶加盖、扩建阳台、侵占公共部位搭建。",
                "city-urban",
                ("city-nrp",),
                district_lead=_D_URBAN,
                district_assists=(_D_STREET,),
            ),
            _Leaf(
                "demolition_resettlement",
                "征收拆迁与安置",
                ("拆迁", "征收", "安置房", "过渡费", "补偿款"),
                "房屋征收补偿、安置房交付、过渡费发放、拆迁遗留问题。",
                "city-housing",
                ("city-nrp",),
                district_lead="{d}-gov",
                district_assists=("city-housing",),
                complexity=COMPLEX,
            ),
            _Leaf(
                "building_safety",
                "房屋安全隐患",
                ("危房", "裂缝", "承重墙", "外墙脱落", "房屋鉴定"),
                "房屋开裂、外墙脱落、拆改承重结构、危房等房屋使用安全。",
                "city-housing",
            ),
            _Leaf(
                "site_dust",
                "建筑工地扬尘",
                ("工地", "扬尘", "防尘网", "洒水降尘", "裸土"),
                "建筑、拆除、道路施工工地扬尘防治措施不落实。",
                "city-housing",
                ("city-eco",),
            ),
        ),
    ),
    _Group(
        "municipal",
        "市政公用设施",
        (
            _Leaf(
                "road_damage",
                "道路破损",
                ("坑", "路面", "塌陷", "人行道砖", "盲道"),
                "道路、人行道、盲道、减速带破损、塌陷、坑洼。",
                "city-urban",
                district_lead=_D_URBAN,
            ),
            _Leaf(
                "manhole_cover",
                "井盖缺失破损",
                ("井盖", "窨井", "雨水篦子"),
                "井盖缺失、破损、松动、下沉，雨水篦子丢失。",
                "city-urban",
                district_lead=_D_URBAN,
            ),
            _Leaf(
                "street_lights",
                "路灯照明",
                ("路灯", "不亮", "灯杆", "照明"),
                "路灯不亮、白天亮灯、灯杆损坏，道路缺少照明。",
                "city-urban",
                district_lead=_D_URBAN,
            ),
            _Leaf(
                "drainage",
                "排水与积水",
                ("下水道", "积水", "堵塞", "污水外溢", "化粪池"),
                "下水道堵塞、污水外溢、道路和小区积水、化粪池满溢。",
                "city-urban",
                district_lead=_D_URBAN,
            ),
            _Leaf(
                "water_supply",
                "供水",
                ("停水", "水压", "水质", "自来水", "水表"),
                "停水、水压低、水质异常、供水管道爆管、水表水费。",
                "city-urban",
                ("city-housing",),
            ),
            _Leaf(
                "gas_supply",
                "燃气",
                ("燃气", "天然气", "煤气", "漏气", "停气"),
                "燃气泄漏、停气、燃气开通与收费、燃气设施安全。",
                "city-urban",
                ("city-emergency",),
            ),
        ),
    ),
    _Group(
        "transport",
        "交通出行",
        (
            _Leaf(
                "bus",
                "公交线路站点",
                ("公交", "站台", "线路", "班次", "末班车"),
                "公交线路、站点设置、班次间隔，公交司机服务。",
                "city-transport",
            ),
            _Leaf(
                "taxi",
                "出租车与网约车",
                ("出租车", "网约车", "拒载", "绕路", "不打表"),
                "出租车、网约车拒载、绕路、议价、服务态度，遗失物品查找。",
                "city-transport",
            ),
            _Leaf(
                "illegal_parking",
                "违法停车",
                ("违停", "乱停车", "堵车库", "消防通道", "僵尸车"),
                "机动车违停占用人行道、消防通道、出入口，长期停放的僵尸车。",
                "city-psb",
            ),
            _Leaf(
                "traffic_facilities",
                "交通信号与设施",
                ("红绿灯", "信号灯", "斑马线", "标志标线", "护栏"),
                "信号灯故障与配时，交通标志标线、护栏、减速设施设置。",
                "city-psb",
                ("city-transport",),
            ),
            _Leaf(
                "shared_bikes",
                "共享单车",
                ("共享单车", "共享电动车", "乱停放", "押金"),
                "共享单车、共享电动车乱停放、堆积、故障车，平台收费与押金。",
                "city-transport",
                district_lead=_D_URBAN,
                district_assists=("city-transport",),
            ),
        ),
    ),
    _Group(
        "labour",
        "劳动社保",
        (
            _Leaf(
                "wage_arrears",
                "拖欠工资",
                ("工资", "欠薪", "拖欠", "包工头", "农民工"),
                "用人单位、包工头拖欠、克扣劳动报酬。",
                "city-hrss",
            ),
            _Leaf(
                "labour_contract",
                "劳动合同与劳动关系",
                ("劳动合同", "辞退", "加班", "离职", "仲裁"),
                "未签劳动合同、违法解除、加班休假、离职证明等劳动关系问题。",
                "city-hrss",
            ),
            _Leaf(
                "social_insurance",
                "社会保险缴纳",
                ("社保", "断缴", "社保卡", "缴费基数", "转移"),
                "单位未缴、少缴社保，社保转移接续、社保卡、缴费记录。",
                "city-hrss",
                ("city-tax",),
            ),
            _Leaf(
                "pension",
                "养老金与退休",
                ("养老金", "退休", "工龄", "资格认证"),
                "退休审批、养老金核定与发放、工龄认定、领取资格认证。",
                "city-hrss",
            ),
            _Leaf(
                "medical_insurance",
                "医疗保障",
                ("医保", "报销", "异地备案", "慢特病", "医保卡"),
                "医保参保缴费、报销待遇、异地就医备案、医保卡与电子凭证、骗保线索。",
                "city-medins",
            ),
            _Leaf(
                "employment",
                "就业创业",
                ("就业补贴", "创业贷款", "失业登记", "技能培训", "招聘"),
                "就业创业补贴、职业培训、失业登记、招聘求职与人才政策。",
                "city-hrss",
            ),
        ),
    ),
    _Group(
        "market",
        "市场监管",
        (
            _Leaf(
                "food_safety",
                "食品安全",
                ("过期", "变质", "异物", "后厨", "拉肚子"),
                "食品过期变质、异物、餐饮卫生、无证经营食品、食物中毒。",
                "city-amr",
                district_lead=_D_AMR,
            ),
            _Leaf(
                "price",
                "价格与收费",
                ("明码标价", "乱收费", "价格欺诈", "哄抬", "收费标准"),
                "未明码标价、价格欺诈、乱收费、哄抬价格。",
                "city-amr",
                district_lead=_D_AMR,
            ),
            _Leaf(
                "consumer_dispute",
                "消费纠纷",
                ("退货", "退款", "售后", "三包", "定金"),
                "购物、服务消费中的退换货、售后、定金、质量争议。",
                "city-amr",
                district_lead=_D_AMR,
            ),
            _Leaf(
                "prepaid_card",
                "预付卡消费",
                ("办卡", "会员卡", "预付卡", "储值", "跑路"),
                "健身、美容美发、餐饮等商家办卡充值后关门、转让、拒绝退卡。",
                "city-amr",
                district_lead=_D_AMR,
                complexity=COMPLEX,
            ),
            _Leaf(
                "product_quality",
                "产品质量与假冒伪劣",
                ("假货", "假冒", "三无", "计量", "质量问题"),
                "假冒伪劣、三无产品、计量器具不准、工业产品质量。",
                "city-amr",
                district_lead=_D_AMR,
            ),
            _Leaf(
                "elevator",
                "电梯安全",
                ("电梯", "困人", "年检", "扶梯", "维保"),
                "电梯故障、困人、超期未检、维保不到位等特种设备安全。",
                "city-amr",
                ("city-housing",),
                district_lead=_D_AMR,
                district_assists=("city-housing",),
            ),
        ),
    ),
    _Group(
        "ecology",
        "生态环境",
        (
            _Group(
                "noise",
                "噪声污染",
                (
                    _Leaf(
                        "construction",
                        "施工噪声",
                        ("施工", "工地", "打桩", "夜间施工", "破碎锤"),
                        "建筑、市政、拆除工地噪声，夜间违规施工。",
                        "city-urban",
                        ("city-eco",),
                        district_lead=_D_URBAN,
                        district_assists=("city-eco",),
                    ),
                    _Leaf(
                        "social_life",
                        "社会生活噪声",
                        ("广场舞", "音响", "喇叭", "KTV", "邻居"),
                        "商铺喇叭、娱乐场所、广场舞、邻里和装修等社会生活噪声。",
                        "city-urban",
                        ("city-psb",),
                        district_lead=_D_URBAN,
                        district_assists=("city-psb",),
                    ),
                    _Leaf(
                        "industrial",
                        "工业噪声",
                        ("工厂", "机器", "生产线", "风机", "夜间生产"),
                        "工厂、作坊生产设备噪声。",
                        "city-eco",
                    ),
                ),
            ),
            _Group(
                "air",
                "大气污染",
                (
                    _Leaf(
                        "industrial_emission",
                        "工业废气与异味",
                        ("废气", "异味", "烟囱", "偷排", "刺鼻"),
                        "企业废气排放、异味、黑烟、喷漆等挥发性气体。",
                        "city-eco",
                    ),
                    _Leaf(
                        "cooking_fumes",
                        "餐饮油烟",
                        ("油烟", "排烟", "净化器", "烧烤烟"),
                        "餐饮单位油烟直排、净化设施缺失、排烟口设置不当。",
                        "city-urban",
                        ("city-eco",),
                        district_lead=_D_URBAN,
                        district_assists=("city-eco",),
                    ),
                    _Leaf(
                        "open_burning",
                        "露天焚烧",
                        ("焚烧", "烧垃圾", "秸秆", "烧东西"),
                        "露天焚烧垃圾、秸秆、树叶、废旧物品。",
                        "city-urban",
                        ("city-eco",),
                        district_lead=_D_URBAN,
                    ),
                ),
            ),
            _Leaf(
                "water_pollution",
                "水污染",
                ("河道", "黑臭", "排污", "死鱼", "污水"),
                "河道、湖塘黑臭，企业和养殖场排污，水源地污染。",
                "city-eco",
                ("city-urban",),
            ),
        ),
    ),
    _Group(
        "education",
        "教育",
        (
            _Leaf(
                "enrollment",
                "入学招生",
                ("入学", "学区", "转学", "学位", "招生"),
                "义务教育和学前教育入学、学区划分、转学、随迁子女就学。",
                "city-edu",
            ),
            _Leaf(
                "off_campus_training",
                "校外培训",
                ("培训机构", "辅导班", "补课", "退费", "托管班"),
                "校外培训机构违规培训、无资质办学、停课退费。",
                "city-edu",
            ),
            _Leaf(
                "school_fees",
                "学校收费",
                ("资料费", "校服", "班费", "课后服务", "乱收费"),
                "学校、幼儿园违规收费、强制收费、代收费。",
                "city-edu",
            ),
            _Leaf(
                "teacher_conduct",
                "师德师风与校园管理",
                ("老师", "体罚", "收礼", "有偿补课", "欺凌"),
                "教师体罚、收受礼金、有偿补课，校园欺凌处理。",
                "city-edu",
            ),
        ),
    ),
    _Group(
        "health",
        "卫生健康",
        (
            _Leaf(
                "medical_service",
                "医疗服务",
                ("医院", "医生", "挂号", "医疗纠纷", "急诊"),
                "医疗机构服务态度、看病难、过度检查、医疗纠纷、急救。",
                "city-health",
            ),
            _Leaf(
                "vaccination",
                "预防接种",
                ("疫苗", "接种", "预约", "接种证"),
                "疫苗预约与供应、接种反应、接种证补办。",
                "city-health",
            ),
            _Leaf(
                "illegal_practice",
                "非法行医",
                ("黑诊所", "无证行医", "游医", "输液"),
                "无资质行医、黑诊所、非法医疗美容、非法鉴定胎儿性别。",
                "city-health",
            ),
        ),
    ),
    _Group(
        "public_safety",
        "公共安全",
        (
            _Leaf(
                "dogs",
                "养犬管理",
                ("遛狗", "牵绳", "狗咬", "流浪狗", "烈性犬"),
                "不文明养犬、犬只伤人、烈性犬、流浪犬、犬证办理。",
                "city-psb",
                ("city-urban",),
            ),
            _Leaf(
                "fire_hazard",
                "消防安全隐患",
                ("电动车充电", "飞线", "楼道堆物", "灭火器", "消防通道"),
                "楼道堆物、电动车进楼充电、飞线充电、消防设施损坏、三合一场所。",
                "city-emergency",
                district_lead="{d}-gov",
                district_assists=("city-emergency",),
            ),
            _Leaf(
                "public_order",
                "治安与诈骗",
                ("诈骗", "被盗", "赌博", "骚扰", "被骗"),
                "电信网络诈骗、盗窃、赌博、骚扰滋事等治安问题。",
                "city-psb",
            ),
            _Leaf(
                "work_safety",
                "安全生产",
                ("安全生产", "危化品", "防护", "隐患", "作业"),
                "企业安全生产隐患、危险化学品、作业防护、非法经营成品油。",
                "city-emergency",
            ),
        ),
    ),
    _Group(
        "housing",
        "住房物业",
        (
            _Leaf(
                "property_management",
                "物业服务",
                ("物业", "物业费", "业委会", "保安", "公共收益"),
                "物业服务质量、物业收费、公共收益、业委会成立与物业更换。",
                "city-housing",
                district_lead="city-housing",
                district_assists=(_D_STREET,),
            ),
            _Leaf(
                "maintenance_fund",
                "住宅专项维修资金",
                ("维修基金", "维修资金", "续筹", "应急维修"),
                "维修资金的查询、使用申请、续筹、退还与挪用。",
                "city-housing",
            ),
            _Leaf(
                "property_certificate",
                "不动产登记与办证",
                ("房产证", "不动产", "过户", "产权", "抵押"),
                "不动产登记办理，以及交房多年办不了证等历史遗留办证问题。",
                "city-nrp",
                ("city-housing",),
                complexity=COMPLEX,
            ),
            _Leaf(
                "rental",
                "房屋租赁与中介",
                ("房东", "租客", "押金", "中介", "群租"),
                "租赁押金、租金纠纷、中介违规、群租房、长租公寓。",
                "city-housing",
            ),
            _Leaf(
                "new_home_delivery",
                "商品房交付与质量",
                ("开发商", "交房", "烂尾", "延期交房", "质量问题"),
                "开发商延期交房、房屋质量、虚假宣传、烂尾楼。",
                "city-housing",
                ("city-nrp",),
                complexity=COMPLEX,
            ),
            _Leaf(
                "public_housing",
                "保障性住房",
                ("公租房", "廉租房", "保障房", "人才公寓", "租赁补贴"),
                "公租房、保障性租赁住房、人才公寓的申请、分配、管理。",
                "city-housing",
            ),
        ),
    ),
    _Group(
        "civil_affairs",
        "民政",
        (
            _Leaf(
                "elderly_care",
                "养老服务",
                ("高龄补贴", "养老院", "居家养老", "助餐", "老人"),
                "高龄补贴、养老机构服务与收费、居家社区养老服务。",
                "city-civil",
            ),
            _Leaf(
                "subsistence_allowance",
                "低保与社会救助",
                ("低保", "救助", "特困", "残疾人补贴", "流浪"),
                "最低生活保障、特困供养、临时救助、残疾人两项补贴、流浪乞讨救助。",
                "city-civil",
            ),
            _Leaf(
                "marriage_registration",
                "婚姻登记",
                ("结婚证", "离婚", "婚姻登记", "领证"),
                "结婚、离婚、补领婚姻登记证与婚姻状况查询。",
                "city-civil",
            ),
        ),
    ),
    _Group(
        "government_services",
        "政务服务",
        (
            _Leaf(
                "service_attitude",
                "窗口服务与办事效率",
                ("窗口", "态度", "跑腿", "排队", "政务服务中心"),
                "政务服务中心窗口服务态度、办事效率、来回跑、推诿。",
                "city-zwfw",
                district_lead="{d}-center",
            ),
            _Leaf(
                "household_registration",
                "户籍与证件",
                ("户口", "身份证", "居住证", "迁移", "护照"),
                "户口登记迁移、身份证、居住证、出入境证件办理。",
                "city-psb",
            ),
            _Leaf(
                "tax",
                "税务",
                ("个税", "发票", "退税", "纳税", "偷税"),
                "个人所得税、发票、退税、纳税咨询与涉税举报。",
                "city-tax",
            ),
            _Leaf(
                "business_registration",
                "企业开办与登记",
                ("营业执照", "个体户", "注销", "变更", "经营范围"),
                "营业执照办理、变更、注销，个体工商户登记，经营异常名录。",
                "city-amr",
                ("city-center",),
            ),
            _Leaf(
                "online_platform",
                "网上办事平台",
                ("APP", "网上办事", "登录", "人脸识别", "系统"),
                "政务服务网、APP、小程序的登录、认证、提交、查询故障。",
                "city-zwfw",
            ),
        ),
    ),
)


def _walk(
    nodes: tuple[_Leaf | _Group, ...], parent: str | None
) -> tuple[list[CategorySpec], list[AssignmentSpec]]:
    categories: list[CategorySpec] = []
    assignments: list[AssignmentSpec] = []
    for node in nodes:
        code = f"{parent}.{node.code}" if parent else node.code
        if isinstance(node, _Group):
            categories.append(CategorySpec(code, node.name, parent, description=node.description))
            more_categories, more_assignments = _walk(node.children, code)
            categories += more_categories
            assignments += more_assignments
            continue
        categories.append(
            CategorySpec(code, node.name, parent, node.complexity, node.keywords, node.description)
        )
        assignments.append(AssignmentSpec(code, None, node.lead, node.assists))
        if node.district_lead is not None:
            for district_code in DISTRICTS:
                slug = district_slug(district_code)
                assignments.append(
                    AssignmentSpec(
                        code,
                        district_code,
                        node.district_lead.format(d=slug),
                        tuple(assist.format(d=slug) for assist in node.district_assists),
                    )
                )
    return categories, assignments


_categories, _assignments = _walk(_TREE, None)

# Parents before children, in display order.
CATEGORIES: tuple[CategorySpec, ...] = tuple(_categories)
ASSIGNMENTS: tuple[AssignmentSpec, ...] = tuple(_assignments)


def leaf_codes() -> list[str]:
    """The codes tickets are classified to, in catalogue order."""
    parents = {category.parent for category in CATEGORIES}
    return [category.code for category in CATEGORIES if category.code not in parents]


def assignment_for(category: str, region_code: str | None) -> AssignmentSpec:
    """The rule that applies to a ticket in `region_code` (any level: the district is its first six
    digits): the district's own rule if there is one, else the city-wide rule."""
    rules = {rule.region: rule for rule in ASSIGNMENTS if rule.category == category}
    if not rules:
        raise KeyError(category)
    district = region_code[:6] if region_code else None
    return rules.get(district, rules[None])
