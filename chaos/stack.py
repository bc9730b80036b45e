"""The drill's own production-like stack: PostgreSQL (durable, WAL archiving on), Redis and
Elasticsearch on ports of their own, the ASGI app under uvicorn (2 workers) and the
background worker. Never touches the shared test services (55432/56379/59200).

Every process here is started by this module; it stops or kills only those, by their pid.
"""

# ruff: noqa: S603, S607, S108 (it runs its own fixed commands; its data lives in /var/tmp)
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
UVICORN = str(ROOT / ".venv" / "bin" / "uvicorn")
SERVICES = str(ROOT / "tools" / "services.sh")
BACKUP = str(ROOT / "tools" / "backup.sh")

SHARED_PORTS = {55432, 56379, 59200}


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
    return found[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback)
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError):
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child counts as gone.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


class Stack:
    def __init__(
        self,
        base: Path | None = None,
        pg_port: int | None = None,
        redis_port: int | None = None,
        es_port: int | None = None,
    ) -> None:
        self.base = Path(base or os.environ.get("CHAOS_DIR", "/var/tmp/jianye-chaos"))
        self.pg_port = pg_port or int(os.environ.get("CHAOS_PG_PORT", 56432))
        self.redis_port = redis_port or int(os.environ.get("CHAOS_REDIS_PORT", 57379))
        self.es_port = es_port or int(os.environ.get("CHAOS_ES_PORT", 60200))
        if {self.pg_port, self.redis_port, self.es_port} & SHARED_PORTS:
            raise ValueError("the drill must not use the shared test services' ports")
        self.pg_bin = _pg_bin()
        self.pgdata = self.base / "pgdata"
        self.wal_archive = self.base / "wal-archive"
        self.media = self.base / "media"
        self.private = self.base / "private"
        self.backups = self.base / "backups"
        self.logs = self.base / "logs"
        self.app_port = free_port()
        self.app: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.app_pid: int | None = None
        self.worker_pid: int | None = None
        self.worker_starts = 0

    # --- environment ----------------------------------------------------------------------

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.pg_port}/portal"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.app_port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "chaos.settings",
                "SECRET_KEY": "chaos-drill-secret-key-not-for-production-0123456789abcdef",
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                # Drill-only keys of the personal-data columns (production requires its own).
                "FIELD_ENCRYPTION_KEY": "chaos1:Y2hhb3MtZHJpbGwtb25seS1maWVsZC1rZXktMzJieSE",
                "FIELD_INDEX_KEY": "chaos-drill-only-blind-index-key",
                "DATABASE_URL": self.database_url,
                "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
                "ELASTICSEARCH_URL": f"http://127.0.0.1:{self.es_port}",
                "SEARCH_INDEX_PREFIX": "chaos-",
                "CHANNEL_PREFIX": "chaos",
                "MEDIA_ROOT": str(self.media),
                "PRIVATE_MEDIA_ROOT": str(self.private),
                "PORTAL_BASE_URL": self.base_url,
                "LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    def services_env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PORTAL_SERVICES_DIR": str(self.base),
            "PG_PORT": str(self.pg_port),
            "REDIS_PORT": str(self.redis_port),
            "ES_PORT": str(self.es_port),
        }

    def manage(self, *args: str, timeout: float = 900) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    # --- PostgreSQL ------------------------------------------------------------------------

    def _as_postgres(self, *cmd: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run(
            [*prefix, *cmd], check=check, capture_output=True, text=True, **kwargs
        )

    def pg_init(self) -> None:
        """A fresh cluster with WAL archiving configured by tools/backup.sh."""
        self.base.mkdir(parents=True, exist_ok=True)
        os.chmod(self.base, 0o755)  # noqa: S103 (the postgres user must reach its PGDATA)
        for path in (self.pgdata, self.wal_archive):
            path.mkdir(mode=0o700, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(path, "postgres", "postgres")
        self._as_postgres(
            str(self.pg_bin / "initdb"),
            "-D",
            str(self.pgdata),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        self.pg_start(durable=False)
        subprocess.run(
            [BACKUP, "configure", "--wal-archive", str(self.wal_archive)],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "DATABASE_URL": self.database_url.replace("/portal", "/postgres")},
        )
        self.pg_stop()
        self.pg_start(durable=False)
        self.psql("CREATE DATABASE portal", db="postgres")

    def pg_start(self, durable: bool = True) -> None:
        """Production durability (fsync, synchronous_commit, full_page_writes on) for the
        drills; `durable=False` only while the stack is being set up (migrate, demo)."""
        options = (
            f"-p {self.pg_port} -c listen_addresses=127.0.0.1 -k {self.pgdata} "
            "-c max_connections=200 -c wal_level=replica -c max_wal_senders=4"
        )
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off"
        result = self._as_postgres(
            str(self.pg_bin / "pg_ctl"),
            "-D",
            str(self.pgdata),
            "-l",
            str(self.pgdata / "server.log"),
            "-w",
            "-t",
            "120",
            "start",
            "-o",
            options,
            check=False,
        )
        if result.returncode != 0:
            log = (self.pgdata / "server.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"PostgreSQL did not start:\n{result.stderr}\n{log}")

    def pg_stop(self) -> None:
        self._as_postgres(
            str(self.pg_bin / "pg_ctl"),
            "-D",
            str(self.pgdata),
            "-m",
            "fast",
            "-w",
            "stop",
            check=False,
        )

    def pg_pid(self) -> int | None:
        try:
            return int((self.pgdata / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def pg_kill9(self) -> dict:
        """kill -9 the postmaster; wait for its orphaned backends to notice and exit (they
        hold the shared memory a restart needs), and kill -9 any that linger, by pid."""
        pid = self.pg_pid()
        if pid is None:
            raise RuntimeError("PostgreSQL is not running")
        children = [
            int(p)
            for p in subprocess.run(
                ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True
            ).stdout.split()
        ]
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(c) for c in [pid, *children]):
            time.sleep(0.1)
        lingering = [c for c in children if _alive(c)]
        for child in lingering:
            os.kill(child, signal.SIGKILL)
        return {"postmaster": pid, "backends": len(children), "lingering_killed": len(lingering)}

    def psql(self, sql: str, db: str = "portal") -> str:
        return self._as_postgres(
            str(self.pg_bin / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.pg_port),
            "-U",
            "postgres",
            "-d",
            db,
            "-tAc",
            sql,
        ).stdout.strip()

    # --- Redis and Elasticsearch (tools/services.sh, on the drill's ports) ------------------

    def services_start(self) -> None:
        """PostgreSQL is already up (ours, durable); services.sh starts Redis and ES."""
        result = subprocess.run(
            [SERVICES, "start"], env=self.services_env(), capture_output=True, text=True
        )
        if result.returncode != 0:
            raise RuntimeError(f"tools/services.sh start failed:\n{result.stderr[-3000:]}")

    def redis_stop(self) -> None:
        pid_file = self.base / "redis" / "redis.pid"
        pid = int(pid_file.read_text().strip())
        os.kill(pid, signal.SIGTERM)
        self._wait_gone(pid, 20)

    def es_pid(self) -> int | None:
        found = list(self.base.glob("elasticsearch-*/es.pid"))
        try:
            return int(found[0].read_text().strip()) if found else None
        except ValueError:
            return None

    def es_stop(self) -> None:
        pid = self.es_pid()
        if pid and _alive(pid):
            os.kill(pid, signal.SIGTERM)
            self._wait_gone(pid, 60)

    def es_url(self) -> str:
        return f"http://127.0.0.1:{self.es_port}"

    @staticmethod
    def _wait_gone(pid: int, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.1)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.5)

    # --- the app and the worker ------------------------------------------------------------

    def app_start(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        log = open(self.logs / "uvicorn.log", "ab")  # noqa: SIM115 (kept by the process)
        self.app = subprocess.Popen(
            [
                UVICORN,
                "portal.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.app_port),
                "--workers",
                "2",
                "--no-access-log",
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.app_pid = self.app.pid
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.app.poll() is not None:
                raise RuntimeError(f"uvicorn exited; see {self.logs / 'uvicorn.log'}")
            if _http_ok(self.base_url + "/healthz"):
                return
            time.sleep(0.5)
        raise RuntimeError("the app did not answer /healthz within 120 s")

    def worker_start(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        log = open(self.logs / "worker.log", "ab")  # noqa: SIM115 (kept by the process)
        self.worker = subprocess.Popen(
            [
                PYTHON,
                "manage.py",
                "worker",
                "--queue-name",
                "*",
                "--interval",
                "0.5",
                "--no-reload",
                "--no-startup-delay",
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.worker_pid = self.worker.pid
        self.worker_starts += 1

    def worker_kill9(self) -> int:
        pid = self.worker_pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        if self.worker is not None and self.worker.pid == pid:
            self.worker.wait(10)
        self._wait_gone(pid, 10)
        return pid

    def _stop_group(self, pid: int | None) -> None:
        """Stop a process this stack started; it leads its own session, so signal that
        group (uvicorn's workers with it)."""
        if pid is None or not _alive(pid):
            return
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        for process in (self.app, self.worker):
            if process is not None and process.pid == pid:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(20)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.1)
        if _alive(pid):
            os.killpg(pid, signal.SIGKILL)

    def app_stop(self) -> None:
        self._stop_group(self.app_pid)

    def worker_stop(self) -> None:
        self._stop_group(self.worker_pid)

    def state_save(self) -> None:
        """What `python -m chaos --reuse` needs to drive a stack left up by `--keep`."""
        state = {"app_port": self.app_port, "app_pid": self.app_pid, "worker_pid": self.worker_pid}
        (self.base / "state.json").write_text(json.dumps(state))

    def state_load(self) -> bool:
        try:
            state = json.loads((self.base / "state.json").read_text())
        except (OSError, ValueError):
            return False
        self.app_port, self.app_pid, self.worker_pid = (
            state["app_port"],
            state["app_pid"],
            state["worker_pid"],
        )
        return _http_ok(self.base_url + "/healthz") and bool(
            self.worker_pid and _alive(self.worker_pid)
        )

    # --- whole stack -----------------------------------------------------------------------

    def wipe(self) -> None:
        """Leftovers of an earlier run: stop its services (by their pid files), then remove
        its data. The unpacked Elasticsearch distribution is kept; only its data goes."""
        if self.pgdata.joinpath("PG_VERSION").exists():
            self.pg_stop()
        pid_file = self.base / "redis" / "redis.pid"
        if pid_file.exists():
            try:
                pid = int(pid_file.read_text().strip())
                if _alive(pid):
                    os.kill(pid, signal.SIGTERM)
                    self._wait_gone(pid, 20)
            except ValueError:
                pass
        self.es_stop()
        for es_data in self.base.glob("elasticsearch-*/data"):
            shutil.rmtree(es_data, ignore_errors=True)
        for path in (self.pgdata, self.wal_archive, self.media, self.private, self.backups):
            shutil.rmtree(path, ignore_errors=True)
        shutil.rmtree(self.base / "pgdata.restored", ignore_errors=True)

    def setup_key(self) -> str:
        """What the migrated demo database depends on: migrations and the demo loaders."""
        digest = hashlib.sha256()
        paths = sorted(
            [
                *ROOT.glob("*/migrations/*.py"),
                *ROOT.glob("portal/*/migrations/*.py"),
                *ROOT.glob("portal/**/demo*.py"),
                *ROOT.glob("portal/city/data/*"),
                ROOT / "portal" / "management" / "commands" / "load_demo.py",
            ]
        )
        for path in paths:
            if path.is_file():
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
        return digest.hexdigest()[:16]

    def up(self, cases: int = 20, say=print) -> None:
        """Start the stack on a fresh copy of the migrated demo database. Migrating takes
        minutes, so the migrated cluster (and its media) is kept in setup-cache-<key> and
        reused while the migrations and demo loaders are unchanged."""
        started = time.monotonic()
        self.wipe()
        cache = self.base / f"setup-cache-{self.setup_key()}"
        if (cache / "pgdata" / "PG_VERSION").exists():
            for name in ("pgdata", "media", "private"):
                if (cache / name).exists():
                    subprocess.run(["cp", "-a", cache / name, self.base / name], check=True)
            self.wal_archive.mkdir(mode=0o700, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(self.wal_archive, "postgres", "postgres")
            self.pg_start(durable=False)
            say(f"  PostgreSQL on 127.0.0.1:{self.pg_port} from the migrated demo ({cache.name})")
            self.services_start()
            say(f"  Redis on {self.redis_port}, Elasticsearch on {self.es_port}")
        else:
            for old in self.base.glob("setup-cache-*"):
                shutil.rmtree(old, ignore_errors=True)
            self.pg_init()
            say(f"  PostgreSQL (WAL archiving) on 127.0.0.1:{self.pg_port}")
            self.services_start()
            say(f"  Redis on {self.redis_port}, Elasticsearch on {self.es_port}")
            self.manage("migrate", "--noinput", "-v0")
            out = self.manage("load_demo", "--cases", str(cases), "--quiet-accounts")
            say("  " + out.strip().replace("\n", "\n  "))
            self.pg_stop()
            cache.mkdir(parents=True)
            for name in ("pgdata", "media", "private"):
                if (self.base / name).exists():
                    subprocess.run(["cp", "-a", self.base / name, cache / name], check=True)
            self.pg_start(durable=False)
        self.manage("search_reindex")
        # A clean shutdown writes everything out; from here on the server is durable.
        self.pg_stop()
        self.pg_start()
        self.app_start()
        self.worker_start()
        say(f"  app {self.base_url} (uvicorn, 2 workers) and worker up; PostgreSQL durable")
        say(f"  stack ready in {time.monotonic() - started:.0f} s")

    def down(self) -> None:
        self.worker_stop()
        self.app_stop()
        self.es_stop()
        pid_file = self.base / "redis" / "redis.pid"
        if pid_file.exists():
            try:
                pid = int(pid_file.read_text().strip())
                if _alive(pid):
                    os.kill(pid, signal.SIGTERM)
                    self._wait_gone(pid, 20)
            except ValueError:
                pass
        if self.pgdata.joinpath("PG_VERSION").exists():
            self.pg_stop()


def python() -> str:
    return PYTHON if Path(PYTHON).exists() else sys.executable
