"""Grant `workflow.supervise_instance` (督办: work signed for by someone else stays in view and in
reach) to the roles that supervise: 部门负责人 and 督办人员."""

from django.db import migrations

PERMISSION = "workflow.supervise_instance"
ROLES = ("department_head", "supervisor")


def grant(apps, schema_editor):
    Role = apps.get_model("identity", "Role")
    for role in Role.objects.filter(code__in=ROLES):
        role.permissions = sorted(set(role.permissions) | {PERMISSION})
        role.save(update_fields=["permissions"])


def revoke(apps, schema_editor):
    Role = apps.get_model("identity", "Role")
    for role in Role.objects.filter(code__in=ROLES):
        role.permissions = [p for p in role.permissions if p != PERMISSION]
        role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [("identity", "0007_user_grants_version")]
    operations = [migrations.RunPython(grant, revoke)]
