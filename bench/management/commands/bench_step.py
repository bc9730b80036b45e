"""`manage.py bench_step ACTION`: the in-database steps of the bench runner (bench/run.py).

Each action prints one JSON object on stdout:

- prepare: fixtures for the HTTP scenarios (sessions, CSRF pair, Open311 key, a location
  and category, filed cases to dispatch, baseline rows, tracking numbers, pages, search
  terms split into selective and common by their hit counts), and a filed archival item
  with two photos for the PDF scenario.
- queries: SQL queries of the uncached Wagtail pages (home, a news article), warm request
  first, as a signed-in reader (the page cache serves anonymous readers only).
- pdf: renders of the case file (`casefile`) or of a one-page page with the same font and
  PDF variant (`hello`) for `--seconds`; renders/s, pages and sizes.
- serialise: the cases index documents, pre-serialised as Elasticsearch bulk lines.
- reindex: time of `index_rebuild` of the cases index on the configured backend.
- applied: how many dispatch events the case `--number` has.
"""

import io
import json
import random
import re
import secrets
import subprocess
import time
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from bench.models import BenchRow
from portal.accounts.models import User
from portal.citizen.models import PublicReport
from portal.city.models import Category, Department, Grid
from portal.workflow.models import Case, CaseEvent, Status

SESSION_USERS = ("paiqian01", "zhiban01", "chuzhi_hws")
CLERK = "shouli01"
CANDIDATE_TERMS = (
    "井盖",
    "垃圾",
    "占道经营",
    "路灯",
    "绿化",
    "广告",
    "积水",
    "乱堆物料",
    "破损",
    "车辆",
    "施工",
    "噪音",
    "违章",
    "暴露垃圾",
    "树木倒伏",
    "消防栓",
    "公交站",
    "护栏",
    "窨井",
    "渣土",
    "油烟",
    "烧烤",
    "三轮车",
    "晾晒",
    "电箱",
    "盲道",
    "雨水箅子",
    "报刊亭",
    "水篦子",
    "工地扬尘",
)


def jpeg_bytes(size_kb: int = 300, seed: int = 1) -> bytes:
    """A noisy photo of about `size_kb` KB (noise keeps JPEG from compressing it away)."""
    rng = random.Random(seed)
    side = 200
    while True:
        pixels = bytes(rng.getrandbits(8) for _ in range(side * side * 3))
        buffer = io.BytesIO()
        Image.frombytes("RGB", (side, side), pixels).save(buffer, "JPEG", quality=85)
        if buffer.tell() >= size_kb * 1024:
            return buffer.getvalue()
        side += 60


def pdf_pages(pdf: bytes) -> int | None:
    """The page count by poppler's pdfinfo (WeasyPrint compresses its page objects)."""
    try:
        info = subprocess.run(
            ["pdfinfo", "-"],  # noqa: S607 (poppler-utils, a test dependency)
            input=pdf,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    found = re.search(rb"^Pages:\s+(\d+)", info, re.MULTILINE)
    return int(found.group(1)) if found else None


def session_for(user: User) -> str:
    """A signed-in session of `user` (as login() would store it); its key."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


class Command(BaseCommand):
    help = "基准测试的数据库步骤（由 bench/run.py 调用）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "action", choices=("prepare", "queries", "pdf", "serialise", "reindex", "applied")
        )
        parser.add_argument("--filed", type=int, default=1500)
        parser.add_argument("--rows", type=int, default=2000)
        parser.add_argument("--what", default="casefile")
        parser.add_argument("--item", type=int, default=0)
        parser.add_argument("--seconds", type=float, default=10.0)
        parser.add_argument("--out", default="")
        parser.add_argument("--number", default="")

    def handle(self, *args, action: str, **options) -> None:
        result = getattr(self, action)(**options)
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    # --- prepare ------------------------------------------------------------------------

    def prepare(self, *, filed: int, rows: int, **options) -> dict:
        from portal.citizen.open311.catalogue import service_code
        from portal.citizen.services import api_client_create

        sessions = {}
        for username in SESSION_USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"demo account {username} missing: run load_demo first")
            sessions[username] = session_for(user)
        _client, api_key = api_client_create(name="基准测试")
        grid = Grid.objects.order_by("code").first()
        category = Category.objects.filter(is_active=True).order_by("code").first()
        keys = [f"row{n:06d}" for n in range(rows)]
        BenchRow.objects.bulk_create(
            [BenchRow(key=k) for k in keys], ignore_conflicts=True, batch_size=1000
        )
        cases = self._filed_cases(filed)
        department = Department.objects.filter(is_active=True).exclude(kind="centre").first()
        return {
            "sessions": sessions,
            "csrf": secrets.token_hex(16),
            "api_key": api_key,
            "lat": grid.centre_lat,
            "lon": grid.centre_lon,
            "category": category.pk,
            "service_code": service_code(category),
            "row_keys": keys,
            "filed": [[c.number, c.version] for c in cases],
            "department": department.pk,
            "case_numbers": list(
                Case.objects.order_by("?").values_list("number", flat=True)[:2000]
            ),
            "tracking": list(
                PublicReport.objects.order_by("-id").values_list("tracking_number", flat=True)[
                    :2000
                ]
            ),
            "pages": self._pages(),
            "terms": self._terms(),
            "pdf_item": self._pdf_item(),
            "evaluation_year": self._year(),
        }

    def _filed_cases(self, count: int) -> list[Case]:
        """Filed cases (待派遣) to dispatch: the demo's, then new reports accepted and filed
        through the services (the demo history is mostly closed)."""
        from portal.workflow.models import Source
        from portal.workflow.services import case_accept, case_file, case_report

        have = list(Case.objects.filter(status=Status.FILED).order_by("id")[:count])
        grid = Grid.objects.exclude(supervisor=None).order_by("code").first()
        category = Category.objects.filter(is_active=True).order_by("code").first()
        clerk = User.objects.get(username=CLERK)
        leader = User.objects.get(username="zhiban01")
        for n in range(count - len(have)):
            case = case_report(
                actor=grid.supervisor,
                source=Source.SUPERVISOR,
                category=category,
                description=f"基准测试案件 {n}：人行道井盖破损",
                lon=grid.centre_lon,
                lat=grid.centre_lat,
            )
            case = case_accept(case=case, actor=clerk)
            have.append(case_file(case=case, actor=leader))
        return have

    def _pages(self) -> dict:
        from portal.models import HomePage, NewsPage

        home = HomePage.objects.live().first()
        # public(): a news page behind a view restriction would redirect anonymous readers.
        news = NewsPage.objects.live().public().order_by("-id").first()
        return {
            "home": home.url if home else "/",
            "news": news.url if news else None,
        }

    def _terms(self) -> dict:
        """Candidate words ranked by how many cases the centre user finds with each."""
        from search.selectors import search_run

        user = User.objects.get(username="zhiban01")
        counted = []
        for term in CANDIDATE_TERMS:
            total = search_run(user=user, index="cases", query=term, sort="relevance").total
            counted.append((total, term))
        counted.sort()
        hits = [c for c in counted if c[0] > 0]
        third = max(1, len(hits) // 3)
        return {
            "counts": {t: n for n, t in counted},
            "selective": [t for _n, t in hits[:third]],
            "common": [t for _n, t in hits[-third:]],
        }

    def _year(self) -> dict:
        today = timezone.localdate()
        return {"start": str(today.replace(year=today.year - 1)), "end": str(today)}

    def _pdf_item(self) -> int | None:
        """A closed case with two 300 KB photos, filed as an archival item."""
        from portal.archive.models import ArchivalItem
        from portal.archive.services import record_archive
        from portal.archive.sources import case_source
        from portal.workflow.attachments import attachment_add

        case = (
            Case.objects.filter(status=Status.CLOSED, events__action="check")
            .order_by("-closed_at")
            .first()
        )
        if case is None:
            item = ArchivalItem.objects.order_by("-id").first()
            return item.pk if item else None
        for n in (1, 2):
            upload = SimpleUploadedFile(
                f"bench{n}.jpg", jpeg_bytes(300, seed=n), content_type="image/jpeg"
            )
            kind = "before" if n == 1 else "after"
            attachment_add(case=case, upload=upload, kind=kind, actor=None)
        return record_archive(source=case_source(case)).pk

    # --- queries ------------------------------------------------------------------------

    def queries(self, **options) -> dict:
        pages = self._pages()
        # As through the TLS proxy (production trusts X-Forwarded-Proto, redirects plain HTTP).
        client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0], HTTP_X_FORWARDED_PROTO="https")
        client.force_login(User.objects.get(username="zhiban01"))
        counts = {}
        for name, url in pages.items():
            if not url:
                continue
            client.get(url)  # warm-up
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
            # Only a served page counts: a redirect's few queries would pass the check falsely.
            queries = len(ctx) if response.status_code == 200 else None
            counts[name] = {"url": url, "status": response.status_code, "queries": queries}
        return counts

    # --- pdf ----------------------------------------------------------------------------

    def pdf(self, *, what: str, item: int, seconds: float, **options) -> dict:
        from portal.archive.models import ArchivalItem
        from portal.archive.pdf import case_file_render
        from portal.pdf import pdf_render

        if what == "casefile":
            archival = ArchivalItem.objects.get(pk=item)

            def render() -> bytes:
                return case_file_render(archival)
        else:
            html = (
                '<html lang="zh-CN"><head><style>@page{size:A4;margin:20mm}'
                'body{font-family:"Noto Sans CJK SC","Noto Serif CJK SC",sans-serif}'
                "</style></head><body><h1>建邺数字城管</h1><p>你好，世界。</p></body></html>"
            )

            def render() -> bytes:
                return pdf_render(html, pdf_variant="pdf/a-3b")

        render()  # warm-up: fonts loaded, templates compiled
        done, latencies, pdf = 0, [], b""
        started = time.perf_counter()
        while time.perf_counter() - started < seconds or done == 0:
            t = time.perf_counter()
            pdf = render()
            latencies.append(time.perf_counter() - t)
            done += 1
        elapsed = time.perf_counter() - started
        return {
            "what": what,
            "renders": done,
            "seconds": round(elapsed, 3),
            "rate": round(done / elapsed, 3),
            "latencies": latencies,
            "pages": pdf_pages(pdf),
            "bytes": len(pdf),
        }

    # --- search index -------------------------------------------------------------------

    def serialise(self, *, out: str, **options) -> dict:
        """The cases index as bulk lines, built the way a rebuild builds them."""
        from search.backends.elasticsearch import ElasticsearchBackend
        from search.documents import document_type

        doc_type = document_type("cases")
        backend = ElasticsearchBackend(settings.ELASTICSEARCH_URL)
        written = 0
        with Path(out).open("w", encoding="utf-8") as handle:
            for obj in doc_type.queryset().iterator(chunk_size=500):
                doc = doc_type.build(obj)
                if doc is None:
                    continue
                handle.write(json.dumps({"index": {"_id": doc.object_id}}) + "\n")
                handle.write(json.dumps(backend._source(doc), ensure_ascii=False) + "\n")
                written += 1
        return {"docs": written, "path": out}

    def reindex(self, **options) -> dict:
        from search.services import index_rebuild

        started = time.perf_counter()
        written = index_rebuild(index="cases")
        elapsed = time.perf_counter() - started
        return {"docs": written, "seconds": round(elapsed, 3), "rate": round(written / elapsed, 1)}

    def applied(self, *, number: str, **options) -> dict:
        events = CaseEvent.objects.filter(case__number=number, action="dispatch").count()
        return {"number": number, "dispatch_events": events}
