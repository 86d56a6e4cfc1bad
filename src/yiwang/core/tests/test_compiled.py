"""core.compiled: queries and inserts compiled once, run every time — the same results as Django's."""

from __future__ import annotations

import contextlib

import pytest
from django.core.exceptions import ImproperlyConfigured, MultipleObjectsReturned
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.db.models.signals import post_save
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from yiwang.core import compiled
from yiwang.core.models import Organization, Person, Region
from yiwang.core.tests.factories import OrganizationFactory, PersonFactory, RegionFactory


@pytest.fixture(autouse=True)
def _fresh():
    compiled.clear()
    yield
    compiled.clear()


def _people(region_id):
    return (
        Person.objects.filter(region_id=region_id)
        .only("uid", "name", "created_at")
        .annotate(label=Concat(F("name"), Value("（"), F("region__name"), Value("）")))
        .order_by("pk")
    )


def test_rows_are_what_the_queryset_gives_and_new_rows_are_seen(db, django_assert_num_queries):
    region = RegionFactory(name="玄武区")
    PersonFactory.create_batch(2, region=region)
    builds = []

    def build():
        builds.append(1)
        return _people(region.pk)

    first = compiled.rows(("test.people", region.pk), build)
    expected = list(_people(region.pk))
    assert [(p.pk, p.uid, p.name, p.created_at, p.label) for p in first] == [
        (p.pk, p.uid, p.name, p.created_at, p.label) for p in expected
    ]
    assert first[0].get_deferred_fields() == expected[0].get_deferred_fields()
    assert first[0]._state.adding is False and first[0]._state.db == "default"
    with django_assert_num_queries(1):  # a deferred field loads on access, as with Django's rows
        phone = first[0].phone
    assert phone == Person.objects.get(pk=first[0].pk).phone

    newcomer = PersonFactory(region=region)
    with django_assert_num_queries(1):
        again = compiled.rows(("test.people", region.pk), build)
    assert [p.pk for p in again] == [*(p.pk for p in first), newcomer.pk]  # asked every time
    # Compiled once; the suite's check (YIWANG_COMPILED_CHECK) builds it again on every reuse.
    assert len(builds) == 2


def test_values_list_rows_and_single_results(db):
    region = RegionFactory()
    person = PersonFactory(region=region, name="李四")
    row = compiled.one(
        ("test.person", person.pk), lambda: Person.objects.filter(pk=person.pk).values_list("uid", "name")
    )
    assert row == (person.uid, "李四")
    assert compiled.one(("test.person", -1), lambda: Person.objects.filter(pk=-1).values_list("pk")) is None
    names = compiled.rows(
        ("test.names", region.pk), lambda: Person.objects.filter(region=region).values_list("name", flat=True)
    )
    assert names == ["李四"]
    PersonFactory(region=region)
    with pytest.raises(MultipleObjectsReturned):
        compiled.one(("test.two", region.pk), lambda: Person.objects.filter(region=region).values_list("pk"))


def test_a_key_that_misses_an_input_fails_in_the_tests(db):
    first, second = RegionFactory(), RegionFactory()
    compiled.rows(("test.bad-key",), lambda: Person.objects.filter(region=first))
    with pytest.raises(AssertionError, match="未涵盖"):
        compiled.rows(("test.bad-key",), lambda: Person.objects.filter(region=second))


def test_what_it_cannot_compile_is_refused(db):
    with pytest.raises(ImproperlyConfigured):
        compiled.rows(("test.related",), lambda: Person.objects.select_related("region"))
    with pytest.raises(ImproperlyConfigured):
        compiled.rows(("test.values",), lambda: Person.objects.values("name"))


def test_a_locking_read_needs_a_transaction(transactional_db):
    region = RegionFactory()

    def locked():
        return Region.objects.select_for_update().filter(pk=region.pk).values_list("pk")

    with pytest.raises(TransactionManagementError):
        compiled.one(("test.locked", region.pk), locked)
    with transaction.atomic():
        assert compiled.one(("test.locked", region.pk), locked) == (region.pk,)


def test_insert_writes_the_row_save_would(db):
    region = RegionFactory()
    saved = Person(id_number="110101199003074514", name="王五", region=region)
    saved.save(force_insert=True)
    inserted = Person(id_number="110101199003075196", name="王五", region=region)
    with CaptureQueriesContext(connection) as queries:
        compiled.insert(inserted)
    assert len(queries) == 1
    assert inserted.pk is not None and inserted.uid is not None and inserted.created_at is not None
    assert inserted._state.adding is False and inserted._state.db == "default"
    columns = [f.attname for f in Person._meta.concrete_fields if f.attname not in ("id", "uid", "id_number")]
    fresh = Person.objects.values(*columns).get(pk=inserted.pk)
    twin = Person.objects.values(*columns).get(pk=saved.pk)
    assert {k: v for k, v in fresh.items() if k not in ("created_at", "updated_at")} == {
        k: v for k, v in twin.items() if k not in ("created_at", "updated_at")
    }
    assert fresh["created_at"] == inserted.created_at


def test_insert_refuses_an_unsaved_related_row_as_save_does(db):
    person = Person(id_number="110101199003071512", name="赵六", region=Region(name="未保存"))
    with pytest.raises(ValueError, match="unsaved related object"):
        compiled.insert(person)


def test_a_failed_insert_marks_the_transaction_for_rollback(db):
    person = PersonFactory()
    with pytest.raises(TransactionManagementError), transaction.atomic():
        with contextlib.suppress(IntegrityError):
            compiled.insert(Person(id_number=person.id_number, name="同号码"))
        Organization.objects.count()  # as after a failed save(): nothing more in this transaction


def test_a_model_whose_save_does_more_is_saved_the_usual_way(db):
    parent = OrganizationFactory()
    child = Organization(code="child-dept", name="下属科室", region=parent.region, parent=parent)
    compiled.insert(child)
    assert child.path.startswith(parent.path) and child.path != parent.path  # TreePathMixin.save ran


def test_a_model_with_receivers_is_saved_the_usual_way(db):
    received = []

    def receiver(sender, instance, created, **kwargs):
        received.append((instance.name, created))

    post_save.connect(receiver, sender=Region)
    try:
        region = Region(code="320199", name="示范区", level="district")
        compiled.insert(region)
    finally:
        post_save.disconnect(receiver, sender=Region)
    assert received == [("示范区", True)]
    assert Region.objects.filter(pk=region.pk).exists()
