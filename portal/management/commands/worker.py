"""`manage.py worker`: the background worker — django-tasks' database worker with the
periodic scheduler beside it. Run one or more; periodic runs are still enqueued once.

Each worker names itself `host:pid:random` and, at start and every few seconds, gives
back the tasks a dead worker on the same host left RUNNING (portal/task_recovery.py). A
database outage does not end it: it waits for the database and carries on."""

import logging
import threading
import time

from django.db import InterfaceError, OperationalError, close_old_connections, connections
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from portal.scheduling import scheduler_start
from portal.task_recovery import tasks_orphaned_requeue, worker_identity

logger = logging.getLogger(__name__)
RECOVERY_SECONDS = 10.0


def recovery_start(*, every: float = RECOVERY_SECONDS) -> threading.Thread:
    """Requeue orphaned tasks now, then every `every` seconds in a daemon thread."""
    stop = threading.Event()

    def loop() -> None:
        while True:
            try:
                close_old_connections()
                tasks_orphaned_requeue()
            except Exception:  # the database may be away: try again at the next tick
                logger.exception("recovering orphaned tasks failed")
            if stop.wait(every):
                return

    thread = threading.Thread(target=loop, name="task-recovery", daemon=True)
    thread.stop = stop  # type: ignore[attr-defined]
    thread.start()
    return thread


class Command(DbWorkerCommand):
    help = "Run the background worker and the periodic scheduler."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(worker_id=worker_identity())

    def handle(self, *args, **options):
        recovery_start()
        scheduler_start()
        delay, first = 1.0, True
        while True:
            started = time.monotonic()
            try:
                if not first:
                    # The last loop died mid-task, perhaps: give its claim back first.
                    tasks_orphaned_requeue(own=True)
                first = False
                return super().handle(*args, **options)
            except (OperationalError, InterfaceError) as exc:
                # The database went away (restart, failover, too many clients): django-tasks'
                # worker loop raises; wait for the database rather than exit.
                if time.monotonic() - started > 60:
                    delay = 1.0
                logger.warning("database unavailable (%s); worker retries in %.0f s", exc, delay)
                connections.close_all()
                time.sleep(delay)
                delay = min(delay * 2, 30.0)
