"""Give every existing API token its own UUID before the column becomes unique."""

import uuid

from django.db import migrations


def populate(apps, schema_editor):
    ApiToken = apps.get_model("identity", "ApiToken")
    for token in ApiToken.objects.only("pk"):
        ApiToken.objects.filter(pk=token.pk).update(uid=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("identity", "0003_apitoken_uid")]

    operations = [migrations.RunPython(populate, migrations.RunPython.noop)]
