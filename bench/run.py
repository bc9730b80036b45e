"""`make bench` / `python -m bench.run`: scenarios B1–B9 against their baselines, one run.

    python -m bench.run [--scale 100000] [--duration 8] [--repeat 3] [--concurrency 32]
        [--only B1,B4] [--fresh-seed]

Starts its own PostgreSQL, Redis and Elasticsearch (tools/services.sh with the bench's
directory and ports, so the test services are left alone), restores the seeded database
from var/bench/ (or seeds it with `load_demo --cases N` and keeps the dump, keyed by a
hash of the migrations and the demo code), starts the ASGI app (uvicorn, 2 workers) and
the background worker under bench.settings (production + the baseline routes), and drives
the load from a separate process (bench/client.py). Each baseline and its scenario are run
back to back, alternately, `--repeat` times; the medians are compared.

Prints one line per scenario and writes the whole report to var/bench/run-<time>.json.
Exit status 0 when every scenario passes, 1 otherwise.
"""

import argparse
import base64
import datetime as dt
import hashlib
import json
import os
import platform
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench.stats import Check, median_summary, ratio, verdict

ROOT = Path(__file__).resolve().parent.parent
# BENCH_OUT: where dumps, reports and the bench's media go (default var/bench/).
OUT = Path(os.environ.get("BENCH_OUT") or ROOT / "var" / "bench")
WORK = OUT / "work"
PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
SERVICES = {
    "PORTAL_SERVICES_DIR": os.environ.get("BENCH_SERVICES_DIR", "/var/tmp/jianye-bench"),  # noqa: S108
    "PG_PORT": os.environ.get("BENCH_PG_PORT", "57432"),
    "REDIS_PORT": os.environ.get("BENCH_REDIS_PORT", "58379"),
    "ES_PORT": os.environ.get("BENCH_ES_PORT", "61200"),
}
APP_PORT = int(os.environ.get("BENCH_APP_PORT", "58000"))
# What the seeded data depends on: a change to any of these seeds it again. Migrations
# are not in the key: a restored dump is migrated forward like any production database.
SEED_INPUTS = (
    "portal/workflow/demo.py",
    "portal/management/commands/load_demo.py",
    "portal/accounts/demo.py",
    "portal/city/demo*.py",
    "portal/demo_pages.py",
)


def _key(name: str) -> str:
    """A fixed key of the bench (the seeded dump must stay readable between runs)."""
    raw = hashlib.sha256(f"jianye-bench-{name}".encode()).digest()
    return "bench:" + base64.urlsafe_b64encode(raw).decode()


def fingerprint(root: Path = ROOT, patterns: tuple[str, ...] = SEED_INPUTS) -> str:
    """A short hash of the seed's inputs (the dump's cache key)."""
    digest = hashlib.sha256()
    for path in sorted({p for pattern in patterns for p in root.glob(pattern)}):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.procs: list[subprocess.Popen] = []
        pg = f"postgres://postgres@127.0.0.1:{SERVICES['PG_PORT']}"
        self.pg = pg
        self.db = "bench_run"
        self.es_url = f"http://127.0.0.1:{SERVICES['ES_PORT']}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": f"{pg}/{self.db}",
            "REDIS_URL": f"redis://127.0.0.1:{SERVICES['REDIS_PORT']}/0",
            "ELASTICSEARCH_URL": "",
            "SEARCH_INDEX_PREFIX": "bench-",
            "SECRET_KEY": _key("secret"),
            "FIELD_ENCRYPTION_KEY": _key("field"),
            "FIELD_INDEX_KEY": _key("index"),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "MEDIA_ROOT": str(OUT / "media"),
            "PRIVATE_MEDIA_ROOT": str(OUT / "private"),
            "STATIC_ROOT": str(OUT / "static"),
            "LOG_LEVEL": "WARNING",
            # The citizen forms' abuse limits would refuse a load test from one address.
            "CITIZEN_LIMIT_SUBMIT": "100000000/3600",
            "CITIZEN_LIMIT_SUBMIT_PHONE": "100000000/3600",
            "CITIZEN_LIMIT_LOOKUP": "100000000/600",
            "CITIZEN_LIMIT_LOOKUP_FAILURES": "100000000/600",
            "CITIZEN_CHALLENGE_AFTER": "100000000",
            "PYTHONUNBUFFERED": "1",
        }
        self.report: dict = {"scenarios": [], "setup": {}}
        self.fx: dict = {}

    # --- plumbing -----------------------------------------------------------------------

    def log(self, message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    def sh(self, *cmd: str, env: dict | None = None, capture: bool = False) -> str:
        # The bench runs its own fixed commands (tools, manage.py), never user input.
        result = subprocess.run(  # noqa: S603
            cmd,
            cwd=ROOT,
            env=env or self.env,
            check=True,
            text=True,
            stdout=subprocess.PIPE if capture else None,
        )
        return result.stdout if capture else ""

    def manage(self, *cmd: str, es: bool = False) -> dict | None:
        env = {**self.env, "ELASTICSEARCH_URL": self.es_url if es else ""}
        out = self.sh(PY, "manage.py", *cmd, env=env, capture=True)
        lines = [line for line in out.splitlines() if line.startswith("{")]
        return json.loads(lines[-1]) if lines else None

    def psql(self, sql: str, db: str = "postgres") -> str:
        return self.sh(
            "psql", f"{self.pg}/{db}", "-v", "ON_ERROR_STOP=1", "-qtAc", sql, capture=True
        )

    # --- stack --------------------------------------------------------------------------

    def services_start(self) -> None:
        self.log("services: PostgreSQL, Redis, Elasticsearch (bench instances)")
        self.sh("tools/services.sh", "start", env={**os.environ, **SERVICES})

    def seed(self) -> None:
        key = fingerprint()
        dump = OUT / f"seed-{self.args.scale}-{key}.dump"
        older = sorted(OUT.glob(f"seed-{self.args.scale}-*.dump"), key=lambda p: p.stat().st_mtime)
        if self.args.reuse_seed and older and not dump.exists():
            dump = older[-1]
        started = time.perf_counter()
        if not dump.exists() or self.args.fresh_seed:
            self.log(f"seed: migrate + load_demo --cases {self.args.scale} (kept as {dump.name})")
            seed_db = f"bench_seed_{self.args.scale}"
            env = {**self.env, "DATABASE_URL": f"{self.pg}/{seed_db}"}
            self.psql(f"DROP DATABASE IF EXISTS {seed_db} WITH (FORCE)")
            self.psql(f"CREATE DATABASE {seed_db}")
            self.sh(PY, "manage.py", "migrate", "--noinput", "-v0", env=env)
            self.sh(
                PY,
                "manage.py",
                "load_demo",
                "--cases",
                str(self.args.scale),
                "--quiet-accounts",
                env=env,
            )
            for old in OUT.glob(f"seed-{self.args.scale}-*.dump"):
                old.unlink()
            self.sh("pg_dump", "-Fc", "-Z", "1", "-f", str(dump), f"{self.pg}/{seed_db}")
            self.psql(f"DROP DATABASE {seed_db}")
            self.report["setup"]["seeded_seconds"] = round(time.perf_counter() - started, 1)
        if self.args.seed_only:
            return
        restored = time.perf_counter()
        self.log(f"seed: restoring {dump.name}")
        self.psql(f"DROP DATABASE IF EXISTS {self.db} WITH (FORCE)")
        self.psql(f"CREATE DATABASE {self.db}")
        self.sh("pg_restore", "-j", "2", "--no-owner", "-d", f"{self.pg}/{self.db}", str(dump))
        self.sh(PY, "manage.py", "migrate", "--noinput", "-v0")
        self.report["setup"]["seed"] = dump.name
        self.report["setup"]["restore_seconds"] = round(time.perf_counter() - restored, 1)
        self.psql("VACUUM ANALYZE", db=self.db)
        counts = self.psql(
            "SELECT count(*), count(*) FILTER (WHERE status IN ('closed','declined','merged',"
            "'cancelled')) FROM workflow_case",
            db=self.db,
        ).strip()
        total, final = (int(x) for x in counts.split("|"))
        self.report["setup"]["cases"] = {"total": total, "finished": final, "open": total - final}
        self.log(
            f"seed: {total} cases ({total - final} open) in {time.perf_counter() - started:.0f} s"
        )

    def static(self) -> None:
        """collectstatic (minutes on a busy machine), skipped when no static source changed."""
        digest = hashlib.sha256()
        sources = [ROOT / "package-lock.json", ROOT / "requirements.lock"]
        for top in ("themes", "portal", "search"):
            sources += [p for p in (ROOT / top).rglob("*") if "static" in p.parts and p.is_file()]
        for path in sorted(sources):
            stat = path.stat()
            digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
        stamp = OUT / "static" / ".bench-sources"
        if stamp.exists() and stamp.read_text() == digest.hexdigest():
            return
        self.log("collectstatic")
        self.sh(PY, "manage.py", "collectstatic", "--noinput", "-v0")
        stamp.write_text(digest.hexdigest())

    def app_start(self, *, es: bool) -> None:
        env = {**self.env, "ELASTICSEARCH_URL": self.es_url if es else ""}
        log = (WORK / f"app-{'es' if es else 'db'}.log").open("w")
        server = subprocess.Popen(  # noqa: S603
            [
                str(ROOT / ".venv" / "bin" / "uvicorn"),
                "portal.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(APP_PORT),
                "--workers",
                "2",
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        worker = subprocess.Popen(  # noqa: S603
            [PY, "manage.py", "worker", "--queue-name", "*", "--interval", "1", "--no-reload"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs = [server, worker]
        for _ in range(120):
            try:
                # As through the TLS proxy: production redirects plain HTTP to https.
                ready = urllib.request.Request(
                    f"http://127.0.0.1:{APP_PORT}/_bench/hello",
                    headers={"X-Forwarded-Proto": "https"},
                )
                with urllib.request.urlopen(ready, timeout=2):  # noqa: S310 (loopback)
                    break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError(f"the app did not start: see {log.name}")
        self.log(
            f"app: uvicorn ×2 + worker, search backend {'Elasticsearch' if es else 'database'}"
        )

    def app_stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.procs = []

    # --- load ---------------------------------------------------------------------------

    def headers(self, *, user: str | None = None, post: bool = False) -> dict:
        origin = f"https://127.0.0.1:{APP_PORT}"
        cookies = [f"csrftoken={self.fx['csrf']}"] if post else []
        if user:
            cookies.append(f"sessionid={self.fx['sessions'][user]}")
        headers = {"X-Forwarded-Proto": "https"}
        if post:
            headers.update({"Origin": origin, "Referer": origin + "/"})
        if cookies:
            headers["Cookie"] = "; ".join(cookies)
        return headers

    def load(
        self,
        requests: list[dict],
        *,
        ok: tuple[int, ...] = (200,),
        concurrency: int | None = None,
        duration: float | None = None,
        once: bool = False,
        cycle: bool = True,
    ) -> dict:
        spec = {
            "port": APP_PORT,
            "concurrency": concurrency or self.args.concurrency,
            "duration": duration or self.args.duration,
            "warmup": 1.0,
            "requests": requests,
            "ok_statuses": list(ok),
            "once": once,
            "cycle": cycle,
        }
        path = WORK / "spec.json"
        path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
        out = self.sh(PY, "-m", "bench.client", str(path), capture=True)
        return json.loads(out)

    def compare(self, pairs: dict[str, tuple[list[dict], tuple[int, ...]]]) -> dict:
        """Run each named load `--repeat` times, interleaved; the median of each figure."""
        runs: dict[str, list[dict]] = {name: [] for name in pairs}
        for _ in range(self.args.repeat):
            for name, (requests, ok) in pairs.items():
                runs[name].append(self.load(requests, ok=ok))
        return {name: median_summary(r) for name, r in runs.items()}

    def scenario(
        self, sid: str, title: str, rows: dict, baseline: str, checks: list[Check], **extra
    ) -> None:
        entry = {
            "id": sid,
            "title": title,
            "baseline": baseline,
            "figures": rows,
            "checks": [c.as_dict() for c in checks],
            "verdict": verdict(checks),
            **extra,
        }
        self.report["scenarios"].append(entry)
        print(line(entry), flush=True)
        for note in extra.get("notes", []):
            print(f"    note: {note}", flush=True)

    def wanted(self, sid: str) -> bool:
        return not self.args.only or sid in self.args.only.split(",")

    # --- scenarios ----------------------------------------------------------------------

    def b1(self) -> None:
        fx = self.fx
        jpeg = WORK / "photo.jpg"
        boundary = "benchboundary7d3a"

        def multipart(fields: dict, files: dict) -> Path:
            parts = []
            for name, value in fields.items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                    f"{value}\r\n".encode()
                )
            for name, file in files.items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                    f'filename="{file.name}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
                    + file.read_bytes()
                    + b"\r\n"
                )
            path = WORK / f"body-{len(list(WORK.glob('body-*')))}.bin"
            path.write_bytes(b"".join(parts) + f"--{boundary}--\r\n".encode())
            return path

        text = "人行道上井盖破损，行人容易绊倒，请尽快处理。"
        open311 = {
            "api_key": fx["api_key"],
            "service_code": fx["service_code"],
            "lat": fx["lat"],
            "long": fx["lon"],
            "description": text,
            "address_string": "江东中路 108 号",
            # The demo's classes ask how urgent it is (a required service attribute).
            "attribute[urgency]": "urgent",
        }
        mp = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        api_photo = {
            "method": "POST",
            "path": "/open311/v2/requests.json",
            "headers": {**self.headers(), **mp},
            "body_file": str(multipart(open311, {"media": jpeg})),
        }
        api_text = {
            "method": "POST",
            "path": "/open311/v2/requests.json",
            "headers": {**self.headers(), **form},
            "body": urllib.parse.urlencode(open311),
        }
        web = {
            "method": "POST",
            "path": "/report/",
            "headers": {**self.headers(post=True), **mp},
            "body_file": str(
                multipart(
                    {
                        "csrfmiddlewaretoken": fx["csrf"],
                        "category": fx["category"],
                        "description": text,
                        "lon": fx["lon"],
                        "lat": fx["lat"],
                        "address": "江东中路 108 号",
                    },
                    {"photos": jpeg},
                )
            ),
        }
        base = {
            "method": "POST",
            "path": "/_bench/insert",
            "headers": {**self.headers(), **form},
            "body": urllib.parse.urlencode({"text": text}),
        }
        r = self.compare(
            {
                "baseline: bare INSERT view": ([base], (201,)),
                "Open311 POST + 300 KB JPEG": ([api_photo], (200, 201)),
                "web form POST + 300 KB JPEG": ([web], (302,)),
                "Open311 POST, text only": ([api_text], (200, 201)),
            }
        )
        b = r["baseline: bare INSERT view"]
        checks = []
        for name in ("Open311 POST + 300 KB JPEG", "web form POST + 300 KB JPEG"):
            short = "Open311" if name.startswith("Open311") else "web form"
            checks.append(
                Check(f"{short} throughput ratio", ratio(r[name]["rate"], b["rate"]), 0.30)
            )
            checks.append(
                Check(f"{short} p99 ratio", ratio(r[name]["p99_ms"], b["p99_ms"]), 3.0, False)
            )
        self.fx["intake_text"] = api_text
        self.scenario(
            "B1",
            "report intake (text + 300 KB JPEG, Open311 POST and web form)",
            r,
            "bare Django view inserting one row",
            checks,
            info={
                "text-only throughput ratio (reference target ≥ 0.5)": ratio(
                    r["Open311 POST, text only"]["rate"], b["rate"]
                )
            },
        )

    def b2(self) -> None:
        numbers = self.manage("bench_step", "prepare", "--filed", "0", "--rows", "0")["tracking"]
        if not numbers:
            self.scenario("B2", "tracking lookup", {}, "", [], notes=["no public reports"])
            return
        head = self.headers()
        base = [{"path": f"/_bench/report/{n}", "headers": head} for n in numbers[:500]]
        look = [{"path": f"/open311/v2/requests/{n}.json", "headers": head} for n in numbers[:500]]
        r = self.compare(
            {
                "baseline: bare SELECT by key": (base, (200,)),
                "Open311 GET requests/<number>.json": (look, (200,)),
            }
        )
        b = r["baseline: bare SELECT by key"]
        checks = [
            Check(
                "uncached throughput ratio",
                ratio(r["Open311 GET requests/<number>.json"]["rate"], b["rate"]),
                0.6,
            ),
            Check("cached throughput ratio", None, 1.0),
        ]
        self.scenario(
            "B2",
            "tracking lookup",
            r,
            "bare view selecting one row by key",
            checks,
            notes=[
                "the product has no cache for a status lookup (the web lookup is a POST with "
                "the secret code, answered no-store; Open311's GET is rendered each time): "
                "the cached target is not met"
            ],
        )

    def b3(self) -> None:
        pages = self.fx["pages"]
        hello = [{"path": "/_bench/hello", "headers": self.headers()}]
        loads = {"baseline: hello-world view": (hello, (200,))}
        for name in ("home", "news"):
            if pages.get(name):
                loads[f"{name} (cached, anonymous)"] = (
                    [{"path": pages[name], "headers": self.headers()}],
                    (200,),
                )
                loads[f"{name} (uncached, signed in)"] = (
                    [{"path": pages[name], "headers": self.headers(user="zhiban01")}],
                    (200,),
                )
        r = self.compare(loads)
        queries = self.manage("bench_step", "queries")
        b = r["baseline: hello-world view"]
        checks = []
        for name in ("home", "news"):
            if f"{name} (cached, anonymous)" in r:
                checks.append(
                    Check(
                        f"{name} cached ratio",
                        ratio(r[f"{name} (cached, anonymous)"]["rate"], b["rate"]),
                        0.7,
                    )
                )
                checks.append(
                    Check(f"{name} uncached queries", queries[name]["queries"], 15, False)
                )
        self.scenario(
            "B3",
            "Wagtail page (home, news article)",
            r,
            "Django hello-world view",
            checks,
            queries=queries,
        )

    def b4(self) -> None:
        fx = self.fx
        filed = list(fx["filed"])
        if len(filed) < 60:
            self.scenario("B4", "workflow transition", {}, "", [], notes=["too few filed cases"])
            return
        race, filed = filed[0], filed[1:]
        head = {
            **self.headers(user="paiqian01", post=True),
            "Content-Type": "application/x-www-form-urlencoded",
        }

        def dispatch(number: str, version: int) -> dict:
            body = urllib.parse.urlencode(
                {
                    "csrfmiddlewaretoken": fx["csrf"],
                    "version": version,
                    "department": fx["department"],
                    "comment": "基准测试派遣",
                }
            )
            return {
                "method": "POST",
                "path": f"/cases/{number}/dispatch/",
                "headers": head,
                "body": body,
            }

        per_run = len(filed) // self.args.repeat
        base = [
            {"method": "POST", "path": f"/_bench/update/{k}", "headers": self.headers()}
            for k in fx["row_keys"]
        ]
        runs: dict[str, list[dict]] = {"baseline: bare UPDATE by key": [], "dispatch": []}
        for n in range(self.args.repeat):
            runs["baseline: bare UPDATE by key"].append(self.load(base, ok=(200,)))
            chunk = filed[n * per_run : (n + 1) * per_run]
            runs["dispatch"].append(
                self.load([dispatch(*c) for c in chunk], ok=(302,), cycle=False)
            )
        r = {name: median_summary(v) for name, v in runs.items()}
        race_result = self.load(
            [dispatch(*race)] * 50, ok=(302,), concurrency=50, once=True, duration=60
        )
        applied = self.manage("bench_step", "applied", "--number", race[0])["dispatch_events"]
        r["50 identical dispatches at once"] = race_result
        checks = [
            Check(
                "throughput ratio",
                ratio(r["dispatch"]["rate"], r["baseline: bare UPDATE by key"]["rate"]),
                0.35,
            ),
            Check("identical transitions applied (must be 1)", applied, 1, False),
            Check("identical transitions applied at least", applied, 1),
        ]
        notes = []
        if r["dispatch"]["ok"] < per_run * self.args.repeat * 0.9 and r["dispatch"]["errors"]:
            notes.append(f"dispatch errors: {r['dispatch']['errors']}")
        self.scenario(
            "B4",
            "workflow transition (dispatch)",
            r,
            "bare UPDATE-by-key view",
            checks,
            notes=notes,
            race={"statuses": race_result["statuses"], "applied": applied},
        )

    def b5(self, backend: str) -> None:
        terms = self.fx["terms"]
        user = self.headers(user="zhiban01")

        def searches(words: list[str]) -> list[dict]:
            return [
                {
                    "path": f"/cases/search/?q={urllib.parse.quote(w)}&sort=relevance",
                    "headers": user,
                }
                for w in words
            ]

        loads = {
            f"{backend}: selective terms": (searches(terms["selective"]), (200,)),
            f"{backend}: common terms": (searches(terms["common"]), (200,)),
        }
        if backend == "database":
            head = self.headers()
            loads = {
                "baseline: single SELECT by key": (
                    [
                        {"path": f"/_bench/case/{n}", "headers": head}
                        for n in self.fx["case_numbers"]
                    ],
                    (200,),
                ),
                **loads,
            }
        self.b5_figures.update(self.compare(loads))

    def b5_report(self) -> None:
        r = self.b5_figures
        b = r.get("baseline: single SELECT by key")
        db_sel = r.get("database: selective terms")
        db_common = r.get("database: common terms")
        es_common = r.get("elasticsearch: common terms")
        checks = [
            Check("database p95 ms, selective terms", db_sel and db_sel["p95_ms"], 50, False),
            Check(
                "Elasticsearch ÷ database, common ranked",
                ratio(es_common and es_common["rate"], db_common and db_common["rate"]),
                1.5,
            ),
        ]
        self.scenario(
            "B5",
            f"archive search over {self.report['setup']['cases']['total']} cases",
            r,
            "single-SELECT view; the database backend for Elasticsearch",
            checks,
            terms=self.fx["terms"],
            info={
                "database selective ÷ single SELECT (reference ≥ 0.2)": ratio(
                    db_sel and db_sel["rate"], b and b["rate"]
                )
            },
        )

    def b6(self) -> None:
        ndjson = WORK / "cases.ndjson"
        # The rebuild first: it creates the index whose mapping the raw ingest copies.
        reindex = self.manage("bench_step", "reindex", es=True)
        serialised = self.manage("bench_step", "serialise", "--out", str(ndjson), es=True)
        raw = raw_bulk(self.es_url, ndjson, prefix="bench-raw")
        ndjson.unlink()
        checks = [Check("rebuild ÷ raw bulk rate", ratio(reindex["rate"], raw["rate"]), 0.5)]
        self.scenario(
            "B6",
            "full reindex of the cases into Elasticsearch",
            {"baseline: raw bulk of pre-serialised docs": raw, "search_reindex (cases)": reindex},
            "raw bulk ingest of the same pre-serialised docs",
            checks,
            docs=serialised["docs"],
        )

    def b7(self) -> None:
        env = {**self.env, "ELASTICSEARCH_URL": self.es_url}
        out = self.sh(
            PY,
            "-m",
            "bench.dashboard_fanout",
            "--sockets",
            "200",
            "--events",
            "20",
            "--json",
            env=env,
            capture=True,
        )
        result = json.loads(out.splitlines()[-1])
        raw, sockets = result["raw"], result["sockets"]
        checks = [
            Check("delivered share", sockets["delivered"] / result["expected"], 1.0),
            Check("rate ratio", ratio(sockets["rate"], raw["rate"]), 0.5),
            Check("p99 ratio", ratio(sockets["p99_ms"], raw["p99_ms"]), 3.0, False),
        ]
        self.scenario(
            "B7",
            "dashboard fan-out to 200 websockets",
            {
                "baseline: raw channel-layer send loop": raw,
                "group_send → consumer → socket": sockets,
            },
            "raw channel-layer send loop to the same 200 channels",
            checks,
        )

    def b8(self) -> None:
        item = str(self.fx["pdf_item"])
        secs = str(max(self.args.duration, 5))
        hello = self.manage("bench_step", "pdf", "--what", "hello", "--seconds", secs)
        case = self.manage(
            "bench_step", "pdf", "--what", "casefile", "--item", item, "--seconds", secs
        )
        intake = [self.fx["intake_text"]]
        idle = self.load(intake, ok=(200, 201), concurrency=4)
        batch = subprocess.Popen(  # noqa: S603
            [
                PY,
                "manage.py",
                "bench_step",
                "pdf",
                "--what",
                "casefile",
                "--item",
                item,
                "--seconds",
                str(self.args.duration + 3),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
        )
        time.sleep(1.5)
        busy = self.load(intake, ok=(200, 201), concurrency=4)
        batch.wait()
        figures = {}
        for name, res in (("baseline: one-page render", hello), ("case file", case)):
            lat = sorted(res.pop("latencies"))
            figures[name] = {**res, "p50_ms": round(lat[len(lat) // 2] * 1000, 1)}
        figures["intake, idle"] = idle
        figures["intake, PDF batch running"] = busy
        checks = [
            Check("renders/s ratio", ratio(case["rate"], hello["rate"]), 0.25),
            Check("intake p99 busy ÷ idle", ratio(busy["p99_ms"], idle["p99_ms"]), 1.5, False),
        ]
        self.scenario(
            "B8",
            f"PDF case file ({case['pages']} pages, CJK, 2 photos)",
            figures,
            "one-page WeasyPrint render, same font and PDF/A variant",
            checks,
        )

    def b9(self) -> None:
        year = self.fx["evaluation_year"]
        user = self.headers(user="zhiban01")
        kinds = ("department", "street", "grid", "supervisor")
        page = [
            {
                "path": f"/cases/evaluation/?kind={k}&start={year['start']}&end={year['end']}",
                "headers": user,
            }
            for k in kinds
        ]
        count = [{"path": "/_bench/count", "headers": self.headers()}]
        r = {}
        for name, reqs in (("baseline: COUNT(*)", count), ("evaluation, one year", page)):
            runs = [
                self.load(reqs, ok=(200,), concurrency=1, duration=max(self.args.duration, 8))
                for _ in range(self.args.repeat)
            ]
            r[name] = median_summary(runs)
        e, b = r["evaluation, one year"], r["baseline: COUNT(*)"]
        checks = [Check("evaluation p95 seconds", e["p95_ms"] and e["p95_ms"] / 1000, 2.0, False)]
        self.scenario(
            "B9",
            f"evaluation report, one year, {self.report['setup']['cases']['total']} cases",
            r,
            "COUNT(*) over the cases table",
            checks,
            info={"latency ratio (p50 ÷ COUNT p50)": ratio(e["p50_ms"], b["p50_ms"])},
        )

    # --- the run ------------------------------------------------------------------------

    def run(self) -> int:
        WORK.mkdir(parents=True, exist_ok=True)
        self.started = time.perf_counter()
        self.report["at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self.report["machine"] = machine()
        self.report["args"] = vars(self.args)
        (WORK / "photo.jpg").write_bytes(jpeg(300))
        self.services_start()
        self.seed()
        if self.args.seed_only:
            return 0
        self.static()
        self.log("fixtures")
        self.fx = self.manage("bench_step", "prepare", "--filed", str(self.args.filed))
        self.b5_figures: dict = {}
        print(header(), flush=True)
        try:
            self.app_start(es=False)
            for sid, step in (
                ("B1", self.b1),
                ("B2", self.b2),
                ("B3", self.b3),
                ("B4", self.b4),
                ("B9", self.b9),
                ("B8", self.b8),
            ):
                if self.wanted(sid):
                    self.log(sid)
                    step()
            if self.wanted("B5"):
                self.log("B5 (database backend)")
                self.b5("database")
            self.app_stop()
            if self.wanted("B6") or self.wanted("B5"):
                self.log("B6")
                self.b6()
            if self.wanted("B5") or self.wanted("B7"):
                self.app_start(es=True)
                if self.wanted("B5"):
                    self.log("B5 (Elasticsearch)")
                    self.b5("elasticsearch")
                    self.b5_report()
                if self.wanted("B7"):
                    self.log("B7")
                    self.b7()
        finally:
            self.app_stop()
            self.save()
        passed = sum(s["verdict"] == "PASS" for s in self.report["scenarios"])
        total = len(self.report["scenarios"])
        print(f"{passed}/{total} scenarios pass; {self.report['seconds']:.0f} s")
        return 0 if passed == total else 1

    def save(self) -> None:
        """The report so far (also after a failure) as var/bench/run-<time>.json."""
        self.report["seconds"] = round(time.perf_counter() - self.started, 1)
        stamp = self.report["at"].replace(":", "").replace("-", "")[:15]
        path = OUT / f"run-{stamp}.json"
        path.write_text(json.dumps(self.report, ensure_ascii=False, indent=1) + "\n")
        shutil.copyfile(path, OUT / "latest.json")
        print(f"report: {path}", flush=True)


def jpeg(size_kb: int) -> bytes:
    """A noisy photo of about `size_kb` KB."""
    import io
    import random

    from PIL import Image

    rng = random.Random(size_kb)
    side = 200
    while True:
        pixels = rng.randbytes(side * side * 3)
        buffer = io.BytesIO()
        Image.frombytes("RGB", (side, side), pixels).save(buffer, "JPEG", quality=85)
        if buffer.tell() >= size_kb * 1024:
            return buffer.getvalue()
        side += 40


def raw_bulk(es_url: str, ndjson: Path, *, prefix: str, chunk: int = 500) -> dict:
    """Bulk-ingest pre-serialised docs into a scratch index with the cases index's mapping
    and settings (no Django): the rate Elasticsearch takes on this machine."""

    def call(method: str, path: str, body: bytes | None = None, ctype="application/json"):
        # es_url is the bench's own loopback http:// address.
        request = urllib.request.Request(  # noqa: S310
            es_url + path, data=body, method=method, headers={"Content-Type": ctype}
        )
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            return json.loads(response.read() or b"{}")

    source = call("GET", "/bench-cases")
    ((_name, info),) = source.items()
    index = f"{prefix}-{time.time_ns()}"
    call(
        "PUT",
        f"/{index}",
        json.dumps(
            {
                "settings": {"number_of_shards": 1, "number_of_replicas": 0},
                "mappings": info["mappings"],
            }
        ).encode(),
    )
    lines = ndjson.read_bytes().splitlines(keepends=True)
    docs = len(lines) // 2
    started = time.perf_counter()
    for start in range(0, len(lines), chunk * 2):
        body = b"".join(lines[start : start + chunk * 2])
        result = call("POST", f"/{index}/_bulk", body, "application/x-ndjson")
        if result.get("errors"):
            raise RuntimeError("raw bulk: Elasticsearch refused documents")
    call("POST", f"/{index}/_refresh")
    elapsed = time.perf_counter() - started
    call("DELETE", f"/{index}")
    return {"docs": docs, "seconds": round(elapsed, 3), "rate": round(docs / elapsed, 1)}


def machine() -> dict:
    cpu = ""
    try:
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            if row.startswith("model name"):
                cpu = row.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    except OSError:
        mem = "0"
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(int(mem) / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": os.getloadavg(),
    }


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def header() -> str:
    return (
        f"{'':4} {'scenario':<46} {'rate/s':>8} {'p50':>7} {'p95':>7} {'p99':>7} │ "
        f"{'base/s':>8} {'p99':>7} │ {'ratio':>6}  verdict"
    )


def line(entry: dict) -> str:
    """One printed line per scenario: its headline row against the baseline's."""
    rows = entry["figures"]
    base_name = next((n for n in rows if n.startswith("baseline")), None)
    main = next((n for n in rows if not n.startswith("baseline")), None)
    b = rows.get(base_name, {}) if base_name else {}
    m = rows.get(main, {}) if main else {}
    failed = [c for c in entry["checks"] if not c["passed"]]
    detail = "; ".join(
        f"{c['name']} {_fmt(c['value'], 2)} {'≥' if c['at_least'] else '≤'} {c['limit']:g}"
        for c in (failed or entry["checks"])
    )
    return (
        f"{entry['id']:<4} {entry['title'][:46]:<46} {_fmt(m.get('rate')):>8} "
        f"{_fmt(m.get('p50_ms')):>7} {_fmt(m.get('p95_ms')):>7} {_fmt(m.get('p99_ms')):>7} │ "
        f"{_fmt(b.get('rate')):>8} {_fmt(b.get('p99_ms')):>7} │ "
        f"{_fmt(ratio(m.get('rate'), b.get('rate')), 2):>6}  {entry['verdict']} ({detail})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100_000, help="cases to seed (1000000 too)")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per load run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--filed", type=int, default=1500, help="filed cases for B4")
    parser.add_argument("--only", default="", help="e.g. B1,B4")
    parser.add_argument("--fresh-seed", action="store_true", help="seed again, ignore the dump")
    parser.add_argument(
        "--reuse-seed",
        action="store_true",
        help="restore the newest dump of this scale even if the demo code changed since",
    )
    parser.add_argument(
        "--seed-only", action="store_true", help="start the services and seed, nothing else"
    )
    parser.add_argument(
        "--print-env", action="store_true", help="print the bench's environment (for profiling)"
    )
    args = parser.parse_args(argv)
    bench = Bench(args)
    if args.print_env:
        for name in [*sorted(set(bench.env) - set(os.environ)), "DJANGO_SETTINGS_MODULE"]:
            print(f"export {name}={shlex.quote(bench.env[name])}")
        return 0
    return bench.run()


if __name__ == "__main__":
    sys.exit(main())
