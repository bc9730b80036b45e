"""`manage.py demo_otp_code`: the current code of the demo TOTP secret (demo only)."""

import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django_otp.oath import TOTP

from portal.accounts.demo import DEMO_OTP_KEY_HEX


class Command(BaseCommand):
    help = _("显示演示账号动态口令密钥的当前口令（仅限演示）。")

    def handle(self, *args, **options) -> None:
        totp = TOTP(bytes.fromhex(DEMO_OTP_KEY_HEX))
        left = 30 - int(time.time()) % 30
        self.stdout.write(
            _("【仅限演示】当前动态口令：%(code)06d（%(s)d 秒内有效）")
            % {"code": totp.token(), "s": left}
        )
