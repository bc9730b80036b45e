"""`manage.py search_bench [--json]`: query latency of the configured backend over the cases.

Runs the judged queries (search/relevance.py) as a centre user and as a department user,
`--repeat` times each after one warm-up, and prints p50 / p95 / max in milliseconds (with
`--json`, one JSON object instead: what `python -m bench.search_latency` records).
"""

import json
import statistics
import time

from django.core.management.base import BaseCommand

from portal.accounts.models import User
from search.relevance import judged_queries
from search.selectors import search_run
from search.services import search_backend


class Command(BaseCommand):
    help = "测量检索延迟（当前配置的后端）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument("--users", default="zhiban01,chuzhi_hws")
        parser.add_argument("--json", action="store_true", dest="as_json", help="以 JSON 输出结果")

    def handle(self, *args, repeat: int, users: str, as_json: bool = False, **options) -> None:
        report = self.measure(repeat=repeat, usernames=users.split(","))
        if as_json:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
            return
        self.stdout.write(f"{report['backend']}：共 {report['cases']} 条")
        for row in report["users"]:
            self.stdout.write(
                f"  {row['user']}：查询 {row['queries']} 次，p50 {row['p50_ms']:.1f} 毫秒，"
                f"p95 {row['p95_ms']:.1f} 毫秒，最长 {row['max_ms']:.1f} 毫秒"
            )

    def measure(self, *, repeat: int, usernames: list[str]) -> dict:
        backend = search_backend()
        rows = []
        for username in usernames:
            user = User.objects.get(username=username)
            timings, hits = [], 0
            for judgement in judged_queries():
                search_run(user=user, index="cases", query=judgement.query)
                for _ in range(repeat):
                    started = time.perf_counter()
                    result = search_run(user=user, index="cases", query=judgement.query)
                    timings.append((time.perf_counter() - started) * 1000)
                hits += result.total
            timings.sort()
            rows.append(
                {
                    "user": username,
                    "queries": len(timings),
                    "visible_hits": hits,
                    "p50_ms": round(statistics.median(timings), 2),
                    "p95_ms": round(timings[max(int(len(timings) * 0.95) - 1, 0)], 2),
                    "max_ms": round(timings[-1], 2),
                }
            )
        return {
            "backend": type(backend).__name__,
            "cases": backend.count("cases"),
            "repeat": repeat,
            "users": rows,
        }
