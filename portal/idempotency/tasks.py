"""Background work of the idempotency keys."""

from django_tasks import task

from portal.idempotency.services import idempotency_key_purge


@task()
def idempotency_key_purge_task() -> int:
    """Delete expired idempotency keys (hourly, from the periodic scheduler)."""
    return idempotency_key_purge()
