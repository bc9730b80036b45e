"""A task whose worker died mid-run (kill -9) goes back to the queue; others stay put."""

import os
import socket
import subprocess

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from portal.management.commands.worker import Command
from portal.task_recovery import tasks_orphaned_requeue, worker_identity

pytestmark = pytest.mark.django_db
HOST = socket.gethostname()[:40]


def dead_pid() -> int:
    process = subprocess.Popen(["/bin/true"])
    process.wait()
    return process.pid


def task(status: str, worker_id: str | None) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status=status,
        task_path="portal.archive.tasks.archive_item_process_task",
        args_kwargs={"args": [1], "kwargs": {}},
        backend_name="default",
        run_after=timezone.now(),
        started_at=timezone.now(),
        worker_ids=[worker_id] if worker_id else [],
    )


def test_a_task_left_running_by_a_dead_worker_is_queued_again():
    orphan = task("RUNNING", f"{HOST}:{dead_pid()}:abcdefgh")
    live = task("RUNNING", f"{HOST}:{os.getpid()}:abcdefgh")
    elsewhere = task("RUNNING", f"another-host:{dead_pid()}:abcdefgh")
    legacy = task("RUNNING", "randomworkeridwithoutanyhostpart00")
    finished = task("SUCCESSFUL", f"{HOST}:{dead_pid()}:abcdefgh")

    assert tasks_orphaned_requeue() == 1

    statuses = {t.pk: t.status for t in DBTaskResult.objects.all()}
    assert statuses[orphan.pk] == "READY"
    assert statuses[live.pk] == "RUNNING"
    assert statuses[elsewhere.pk] == "RUNNING"
    assert statuses[legacy.pk] == "RUNNING"
    assert statuses[finished.pk] == "SUCCESSFUL"
    # The requeued task is what the worker claims next; a second sweep finds nothing.
    assert DBTaskResult.objects.ready().filter(pk=orphan.pk).exists()
    assert tasks_orphaned_requeue() == 0


def test_only_the_last_claim_counts():
    """A task retried by a live worker after an earlier one died is left alone."""
    retried = task("RUNNING", f"{HOST}:{dead_pid()}:abcdefgh")
    retried.worker_ids = [*retried.worker_ids, f"{HOST}:{os.getpid()}:zyxwvuts"]
    retried.save()
    assert tasks_orphaned_requeue(alive=lambda pid: pid == os.getpid()) == 0
    retried.refresh_from_db()
    assert retried.status == "RUNNING"


def test_workers_name_themselves_host_pid_random():
    identity = worker_identity()
    host, pid, random = identity.split(":")
    assert (host, pid) == (HOST, str(os.getpid()))
    assert len(random) == 8 and len(identity) <= 64
    parser = Command().create_parser("manage.py", "worker")
    assert parser.get_default("worker_id").startswith(f"{HOST}:{os.getpid()}:")


def test_own_claims_are_given_back_after_the_worker_loop_died():
    mine = task("RUNNING", f"{HOST}:{os.getpid()}:abcdefgh")
    assert tasks_orphaned_requeue() == 0  # a live worker's task stays put
    assert tasks_orphaned_requeue(own=True) == 1
    mine.refresh_from_db()
    assert mine.status == "READY"


def test_the_worker_waits_out_a_database_outage(monkeypatch):
    """django-tasks' loop raises when the database goes away; ours waits and carries on,
    and gives back the task the dead loop had claimed."""
    from django.db import OperationalError
    from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

    from portal.management.commands import worker

    claimed = task("RUNNING", f"{HOST}:{os.getpid()}:abcdefgh")
    runs = []

    def loop(self, *args, **options):
        runs.append(DBTaskResult.objects.get(pk=claimed.pk).status)
        if len(runs) == 1:
            raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(DbWorkerCommand, "handle", loop)
    monkeypatch.setattr(worker, "recovery_start", lambda: None)
    monkeypatch.setattr(worker, "scheduler_start", lambda: None)
    monkeypatch.setattr(worker.connections, "close_all", lambda: None)
    monkeypatch.setattr(worker.time, "sleep", lambda seconds: None)
    worker.Command().handle()
    assert runs == ["RUNNING", "READY"]
