"""Every audit row has a unique `uid`; unsealed rows are found through a partial index."""

import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0010_audit_rows_resealed")]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="uid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name="标识"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(("sequence__isnull", True)), fields=["id"], name="core_audit_unsealed_idx"
            ),
        ),
    ]
