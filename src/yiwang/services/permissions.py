"""Named permissions of 一网通办 (granted to roles; see identity's seeded roles)."""

from __future__ import annotations

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
