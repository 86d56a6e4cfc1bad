"""Grant the 一网通办 catalogue and statistics permissions to the standard roles."""

from django.db import migrations

GRANTS = {
    "department_head": ["services.view_application", "services.view_statistics", "services.manage_catalog"],
    "platform_admin": ["services.view_application", "services.view_statistics", "services.manage_catalog"],
    "leader": ["services.view_statistics"],
}
NEW_ROLES = [
    ("catalog_admin", "事项管理员", "department", ["services.manage_catalog", "services.view_statistics"], "维护本部门事项实施清单、办事指南与申请表"),
]


def grant(apps, schema_editor):
    Role = apps.get_model("identity", "Role")
    for code, permissions in GRANTS.items():
        role = Role.objects.filter(code=code).first()
        if role is not None:
            role.permissions = sorted(set(role.permissions) | set(permissions))
            role.save(update_fields=["permissions"])
    for code, name, scope, permissions, description in NEW_ROLES:
        Role.objects.update_or_create(
            code=code, defaults={"name": name, "data_scope": scope, "permissions": permissions, "description": description}
        )


def revoke(apps, schema_editor):
    Role = apps.get_model("identity", "Role")
    for code, permissions in GRANTS.items():
        role = Role.objects.filter(code=code).first()
        if role is not None:
            role.permissions = [p for p in role.permissions if p not in permissions]
            role.save(update_fields=["permissions"])
    Role.objects.filter(code__in=[code for code, *_ in NEW_ROLES]).delete()


class Migration(migrations.Migration):
    dependencies = [("identity", "0005_apitoken_uid_unique")]
    operations = [migrations.RunPython(grant, revoke)]
