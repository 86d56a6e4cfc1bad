"""Object links: the registry through which a domain names its objects' instances and links its pages."""

from __future__ import annotations

import pytest

from yiwang.core.tests.factories import EnterpriseFactory, PersonFactory
from yiwang.identity.actor import Actor
from yiwang.workflow.actions import instance_start
from yiwang.workflow.links import (
    LinkedInbox,
    ObjectLink,
    linked_inboxes,
    object_links,
    register_object_links,
    unregister_object_links,
)
from yiwang.workflow.selectors import inbox_for, instances_owned_by

from .factories import actor, staff

pytestmark = pytest.mark.django_db
INBOX = LinkedInbox(label="人员档案", url_name="web:my-items", permission="workflow.view_instance")


@pytest.fixture
def person_links():
    """A resolver for instances attached to a Person, recording every call."""
    calls: list[list[str]] = []

    def resolve(object_ids):
        calls.append(list(object_ids))
        return {
            object_id: ObjectLink(
                title=f"人员 {object_id}", reference=f"P{object_id}", staff_url=f"/people/{object_id}/"
            )
            for object_id in object_ids
            if object_id != skipped["id"]
        }

    skipped = {"id": ""}
    register_object_links("core.Person", resolve, inbox=INBOX)
    yield calls, skipped
    unregister_object_links("core.person")


def _start(obj, city, *, owner=None, title="办件"):
    return instance_start(
        actor=actor(owner) if owner else Actor.system(),
        definition_code="yiwang_tongban",
        obj=obj,
        organization=city["market"],
        title=title,
        owner=owner,
    )


def test_one_call_per_registered_type_with_every_object_of_the_page(definitions, city, person_links):
    calls, _skipped = person_links
    first, second = PersonFactory(), PersonFactory()
    a = _start(first, city)
    b = _start(first, city, title="同一人的第二件")
    c = _start(second, city)
    d = _start(EnterpriseFactory(), city)  # a type nobody registered
    clerk = staff(city["market"], roles=["window_clerk"])

    links = object_links(inbox_for(actor(clerk)))

    assert calls == [sorted([str(first.pk), str(second.pk)])]
    assert links == {
        a.pk: ObjectLink(f"人员 {first.pk}", f"P{first.pk}", f"/people/{first.pk}/"),
        b.pk: ObjectLink(f"人员 {first.pk}", f"P{first.pk}", f"/people/{first.pk}/"),
        c.pk: ObjectLink(f"人员 {second.pk}", f"P{second.pk}", f"/people/{second.pk}/"),
    }
    assert d.pk not in links


def test_objects_the_resolver_does_not_know_get_no_link(definitions, city, person_links):
    _calls, skipped = person_links
    person = PersonFactory()
    instance = _start(person, city)
    skipped["id"] = str(person.pk)

    assert object_links([instance]) == {}


def test_nothing_registered_nothing_resolved(definitions, city, citizen):
    instance = _start(PersonFactory(), city, owner=citizen)

    assert object_links(instances_owned_by(actor(citizen))) == {}
    assert object_links([]) == {}
    assert instance.pk  # the instance itself is there, it just has no domain page


def test_linked_inboxes_need_the_permission(definitions, city, person_links):
    viewer = staff(city["market"], permissions=["workflow.view_instance"])
    clerk = staff(city["market"], permissions=["services.accept_application"])

    assert ("人员档案", "/my/") in linked_inboxes(actor(viewer))
    assert ("人员档案", "/my/") not in linked_inboxes(actor(clerk))


def test_unregistered_type_is_forgotten(definitions, city, person_links):
    instance = _start(PersonFactory(), city)
    unregister_object_links("core.person")

    assert object_links([instance]) == {}
