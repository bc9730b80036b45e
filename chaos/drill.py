"""The restore drill: back up (tools/backup.sh), write more (WAL only), destroy the cluster
and the media, restore (tools/restore.sh) and check that every row and file came back."""

# ruff: noqa: S603 (runs tools/backup.sh and tools/restore.sh)
from __future__ import annotations

import hashlib
import shutil
import subprocess
import time
from pathlib import Path

import requests

from chaos.scenarios import MARK_DRILL, Result, db_reconnect, jpeg, open311_client
from chaos.stack import BACKUP, ROOT, Stack

RESTORE = str(ROOT / "tools" / "restore.sh")
# The tables whose rows must all come back (model label: what it holds).
TABLES = [
    "workflow.Case",
    "workflow.CaseEvent",
    "workflow.CaseStep",
    "workflow.CaseAttachment",
    "citizen.PublicReport",
    "archive.ArchivalItem",
    "archive.ItemFile",
    "accounts.User",
    "search.OutboxEntry",
]


def row_counts() -> dict[str, int]:
    from django.apps import apps

    return {label: apps.get_model(label).objects.count() for label in TABLES}


def media_digest(*roots: Path) -> dict[str, str]:
    found = {}
    for root in roots:
        if root.exists():
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    found[f"{root.name}/{path.relative_to(root)}"] = hashlib.sha256(
                        path.read_bytes()
                    ).hexdigest()
    return found


def _run(cmd: list[str], env: dict | None = None) -> str:
    result = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return result.stdout


def restore_drill(stack: Stack, before: int = 10, after: int = 15) -> Result:
    from portal.citizen.models import PublicReport

    result = Result("restore_drill", "backup, destroy, restore (PITR to latest)")
    client = open311_client(stack, "恢复演练")
    photo = jpeg((30, 90, 200))
    # 1. Data before the base backup (with photos: media files).
    for i in range(before):
        response = client.post(f"{MARK_DRILL}前-{i}", photo=photo)
        response.raise_for_status()
    # Let the worker make the public copies of the photos, so media holds them too.
    time.sleep(3)
    env = {**stack.env()}
    started = time.monotonic()
    out = _run([BACKUP, "base", "--out", str(stack.backups)], env=env)
    backup_dir = Path(out.strip().splitlines()[-1])
    backup_seconds = time.monotonic() - started
    media_at_backup = media_digest(stack.media, stack.private)
    # 2. Data after the base backup: only in the WAL (no photos: media is as of the backup).
    tracking = []
    for i in range(after):
        response = client.post(f"{MARK_DRILL}后-{i}")
        response.raise_for_status()
        tracking.append(response.json()[0]["service_request_id"])
    # The worker and app stop writing (as in a real incident the service is down).
    stack.worker_stop()
    stack.app_stop()
    db_reconnect()
    expected = row_counts()
    expected_after = PublicReport.objects.filter(tracking_number__in=tracking).count()
    # Close the current WAL segment so the archive holds the last commits (in a real
    # disaster archive_timeout bounds what is lost).
    stack.psql("SELECT pg_switch_wal()")
    archive_deadline = time.monotonic() + 60
    while time.monotonic() < archive_deadline:
        ready = list((stack.pgdata / "pg_wal" / "archive_status").glob("*.ready"))
        if not ready:
            break
        time.sleep(0.5)
    db_reconnect()
    # 3. Destroy: kill the cluster, delete PGDATA and the media.
    stack.pg_kill9()
    shutil.rmtree(stack.pgdata)
    shutil.rmtree(stack.media, ignore_errors=True)
    shutil.rmtree(stack.private, ignore_errors=True)
    # 4. Restore and replay.
    started = time.monotonic()
    restore_out = _run(
        [
            RESTORE,
            "--from",
            str(backup_dir),
            "--pgdata",
            str(stack.pgdata),
            "--wal-archive",
            str(stack.wal_archive),
            "--media-root",
            str(stack.media),
            "--private-root",
            str(stack.private),
        ]
    )
    stack.pg_start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and stack.psql("SELECT pg_is_in_recovery()") != "f":
        time.sleep(0.5)
    restore_seconds = time.monotonic() - started
    db_reconnect()
    got = row_counts()
    got_after = PublicReport.objects.filter(tracking_number__in=tracking).count()
    media_now = media_digest(stack.media, stack.private)
    mismatched = sum(1 for k, v in media_at_backup.items() if media_now.get(k) != v)
    missing_files = 0
    from portal.workflow.models import CaseAttachment

    for attachment in CaseAttachment.objects.all():
        if not (stack.private / attachment.file.name).exists():
            missing_files += 1
    result.counts = {
        "rows_before_backup_reports": before,
        "rows_after_backup_reports": after,
        "rows_expected": expected,
        "rows_restored": got,
        "after_backup_reports_present": f"{got_after}/{expected_after}",
        "media_files_backed_up": len(media_at_backup),
        "media_files_restored": len(media_now),
        "media_checksum_mismatches": mismatched,
        "attachment_rows_without_file": missing_files,
        "wal_segments_archived": len([p for p in stack.wal_archive.iterdir() if len(p.name) == 24]),
        "backup_seconds": round(backup_seconds, 1),
        "restore_seconds": round(restore_seconds, 1),
        "timeline": stack.psql("SELECT timeline_id FROM pg_control_checkpoint()"),
    }
    result.notes += [line for line in restore_out.splitlines() if line.strip()]
    result.check("server out of recovery", stack.psql("SELECT pg_is_in_recovery()") == "f")
    result.check("every row count matches", got == expected)
    result.check("rows written after the base backup present", got_after == expected_after == after)
    result.check(
        "media checksums match", mismatched == 0 and len(media_now) >= len(media_at_backup)
    )
    result.check("every attachment row has its file", missing_files == 0)
    # The restored database serves again (app and worker back on it).
    stack.app_start()
    stack.worker_start()
    healthy = requests.get(stack.base_url + "/healthz", timeout=30).status_code == 200
    result.check("app healthy on the restored database", healthy)
    return result.finish()
