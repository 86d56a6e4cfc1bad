"""Seed the standard roles (codes are relied on by other apps, the demo seed and tests)."""

from django.db import migrations

# code, name, data scope, permissions, description
STANDARD_ROLES = [
    (
        "window_clerk",
        "窗口受理人员",
        "department",
        ["services.accept_application", "services.view_application", "workflow.view_instance"],
        "政务服务窗口：接件、受理、补正告知",
    ),
    (
        "approver",
        "审批人员",
        "department",
        [
            "services.review_application",
            "services.decide_application",
            "services.view_application",
            "workflow.view_instance",
        ],
        "审查与决定办件",
    ),
    (
        "department_head",
        "部门负责人",
        "department_tree",
        ["services.approve_extension", "workflow.view_instance", "core.view_person"],
        "本部门及下级单位的负责人：审批延期",
    ),
    (
        "hotline_agent",
        "12345话务员",
        "all",
        ["hotline.create_ticket", "hotline.view_ticket", "workflow.view_instance"],
        "接听来电、登记工单",
    ),
    (
        "hotline_dispatcher",
        "12345派单员",
        "all",
        ["hotline.dispatch_ticket", "hotline.view_ticket", "hotline.callback_ticket", "workflow.view_instance"],
        "派单、回访",
    ),
    (
        "handling_officer",
        "承办人员",
        "department",
        ["hotline.sign_for_ticket", "hotline.handle_ticket", "hotline.view_ticket", "workflow.view_instance"],
        "承办部门：签收、办理、答复、退单",
    ),
    (
        "supervisor",
        "督办人员",
        "region",
        ["hotline.supervise_ticket", "workflow.view_instance"],
        "本区划内工单督办",
    ),
    (
        "grid_inspector",
        "网格员",
        "self",
        ["cityops.report_incident", "cityops.verify_incident"],
        "上报城市事件、核查处置结果",
    ),
    (
        "command_center",
        "指挥中心",
        "region",
        ["cityops.dispatch_incident", "workflow.view_instance"],
        "本区划城市事件派遣与调度",
    ),
    ("civil_servant", "机关人员", "department", ["office.draft_document"], "拟稿、办理公文"),
    (
        "data_officer",
        "数据管理员",
        "department",
        ["datahub.manage_catalog", "datahub.approve_share"],
        "维护数据目录、审批共享申请",
    ),
    ("leader", "领导", "all", ["cockpit.view"], "查看领导驾驶舱"),
    (
        "platform_admin",
        "平台管理员",
        "all",
        [
            "identity.manage_accounts",
            "identity.manage_roles",
            "core.manage_master_data",
            "core.view_audit",
            "core.manage_calendar",
            "workflow.manage_definition",
            "workflow.view_definition",
            "core.view_person",
            "core.view_enterprise",
        ],
        "账号、角色、主数据、日历与流程定义的管理",
    ),
]


def seed_roles(apps, schema_editor):
    Role = apps.get_model("identity", "Role")
    for code, name, scope, permissions, description in STANDARD_ROLES:
        Role.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "data_scope": scope,
                "permissions": permissions,
                "description": description,
            },
        )


def remove_roles(apps, schema_editor):
    Role = apps.get_model("identity", "Role")
    Role.objects.filter(code__in=[row[0] for row in STANDARD_ROLES]).delete()


class Migration(migrations.Migration):
    dependencies = [("identity", "0001_initial")]

    operations = [migrations.RunPython(seed_roles, remove_roles)]
