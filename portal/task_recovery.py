"""Give back the tasks of a worker that died mid-task (kill -9, out of memory, a crash).

django-tasks' database worker marks a task RUNNING when it claims it and never looks at
it again: if the process dies before it records the outcome, the task stays RUNNING for
ever and is never retried. Our workers name themselves `host:pid:random`, so any worker
on the same host can tell that the worker holding a RUNNING task is gone and put the
task back to READY; a live worker (any worker: at start and every few seconds) then runs
it again. Tasks are written to be idempotent, so running one again is safe.

A worker on another host is not checked from here (its pid means nothing on this host):
each host's own workers recover its tasks when they start.
"""

import logging
import os
import socket

from django.db import transaction
from django.utils.crypto import get_random_string
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)


def _host() -> str:
    return socket.gethostname()[:40]


def worker_identity() -> str:
    """This process's worker id: host, pid and a random part (pids are reused)."""
    return f"{_host()}:{os.getpid()}:{get_random_string(8)}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, under another user
        return True
    return True


def _dead_here(worker_id: str, *, alive=_pid_alive) -> bool:
    host, _, rest = worker_id.partition(":")
    pid, _, _random = rest.partition(":")
    if host != _host() or not pid.isdigit():
        return False
    return not alive(int(pid))


def tasks_orphaned_requeue(*, alive=_pid_alive, own: bool = False) -> int:
    """Put the RUNNING tasks whose worker on this host has died back to READY; return how
    many. The conditional update leaves alone a task that finished in the meantime.
    `own=True` counts this process as dead too: its worker loop has just died (the
    database went away mid-task) and runs nothing now."""
    if own:
        me, others = os.getpid(), alive

        def alive(pid: int) -> bool:
            return pid != me and others(pid)

    requeued = 0
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only(
        "id", "worker_ids", "task_path"
    )
    for result in running:
        if not result.worker_ids or not _dead_here(result.worker_ids[-1], alive=alive):
            continue
        with transaction.atomic():
            changed = DBTaskResult.objects.filter(
                pk=result.pk, status=TaskResultStatus.RUNNING, worker_ids=result.worker_ids
            ).update(status=TaskResultStatus.READY)
        if changed:
            requeued += 1
            logger.warning(
                "task %s (%s) was left running by dead worker %s: queued again",
                result.pk,
                result.task_path,
                result.worker_ids[-1],
            )
    return requeued
