"""Background tasks of the case loop (django-tasks; run by the worker)."""

from django_tasks import task

from portal.workflow.attachments import attachment_publish_make
from portal.workflow.services import case_overdue_record


@task()
def sla_sweep() -> int:
    """Record and notify overdue steps (scheduled every minute by `manage.py worker`)."""
    return case_overdue_record()


@task()
def attachment_publish(attachment_id: int) -> bool:
    """Make the stripped public copy of a stored photo, off the request path (enqueued
    when the upload's transaction commits; safe to retry)."""
    return attachment_publish_make(attachment_id=attachment_id)
