import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("identity", "0002_seed_roles")]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="uid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, null=True),
        ),
    ]
