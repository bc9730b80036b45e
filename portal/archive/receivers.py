"""The archive listens to the case loop: a case closed (or rated after closing) is filed
once the transaction that changed it has committed."""

from functools import partial

from django.conf import settings
from django.db import transaction

FILING_ACTIONS = ("close", "rate")


def on_case_event(sender, *, case, event, **kwargs) -> None:
    if event.action not in FILING_ACTIONS or not settings.ARCHIVE_AUTO_FILE:
        return
    from portal.archive.tasks import archive_case_file_task

    transaction.on_commit(partial(archive_case_file_task.enqueue, case.pk))
