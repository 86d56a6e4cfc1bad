"""The 12345 app's permissions (`hotline.permissions`) on the standard roles. The roles were seeded
before the app existed with two names it does not use (`hotline.create_ticket`,
`hotline.sign_for_ticket`); they are replaced by the app's own."""

from django.db import migrations

RETIRED = {"hotline.create_ticket", "hotline.sign_for_ticket"}
GRANTS = {
    "hotline_agent": [
        "hotline.register_ticket",
        "hotline.view_ticket",
        "hotline.view_caller",
        "hotline.callback_ticket",
    ],
    "hotline_dispatcher": [
        "hotline.dispatch_ticket",
        "hotline.view_ticket",
        "hotline.view_caller",
        "hotline.approve_extension",
        "hotline.close_ticket",
        "hotline.callback_ticket",
        "hotline.manage_knowledge",
        "hotline.view_statistics",
    ],
    "handling_officer": ["hotline.handle_ticket", "hotline.view_ticket", "hotline.manage_knowledge"],
    "department_head": ["hotline.view_ticket", "hotline.supervise_ticket", "hotline.view_statistics"],
    "supervisor": ["hotline.view_ticket", "hotline.supervise_ticket", "hotline.view_statistics"],
    # 市领导: the last level of the 督办 chain opens the tickets it is told about.
    "leader": ["hotline.view_ticket", "hotline.view_statistics"],
    "platform_admin": ["hotline.manage_catalog", "hotline.manage_knowledge"],
}


def grant(apps, schema_editor):
    Role = apps.get_model("identity", "Role")
    for role in Role.objects.filter(code__in=GRANTS):
        kept = {p for p in role.permissions if p not in RETIRED}
        role.permissions = sorted(kept | set(GRANTS[role.code]))
        role.save(update_fields=["permissions"])


def revoke(apps, schema_editor):
    Role = apps.get_model("identity", "Role")
    for role in Role.objects.filter(code__in=GRANTS):
        role.permissions = sorted(set(role.permissions) - set(GRANTS[role.code]))
        role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [("identity", "0009_apitoken_scopes")]
    operations = [migrations.RunPython(grant, revoke)]
