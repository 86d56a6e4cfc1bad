"""The standard roles seeded by migration 0002 (their codes are relied on across the platform)."""

from __future__ import annotations

import pytest

from yiwang.identity.models import DataScope, Role
from yiwang.identity.permissions import is_permission_name

pytestmark = pytest.mark.django_db

EXPECTED = {
    "window_clerk": ("窗口受理人员", DataScope.DEPARTMENT),
    "approver": ("审批人员", DataScope.DEPARTMENT),
    "department_head": ("部门负责人", DataScope.DEPARTMENT_TREE),
    "hotline_agent": ("12345话务员", DataScope.ALL),
    "hotline_dispatcher": ("12345派单员", DataScope.ALL),
    "handling_officer": ("承办人员", DataScope.DEPARTMENT),
    "supervisor": ("督办人员", DataScope.REGION),
    "grid_inspector": ("网格员", DataScope.SELF),
    "command_center": ("指挥中心", DataScope.REGION),
    "civil_servant": ("机关人员", DataScope.DEPARTMENT),
    "data_officer": ("数据管理员", DataScope.DEPARTMENT),
    "leader": ("领导", DataScope.ALL),
    "platform_admin": ("平台管理员", DataScope.ALL),
    "catalog_admin": ("事项管理员", DataScope.DEPARTMENT),
}


def test_every_standard_role_is_seeded_with_name_and_scope():
    seeded = {r.code: (r.name, r.data_scope) for r in Role.objects.filter(code__in=EXPECTED)}

    assert seeded == EXPECTED


def test_seeded_permissions_are_well_formed():
    for role in Role.objects.filter(code__in=EXPECTED):
        assert role.permissions, role.code
        assert all(is_permission_name(p) for p in role.permissions), role.code
        assert len(set(role.permissions)) == len(role.permissions), role.code


@pytest.mark.parametrize(
    ("code", "permissions"),
    [
        (
            "window_clerk",
            {"services.accept_application", "services.view_application", "workflow.view_instance"},
        ),
        (
            "approver",
            {
                "services.review_application",
                "services.decide_application",
                "services.view_application",
                "workflow.view_instance",
            },
        ),
        (
            "department_head",
            {
                "services.approve_extension",
                "workflow.view_instance",
                "core.view_person",
                "services.view_application",
                "services.view_statistics",
                "services.manage_catalog",
                "workflow.supervise_instance",
                "hotline.view_ticket",
                "hotline.supervise_ticket",
                "hotline.view_statistics",
            },
        ),
        (
            "supervisor",
            {
                "hotline.supervise_ticket",
                "hotline.view_ticket",
                "hotline.view_statistics",
                "workflow.view_instance",
                "workflow.supervise_instance",
            },
        ),
        ("grid_inspector", {"cityops.report_incident", "cityops.verify_incident"}),
        (
            "leader",
            {"cockpit.view", "services.view_statistics", "hotline.view_ticket", "hotline.view_statistics"},
        ),
        ("catalog_admin", {"services.manage_catalog", "services.view_statistics"}),
        (
            "platform_admin",
            {
                "identity.manage_accounts",
                "identity.manage_roles",
                "core.manage_master_data",
                "core.view_audit",
                "core.manage_calendar",
                "workflow.manage_definition",
                "workflow.view_definition",
                "core.view_person",
                "core.view_enterprise",
                "services.view_application",
                "services.view_statistics",
                "services.manage_catalog",
                "hotline.manage_catalog",
                "hotline.manage_knowledge",
            },
        ),
    ],
)
def test_role_permissions(code, permissions):
    assert set(Role.objects.get(code=code).permissions) == permissions
