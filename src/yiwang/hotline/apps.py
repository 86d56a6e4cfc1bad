from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "yiwang.hotline"
    label = "hotline"
    verbose_name = "12345 政务服务便民热线"

    def ready(self) -> None:
        from yiwang.identity.permissions import register_permissions

        from yiwang.hotline.permissions import PERMISSIONS

        register_permissions(PERMISSIONS)
