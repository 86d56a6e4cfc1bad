"""Named permissions of the workflow app and the pure predicates deciding who may act.

An action is granted by named permissions, by role codes and/or to the applicant (the instance's
owner). A grant counts only when its data scope reaches the instance (本人/本部门/本部门及下级/本区划/全部).
`handler_q` is the database twin of `can_perform` used by the inbox; both must agree."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Concat

from yiwang.identity.actor import Actor, Grant

if TYPE_CHECKING:
    from yiwang.core.models import Organization
    from yiwang.workflow.engine import Action
    from yiwang.workflow.models import ProcessInstance

VIEW_INSTANCE = "workflow.view_instance"
VIEW_DEFINITION = "workflow.view_definition"
MANAGE_DEFINITION = "workflow.manage_definition"
SUPERVISE_INSTANCE = "workflow.supervise_instance"

PERMISSIONS = {
    VIEW_INSTANCE: "查看流程实例（按数据权限范围）",
    SUPERVISE_INSTANCE: "督办：已被他人签收的待办仍可查看和办理（按数据权限范围）",
    VIEW_DEFINITION: "查看流程定义",
    MANAGE_DEFINITION: "编辑、发布流程定义",
}


class Verdict(Enum):
    ALLOWED = "allowed"
    NOT_GRANTED = "not_granted"  # the actor holds none of the permissions/roles
    OUT_OF_SCOPE = "out_of_scope"  # holds them, but not over this instance
    NOT_APPLICANT = "not_applicant"  # an applicant-only action by someone else
    CLAIMED = "claimed"  # a colleague has signed for it (签收) in this state


def _matching(actor: Actor, permissions: frozenset[str], roles: frozenset[str]) -> list[Grant]:
    return [
        g
        for g in actor.grants
        if "*" in g.permissions or bool(g.permissions & permissions) or g.role_code in roles
    ]


def _verdict(
    actor: Actor,
    *,
    permissions: frozenset[str],
    roles: frozenset[str],
    applicant: bool,
    organization_id: int,
    organization_path: str,
    region_path: str,
    owner_id: int | None,
) -> Verdict:
    if actor.is_system or actor.is_superuser:
        return Verdict.ALLOWED
    if applicant and actor.user_id is not None and owner_id == actor.user_id:
        return Verdict.ALLOWED
    matching = _matching(actor, permissions, roles)
    if any(
        g.reaches(
            actor.user_id,
            organization_id=organization_id,
            organization_path=organization_path,
            region_path=region_path,
            owner_id=owner_id,
        )
        for g in matching
    ):
        return Verdict.ALLOWED
    if matching:
        return Verdict.OUT_OF_SCOPE
    if applicant and not (permissions or roles):
        return Verdict.NOT_APPLICANT
    return Verdict.NOT_GRANTED


def judge(actor: Actor, instance: ProcessInstance, action: Action) -> Verdict:
    """May `actor` perform `action` on `instance` (ignoring the state, which the engine checks)?

    Once someone has signed for the instance in its current state (签收, `claimed_by`), its staff
    actions are theirs: colleagues are refused, the applicant's own actions and supervisors are not."""
    verdict = _grant_verdict(actor, instance, action)
    if verdict is Verdict.ALLOWED and _claimed_by_other(actor, instance, action):
        return Verdict.CLAIMED
    return verdict


def _claimed_by_other(actor: Actor, instance: ProcessInstance, action: Action) -> bool:
    """Is `action` part of the work a colleague signed for (签收)? A claim reserves the handler codes
    the claimer acts under (`claimed_codes`); other people's actions (the applicant's, a dispatcher's
    延期) stay theirs."""
    claimer = instance.claimed_by_id
    if claimer is None or claimer == actor.user_id or actor.is_system or actor.is_superuser:
        return False
    if not action.handler_codes() & set(instance.claimed_codes.split()):
        return False
    return not reaches(actor, SUPERVISE_INSTANCE, instance)


def _grant_verdict(actor: Actor, instance: ProcessInstance, action: Action) -> Verdict:
    return _verdict(
        actor,
        permissions=action.permissions,
        roles=action.roles,
        applicant=action.applicant,
        organization_id=instance.organization_id,
        organization_path=instance.organization.path,
        region_path=instance.region_path,
        owner_id=instance.owner_id,
    )


def judge_start(
    actor: Actor, start: dict[str, Any], *, organization: Organization, owner_id: int | None
) -> Verdict:
    """May `actor` start an instance owned by `organization` (the definition's `start` rule)?

    Without a `start` rule any signed-in actor may start one for themself; staff may start one
    for someone else only under the rule."""
    if not start:
        if actor.is_system or actor.is_superuser or actor.grants:
            return Verdict.ALLOWED
        if actor.user_id is not None and owner_id in (None, actor.user_id):
            return Verdict.ALLOWED
        return Verdict.NOT_GRANTED
    return _verdict(
        actor,
        permissions=frozenset(start.get("permissions", ())),
        roles=frozenset(start.get("roles", ())),
        applicant=bool(start.get("applicant", False)),
        organization_id=organization.pk,
        organization_path=organization.path,
        region_path=organization.region.path,
        owner_id=owner_id,
    )


def can_perform(actor: Actor, instance: ProcessInstance, action: Action) -> bool:
    return judge(actor, instance, action) is Verdict.ALLOWED


def reaches(actor: Actor, permission: str, instance: ProcessInstance, *, as_owner: bool = True) -> bool:
    """Does the actor hold `permission` within a scope that covers the instance (its department,
    region and — for the 本人 scope, unless `as_owner` is off — its owner)?"""
    return actor.can_reach(
        permission,
        organization_id=instance.organization_id,
        organization_path=instance.organization.path,
        region_path=instance.region_path,
        owner_id=instance.owner_id if as_owner else None,
    )


def views_in_scope(actor: Actor, instance: ProcessInstance) -> bool:
    """Does the actor hold the view permission over the instance's department and region? For an
    instance whose object a domain handles, that is the domain's view permission (`workflow.links`)."""
    from yiwang.workflow.links import domain_view_permission

    return reaches(actor, domain_view_permission(instance) or VIEW_INSTANCE, instance)


def sees_contents(actor: Actor, instance: ProcessInstance) -> bool:
    """May the actor read what the instance holds (comments, fields, attachments of its history)?
    The view permission in scope, being the applicant, or being able to act now."""
    if actor.is_system or actor.is_superuser:
        return True
    if actor.user_id is not None and instance.owner_id == actor.user_id:
        return True
    if views_in_scope(actor, instance):
        return True
    if instance.completed_at is not None:
        return False
    available = instance.definition.parsed.actions_from(instance.state, suspended=instance.is_suspended)
    return any(not a.system_only and can_perform(actor, instance, a) for a in available)


def can_view(actor: Actor, instance: ProcessInstance) -> bool:
    """View = seeing its contents (`sees_contents`), or supervising it (督办) in scope: a supervisor
    follows its progress — states, deadlines, who acted when — without reading what it holds."""
    return sees_contents(actor, instance) or reaches(actor, SUPERVISE_INSTANCE, instance, as_owner=False)


_LOOKUPS = {"organization": "organization", "region": "region", "owner": "owner"}


def handler_q(actor: Actor) -> Q:
    """Instances on which the actor may perform some action now (the inbox filter)."""
    from yiwang.workflow.models import ProcessHandler

    handlers = ProcessHandler.objects.filter(instance=OuterRef("pk"))
    if actor.is_system or actor.is_superuser:
        return Q(Exists(handlers))
    q = Q(pk__in=[])
    if actor.user_id is not None:
        q |= Q(owner_id=actor.user_id) & Q(Exists(handlers.filter(code="applicant")))
    # A handler code a colleague signed for (签收, `claimed_codes`) is not this actor's to work on,
    # unless the actor supervises the instance.
    reserved = Q(instance__claimed_by__isnull=False) & Q(
        instance__claimed_codes__contains=Concat(Value(" "), F("code"), Value(" "))
    )
    if actor.user_id is not None:
        reserved &= ~Q(instance__claimed_by_id=actor.user_id)
    open_handlers = handlers.exclude(reserved)
    supervised = actor.scope_q(SUPERVISE_INSTANCE, **_LOOKUPS)
    for grant in actor.grants:
        scope = grant.q(actor.user_id, **_LOOKUPS)
        if scope is None:
            continue
        if "*" in grant.permissions:
            q |= scope & Q(Exists(handlers))
            continue
        codes = [f"perm:{p}" for p in sorted(grant.permissions)] + [f"role:{grant.role_code}"]
        q |= scope & (
            Q(Exists(open_handlers.filter(code__in=codes)))
            | (supervised & Q(Exists(handlers.filter(code__in=codes))))
        )
    return q


def _all_if_empty(q: Q) -> Q:
    """`scope_q` answers Q() for a city-wide grant; `Q() | other` is `other` in Django (an empty Q
    is dropped, not read as "everything"), so spell "everything" out before OR-ing."""
    return q if q else Q(pk__isnull=False)


def visible_q(actor: Actor) -> Q:
    """Instances the actor may look at (the database twin of `can_view`): the engine's view
    permission for instances no domain handles, each domain's own for its objects' instances."""
    from yiwang.workflow.links import domain_view_permissions

    if actor.is_system or actor.is_superuser:
        return Q()
    # Types matched by natural key in the same query (no ContentType lookup of its own).
    domains = [
        (Q(content_type__app_label=label.split(".")[0], content_type__model=label.split(".")[1]), permission)
        for label, permission in domain_view_permissions().items()
    ]
    q = _all_if_empty(actor.scope_q(VIEW_INSTANCE, **_LOOKUPS))
    for of_type, _permission in domains:
        q &= ~of_type
    for of_type, permission in domains:
        q |= _all_if_empty(actor.scope_q(permission, **_LOOKUPS)) & of_type
    q |= handler_q(actor)
    q |= _all_if_empty(actor.scope_q(SUPERVISE_INSTANCE, organization="organization", region="region"))
    if actor.user_id is not None:
        q |= Q(owner_id=actor.user_id)
    return q
