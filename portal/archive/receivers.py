"""The archive listens to the case loop and the OA: a case closed (or rated after closing)
and a document issued are filed once the transaction that changed them has committed."""

from functools import partial

from django.conf import settings
from django.db import transaction

FILING_ACTIONS = ("close", "rate")


def on_case_event(sender, *, case, event, **kwargs) -> None:
    if event.action not in FILING_ACTIONS or not settings.ARCHIVE_AUTO_FILE:
        return
    from portal.archive.tasks import archive_case_file_task

    transaction.on_commit(partial(archive_case_file_task.enqueue, case.pk))


def on_document_issued(sender, *, document_id, **kwargs) -> None:
    """File an issued OA document (整理归档). The OA sends this after its commit; on_commit
    still defers the enqueue should a sender ever do so inside a transaction."""
    if not settings.ARCHIVE_AUTO_FILE:
        return
    from portal.archive.tasks import archive_document_file_task

    transaction.on_commit(partial(archive_document_file_task.enqueue, document_id))
