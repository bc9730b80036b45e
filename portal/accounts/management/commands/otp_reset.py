"""`manage.py otp_reset USERNAME`: the security administrator's reset of a lost device."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.accounts.services import otp_reset


class Command(BaseCommand):
    help = _("删除账号的动态口令设备并解除锁定（手机丢失时），下次登录重新绑定。")

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--by", required=True, help=_("执行重置的安全管理员用户名"))

    def handle(self, *args, username: str, by: str, **options) -> None:
        try:
            user = User.objects.get(username=username)
            admin = User.objects.get(username=by)
        except User.DoesNotExist as error:
            raise CommandError(_("账号不存在。")) from error
        if not admin.has_perm("accounts.change_user"):
            raise CommandError(_("只有安全管理员可以重置动态口令。"))
        removed = otp_reset(user=user, actor=admin)
        self.stdout.write(
            _("已删除 %(user)s 的 %(n)d 个动态口令设备，下次登录时重新绑定。")
            % {"user": username, "n": removed}
        )
