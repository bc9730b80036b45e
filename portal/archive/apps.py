from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchiveConfig(AppConfig):
    """Archive: archival items, 档号, retention, fixity, ACL, borrowing, PDF case files."""

    name = "portal.archive"
    label = "archive"
    verbose_name = _("档案管理")

    def ready(self) -> None:
        from portal.archive.receivers import on_case_event, on_document_issued
        from portal.archive.search import ArchivalItemDocumentType
        from portal.oa.signals import document_issued
        from portal.workflow.signals import case_event_recorded
        from search.documents import document_type_register

        document_type_register(ArchivalItemDocumentType())
        case_event_recorded.connect(on_case_event, dispatch_uid="archive.file_closed_cases")
        document_issued.connect(on_document_issued, dispatch_uid="archive.file_issued_documents")
