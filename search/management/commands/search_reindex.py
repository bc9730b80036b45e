"""`manage.py search_reindex [--index X]`: rebuild search indexes from the database."""

import time

from django.core.management.base import BaseCommand, CommandError

from search.documents import document_types
from search.services import index_rebuild


class Command(BaseCommand):
    help = "从数据库重建检索索引。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--index", help="只重建此索引")

    def handle(self, *args, index: str | None, **options) -> None:
        names = [t.index for t in document_types()]
        if index and index not in names:
            raise CommandError(f"未知的索引：{index}（可选：{'、'.join(names)}）")
        for name in [index] if index else names:
            started = time.monotonic()
            written = index_rebuild(index=name)
            self.stdout.write(
                f"{name}：写入 {written} 条，用时 {time.monotonic() - started:.1f} 秒"
            )
