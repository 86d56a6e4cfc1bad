"""The audit chain head follows every inserted audit row, by a database trigger (decision 0003).

`audit_record` locks and reads the head, inserts the row, and used to move the head with a third
statement; the database now does that in the same statement as the insert — so no path that
inserts an audit row (raw SQL included) can leave the head behind."""

from django.db import migrations

SQLITE = (
    "CREATE TRIGGER core_auditevent_moves_head AFTER INSERT ON core_auditevent FOR EACH ROW BEGIN "
    "UPDATE core_auditchainhead SET last_sequence = NEW.sequence, last_hash = NEW.hash WHERE id = 1; END"
)
POSTGRESQL = (
    "CREATE FUNCTION core_auditevent_moves_head() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "UPDATE core_auditchainhead SET last_sequence = NEW.sequence, last_hash = NEW.hash WHERE id = 1; "
    "RETURN NULL; END $$",
    "CREATE TRIGGER core_auditevent_moves_head AFTER INSERT ON core_auditevent "
    "FOR EACH ROW EXECUTE FUNCTION core_auditevent_moves_head()",
)


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE)
    elif vendor == "postgresql":
        for statement in POSTGRESQL:
            schema_editor.execute(statement)
    else:
        raise RuntimeError(f"the audit head trigger is written for SQLite and PostgreSQL, not {vendor}")


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS core_auditevent_moves_head() CASCADE")
    else:
        schema_editor.execute("DROP TRIGGER IF EXISTS core_auditevent_moves_head")


class Migration(migrations.Migration):
    dependencies = [("core", "0006_audit_chain_head_plural_name")]
    operations = [migrations.RunPython(install, uninstall, hints={"ddl": True})]
