"""The departments of 示范市: the city government and its bureaus, the service and command
centres, and for each district its government, service centre, 市场监管 and 城管 bureaus, plus one
street office per district and a residents' committee.

Codes are stable slugs (`city-amr`, `d02-amr`); USCCs are built with authority 1 (机构编制) from
the unit's region code and a serial derived from the slug, so they never change between runs."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from yiwang.core import identifiers
from yiwang.core.models import Organization, Region
from yiwang.demo.geography import CITY_CODE, CITY_NAME, DISTRICTS
from yiwang.demo.records import Outcome, upsert

Type = Organization.Type


@dataclass(frozen=True)
class OrganizationSpec:
    code: str
    name: str
    short_name: str
    type: str
    region_code: str
    parent_code: str | None
    address: str

    @property
    def uscc(self) -> str:
        # Authority 1 (机构编制); entity type 1 for 机关, 2 for 事业单位.
        entity_type = "2" if self.type in (Type.INSTITUTION, Type.CENTER) else "1"
        serial = 10_000_000 + zlib.crc32(self.code.encode()) % 90_000_000
        return identifiers.uscc_code(self.region_code, serial, authority="1", entity_type=entity_type)

    @property
    def phone(self) -> str:
        # Fictional 0599 area code (unassigned in mainland China) and a number derived from the slug.
        return f"0599-{8000_0000 + zlib.crc32(self.code.encode()) % 1000_0000}"


# (slug suffix, name, short name, type, parent suffix or None)
_CITY_UNITS: tuple[tuple[str, str, str, str, str | None], ...] = (
    ("gov", "示范市人民政府", "市政府", Type.GOVERNMENT, None),
    ("zwfw", "示范市政务服务和数据管理局", "市数据局", Type.DEPARTMENT, "gov"),
    ("amr", "示范市市场监督管理局", "市市场监管局", Type.DEPARTMENT, "gov"),
    ("psb", "示范市公安局", "市公安局", Type.DEPARTMENT, "gov"),
    ("hrss", "示范市人力资源和社会保障局", "市人社局", Type.DEPARTMENT, "gov"),
    ("health", "示范市卫生健康委员会", "市卫健委", Type.DEPARTMENT, "gov"),
    ("housing", "示范市住房和城乡建设局", "市住建局", Type.DEPARTMENT, "gov"),
    ("nrp", "示范市自然资源和规划局", "市自然资源局", Type.DEPARTMENT, "gov"),
    ("eco", "示范市生态环境局", "市生态环境局", Type.DEPARTMENT, "gov"),
    ("transport", "示范市交通运输局", "市交通局", Type.DEPARTMENT, "gov"),
    ("civil", "示范市民政局", "市民政局", Type.DEPARTMENT, "gov"),
    ("edu", "示范市教育局", "市教育局", Type.DEPARTMENT, "gov"),
    ("urban", "示范市城市管理局", "市城管局", Type.DEPARTMENT, "gov"),
    ("tax", "国家税务总局示范市税务局", "市税务局", Type.DEPARTMENT, "gov"),
    ("center", "示范市政务服务中心", "市政务服务中心", Type.CENTER, "zwfw"),
    ("12345", "示范市12345政务服务便民热线中心", "12345热线", Type.INSTITUTION, "zwfw"),
    ("ioc", "示范市城市运行管理指挥中心", "市运管中心", Type.INSTITUTION, "gov"),
    # Appended (not inserted) so the addresses of the units above stay where they were.
    ("medins", "示范市医疗保障局", "市医保局", Type.DEPARTMENT, "gov"),
    ("culture", "示范市文化广电和旅游局", "市文广旅局", Type.DEPARTMENT, "gov"),
    ("emergency", "示范市应急管理局", "市应急局", Type.DEPARTMENT, "gov"),
    ("agri", "示范市农业农村局", "市农业农村局", Type.DEPARTMENT, "gov"),
)

_DISTRICT_UNITS: tuple[tuple[str, str, str, str, str | None], ...] = (
    ("gov", "{d}人民政府", "{d}政府", Type.GOVERNMENT, None),
    ("center", "{d}政务服务中心", "{d}政务服务中心", Type.CENTER, "gov"),
    ("amr", "{d}市场监督管理局", "{d}市场监管局", Type.DEPARTMENT, "gov"),
    ("urban", "{d}城市管理局", "{d}城管局", Type.DEPARTMENT, "gov"),
)


def district_slug(district_code: str) -> str:
    """ "329902" → "d02"."""
    return f"d{district_code[-2:]}"


def organization_specs() -> list[OrganizationSpec]:
    """Every organisation, parents before children."""
    specs = [
        OrganizationSpec(
            code=f"city-{suffix}",
            name=name,
            short_name=short,
            type=kind,
            region_code=CITY_CODE,
            parent_code=f"city-{parent}" if parent else None,
            address=f"{CITY_NAME}东湖区人民路{1 + index * 2}号",
        )
        for index, (suffix, name, short, kind, parent) in enumerate(_CITY_UNITS)
    ]
    for district_code, (district_name, streets) in DISTRICTS.items():
        slug = district_slug(district_code)
        for index, (suffix, name, short, kind, parent) in enumerate(_DISTRICT_UNITS):
            specs.append(
                OrganizationSpec(
                    code=f"{slug}-{suffix}",
                    name=f"{CITY_NAME}{name.format(d=district_name)}",
                    short_name=short.format(d=district_name),
                    type=kind,
                    region_code=district_code,
                    # A district government reports to the city government.
                    parent_code=f"{slug}-{parent}" if parent else "city-gov",
                    address=f"{CITY_NAME}{district_name}建设路{8 + index * 2}号",
                )
            )
        first_street, communities = streets[0]
        street_code = f"{district_code}001"
        specs.append(
            OrganizationSpec(
                code=f"{slug}-s001",
                name=f"{CITY_NAME}{district_name}{first_street}办事处",
                short_name=first_street,
                type=Type.STREET_OFFICE,
                region_code=street_code,
                parent_code=f"{slug}-gov",
                address=f"{CITY_NAME}{district_name}{first_street}和平路18号",
            )
        )
        if district_code == "329902":
            specs.append(
                OrganizationSpec(
                    code=f"{slug}-s001-c001",
                    name=f"{CITY_NAME}{district_name}{first_street}{communities[0]}居民委员会",
                    short_name=communities[0],
                    type=Type.COMMUNITY,
                    region_code=f"{street_code}001",
                    parent_code=f"{slug}-s001",
                    address=f"{CITY_NAME}{district_name}{first_street}{communities[0]}服务中心",
                )
            )
    return specs


def seed_organizations(regions: dict[str, Region]) -> tuple[dict[str, Organization], int]:
    """Create or update every organisation; returns (code → Organization, how many were created)."""
    organizations: dict[str, Organization] = {}
    created = 0
    for spec in organization_specs():
        organization, outcome = upsert(
            Organization,
            lookup={"code": spec.code},
            values={
                "name": spec.name,
                "short_name": spec.short_name,
                "uscc": spec.uscc,
                "type": spec.type,
                "region": regions[spec.region_code],
                "parent": organizations[spec.parent_code] if spec.parent_code else None,
                "phone": spec.phone,
                "address": spec.address,
                "is_active": True,
            },
        )
        created += outcome is Outcome.CREATED
        organizations[spec.code] = organization
    return organizations, created
