"""Named permissions of the 12345 hotline (granted to the seeded roles by
`identity.0010_grant_hotline_permissions`), and pure predicates over an Actor."""

from __future__ import annotations

REGISTER_TICKET = "hotline.register_ticket"
VIEW_TICKET = "hotline.view_ticket"
VIEW_CALLER = "hotline.view_caller"
DISPATCH_TICKET = "hotline.dispatch_ticket"
HANDLE_TICKET = "hotline.handle_ticket"
APPROVE_EXTENSION = "hotline.approve_extension"
CLOSE_TICKET = "hotline.close_ticket"
CALLBACK_TICKET = "hotline.callback_ticket"
SUPERVISE_TICKET = "hotline.supervise_ticket"
MANAGE_KNOWLEDGE = "hotline.manage_knowledge"
MANAGE_CATALOG = "hotline.manage_catalog"
VIEW_STATISTICS = "hotline.view_statistics"

PERMISSIONS = {
    REGISTER_TICKET: "登记工单（来电受理、直接答复）",
    VIEW_TICKET: "查看工单",
    VIEW_CALLER: "查看来电人信息（含保密来电人）",
    DISPATCH_TICKET: "派单、改派、并单、退单审核",
    HANDLE_TICKET: "承办工单（签收、退单、办理、答复、申请延期）",
    APPROVE_EXTENSION: "审批工单延期",
    CLOSE_TICKET: "审核答复、办结工单",
    CALLBACK_TICKET: "回访评价、不满意重办",
    SUPERVISE_TICKET: "督办工单",
    MANAGE_KNOWLEDGE: "维护知识库（本部门条目）",
    MANAGE_CATALOG: "维护派单目录与时限规则",
    VIEW_STATISTICS: "查看热线统计分析",
}
