from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    """通知公告: notices drafted by office staff, reviewed, published to chosen street
    offices and communities, with read receipts and reminders."""

    name = "portal.notices"
    label = "notices"
    verbose_name = _("通知公告")

    def ready(self) -> None:
        from django.urls import reverse_lazy

        from portal.inbox.registry import TaskSource, task_source_register
        from portal.notices.selectors import notice_review_tasks, notice_unread_tasks

        task_source_register(
            TaskSource(
                key="notice_review",
                label=_("通知审核"),
                fetch=notice_review_tasks,
                url=reverse_lazy("notices:notice_list"),
                order=40,
            )
        )
        task_source_register(
            TaskSource(
                key="notice_unread",
                label=_("待阅通知"),
                fetch=notice_unread_tasks,
                url=reverse_lazy("notices:notice_list"),
                order=41,
            )
        )
