"""Background tasks of the citizen services (django-tasks; run by the worker)."""

from django_tasks import task

from portal.citizen.notify import report_notify_send


@task()
def report_notify(*, report_id: int, event_id: int) -> int:
    """Tell the reporter of a public report what an event of its case did (e-mail, SMS)."""
    return report_notify_send(report_id=report_id, event_id=event_id)
