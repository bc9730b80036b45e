"""The fault scenarios. Each takes the running Stack, injects one fault into it, and
returns a result: PASS/FAIL with the exact counts it checked.

The harness process runs Django (chaos.settings, the stack's database) only to prepare
data and to check the database afterwards; every write under test goes through the app
over HTTP, as a client's would.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

from chaos.stack import Stack

MARK_S1 = "混沌演练S1-"
MARK_S3 = "混沌演练S3-"
MARK_DRILL = "混沌演练恢复-"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Result:
    name: str
    title: str
    passed: bool = False
    counts: dict = field(default_factory=dict)
    checks: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def check(self, label: str, ok: bool) -> bool:
        self.checks[label] = bool(ok)
        return ok

    def finish(self) -> Result:
        self.passed = bool(self.checks) and all(self.checks.values())
        return self


def django_setup(stack: Stack) -> None:
    import os

    import django

    os.environ.update(stack.env())
    django.setup()


def db_reconnect() -> None:
    from django.db import connections

    connections.close_all()


# --- data the scenarios need --------------------------------------------------------------


def jpeg(color=(200, 40, 40)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (96, 64), color).save(buffer, "JPEG")
    return buffer.getvalue()


@dataclass
class Open311:
    url: str
    key: str
    base: dict

    def post(self, description: str, photo: bytes | None = None, timeout: float = 90):
        data = {**self.base, "api_key": self.key, "description": description}
        files = [("media", ("photo.jpg", photo, "image/jpeg"))] if photo else None
        return requests.post(self.url, data=data, files=files, timeout=timeout)


def open311_client(stack: Stack, name: str) -> Open311:
    from portal.citizen.open311 import catalogue
    from portal.citizen.services import api_client_create
    from portal.city.models import Grid

    _client, key = api_client_create(name=f"混沌演练 {name}")
    category = next(iter(catalogue.categories().values()))
    answers = {}
    for attribute in catalogue.attributes(category):
        if attribute["required"]:
            answers[f"attribute[{attribute['code']}]"] = attribute["values"][0]["key"]
    grid = Grid.objects.order_by("pk").first()
    base = {
        "service_code": catalogue.service_code(category),
        "lat": f"{grid.centre_lat:.6f}",
        "long": f"{grid.centre_lon:.6f}",
        **answers,
    }
    return Open311(url=f"{stack.base_url}/open311/v2/requests.json", key=key, base=base)


def staff_http(
    stack: Stack, username: str, csrf_from: str | None = None
) -> tuple[requests.Session, str | None]:
    """An HTTP session logged in as a demo account (a server-side session, as after the
    login form) and a CSRF token read from a page with a form (when one is named)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from portal.accounts.models import User

    user = User.objects.get(username=username)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    _second_factor_done(store, user)
    store.create()
    session = requests.Session()
    session.cookies.set(settings.SESSION_COOKIE_NAME, store.session_key)
    if csrf_from is None:
        return session, None
    page = session.get(stack.base_url + csrf_from, timeout=30)
    match = CSRF.search(page.text)
    if page.status_code != 200 or not match:
        raise RuntimeError(f"no form at {csrf_from} for {username}: HTTP {page.status_code}")
    return session, match.group(1)


def _second_factor_done(store, user) -> None:
    """Where staff sessions need a second factor (django-otp), mark this one as having
    passed it with a confirmed TOTP device of the account, as the verify page does."""
    from django.apps import apps

    if not apps.is_installed("django_otp.plugins.otp_totp"):
        return
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="混沌演练", confirmed=True)
    store[DEVICE_ID_SESSION_KEY] = device.persistent_id


def filed_cases(count: int, tag: str) -> list:
    """Cases walked to 已立案 (waiting for dispatch) through the services."""
    from portal.accounts.models import User
    from portal.city.models import Category, Grid
    from portal.workflow import services as s
    from portal.workflow.models import Source

    clerk = User.objects.get(username="shouli01")
    leader = User.objects.get(username="zhiban01")
    category = Category.objects.filter(is_active=True).order_by("pk").first()
    grids = list(Grid.objects.order_by("pk")[:count])
    cases = []
    for i in range(count):
        grid = grids[i % len(grids)]
        case = s.case_report(
            actor=None,
            source=Source.PUBLIC,
            category=category,
            description=f"{tag}{i}",
            lon=grid.centre_lon,
            lat=grid.centre_lat,
        )
        case = s.case_accept(case=case, actor=clerk)
        cases.append(s.case_file(case=case, actor=leader))
    return cases


def dispatch_department():
    from portal.city.models import Department

    return (
        Department.objects.filter(is_active=True, code="HWS").first()
        or Department.objects.filter(is_active=True)
        .exclude(kind=Department.Kind.CENTRE)
        .order_by("pk")
        .first()
    )


def http_dispatch(stack: Stack, session: requests.Session, token: str, case, department) -> int:
    response = session.post(
        f"{stack.base_url}/cases/{case.number}/dispatch/",
        data={
            "csrfmiddlewaretoken": token,
            "version": case.version,
            "department": department.pk,
            "comment": "混沌演练派遣",
        },
        allow_redirects=False,
        timeout=60,
    )
    return response.status_code


def dispatched_ok(status: int) -> bool:
    # The form answers a done transition with a redirect to the case (PRG).
    return status in (200, 201, 204, 302, 303)


# --- 1. kill -9 PostgreSQL during 200 concurrent submissions --------------------------------


def case_consistency(case, photos_expected: int, private_root) -> list[str]:
    """What is wrong with one reported case: every part a report writes must be there."""
    from portal.citizen.models import PublicReport

    problems = []
    if not PublicReport.objects.filter(case=case).exists():
        problems.append("no public report")
    events = list(case.events.order_by("seq"))
    if not events or events[0].to_status != "reported":
        problems.append("no report event")
    if not case.steps.exists():
        problems.append("no open step")
    attachments = list(case.attachments.all())
    if len(attachments) != photos_expected:
        problems.append(f"{len(attachments)} photos, expected {photos_expected}")
    for attachment in attachments:
        path = private_root / attachment.file.name
        if not path.exists():
            problems.append(f"photo file missing: {attachment.file.name}")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != attachment.sha256:
            problems.append(f"photo checksum differs: {attachment.file.name}")
    return problems


def s1_postgres_kill(stack: Stack, n: int = 200, kill_after: float = 0.25) -> Result:
    from portal.citizen.models import PublicReport
    from portal.workflow.models import Case, CaseAttachment

    result = Result("postgres_kill", "kill -9 PostgreSQL during 200 concurrent reports")
    client = open311_client(stack, "S1")
    photo = jpeg()
    done = threading.Event()
    answered: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(n)

    def submit(i: int):
        start.wait()
        try:
            response = client.post(f"{MARK_S1}{i}", photo=photo if i % 4 == 0 else None)
        except requests.RequestException as exc:
            outcome = (i, None, type(exc).__name__)
        else:
            ident = None
            if 200 <= response.status_code < 300:
                ident = response.json()[0]["service_request_id"]
            outcome = (i, response.status_code, ident)
        with lock:
            answered.append(i)
        return outcome

    kill_info: dict = {}

    def killer() -> None:
        deadline = time.monotonic() + 60
        while len(answered) < n * kill_after and time.monotonic() < deadline:
            time.sleep(0.01)
        kill_info.update(stack.pg_kill9())
        kill_info["answered_before_kill"] = len(answered)
        time.sleep(2)
        restart = time.monotonic()
        stack.pg_start()
        kill_info["restart_seconds"] = round(time.monotonic() - restart, 1)
        done.set()

    thread = threading.Thread(target=killer)
    with ThreadPoolExecutor(max_workers=n) as pool:
        futures = [pool.submit(submit, i) for i in range(n)]
        thread.start()
        outcomes = [f.result() for f in futures]
    thread.join()
    acknowledged = {i: ident for i, status, ident in outcomes if ident}
    statuses: dict[str, int] = {}
    for _i, status, _ident in outcomes:
        key = str(status) if status else "no answer"
        statuses[key] = statuses.get(key, 0) + 1

    db_reconnect()
    present = set(
        PublicReport.objects.filter(tracking_number__in=acknowledged.values()).values_list(
            "tracking_number", flat=True
        )
    )
    marked = Case.objects.filter(description__startswith=MARK_S1)
    half_written = 0
    problems: list[str] = []
    committed = 0
    for case in marked:
        i = int(case.description[len(MARK_S1) :])
        committed += 1
        wrong = case_consistency(case, 1 if i % 4 == 0 else 0, stack.private)
        if wrong:
            half_written += 1
            problems.append(f"{MARK_S1}{i}: {', '.join(wrong)}")
    referenced = set(CaseAttachment.objects.values_list("file", flat=True))
    orphan_files = [
        p
        for p in (stack.private / "cases").rglob("*")
        if p.is_file() and str(p.relative_to(stack.private)) not in referenced
    ]
    result.counts = {
        "submitted": n,
        "acknowledged_2xx": len(acknowledged),
        "present_after_recovery": len(present),
        "half_written": half_written,
        "committed_total": committed,
        "committed_not_acknowledged": committed - len(present),
        "answers": statuses,
        "orphan_photo_files": len(orphan_files),
        **{f"kill_{k}": v for k, v in kill_info.items()},
    }
    result.notes += problems[:10]
    if orphan_files:
        result.notes.append(
            "orphan photo files are uploads whose transaction died with the server: files "
            "without a row, never served; rows without files: none"
        )
    result.check("some submissions acknowledged", len(acknowledged) > 0)
    result.check("the kill hit mid-burst", 0 < kill_info.get("answered_before_kill", 0) < n)
    result.check("every 2xx present after recovery", len(present) == len(acknowledged))
    result.check("none half-written", half_written == 0)
    healthy = requests.get(stack.base_url + "/healthz", timeout=30).status_code == 200
    result.check("app healthy after recovery", healthy)
    return result.finish()


# --- 2. Redis down during a dispatch burst -------------------------------------------------


class DashboardListener:
    """A dashboard websocket client that reconnects (with back-off) whenever it is cut."""

    def __init__(self, stack: Stack, cookie: str) -> None:
        self.url = stack.base_url.replace("http://", "ws://") + "/ws/command/"
        self.headers = {"Cookie": cookie, "Origin": stack.base_url}
        self.messages: list[dict] = []
        self.connects = 0
        self.disconnects = 0
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        from websockets.exceptions import WebSocketException
        from websockets.sync.client import connect

        delay = 0.2
        while not self.stop.is_set():
            try:
                with connect(self.url, additional_headers=self.headers, open_timeout=5) as ws:
                    while not self.stop.is_set():
                        try:
                            message = json.loads(ws.recv(timeout=0.5))
                        except TimeoutError:
                            continue
                        if message.get("type") == "ready":
                            self.connects += 1
                            self.ready.set()
                            delay = 0.2
                        self.messages.append(message)
            except (OSError, WebSocketException, TimeoutError):
                pass
            if self.ready.is_set():
                self.disconnects += 1
                self.ready.clear()
            self.stop.wait(delay)
            delay = min(delay * 2, 2.0)

    def events_for(self, number: str) -> list[dict]:
        return [
            m
            for m in self.messages
            if m.get("type") == "event" and m.get("case", {}).get("number") == number
        ]


def s2_redis_stop(stack: Stack, n: int = 40, down_after: int = 10) -> Result:
    from portal.workflow.models import Case, Status

    result = Result("redis_stop", "stop Redis during a dispatch burst")
    cases = filed_cases(n + 1, "混沌演练S2-")
    extra = cases.pop()
    department = dispatch_department()
    session, token = staff_http(stack, "paiqian01", f"/cases/{cases[0].number}/")
    viewer, _token = staff_http(stack, "zhiban01")
    before = viewer.get(stack.base_url + "/command/snapshot/", timeout=30).json()
    cookie = "; ".join(f"{c.name}={c.value}" for c in viewer.cookies)
    listener = DashboardListener(stack, cookie)
    listener.thread.start()
    listener.ready.wait(20)
    connected_before = listener.ready.is_set()

    statuses: list[int] = []
    lock = threading.Lock()
    redis_down_at: list[int] = []

    def dispatch(case) -> int:
        try:
            status = http_dispatch(stack, session, token, case, department)
        except requests.RequestException:
            status = 0
        with lock:
            statuses.append(status)
            if len(statuses) == down_after:
                stack.redis_stop()
                redis_down_at.append(len(statuses))
        return status

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(dispatch, cases))
    during = viewer.get(stack.base_url + "/command/snapshot/", timeout=30)
    stack.services_start()  # Redis back (PostgreSQL and Elasticsearch are still up)
    reconnect_deadline = time.monotonic() + 30
    while time.monotonic() < reconnect_deadline and not listener.ready.is_set():
        time.sleep(0.2)
    reconnected = listener.ready.is_set() and listener.connects >= 2
    # A transition after Redis is back reaches the reconnected dashboard live.
    extra_status = http_dispatch(stack, session, token, extra, department)
    live_deadline = time.monotonic() + 15
    while time.monotonic() < live_deadline and not listener.events_for(extra.number):
        time.sleep(0.2)
    live = bool(listener.events_for(extra.number))
    listener.stop.set()
    listener.thread.join(5)

    db_reconnect()
    numbers = [c.number for c in cases]
    dispatched = Case.objects.filter(
        number__in=numbers, status=Status.DISPATCHED, department=department
    ).count()
    after = viewer.get(
        stack.base_url + f"/command/snapshot/?since={before['last_event_id']}", timeout=30
    ).json()
    snapshot_dispatches = {
        e["case"]["number"]
        for e in after["events"]
        if e["action"] == "dispatch" and e["case"]["number"] in numbers
    }
    snapshot_pins = {
        c["number"]
        for c in after["cases"]
        if c["number"] in numbers and c["status"] == "dispatched"
    }
    ok = sum(1 for s in outcomes if dispatched_ok(s))
    result.counts = {
        "transitions": n,
        "succeeded_http": ok,
        "failed_http": n - ok,
        "redis_stopped_after": redis_down_at[0] if redis_down_at else None,
        "dispatched_in_db": dispatched,
        "snapshot_during_outage_http": during.status_code,
        "snapshot_feed_dispatches": len(snapshot_dispatches),
        "snapshot_dispatched_pins": len(snapshot_pins),
        "ws_connects": listener.connects,
        "ws_disconnects": listener.disconnects,
        "ws_live_event_after_reconnect": live,
    }
    result.check("Redis was stopped mid-burst", bool(redis_down_at))
    result.check("every transition answered 2xx/redirect", ok == n)
    result.check("every transition in the database", dispatched == n)
    result.check("snapshot feed holds every transition", len(snapshot_dispatches) == n)
    result.check("snapshot pins show every case dispatched", len(snapshot_pins) == n)
    result.check("dashboard websocket connected before", connected_before)
    result.check("dashboard websocket reconnected after Redis returned", reconnected)
    result.check("live event after reconnect", dispatched_ok(extra_status) and live)
    return result.finish()


# --- 3. Elasticsearch down: writes go on, the outbox drains when it is back ----------------


def s3_elasticsearch_stop(stack: Stack, reports: int = 20, transitions: int = 10) -> Result:
    from search.models import OutboxEntry
    from search.services import search_status

    result = Result("elasticsearch_stop", "stop Elasticsearch during writes")
    client = open311_client(stack, "S3")
    cases = filed_cases(transitions, "混沌演练S3派遣-")
    department = dispatch_department()
    session, token = staff_http(stack, "paiqian01", f"/cases/{cases[0].number}/")
    outbox_before = OutboxEntry.objects.count()
    stack.es_stop()
    down = time.monotonic()
    report_ok = 0
    for i in range(reports):
        try:
            response = client.post(f"{MARK_S3}{i}", timeout=60)
            report_ok += 200 <= response.status_code < 300
        except requests.RequestException:
            pass
    transition_ok = 0
    for case in cases:
        with contextlib.suppress(requests.RequestException):
            transition_ok += dispatched_ok(http_dispatch(stack, session, token, case, department))
    # Let the worker try (and fail) to drain while the cluster is down: it keeps the
    # entries and backs off.
    tried_by = time.monotonic() + 30
    while time.monotonic() < tried_by and not OutboxEntry.objects.filter(attempts__gt=0).exists():
        time.sleep(1)
    outbox_peak = OutboxEntry.objects.count()
    failed_attempts = OutboxEntry.objects.filter(attempts__gt=0).count()
    es_down_seconds = time.monotonic() - down
    restart = time.monotonic()
    stack.services_start()  # Elasticsearch back
    es_up_seconds = time.monotonic() - restart
    deadline = time.monotonic() + 240
    rows: list[dict] = []
    while time.monotonic() < deadline:
        rows = search_status()
        if OutboxEntry.objects.count() == 0 and all(r["indexed"] == r["database"] for r in rows):
            break
        time.sleep(2)
    drained_after = time.monotonic() - restart
    outbox_after = OutboxEntry.objects.count()
    result.counts = {
        "reports_2xx": f"{report_ok}/{reports}",
        "transitions_ok": f"{transition_ok}/{transitions}",
        "outbox_before": outbox_before,
        "outbox_peak_while_down": outbox_peak,
        "outbox_entries_with_failed_attempts": failed_attempts,
        "es_down_seconds_before_restart": round(es_down_seconds, 1),
        "outbox_after": outbox_after,
        "es_restart_seconds": round(es_up_seconds, 1),
        "drained_seconds_after_restart": round(drained_after, 1),
        "indexes": {r["index"]: f"{r['indexed']}/{r['database']}" for r in rows},
    }
    result.check("every report accepted while ES down", report_ok == reports)
    result.check("every transition done while ES down", transition_ok == transitions)
    result.check("outbox grew while ES down", outbox_peak > outbox_before)
    result.check("outbox drained to zero", outbox_after == 0)
    in_step = all(r["indexed"] == r["database"] for r in rows)
    result.check("index count equals database count", in_step)
    return result.finish()


# --- 4. kill -9 the worker while it renders an archive PDF ----------------------------------


def closed_case(tag: str):
    """A case walked through the loop to 结案; closing it enqueues its archive filing."""
    from portal.accounts.models import User
    from portal.workflow import services as s

    (case,) = filed_cases(1, tag)
    department = dispatch_department()
    case = s.case_dispatch(
        case=case, actor=User.objects.get(username="paiqian01"), department=department
    )
    handler = department.staff.filter(groups__name="部门处置员").first()
    case = s.case_handle(case=case, actor=handler, result="已处置完毕，现场恢复")
    supervisor = case.grid.supervisor or case.module.supervisor
    case = s.case_check(case=case, actor=supervisor, passed=True)
    return s.case_close(case=case, actor=User.objects.get(username="zhiban01"))


def s4_worker_kill(stack: Stack, attempts: int = 3) -> Result:
    from django_tasks_db.models import DBTaskResult

    from portal.archive.models import ArchivalItem, ItemFile, ItemState

    result = Result("worker_kill", "kill -9 the worker mid-PDF")
    task_path = "portal.archive.tasks.archive_item_process_task"
    hit = None
    for attempt in range(1, attempts + 1):
        case = closed_case(f"混沌演练S4-{attempt}-")
        deadline = time.monotonic() + 60
        item = None
        while time.monotonic() < deadline:
            item = ArchivalItem.objects.filter(case=case).first()
            if item is not None:
                running = DBTaskResult.objects.filter(
                    task_path=task_path, status="RUNNING", args_kwargs__args=[item.pk]
                ).first()
                if running is not None:
                    killed = stack.worker_kill9()
                    pdfs = item.files.filter(role=ItemFile.Role.CASE_FILE).count()
                    if pdfs == 0:
                        hit = (item, running, killed, attempt)
                    else:
                        result.notes.append(f"attempt {attempt}: PDF already stored at kill")
                    stack.worker_start()
                    break
                if item.state != ItemState.PROCESSING:
                    result.notes.append(f"attempt {attempt}: item processed before the kill")
                    break
            time.sleep(0.02)
        if hit:
            break
    if hit is None:
        result.check("worker killed mid-PDF", False)
        return result.finish()
    item, running, killed_pid, attempt = hit
    restart = time.monotonic()
    deadline = restart + 150
    while time.monotonic() < deadline:
        item.refresh_from_db()
        if item.state != ItemState.PROCESSING:
            break
        time.sleep(0.5)
    retried_after = time.monotonic() - restart
    running.refresh_from_db()
    pdfs = item.files.filter(role=ItemFile.Role.CASE_FILE)
    item_dir = stack.private / "archive" / str(item.year) / str(item.pk)
    pdf_files_on_disk = sorted(p.name for p in item_dir.glob("*.pdf"))
    result.counts = {
        "attempt": attempt,
        "killed_worker_pid": killed_pid,
        "item": item.reference_code,
        "item_state": item.state,
        "retried_within_seconds": round(retried_after, 1),
        "killed_task_status": running.status,
        "killed_task_worker_ids": len(running.worker_ids),
        "case_file_pdfs": pdfs.count(),
        "pdf_files_on_disk": len(pdf_files_on_disk),
    }
    result.check("worker killed mid-PDF", True)
    result.check("item processed after the worker restarted", item.state == ItemState.FILED)
    result.check("exactly one PDF", pdfs.count() == 1 and len(pdf_files_on_disk) == 1)
    result.check("the killed job ran again", running.status == "SUCCESSFUL")
    return result.finish()
