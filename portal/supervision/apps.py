from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    """督办: supervised tasks from leaders' instructions, meetings, cases and documents, with
    progress, extensions, closure, overdue flags and weekly bulletins."""

    name = "portal.supervision"
    label = "supervision"
    verbose_name = _("督办")

    def ready(self) -> None:
        from django.urls import reverse_lazy

        from portal.inbox.registry import TaskSource, task_source_register
        from portal.supervision.selectors import supervision_tasks

        task_source_register(
            TaskSource(
                key="supervision",
                label=_("督办事项"),
                fetch=supervision_tasks,
                url=reverse_lazy("supervision:task_list"),
                order=30,
            )
        )
