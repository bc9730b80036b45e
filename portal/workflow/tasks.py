"""Background tasks of the case loop (django-tasks; run by the worker)."""

from django_tasks import task

from portal.workflow.services import case_overdue_record


@task()
def sla_sweep() -> int:
    """Record and notify overdue steps (scheduled every minute by `manage.py worker`)."""
    return case_overdue_record()
