"""tools/backup.sh and tools/restore.sh on a PostgreSQL cluster of their own: a base backup,
more commits in the WAL only, the cluster and media destroyed, then restored to the latest
commit and, separately, to a point in time between two batches."""

import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from chaos.stack import BACKUP, ROOT, Stack, free_port

RESTORE = str(ROOT / "tools" / "restore.sh")
# Needs only PostgreSQL's binaries and a cluster of its own: part of the PostgreSQL run.
pytestmark = [pytest.mark.postgres, pytest.mark.timeout(600)]


def run(*cmd, env=None):
    result = subprocess.run(cmd, capture_output=True, text=True, env=env)  # noqa: S603
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def cluster():
    base = Path(f"/var/tmp/jianye-chaos-test-{os.getpid()}")  # noqa: S108 (postgres reaches it)
    shutil.rmtree(base, ignore_errors=True)
    stack = Stack(base=base, pg_port=free_port(), redis_port=free_port(), es_port=free_port())
    stack.pg_init()
    stack.pg_stop()
    stack.pg_start()  # durable
    yield stack
    stack.pg_stop()
    shutil.rmtree(base, ignore_errors=True)


def digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def wait_archived(stack: Stack) -> None:
    stack.psql("SELECT pg_switch_wal()")
    deadline = time.monotonic() + 60
    while list((stack.pgdata / "pg_wal" / "archive_status").glob("*.ready")):
        assert time.monotonic() < deadline, "WAL not archived within 60 s"
        time.sleep(0.2)


def restore_and_count(stack: Stack, backup: Path, *extra: str) -> int:
    shutil.rmtree(stack.pgdata, ignore_errors=True)
    run(RESTORE, "--from", str(backup), "--pgdata", str(stack.pgdata),
        "--wal-archive", str(stack.wal_archive), *extra)  # fmt: skip
    stack.pg_start()
    deadline = time.monotonic() + 120
    while stack.psql("SELECT pg_is_in_recovery()") != "f":
        assert time.monotonic() < deadline, "recovery did not end"
        time.sleep(0.2)
    return int(stack.psql("SELECT count(*) FROM drill"))


def test_restore_to_latest_and_to_a_point_in_time(cluster):
    stack = cluster
    media, private = stack.base / "media", stack.base / "private"
    for root, n in ((media, 3), (private, 2)):
        (root / "sub").mkdir(parents=True)
        for i in range(n):
            (root / "sub" / f"f{i}.bin").write_bytes(os.urandom(1000 + i))
    files = {"media": digest(media), "private": digest(private)}
    stack.psql("CREATE TABLE drill (id serial PRIMARY KEY, note text)")
    stack.psql("INSERT INTO drill (note) SELECT 'before' FROM generate_series(1, 100)")
    env = {**os.environ, "DATABASE_URL": stack.database_url}
    out = run(BACKUP, "base", "--out", str(stack.backups),
              "--media-root", str(media), "--private-root", str(private), env=env)  # fmt: skip
    backup = Path(out.strip().splitlines()[-1])
    manifest = (backup / "MANIFEST").read_text()
    assert "media_files=5" in manifest and "wal_start_lsn=" in manifest
    # After the base backup: only in the WAL archive.
    stack.psql("INSERT INTO drill (note) SELECT 'after-1' FROM generate_series(1, 25)")
    time.sleep(1.1)
    target = stack.psql("SELECT now()")
    time.sleep(1.1)
    stack.psql("INSERT INTO drill (note) SELECT 'after-2' FROM generate_series(1, 25)")
    wait_archived(stack)

    # Destroy the cluster and the media; restore to the latest commit.
    stack.pg_kill9()
    shutil.rmtree(media)
    shutil.rmtree(private)
    latest = restore_and_count(
        stack, backup, "--media-root", str(media), "--private-root", str(private)
    )
    assert latest == 150
    assert {"media": digest(media), "private": digest(private)} == files

    # The same backup to the moment between the two batches (a point-in-time restore).
    stack.pg_stop()
    assert restore_and_count(stack, backup, "--target-time", target, "--no-media") == 125


def test_restore_refuses_a_damaged_backup(cluster, tmp_path):
    stack = cluster
    env = {**os.environ, "DATABASE_URL": stack.database_url}
    out = run(BACKUP, "base", "--out", str(stack.backups), env=env)
    backup = Path(out.strip().splitlines()[-1])
    with open(backup / "db" / "base.tar.gz", "ab") as handle:
        handle.write(b"tampered")
    result = subprocess.run(  # noqa: S603
        [RESTORE, "--from", str(backup), "--pgdata", str(tmp_path / "pg"),
         "--wal-archive", str(stack.wal_archive)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode != 0
    assert "checksums" in result.stderr
    assert not (tmp_path / "pg").exists()
