from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    """The case loop: the case, its viewflow process, the SLA clock, evaluation."""

    name = "portal.workflow"
    label = "workflow"
    verbose_name = _("案件闭环")

    def ready(self) -> None:
        from portal.workflow.search import CaseDocumentType
        from search.documents import document_type_register

        document_type_register(CaseDocumentType())

        from portal.workflow.dashboard import on_case_event
        from portal.workflow.signals import case_event_recorded

        case_event_recorded.connect(on_case_event, dispatch_uid="workflow.dashboard")

        from django.urls import reverse_lazy

        from portal.inbox.registry import TaskSource, task_source_register
        from portal.workflow.inbox import case_tasks

        task_source_register(
            TaskSource(
                key="cases",
                label=_("案件办理"),
                fetch=case_tasks,
                url=reverse_lazy("workflow:inbox"),
                order=10,
            )
        )
