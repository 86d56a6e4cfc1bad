"""Object links: how the generic shell shows an instance whose business object (业务对象) belongs to
a domain app.

The workbench (工作台) and 我的事项 list workflow instances of every loop. When a domain has its own
pages for its objects (一网通办: the 办件办理 page for staff, the 办件详情 page for the applicant),
the rows should open those pages and name the object as the domain does (办件编号 and 事项名称)
instead of the generic instance page. The shell must not import the domains, so a domain registers,
in its AppConfig.ready(), a resolver for its model:

    from yiwang.workflow.links import LinkedInbox, register_object_links

    register_object_links(
        "services.application",
        application_links,  # (object ids) -> {object id: ObjectLink}, one query for all of them
        inbox=LinkedInbox(label="一网通办办件", url_name="services:staff-inbox", permission="services.view_application"),
    )

`object_links(instances)` calls each registered resolver once with the object ids of the instances
of its type (so a page of rows costs one query per registered type present on it, never one per row);
instances of unregistered types get no link and keep the generic pages. `linked_inboxes(actor)` are
the domains' own staff inboxes the actor may open (the workbench links to them).

Resolvers are not scoped: they describe objects of instances the caller already selected for the
actor (`inbox_for`, `instances_owned_by`), and the pages they link to check access themselves.

A registered object is handled through its domain: the domain's actions wrap each transition with
checks the engine cannot know (an application's 补正 needs its materials, a decision its document).
So the generic item pages redirect to the domain's pages and the generic transition endpoints (web
and API) refuse such instances (`refuse_generic_transition`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.functional import Promise

from yiwang.core.errors import Conflict

if TYPE_CHECKING:
    from yiwang.identity.actor import Actor


@dataclass(frozen=True)
class ObjectLink:
    """What a row shows for one business object and where it leads."""

    title: str  # the object's name, e.g. the item name of an application
    reference: str = ""  # its number, shown next to the title (办件编号)
    staff_url: str = ""  # the page where staff handle it
    applicant_url: str = ""  # the page where the applicant follows it


Resolver = Callable[[Sequence[str]], Mapping[str, ObjectLink]]


@dataclass(frozen=True)
class LinkedInbox:
    """A domain's own staff inbox, offered on the workbench to those holding `permission`."""

    label: str | Promise  # a lazy translation is rendered in the actor's language
    url_name: str
    permission: str


@dataclass(frozen=True)
class _Registration:
    resolver: Resolver
    inbox: LinkedInbox | None
    view_permission: str | None


_registry: dict[str, _Registration] = {}


def register_object_links(
    model_label: str,
    resolver: Resolver,
    *,
    inbox: LinkedInbox | None = None,
    view_permission: str | None = None,
) -> None:
    """Register the links of one model ("app_label.model", lower case). Registering again replaces.

    `view_permission` (default: the inbox's) is what it takes to see the instances of these objects
    and their contents: the domain's own, not the engine's `workflow.view_instance`, which a 12345
    agent holds city-wide and must not open a 一网通办 application with."""
    permission = view_permission or (inbox.permission if inbox is not None else None)
    _registry[model_label.lower()] = _Registration(resolver, inbox, permission)


def unregister_object_links(model_label: str) -> None:
    _registry.pop(model_label.lower(), None)


def _label_of(instance: Any) -> str:
    content_type = instance.content_type  # select_related by the listing selectors
    return f"{content_type.app_label}.{content_type.model}"


def object_links(instances: Iterable[Any]) -> dict[Any, ObjectLink]:
    """{instance pk: ObjectLink} for the instances whose object type is registered and resolved."""
    if not _registry:
        return {}
    wanted: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for instance in instances:
        label = _label_of(instance)
        if label in _registry:
            wanted[label][str(instance.object_id)].append(instance.pk)
    links: dict[Any, ObjectLink] = {}
    for label, by_object in wanted.items():
        resolved = _registry[label].resolver(sorted(by_object))
        for object_id, pks in by_object.items():
            link = resolved.get(object_id)
            if link is not None:
                links.update(dict.fromkeys(pks, link))
    return links


def linked_inboxes(actor: Actor) -> list[tuple[str, str]]:
    """(label, url) of the registered staff inboxes the actor holds the permission for."""
    return [
        (str(registration.inbox.label), reverse(registration.inbox.url_name))
        for registration in _registry.values()
        if registration.inbox is not None and actor.has_perm(registration.inbox.permission)
    ]


def opens_domain_page(actor: Actor, instance: Any) -> bool:
    """May `actor` open the domain's own page of the instance's object? The page checks its domain's
    view permission (the registered inbox's) over the object; someone told to supervise it (督办) who
    lacks that permission keeps the generic item page, which shows it within the engine's scope."""
    registration = _registry.get(_label_of(instance))
    if registration is None or registration.inbox is None or actor.is_system or actor.is_superuser:
        return True
    from yiwang.workflow.permissions import reaches

    return reaches(actor, registration.inbox.permission, instance)


def domain_view_permission(instance: Any) -> str | None:
    """The permission a domain requires to view its objects' instances, or None (the engine's own)."""
    registration = _registry.get(_label_of(instance))
    return registration.view_permission if registration is not None else None


def domain_view_permissions() -> dict[str, str]:
    """{"app_label.model": view permission} of every registered object type that names one."""
    return {label: r.view_permission for label, r in _registry.items() if r.view_permission is not None}


def handled_by_domain(instance: Any) -> bool:
    return _label_of(instance) in _registry


def object_link(instance: Any) -> ObjectLink | None:
    """The domain's link for one instance, or None when its object type is not registered."""
    return object_links([instance]).get(instance.pk)


def refuse_generic_transition(instance: Any) -> None:
    """Raise Conflict when a domain handles the instance's object (see the module docstring)."""
    if _label_of(instance) in _registry:
        raise Conflict("该事项由业务系统办理，请在其办理页面操作", code="workflow_object_handled_by_domain")
