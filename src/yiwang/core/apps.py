from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "yiwang.core"
    label = "core"
    verbose_name = "平台内核"

    def ready(self) -> None:
        from yiwang.core import checks  # noqa: F401  (checks registers itself)
        from yiwang.core.permissions import PERMISSIONS
        from yiwang.identity.permissions import register_permissions

        register_permissions(PERMISSIONS)
