import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("identity", "0004_populate_apitoken_uid")]

    operations = [
        migrations.AlterField(
            model_name="apitoken",
            name="uid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
