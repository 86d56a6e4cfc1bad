"""The audit head no longer follows every inserted row (decision 0010): writers take no lock and
touch no shared row; only the sealer moves the head. Drops the trigger of 0007 (reversible)."""

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


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS core_auditevent_moves_head() CASCADE")
    else:
        schema_editor.execute("DROP TRIGGER IF EXISTS core_auditevent_moves_head")


def restore_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRESQL:
            schema_editor.execute(statement)
    else:
        schema_editor.execute(SQLITE)


class Migration(migrations.Migration):
    dependencies = [("core", "0007_audit_head_follows_insert")]
    operations = [migrations.RunPython(drop_trigger, restore_trigger, hints={"ddl": True})]
