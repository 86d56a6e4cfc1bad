from django.db import migrations


def seed(apps, schema_editor):
    from yiwang.core.holidays import holidays, makeup_workdays

    Holiday = apps.get_model("core", "Holiday")
    MakeupWorkday = apps.get_model("core", "MakeupWorkday")
    for day, name in holidays():
        Holiday.objects.update_or_create(date=day, defaults={"name": name})
    for day, name in makeup_workdays():
        MakeupWorkday.objects.update_or_create(date=day, defaults={"name": name})


def unseed(apps, schema_editor):
    from yiwang.core.holidays import holidays, makeup_workdays

    apps.get_model("core", "Holiday").objects.filter(date__in=[d for d, _ in holidays()]).delete()
    apps.get_model("core", "MakeupWorkday").objects.filter(date__in=[d for d, _ in makeup_workdays()]).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0002_account_links")]
    operations = [migrations.RunPython(seed, unseed)]
