"""`User.grants_version`: a random token the database changes whenever anything the actor's
grants are built from changes (decision 0007).

Triggers, not signals: bulk updates, raw SQL, the admin and data migrations all change these
tables, and a missed change would leave a revoked permission in force."""

from django.db import migrations, models

import yiwang.identity.models

# (table, events, condition, the users whose grants depend on the row — for OLD and NEW rows)
MEMBERS_OF_ROW = "SELECT {row}.user_id"
SOURCES = [
    ("identity_membership", ("INSERT", "UPDATE", "DELETE"), "", MEMBERS_OF_ROW),
    ("identity_enterpriseauthorization", ("INSERT", "UPDATE", "DELETE"), "", MEMBERS_OF_ROW),
    (
        "identity_membership_roles",
        ("INSERT", "UPDATE", "DELETE"),
        "",
        "SELECT m.user_id FROM identity_membership m WHERE m.id = {row}.membership_id",
    ),
    (
        "identity_role",
        ("UPDATE", "DELETE"),
        "",
        "SELECT m.user_id FROM identity_membership m JOIN identity_membership_roles mr "
        "ON mr.membership_id = m.id WHERE mr.role_id = {row}.id",
    ),
    (
        "core_organization",
        ("UPDATE",),
        "OLD.path IS DISTINCT FROM NEW.path OR OLD.region_id IS DISTINCT FROM NEW.region_id",
        "SELECT m.user_id FROM identity_membership m WHERE m.organization_id = {row}.id",
    ),
    (
        "core_region",
        ("UPDATE",),
        "OLD.path IS DISTINCT FROM NEW.path",
        "SELECT m.user_id FROM identity_membership m JOIN core_organization o "
        "ON o.id = m.organization_id WHERE o.region_id = {row}.id",
    ),
]
TOKEN = {
    "postgresql": "md5(random()::text || clock_timestamp()::text)",
    "sqlite": "lower(hex(randomblob(16)))",
}


def _rows(events):
    """Which of OLD / NEW a trigger on `events` sees."""
    return [r for r, present in (("OLD", {"UPDATE", "DELETE"}), ("NEW", {"INSERT", "UPDATE"})) if present & set(events)]


def _sqlite(table, events, condition, users):
    token = TOKEN["sqlite"]
    condition = condition.replace("IS DISTINCT FROM", "IS NOT")
    for event in events:
        rows = _rows([event])
        who = " UNION ".join(users.format(row=r) for r in rows)
        when = f" WHEN {condition}" if condition else ""
        yield (
            f"CREATE TRIGGER {table}_grants_{event.lower()} AFTER {event} ON {table} FOR EACH ROW{when} BEGIN "
            f"UPDATE identity_user SET grants_version = {token} WHERE id IN ({who}); END"
        )


def _postgresql(table, events, condition, users):
    token = TOKEN["postgresql"]
    parts = []
    for row in _rows(events):
        guard = {"OLD": "TG_OP <> 'INSERT'", "NEW": "TG_OP <> 'DELETE'"}[row]
        parts.append(
            f"IF {guard} THEN UPDATE identity_user SET grants_version = {token} "
            f"WHERE id IN ({users.format(row=row)}); END IF;"
        )
    body = " ".join(parts)
    yield (
        f"CREATE FUNCTION {table}_grants() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {body} RETURN NULL; END $$"
    )
    when = f" WHEN ({condition})" if condition else ""
    yield (
        f"CREATE TRIGGER {table}_grants AFTER {' OR '.join(events)} ON {table} "
        f"FOR EACH ROW{when} EXECUTE FUNCTION {table}_grants()"
    )


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    build = {"sqlite": _sqlite, "postgresql": _postgresql}.get(vendor)
    if build is None:
        raise RuntimeError(f"grants_version triggers are written for SQLite and PostgreSQL, not {vendor}")
    for source in SOURCES:
        for statement in build(*source):
            schema_editor.execute(statement)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table, events, _condition, _users in SOURCES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_grants() CASCADE")
        else:
            for event in events:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_grants_{event.lower()}")


class Migration(migrations.Migration):
    dependencies = [("identity", "0006_grant_services_permissions")]
    operations = [
        migrations.AddField(
            model_name="user",
            name="grants_version",
            field=models.CharField(
                "权限版本",
                max_length=32,
                default=yiwang.identity.models.new_grants_version,
                editable=False,
                help_text="任职、角色、部门或法人授权变化时由数据库触发器更新；用于缓存当前用户的权限",
            ),
        ),
        migrations.RunPython(install, uninstall, hints={"ddl": True}),
    ]
