"""网格 (Grid): polygons under a community, for point location and the grid maps."""

import django.db.models.deletion
from django.db import migrations, models

import yiwang.core.validators


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0011_audit_uid_required_unsealed_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="Grid",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="更新时间")),
                ("code", models.CharField(max_length=32, unique=True, verbose_name="网格编码")),
                ("name", models.CharField(max_length=100, verbose_name="名称")),
                (
                    "geometry",
                    models.JSONField(
                        validators=[yiwang.core.validators.validate_geojson_geometry],
                        verbose_name="边界 (GeoJSON)",
                    ),
                ),
                ("is_active", models.BooleanField(default=True, verbose_name="启用")),
                (
                    "community",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="grids",
                        to="core.region",
                        verbose_name="所属社区/村",
                    ),
                ),
            ],
            options={
                "verbose_name": "网格",
                "verbose_name_plural": "网格",
                "ordering": ["code"],
                "indexes": [models.Index(fields=["community", "code"], name="core_grid_community_idx")],
            },
        ),
    ]
