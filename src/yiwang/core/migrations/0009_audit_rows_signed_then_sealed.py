"""Audit rows carry their own signature (`mac`) and an identifier (`uid`); the chain columns
(`sequence`, `prev_hash`, `hash`, `sealed_at`) are filled by the sealer (decision 0010)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0008_audit_head_moved_only_by_sealer")]

    operations = [
        migrations.AlterModelOptions(
            name="auditevent",
            options={"ordering": ["-id"], "verbose_name": "审计日志", "verbose_name_plural": "审计日志"},
        ),
        migrations.AddField(
            model_name="auditevent",
            name="mac",
            field=models.CharField(default="", max_length=64, verbose_name="记录签名"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="sealed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="封存时间"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="uid",
            field=models.UUIDField(editable=False, null=True, verbose_name="标识"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(blank=True, max_length=64, null=True, unique=True, verbose_name="链哈希"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(blank=True, max_length=64, verbose_name="前序哈希"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="sequence",
            field=models.PositiveBigIntegerField(blank=True, null=True, unique=True, verbose_name="序号"),
        ),
    ]
