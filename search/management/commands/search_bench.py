"""`manage.py search_bench`: query latency of the configured backend over the loaded cases.

Runs the judged queries (search/relevance.py) as a centre user and as a department user,
`--repeat` times each after one warm-up, and prints p50 / p95 / max in milliseconds.
"""

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

    def handle(self, *args, repeat: int, users: str, **options) -> None:
        backend = type(search_backend()).__name__
        self.stdout.write(f"{backend}：共 {search_backend().count('cases')} 条")
        for username in users.split(","):
            user = User.objects.get(username=username)
            timings = []
            for judgement in judged_queries():
                search_run(user=user, index="cases", query=judgement.query)
                for _ in range(repeat):
                    started = time.perf_counter()
                    search_run(user=user, index="cases", query=judgement.query)
                    timings.append((time.perf_counter() - started) * 1000)
            timings.sort()
            p95 = timings[int(len(timings) * 0.95) - 1]
            self.stdout.write(
                f"  {username}：查询 {len(timings)} 次，p50 {statistics.median(timings):.1f} 毫秒，"
                f"p95 {p95:.1f} 毫秒，最长 {timings[-1]:.1f} 毫秒"
            )
