"""Factories for kernel records; identifiers are valid (check digits computed, not hard-coded)."""

from __future__ import annotations

from datetime import date

import factory

from yiwang.core import identifiers
from yiwang.core.models import Enterprise, Organization, Person, Region


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{320100 + n:06d}")
    name = factory.Sequence(lambda n: f"测试区{n}")
    level = Region.Level.DISTRICT


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    code = factory.Sequence(lambda n: f"org-{n}")
    name = factory.Sequence(lambda n: f"测试局{n}")
    uscc = factory.Sequence(lambda n: identifiers.uscc_code("320100", 5000 + n, authority="1"))
    region = factory.SubFactory(RegionFactory)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    id_number = factory.Sequence(
        lambda n: identifiers.id_number("320102", date(1980 + n % 30, 1 + n % 12, 1 + n % 28), n)
    )
    name = factory.Sequence(lambda n: f"张{'三四五六七八九'[n % 7]}{n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    uscc = factory.Sequence(lambda n: identifiers.uscc_code("320102", 100000 + n))
    name = factory.Sequence(lambda n: f"示范科技有限公司{n}")
