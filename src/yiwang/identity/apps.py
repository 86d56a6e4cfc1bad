from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "yiwang.identity"
    label = "identity"
    verbose_name = "统一身份认证"

    def ready(self) -> None:
        from yiwang.identity import checks, permissions  # noqa: F401  (checks registers itself)

        permissions.register_permissions(permissions.PERMISSIONS)
