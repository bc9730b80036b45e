"""Background work of search: drain the outbox (scheduled every few seconds)."""

from django_tasks import task

from search.services import outbox_drain


@task()
def outbox_drain_task() -> int:
    return outbox_drain()
