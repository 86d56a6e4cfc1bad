"""自然人 and 法人 of 示范市, generated from a fixed seed.

`generate_persons` and `generate_enterprises` are pure: the same seed yields the same records
(ID numbers, names, phones, UUIDs) without touching the database, which is what the tests compare.
`seed_subjects` inserts the records that are not stored yet."""

from __future__ import annotations

import itertools
import random
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from yiwang.core import identifiers
from yiwang.core.models import Enterprise, Person, Region
from yiwang.demo import names
from yiwang.demo.geography import CITY_NAME, community_codes, full_names
from yiwang.demo.records import insert_missing, primary_keys

DEFAULT_SEED = 2026
PERSON_COUNT = 10_000
ENTERPRISE_COUNT = 2_000

BIRTH_FIRST = date(1940, 1, 1)
BIRTH_LAST = date(2020, 12, 31)
ESTABLISHED_FIRST = date(1995, 1, 1)
ESTABLISHED_LAST = date(2025, 12, 31)
# Generated ID numbers use order codes 000–899; 900–999 are kept for the named demo people.
GENERATED_SEQUENCE_LIMIT = 900

_MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "139", "150", "151", "152", "153",
    "155", "156", "157", "158", "159", "166", "173", "175", "176", "177", "180", "181", "182",
    "183", "185", "186", "187", "188", "189", "191", "198", "199",
)  # fmt: skip  # 138 is kept for the demo accounts


@dataclass(frozen=True)
class PersonSpec:
    uid: uuid.UUID
    id_number: str
    name: str
    gender: str
    birth_date: date
    phone: str
    address: str
    region_code: str


@dataclass(frozen=True)
class EnterpriseSpec:
    uid: uuid.UUID
    uscc: str
    name: str
    type: str
    legal_representative: str  # the representative's id_number
    registered_capital: Decimal | None
    established_on: date
    address: str
    business_scope: str
    region_code: str


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _date_between(rng: random.Random, first: date, last: date) -> date:
    return date.fromordinal(rng.randint(first.toordinal(), last.toordinal()))


def _street_address(rng: random.Random, region_name: str) -> str:
    return (
        f"{CITY_NAME}{region_name}{rng.randint(1, 36)}幢{rng.randint(1, 4)}单元"
        f"{rng.randint(1, 18)}{rng.randint(1, 4):02d}室"
    )


def person_name(rng: random.Random, gender: str) -> str:
    surname = rng.choices(_SURNAMES, cum_weights=_SURNAME_WEIGHTS)[0]
    pool = names.MALE_GIVEN if gender == Person.Gender.MALE else names.FEMALE_GIVEN
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.65 else "")
    return surname + given


_SURNAMES = [surname for surname, _ in names.SURNAMES]
_SURNAME_WEIGHTS = list(itertools.accumulate(weight for _, weight in names.SURNAMES))


def generate_persons(count: int = PERSON_COUNT, *, seed: int = DEFAULT_SEED) -> list[PersonSpec]:
    """`count` people living in the city's communities; ID numbers and phones are unique."""
    rng = random.Random(seed * 7919 + 1)
    communities = community_codes()
    region_names = full_names()
    seen_ids: set[str] = set()
    seen_phones: set[str] = set()
    people: list[PersonSpec] = []
    while len(people) < count:
        community = rng.choice(communities)
        gender = Person.Gender.MALE if rng.random() < 0.51 else Person.Gender.FEMALE
        birth = _date_between(rng, BIRTH_FIRST, BIRTH_LAST)
        # GB 11643: the 17th digit (order code) is odd for men and even for women.
        sequence = rng.randrange(GENERATED_SEQUENCE_LIMIT // 2) * 2 + (gender == Person.Gender.MALE)
        id_number = identifiers.id_number(community[:6], birth, sequence)
        phone = rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if id_number in seen_ids or phone in seen_phones:
            continue
        seen_ids.add(id_number)
        seen_phones.add(phone)
        people.append(
            PersonSpec(
                uid=_uuid(rng),
                id_number=id_number,
                name=person_name(rng, gender),
                gender=gender,
                birth_date=birth,
                phone=phone,
                address=_street_address(rng, region_names[community]),
                region_code=community,
            )
        )
    return people


def _company_capital(rng: random.Random) -> Decimal:
    return Decimal(rng.choice((10, 30, 50, 100, 100, 200, 300, 500, 500, 1000, 2000, 5000, 10000)))


def generate_enterprises(
    persons: list[PersonSpec], count: int = ENTERPRISE_COUNT, *, seed: int = DEFAULT_SEED
) -> list[EnterpriseSpec]:
    """`count` market subjects: ~60% companies (91…), ~33% 个体工商户 (92…), 农民专业合作社 (93…)
    and 民办非企业单位 (52…); representatives are adults among `persons`."""
    rng = random.Random(seed * 7919 + 2)
    communities = community_codes()
    region_names = full_names()
    adults = [p for p in persons if p.birth_date.year <= 2000]
    seen_usccs: set[str] = set(reserved_usccs())
    seen_names: set[str] = set()
    result: list[EnterpriseSpec] = []
    while len(result) < count:
        community = rng.choice(communities)
        district_name = region_names[community[:6]]
        roll = rng.random()
        trade = rng.choice(names.TRADE_NAMES)
        capital: Decimal | None
        if roll < 0.60:
            kind, authority, entity = Enterprise.Type.COMPANY, "9", "1"
            industry, scope = rng.choice(names.COMPANY_INDUSTRIES)
            name = f"{CITY_NAME}{trade}{industry}有限公司"
            if name in seen_names:
                name = f"{CITY_NAME}{trade}{industry}{rng.choice(('发展', '实业', '集团', '服务'))}有限公司"
            capital = _company_capital(rng)
        elif roll < 0.93:
            kind, authority, entity = Enterprise.Type.INDIVIDUAL, "9", "2"
            shop, scope = rng.choice(names.SHOP_KINDS)
            owner = rng.choice(adults)
            name = f"{CITY_NAME}{district_name}{trade}{shop}"
            if name in seen_names:
                name = f"{CITY_NAME}{district_name}{owner.name}{shop}"
            capital = Decimal(rng.choice((1, 3, 5, 10, 20, 50)))
        elif roll < 0.97:
            kind, authority, entity = Enterprise.Type.COOPERATIVE, "9", "3"
            product = rng.choice(names.COOPERATIVE_PRODUCTS)
            name = f"{CITY_NAME}{district_name}{region_names[community][-4:-2]}{product}专业合作社"
            scope = f"组织成员开展{product}生产、收购、销售、加工、贮藏及技术信息服务"
            capital = Decimal(rng.choice((50, 100, 200, 300, 500)))
        else:
            kind, authority, entity = Enterprise.Type.SOCIAL, "5", "2"
            organization, scope = rng.choice(names.SOCIAL_ORGANIZATIONS)
            name = f"{CITY_NAME}{district_name}{trade}{organization}"
            capital = Decimal(rng.choice((3, 5, 10, 30)))
        serial = rng.randrange(10**7, 10**8)
        uscc = identifiers.uscc_code(community[:6], serial, authority=authority, entity_type=entity)
        representative = rng.choice(adults)
        established = _date_between(rng, ESTABLISHED_FIRST, ESTABLISHED_LAST)
        road = rng.choice(names.ROAD_NAMES)
        address = f"{CITY_NAME}{district_name}{road}{rng.randint(1, 999)}号"
        if uscc in seen_usccs or name in seen_names:
            continue
        seen_usccs.add(uscc)
        seen_names.add(name)
        result.append(
            EnterpriseSpec(
                uid=_uuid(rng),
                uscc=uscc,
                name=name,
                type=kind,
                legal_representative=representative.id_number,
                registered_capital=capital,
                established_on=established,
                address=address,
                business_scope=scope,
                region_code=community,
            )
        )
    return result


# The named subjects behind the demo accounts. Their ID numbers use order codes 9xx, which the
# generator never produces, and their phones use the 138 prefix, which it never draws.
NAMED_PERSONS: tuple[PersonSpec, ...] = (
    PersonSpec(
        uid=uuid.UUID("6f1c2a9e-3b1d-4c8e-9a51-0d2f7c9e0001"),
        id_number=identifiers.id_number("329902", date(1990, 5, 12), 901),
        name="王小明",
        gender=Person.Gender.MALE,
        birth_date=date(1990, 5, 12),
        phone="13800000001",
        address=f"{CITY_NAME}东湖区湖滨街道翠苑社区3幢2单元502室",
        region_code="329902001001",
    ),
    PersonSpec(
        uid=uuid.UUID("6f1c2a9e-3b1d-4c8e-9a51-0d2f7c9e0002"),
        id_number=identifiers.id_number("329903", date(1985, 11, 3), 902),
        name="李晓红",
        gender=Person.Gender.FEMALE,
        birth_date=date(1985, 11, 3),
        phone="13800000002",
        address=f"{CITY_NAME}西山区西山街道松林社区12幢1单元301室",
        region_code="329903001002",
    ),
    PersonSpec(
        uid=uuid.UUID("6f1c2a9e-3b1d-4c8e-9a51-0d2f7c9e0003"),
        id_number=identifiers.id_number("329902", date(1992, 8, 20), 904),
        name="刘婷",
        gender=Person.Gender.FEMALE,
        birth_date=date(1992, 8, 20),
        phone="13800000003",
        address=f"{CITY_NAME}东湖区新华街道文昌社区8幢3单元1102室",
        region_code="329902002002",
    ),
    PersonSpec(
        uid=uuid.UUID("6f1c2a9e-3b1d-4c8e-9a51-0d2f7c9e0004"),
        id_number=identifiers.id_number("329902", date(1978, 3, 15), 903),
        name="陈明远",
        gender=Person.Gender.MALE,
        birth_date=date(1978, 3, 15),
        phone="13800000004",
        address=f"{CITY_NAME}东湖区东湖街道望湖社区1幢1单元601室",
        region_code="329902003002",
    ),
)

DEMO_ENTERPRISE = EnterpriseSpec(
    uid=uuid.UUID("6f1c2a9e-3b1d-4c8e-9a51-0d2f7c9e1001"),
    uscc=identifiers.uscc_code("329902", 2026_0001, authority="9", entity_type="1"),
    name="示范市明远科技有限公司",
    type=Enterprise.Type.COMPANY,
    legal_representative=NAMED_PERSONS[3].id_number,
    registered_capital=Decimal("500.00"),
    established_on=date(2016, 6, 18),
    address=f"{CITY_NAME}东湖区科技路88号明远大厦12层",
    business_scope=names.COMPANY_INDUSTRIES[0][1],
    region_code="329902003002",
)


def reserved_usccs() -> tuple[str, ...]:
    return (DEMO_ENTERPRISE.uscc,)


def _person(spec: PersonSpec, region_ids: dict[str, int]) -> Person:
    return Person(
        uid=spec.uid,
        id_number=spec.id_number,
        name=spec.name,
        gender=spec.gender,
        birth_date=spec.birth_date,
        phone=spec.phone,
        address=spec.address,
        region_id=region_ids[spec.region_code],
    )


def _enterprise(spec: EnterpriseSpec, region_ids: dict[str, int], person_ids: dict[str, int]) -> Enterprise:
    return Enterprise(
        uid=spec.uid,
        uscc=spec.uscc,
        name=spec.name,
        type=spec.type,
        legal_representative_id=person_ids[spec.legal_representative],
        registered_capital=spec.registered_capital,
        established_on=spec.established_on,
        address=spec.address,
        business_scope=spec.business_scope,
        region_id=region_ids[spec.region_code],
    )


@dataclass(frozen=True)
class SubjectsResult:
    persons_created: int
    enterprises_created: int


def seed_subjects(
    regions: dict[str, Region],
    *,
    person_count: int = PERSON_COUNT,
    enterprise_count: int = ENTERPRISE_COUNT,
    seed: int = DEFAULT_SEED,
) -> SubjectsResult:
    """Insert the named and generated people and enterprises that are not stored yet."""
    region_ids = {code: region.pk for code, region in regions.items()}
    persons = [*NAMED_PERSONS, *generate_persons(person_count, seed=seed)]
    persons_created = insert_missing(Person, "id_number", (_person(p, region_ids) for p in persons))
    person_ids = primary_keys(Person, "id_number", [p.id_number for p in persons])
    enterprises = [
        DEMO_ENTERPRISE,
        *generate_enterprises(persons[len(NAMED_PERSONS) :], enterprise_count, seed=seed),
    ]
    enterprises_created = insert_missing(
        Enterprise, "uscc", (_enterprise(e, region_ids, person_ids) for e in enterprises)
    )
    return SubjectsResult(persons_created, enterprises_created)
