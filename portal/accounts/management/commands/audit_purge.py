"""`manage.py audit_purge`: delete audit rows older than AUDIT_RETENTION_DAYS (≥ 180).

Run it daily (cron or systemd timer). The chain stays verifiable from the purge anchor."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from portal.accounts.services import AuditChainBroken, audit_purge, audit_retention_days


class Command(BaseCommand):
    help = _("删除超过保留期的审计日志（保留期不少于 180 天），并保留可校验的链锚点。")

    def handle(self, *args, **options) -> None:
        try:
            deleted = audit_purge()
        except AuditChainBroken as error:
            raise CommandError(
                _("审计链校验未通过，未删除任何记录：%(e)s") % {"e": error}
            ) from error
        self.stdout.write(
            _("已删除 %(n)d 条超过 %(d)d 天的审计记录。")
            % {"n": deleted, "d": audit_retention_days()}
        )
