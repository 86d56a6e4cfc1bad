from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "yiwang.workflow"
    label = "workflow"
    verbose_name = "流程引擎"

    def ready(self) -> None:
        from yiwang.identity.permissions import register_permissions
        from yiwang.workflow import checks, hooks, subscribers  # noqa: F401  (checks registers itself)
        from yiwang.workflow.permissions import PERMISSIONS

        register_permissions(PERMISSIONS)

        # Built-in: the applicant hears about every move of their matter made by someone else.
        hooks.on_transition(subscribers.notify_owner)
