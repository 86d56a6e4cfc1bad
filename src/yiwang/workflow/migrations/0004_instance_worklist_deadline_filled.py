"""Data: the list deadline of the instances that existed before it (workflow 0003).

The overall clock when it runs, else the state's — the engine's default. The yellow moment is taken
from the instance's own nearest warning (`warning_at`); the next move recomputes it exactly."""

from django.db import migrations
from django.db.models import F


def fill(apps, schema_editor):
    ProcessInstance = apps.get_model("workflow", "ProcessInstance")
    ProcessInstance.objects.filter(deadline__isnull=False).update(
        worklist_clock="overall", worklist_deadline=F("deadline"), worklist_warning_at=F("warning_at")
    )
    ProcessInstance.objects.filter(deadline__isnull=True).update(
        worklist_clock="state", worklist_deadline=F("state_deadline"), worklist_warning_at=F("warning_at")
    )


class Migration(migrations.Migration):
    dependencies = [("workflow", "0003_instance_worklist_deadline")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
