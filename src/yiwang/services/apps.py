from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "yiwang.services"
    label = "services"
    verbose_name = "一网通办"

    def ready(self) -> None:
        # Keep Application.status in step with its workflow instance (see applications actions).
        from yiwang.services.actions import applications  # noqa: F401
