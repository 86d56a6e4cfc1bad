"""补正: a material uploaded again after a correction notice is its next version, and keeps a link to
the file it replaced (shown to staff with a version marker)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_background_jobs"),
        ("services", "0005_application_done_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="applicationmaterial",
            name="previous_file",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="core.storedfile",
                verbose_name="上一版文件",
            ),
        ),
        migrations.AddField(
            model_name="applicationmaterial",
            name="version",
            field=models.PositiveSmallIntegerField(default=1, verbose_name="版本"),
        ),
    ]
