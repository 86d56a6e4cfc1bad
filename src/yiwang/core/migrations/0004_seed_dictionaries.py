"""Seed the platform's base dictionaries (字典). Data only; the entries stay editable in the admin."""

from django.db import migrations

_TEXT = {"type": "string", "maxLength": 200}

DICTIONARIES = [
    {
        "code": "item_type",
        "name": "事项类型",
        "description": "政务服务事项的类型：十类行政权力与公共服务。",
        "entry_schema": {
            "type": "object",
            "properties": {
                "is_administrative_power": {"type": "boolean"},
                "default_statutory_days": {"type": "integer", "minimum": 0, "maximum": 365},
            },
            "required": ["is_administrative_power"],
            "additionalProperties": False,
        },
        "entries": [
            ("licensing", "行政许可", {"is_administrative_power": True, "default_statutory_days": 20}),
            ("benefit", "行政给付", {"is_administrative_power": True}),
            ("confirmation", "行政确认", {"is_administrative_power": True}),
            ("adjudication", "行政裁决", {"is_administrative_power": True}),
            ("reward", "行政奖励", {"is_administrative_power": True}),
            ("penalty", "行政处罚", {"is_administrative_power": True}),
            ("enforcement", "行政强制", {"is_administrative_power": True}),
            ("levy", "行政征收", {"is_administrative_power": True}),
            ("inspection", "行政检查", {"is_administrative_power": True}),
            ("other_power", "其他行政权力", {"is_administrative_power": True}),
            ("public_service", "公共服务", {"is_administrative_power": False}),
        ],
    },
    {
        "code": "ticket_type",
        "name": "诉求类型",
        "description": "12345 热线工单的诉求类型。",
        "entry_schema": {
            "type": "object",
            "properties": {
                "default_working_days": {"type": "integer", "minimum": 0, "maximum": 60},
                "needs_reply": {"type": "boolean"},
            },
            "additionalProperties": False,
        },
        "entries": [
            ("consultation", "咨询", {"default_working_days": 1, "needs_reply": True}),
            ("help", "求助", {"default_working_days": 5, "needs_reply": True}),
            ("complaint", "投诉", {"default_working_days": 5, "needs_reply": True}),
            ("report", "举报", {"default_working_days": 10, "needs_reply": True}),
            ("suggestion", "建议", {"default_working_days": 10, "needs_reply": True}),
            ("praise", "表扬", {"default_working_days": 1, "needs_reply": False}),
        ],
    },
    {
        "code": "organization_type",
        "name": "单位类型",
        "description": "部门/单位的类型，与部门档案的“类型”一致。",
        "entry_schema": {},
        "entries": [
            ("government", "人民政府", {}),
            ("department", "政府部门", {}),
            ("institution", "事业单位", {}),
            ("street_office", "街道办事处", {}),
            ("community", "社区居委会", {}),
            ("center", "政务服务中心", {}),
            ("other", "其他", {}),
        ],
    },
    {
        "code": "gender",
        "name": "性别",
        "description": "GB/T 2261.1 人的性别代码。",
        "entry_schema": {
            "type": "object",
            "properties": {"gb_code": {"type": "string", "pattern": "^[0-9]$"}},
            "required": ["gb_code"],
            "additionalProperties": False,
        },
        "entries": [
            ("unknown", "未知的性别", {"gb_code": "0"}),
            ("male", "男", {"gb_code": "1"}),
            ("female", "女", {"gb_code": "2"}),
            ("unspecified", "未说明的性别", {"gb_code": "9"}),
        ],
    },
    {
        "code": "nation",
        "name": "民族",
        "description": "GB/T 3304 中国各民族名称的罗马字母拼写法和代码（节选，可在后台补充）。",
        "entry_schema": {
            "type": "object",
            "properties": {"letter_code": {"type": "string", "pattern": "^[A-Z]{2}$"}},
            "additionalProperties": False,
        },
        "entries": [
            ("01", "汉族", {"letter_code": "HA"}),
            ("02", "蒙古族", {"letter_code": "MG"}),
            ("03", "回族", {"letter_code": "HU"}),
            ("04", "藏族", {"letter_code": "ZA"}),
            ("05", "维吾尔族", {"letter_code": "UG"}),
            ("06", "苗族", {"letter_code": "MH"}),
            ("07", "彝族", {"letter_code": "YI"}),
            ("08", "壮族", {"letter_code": "ZH"}),
            ("09", "布依族", {"letter_code": "BY"}),
            ("10", "朝鲜族", {"letter_code": "CS"}),
            ("11", "满族", {"letter_code": "MA"}),
            ("12", "侗族", {"letter_code": "DO"}),
            ("13", "瑶族", {"letter_code": "YA"}),
            ("14", "白族", {"letter_code": "BA"}),
            ("15", "土家族", {"letter_code": "TJ"}),
            ("97", "其他", {}),
        ],
    },
    {
        "code": "certificate_type",
        "name": "证件类型",
        "description": "办事人身份证件的类型；number_pattern 为证件号码的格式（正则表达式）。",
        "entry_schema": {
            "type": "object",
            "properties": {
                "gb_code": {"type": "string", "pattern": "^[0-9]{3}$"},
                "number_pattern": {"type": "string", "format": "regex", "maxLength": 200},
                "checksum": {"type": "string", "enum": ["gb11643"]},
            },
            "required": ["number_pattern"],
            "additionalProperties": False,
        },
        "entries": [
            (
                "id_card",
                "居民身份证",
                {"gb_code": "111", "number_pattern": "^[0-9]{17}[0-9X]$", "checksum": "gb11643"},
            ),
            ("household_register", "居民户口簿", {"gb_code": "113", "number_pattern": "^[0-9]{17}[0-9X]$"}),
            (
                "hk_macao_permit",
                "港澳居民来往内地通行证",
                {"gb_code": "516", "number_pattern": "^[HM][0-9]{8,10}$"},
            ),
            ("taiwan_permit", "台湾居民来往大陆通行证", {"gb_code": "511", "number_pattern": "^[0-9]{8}$"}),
            ("hmt_residence_permit", "港澳台居民居住证", {"number_pattern": "^8[123]0000[0-9]{11}[0-9X]$"}),
            ("foreign_permanent_residence", "外国人永久居留身份证", {"number_pattern": "^[0-9A-Z]{15,18}$"}),
            ("passport", "护照", {"gb_code": "414", "number_pattern": "^[A-Z0-9]{5,17}$"}),
            ("other", "其他证件", {"number_pattern": "^.{1,50}$"}),
        ],
    },
]


def seed(apps, schema_editor):
    Dictionary = apps.get_model("core", "Dictionary")
    DictionaryEntry = apps.get_model("core", "DictionaryEntry")
    for spec in DICTIONARIES:
        dictionary, _ = Dictionary.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "description": spec["description"],
                "entry_schema": spec["entry_schema"],
            },
        )
        for order, (code, label, data) in enumerate(spec["entries"], start=1):
            DictionaryEntry.objects.update_or_create(
                dictionary=dictionary,
                code=code,
                defaults={"label": label, "data": data, "sort_order": order * 10, "is_active": True},
            )


def unseed(apps, schema_editor):
    Dictionary = apps.get_model("core", "Dictionary")
    Dictionary.objects.filter(code__in=[spec["code"] for spec in DICTIONARIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0003_seed_holiday_calendar")]
    operations = [migrations.RunPython(seed, unseed)]
