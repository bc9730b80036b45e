from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    """通用审批: one configurable engine for 请假, 用印 (with the seal log), 用车 and the like."""

    name = "portal.approvals"
    label = "approvals"
    verbose_name = _("通用审批")

    def ready(self) -> None:
        from django.urls import reverse_lazy

        from portal.approvals.inbox import approval_tasks
        from portal.inbox.registry import TaskSource, task_source_register

        task_source_register(
            TaskSource(
                key="approvals",
                label=_("审批"),
                fetch=approval_tasks,
                url=reverse_lazy("approvals:index"),
                order=30,
            )
        )
