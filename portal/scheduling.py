"""Periodic background tasks: what runs how often, and the claim that runs it once.

Every worker runs the scheduler loop; a conditional UPDATE on PeriodicRun decides which
worker enqueues a due run, so N workers on N machines still enqueue it once.
"""

import datetime as dt
import logging
import threading

from django.db import close_old_connections
from django.utils import timezone
from django.utils.module_loading import import_string

from portal.models import PeriodicRun

logger = logging.getLogger(__name__)

PERIODIC_TASKS: dict[str, int] = {
    # dotted path of a django-tasks task: interval in seconds
    "portal.workflow.tasks.sla_sweep": 60,
    "search.tasks.outbox_drain_task": 5,
    "portal.tasks.pages_publish_scheduled": 60,
    "portal.archive.tasks.archive_sweep": 600,
    "portal.archive.tasks.fixity_sweep_task": 24 * 3600,
    "portal.archive.tasks.borrow_expire_task": 60,
    "portal.supervision.tasks.overdue_sweep": 60,
    # Hourly, but it stores last week's bulletin only once (unique per week).
    "portal.supervision.tasks.bulletin_weekly_task": 3600,
    "portal.idempotency.tasks.idempotency_key_purge_task": 3600,
}
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def periodic_enqueue_due(*, now: dt.datetime | None = None) -> list[str]:
    """Enqueue every periodic task whose interval has passed; return those enqueued."""
    now = now or timezone.now()
    enqueued = []
    for path, seconds in PERIODIC_TASKS.items():
        PeriodicRun.objects.get_or_create(name=path, defaults={"last_enqueued_at": EPOCH})
        due_before = now - dt.timedelta(seconds=seconds)
        claimed = PeriodicRun.objects.filter(name=path, last_enqueued_at__lte=due_before).update(
            last_enqueued_at=now
        )
        if claimed:
            import_string(path).enqueue()
            enqueued.append(path)
    return enqueued


def scheduler_start(*, tick_seconds: float = 5.0) -> threading.Thread:
    """Run periodic_enqueue_due every tick in a daemon thread beside the worker loop."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(tick_seconds):
            try:
                close_old_connections()
                periodic_enqueue_due()
            except Exception:  # a failed tick is retried at the next one
                logger.exception("periodic scheduling failed")

    thread = threading.Thread(target=loop, name="periodic-scheduler", daemon=True)
    thread.stop = stop  # type: ignore[attr-defined]
    thread.start()
    return thread
