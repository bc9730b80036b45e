"""`manage.py pii_reencrypt`: move every reporter's personal data to the current key.

After FIELD_ENCRYPTION_KEY is rotated (the old key kept in FIELD_ENCRYPTION_OLD_KEYS),
this rewrites the rows still sealed with an old key, batch by batch; afterwards the old key
can be dropped. `--all` rewrites every row and recomputes the blind index, which is what a
new FIELD_INDEX_KEY needs.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from portal.citizen.models import PublicReport
from portal.workflow.models import Case
from portal.workflow.pii import reencrypt_rows


class Command(BaseCommand):
    help = _("用当前密钥重新加密举报人的个人信息（轮换密钥后运行）。")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--all", action="store_true", help=_("重写全部行并重算盲索引"))
        parser.add_argument("--batch", type=int, default=1000, help=_("每批行数"))

    def handle(self, *args, batch: int, **options) -> None:
        with transaction.atomic():
            cases = reencrypt_rows(
                Case.objects.all(),
                ["reporter_name", "reporter_phone"],
                index={"reporter_phone_index": "reporter_phone"},
                batch=batch,
                only_stale=not options["all"],
            )
            reports = reencrypt_rows(
                PublicReport.objects.all(), ["email"], batch=batch, only_stale=not options["all"]
            )
        self.stdout.write(
            _("已重新加密：案件 %(c)d 件，公众举报 %(r)d 件。") % {"c": cases, "r": reports}
        )
