"""Helpers for workflow tests: Beijing-time moments and staff users holding roles."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from yiwang.identity.actor import Actor
from yiwang.identity.models import DataScope, Membership, Role, User
from yiwang.identity.tests.factories import UserFactory

TZ = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """A Beijing-time moment from 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def staff(organization, *, permissions=(), roles=(), scope=DataScope.DEPARTMENT, name=""):
    """A staff user in `organization` holding the named `roles` (real codes) and/or one ad-hoc role
    with `permissions`, all with `scope`."""
    user = UserFactory(kind=User.Kind.STAFF, display_name=name or "")
    membership = Membership.objects.create(user=user, organization=organization)
    for code in roles:
        role, _ = Role.objects.get_or_create(code=code, defaults={"name": code})
        role.data_scope = scope
        role.save()
        membership.roles.add(role)
    if permissions:
        role = Role.objects.create(
            code=f"perm-{user.username}", name="测试角色", permissions=list(permissions), data_scope=scope
        )
        membership.roles.add(role)
    return user


def actor(user) -> Actor:
    return Actor.for_user(user)


def dispatched_ticket(city, subject, *, title: str, when: str, dispatched: str | None = None):
    """A 12345 ticket registered at the hotline centre at `when` and dispatched to 住建局 (at
    `dispatched`, default the same moment). Returns (ticket, dispatcher)."""
    from yiwang.workflow.actions import instance_start, transition

    agent = staff(city["hotline"], roles=["hotline_agent"])
    dispatcher = staff(city["hotline"], roles=["hotline_dispatcher"], scope=DataScope.REGION)
    ticket = instance_start(
        actor=actor(agent),
        definition_code="hotline_12345",
        obj=subject,
        organization=city["hotline"],
        title=title,
        now=at(when),
    )
    transition(
        instance=ticket,
        action="dispatch",
        actor=actor(dispatcher),
        organization=city["housing"],
        comment="请尽快处置",
        now=at(dispatched or when),
    )
    return ticket, dispatcher
