"""Sample files (样表) of published items are readable by any signed-in user; drafts' are not."""

import pytest

from yiwang.core.errors import NotFound
from yiwang.core.files import file_open_for, file_store
from yiwang.identity.actor import Actor
from yiwang.identity.tests.factories import CitizenFactory
from yiwang.services.models import ServiceItem
from yiwang.services.tests.applications_support import pdf
from yiwang.services.tests.factories import ServiceItemFactory

pytestmark = pytest.mark.django_db


def _sample_of(item):
    sample = file_store(actor=Actor.system(), upload=pdf("样表.pdf"), organization=item.organization)
    requirement = item.materials.first()
    requirement.sample = sample
    requirement.save(update_fields=["sample"])
    return sample


def test_citizens_open_the_sample_of_a_published_item():
    sample = _sample_of(ServiceItemFactory())
    citizen = Actor.for_user(CitizenFactory())

    assert file_open_for(citizen, sample.uid).pk == sample.pk


def test_the_sample_of_a_draft_item_stays_private():
    item = ServiceItemFactory()
    ServiceItem.objects.filter(pk=item.pk).update(status=ServiceItem.Status.DRAFT, is_current=False)
    sample = _sample_of(item)
    citizen = Actor.for_user(CitizenFactory())

    with pytest.raises(NotFound):
        file_open_for(citizen, sample.uid)
