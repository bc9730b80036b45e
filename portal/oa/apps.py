from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OaConfig(AppConfig):
    """OA for street and community offices: 公文 flows, notices, 督办, approvals."""

    name = "portal.oa"
    label = "oa"
    verbose_name = _("协同办公")

    def ready(self) -> None:
        from portal.oa.search import OfficialDocumentType
        from search.documents import document_type_register

        document_type_register(OfficialDocumentType())

        from django.urls import reverse_lazy

        from portal.inbox.registry import TaskSource, task_source_register
        from portal.oa.selectors import oa_tasks

        task_source_register(
            TaskSource(
                key="oa",
                label=_("公文办理"),
                fetch=oa_tasks,
                url=reverse_lazy("oa:document_list"),
                order=20,
            )
        )
