"""Every app declares its named permissions (`register_permissions` in its AppConfig.ready); a role or
a shipped process definition naming an undeclared permission of an installed app fails a system check."""

from __future__ import annotations

import json

import pytest

from yiwang.identity.checks import roles_name_known_permissions
from yiwang.identity.models import Role
from yiwang.identity.permissions import registered_permissions, unknown_permissions


def test_each_installed_app_declares_its_permissions():
    declared = registered_permissions()
    for name in (
        "core.view_audit",
        "identity.manage_roles",
        "workflow.supervise_instance",
        "services.accept_application",
    ):
        assert declared[name]
    assert unknown_permissions(
        ["services.acept_application", "hotline.create_ticket", "cityops.report_incident", "core.view_audit"]
    ) == [
        # cityops.* belongs to an app not installed yet: not reported; hotline is installed now
        "hotline.create_ticket",
        "services.acept_application",
    ]


@pytest.mark.django_db
def test_a_role_granting_an_undeclared_permission_fails_the_check():
    assert roles_name_known_permissions() == []  # the seeded roles
    Role.objects.create(code="typo", name="错别字", permissions=["services.acept_application", "cityops.x_y"])
    errors = roles_name_known_permissions()
    assert [(e.id, e.msg) for e in errors] == [
        ("identity.E001", "角色 typo 授予了未声明的权限 services.acept_application")
    ]


def test_a_shipped_definition_naming_an_undeclared_permission_fails_the_check(tmp_path, monkeypatch):
    from yiwang.workflow import actions
    from yiwang.workflow.checks import shipped_definitions_name_known_permissions

    assert shipped_definitions_name_known_permissions() == []
    content = json.loads((actions.DEFINITIONS_DIR / "yiwang_tongban.json").read_text(encoding="utf-8"))
    content["actions"][0]["permissions"] = ["services.acept_application"]
    (tmp_path / "yiwang_tongban.json").write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(actions, "DEFINITIONS_DIR", tmp_path)
    errors = shipped_definitions_name_known_permissions()
    assert [(e.id, e.msg) for e in errors] == [
        ("workflow.E002", "yiwang_tongban.json：未声明的权限 services.acept_application")
    ]
