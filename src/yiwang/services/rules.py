"""The rules a service item must meet: what a draft must hold (`storable_problems`) and what must hold
before a version is published (`publish_problems`, `material_problems`). Pure checks, no writes: the
catalogue actions and the Excel import's checking (`excel.catalogue_plan`) both use them."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist, ValidationError

from yiwang.core import dictionaries
from yiwang.core.errors import DomainError
from yiwang.core.forms.schema import form_problems
from yiwang.identity.actor import Actor
from yiwang.services import codes
from yiwang.services.constants import THEMES
from yiwang.services.models import MaterialRequirement, ServiceItem
from yiwang.workflow.selectors import definitions_for

SUBJECTS = {choice.value for choice in ServiceItem.ServedSubject}


@dataclass(frozen=True)
class Problem:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


def _field_label(model: type[ServiceItem] | type[MaterialRequirement], name: str) -> str:
    try:
        return str(getattr(model._meta.get_field(name), "verbose_name", name))
    except FieldDoesNotExist:  # "__all__" has no label
        return ""


def storable_problems(item: ServiceItem) -> list[Problem]:
    """What must hold even for a draft: field formats and the database's own rules."""
    problems: list[Problem] = []
    try:
        item.full_clean(exclude=["uid", "served_subjects"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            label = _field_label(ServiceItem, field)
            problems.extend(Problem(field, f"{label}：{m}" if label else m) for m in messages)
    if not 1 <= (item.online_depth or 0) <= 4:
        problems.append(Problem("online_depth", "网上办理深度应为 1–4（Ⅰ–Ⅳ 级）"))
    elif item.online_depth == 4 and item.site_visits != 0:
        problems.append(Problem("site_visits", "网上办理深度为Ⅳ级（全程网办）时，到办事现场次数应为 0"))
    if (
        isinstance(item.promised_days, int)
        and isinstance(item.statutory_days, int)
        and item.promised_days > item.statutory_days
    ):
        problems.append(Problem("promised_days", "承诺办结时限不能超过法定办结时限"))
    if not isinstance(item.served_subjects, list) or not set(item.served_subjects) <= SUBJECTS:
        problems.append(Problem("served_subjects", "服务对象只能是 person（自然人）、enterprise（法人）"))
    if not isinstance(item.themes, list) or not set(item.themes) <= set(THEMES):
        problems.append(Problem("themes", f"主题分类只能取：{'、'.join(THEMES)}"))
    if not isinstance(item.form_schema, dict) or not isinstance(item.form_ui, dict):
        problems.append(Problem("form_schema", "申请表 JSON Schema 和界面提示应为对象"))
    return problems


def publish_problems(item: ServiceItem, materials: list[MaterialRequirement] | None = None) -> list[Problem]:
    """Everything that must hold before an item version is published (also used by the Excel import
    on unsaved items). `materials` default to the item's saved materials."""
    problems = storable_problems(item)
    if materials is None:
        materials = list(item.materials.all()) if item.pk else []
    if not item.name.strip():
        problems.append(Problem("name", "事项名称不能为空"))
    organization = item.organization if item.organization_id else None
    for message in codes.code_problems(
        basic_code=item.basic_code,
        implementation_code=item.implementation_code,
        organization_uscc=organization.uscc if organization else "",
        level=item.level,
    ):
        problems.append(Problem("implementation_code", message))
    try:
        dictionaries.validate_dictionary_code("item_type", item.item_type)
    except ValidationError as exc:
        problems.append(Problem("item_type", f"事项类型无效：{exc.messages[0]}"))
    except DomainError:
        problems.append(Problem("item_type", "事项类型字典 item_type 不存在"))
    if isinstance(item.served_subjects, list) and not item.served_subjects:
        problems.append(Problem("served_subjects", "请至少选择一类服务对象（自然人或法人）"))
    if item.is_charged and not item.fee_standard.strip():
        problems.append(Problem("fee_standard", "收费事项应填写收费标准"))
    if not definitions_for(Actor.system(), status="published", code=item.process_definition_code).exists():
        problems.append(Problem("process_definition_code", f"流程定义 {item.process_definition_code} 未发布"))
    material_codes = [m.code for m in materials]
    for message in form_problems(item.form_schema, item.form_ui, material_codes=material_codes):
        problems.append(Problem("form_schema", message))
    for material in materials:
        problems.extend(Problem(f"materials.{material.code}", m) for m in material_problems(material))
    if len(set(material_codes)) != len(material_codes):
        problems.append(Problem("materials", "申请材料编码重复"))
    return problems


def material_problems(material: MaterialRequirement) -> list[str]:
    problems: list[str] = []
    try:
        material.full_clean(exclude=["item"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            label = _field_label(MaterialRequirement, field) or field
            problems.extend(f"{material.name or material.code} {label}：{m}" for m in messages)
    label = material.name or material.code
    if material.requirement == MaterialRequirement.Requirement.CONDITIONAL and not material.condition.strip():
        problems.append(f"{label}：容缺/情形材料应写明适用情形")
    if material.source == MaterialRequirement.Source.LICENCE and not material.licence_type_code:
        problems.append(f"{label}：来源为电子证照时应填写电子证照类型")
    if material.source == MaterialRequirement.Source.DATA and not material.data_resource_code:
        problems.append(f"{label}：来源为共享数据时应填写共享数据资源")
    if not isinstance(material.formats, list) or not all(
        isinstance(f, str) and f.isalnum() for f in material.formats
    ):
        problems.append(f'{label}：格式应为扩展名列表，如 ["pdf", "jpg"]')
    return problems
