"""`manage.py search_status`: index counts versus the database, and outbox lag."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from search.services import search_status


class Command(BaseCommand):
    help = "显示检索索引与数据库的条数对比及待同步积压。"

    def handle(self, *args, **options) -> None:
        now = timezone.now()
        for row in search_status():
            lag = (
                f"{(now - row['oldest_pending']).total_seconds():.0f} 秒"
                if row["oldest_pending"]
                else "无"
            )
            self.stdout.write(
                f"{row['index']}：索引 {row['indexed']} 条，数据库 {row['database']} 条，"
                f"待同步 {row['pending']} 条，最早积压 {lag}"
            )
