"""Background work of 督办 (django-tasks; scheduled by portal/scheduling.py)."""

from django_tasks import task

from portal.supervision.bulletins import bulletin_weekly
from portal.supervision.services import task_overdue_record


@task()
def overdue_sweep() -> int:
    """Flag and notify overdue supervised tasks, once per deadline."""
    return task_overdue_record()


@task()
def bulletin_weekly_task() -> int | None:
    """Store last week's 督办通报 if it is not stored yet (runs hourly; idempotent)."""
    bulletin = bulletin_weekly()
    return bulletin.pk if bulletin else None
