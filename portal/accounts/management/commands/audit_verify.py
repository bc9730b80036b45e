"""`manage.py audit_verify`: check the audit log's hash chain; exit 1 at the first break."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from portal.accounts.selectors import audit_chain_verify


class Command(BaseCommand):
    help = _("校验审计日志的哈希链，报告第一处断链。")

    def handle(self, *args, **options) -> None:
        report = audit_chain_verify()
        if not report.ok:
            raise CommandError(report.message)
        self.stdout.write(report.message)
        self.stdout.write(_("链头哈希：%(h)s") % {"h": report.head_hash or "-"})
