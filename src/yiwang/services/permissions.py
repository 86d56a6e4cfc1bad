"""Named permissions of 一网通办 (granted to roles; see identity's seeded roles), and pure predicates
over an Actor."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from yiwang.core.models import Organization
    from yiwang.identity.actor import Actor

MANAGE_CATALOG = "services.manage_catalog"
VIEW_APPLICATION = "services.view_application"
ACCEPT_APPLICATION = "services.accept_application"
REVIEW_APPLICATION = "services.review_application"
DECIDE_APPLICATION = "services.decide_application"
APPROVE_EXTENSION = "services.approve_extension"
VIEW_STATISTICS = "services.view_statistics"

PERMISSIONS = {
    MANAGE_CATALOG: "维护事项目录（实施清单）",
    VIEW_APPLICATION: "查看本部门办件",
    ACCEPT_APPLICATION: "受理办件（受理、不予受理、补正、办结送达）",
    REVIEW_APPLICATION: "审查办件",
    DECIDE_APPLICATION: "作出决定（准予、不予许可）",
    APPROVE_EXTENSION: "审批延期",
    VIEW_STATISTICS: "查看办件统计",
}


def can_manage_catalog(actor: Actor | None, organization: Organization) -> bool:
    """May the actor maintain items of this organisation? (`services.manage_catalog` within scope;
    the system always, nobody without an actor.) `organization.region` is read."""
    if actor is None:
        return False
    if actor.is_system:
        return True
    return actor.has_perm(MANAGE_CATALOG) and actor.can_reach(
        MANAGE_CATALOG,
        organization_id=organization.pk,
        organization_path=organization.path,
        region_path=organization.region.path,
    )
