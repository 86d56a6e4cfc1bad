"""Named permissions of the kernel, with the Chinese labels shown when roles are edited.

Roles (`identity.Role.permissions`) hold these strings; `Actor.has_perm` and `Actor.scope_q` check
them. Persons and enterprises are personal/commercial information: reading them is scoped by the
role's data scope over the record's region."""

from __future__ import annotations

VIEW_PERSON = "core.view_person"
MANAGE_PERSON = "core.manage_person"
VIEW_ENTERPRISE = "core.view_enterprise"
MANAGE_ENTERPRISE = "core.manage_enterprise"
UNMASK_PII = "core.unmask_pii"
MANAGE_MASTER_DATA = "core.manage_master_data"
VIEW_AUDIT = "core.view_audit"
MANAGE_CALENDAR = "core.manage_calendar"

PERMISSIONS: dict[str, str] = {
    VIEW_PERSON: "查看自然人信息",
    MANAGE_PERSON: "登记/修改自然人信息",
    VIEW_ENTERPRISE: "查看法人信息",
    MANAGE_ENTERPRISE: "登记/修改法人信息",
    UNMASK_PII: "查看未脱敏的个人信息（须填写事由，留痕）",
    MANAGE_MASTER_DATA: "维护主数据（区划、部门、字典）",
    VIEW_AUDIT: "查看审计日志",
    MANAGE_CALENDAR: "维护工作日历（节假日、调休）",
}
