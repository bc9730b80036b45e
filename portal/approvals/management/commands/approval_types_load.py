from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from portal.approvals.setup import approval_types_load


class Command(BaseCommand):
    help = "Create the standard approval types (请假, 用印, 用车) that do not exist yet."

    def handle(self, *args, **options) -> None:
        created = approval_types_load()
        self.stdout.write(_("已创建审批类型 %(n)d 个。") % {"n": created})
