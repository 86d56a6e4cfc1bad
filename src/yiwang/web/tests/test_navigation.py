"""The menu is assembled from what domains register (`web.navigation`), never hard-coded in the shell."""

from __future__ import annotations

import pytest

from yiwang.identity.tests.factories import CitizenFactory, UserFactory
from yiwang.web import navigation


@pytest.mark.django_db
def test_each_persona_sees_the_entries_registered_for_it(client):
    anonymous = client.get("/services/").content.decode()
    assert '<a href="/services/" aria-current="page">办事服务</a>' in anonymous
    assert "我的办件" not in anonymous

    client.force_login(CitizenFactory())
    citizen = client.get("/").content.decode()
    assert (
        '<a href="/services/">办事服务</a>' in citizen
        and '<a href="/services/applications/">我的办件</a>' in citizen
    )

    client.force_login(UserFactory(kind="staff"))
    staff = client.get("/workbench/").content.decode()
    assert "办事服务" not in staff and "我的办件" not in staff


@pytest.mark.django_db
def test_a_domain_adds_an_entry_for_its_personas_only(client):
    navigation.register_navigation("热线工单", "web:my-items", personas=("staff",), order=10)
    try:
        client.force_login(UserFactory(kind="staff"))
        assert '<a href="/my/">热线工单</a>' in client.get("/workbench/").content.decode()
        client.force_login(CitizenFactory())
        assert "热线工单" not in client.get("/").content.decode()
    finally:
        navigation._entries.pop("web:my-items", None)
    with pytest.raises(ValueError):
        navigation.register_navigation("x", "web:home", personas=("visitor",))
