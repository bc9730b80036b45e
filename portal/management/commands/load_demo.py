"""`manage.py load_demo`: the whole Jianye demo — map, taxonomy, inventory, accounts, site.

Deterministic (seeded) and idempotent: a second run finds everything in place and
changes nothing. `--cases N` sizes the case history for demos and benchmarks.
"""

import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from portal.accounts.demo import DEMO_OTP_SECRET, DEMO_PASSWORD, demo_accounts_load
from portal.accounts.roles import ROLES
from portal.approvals.setup import approval_types_load
from portal.city.demo import components_load
from portal.city.demo_map import map_layout, map_spec
from portal.city.models import Grid
from portal.city.services import departments_load, map_load, taxonomy_load
from portal.demo_pages import demo_pages_load
from portal.notices.demo import notices_demo_load
from portal.services import site_setup
from portal.supervision.demo import supervision_demo_load
from portal.workflow.demo import cases_load
from portal.workflow.emergency_demo import emergency_demo_load
from portal.workflow.models import Case
from portal.workflow.search import INDEX as CASE_INDEX
from search.services import index_rebuild


class Command(BaseCommand):
    help = _("载入建邺区演示数据（地图、分类、部件、演示账号、门户首页）。")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--cases", type=int, default=300, help=_("演示案件数量"))
        parser.add_argument("--quiet-accounts", action="store_true", help=_("不打印演示账号"))

    def handle(self, *args, cases: int, quiet_accounts: bool, **options) -> None:
        started = time.monotonic()
        spec = map_spec()
        departments_load(spec=spec)
        minors = taxonomy_load()
        created = map_load(layout=map_layout(spec)) if not Grid.objects.exists() else 0
        components = components_load()
        roster = demo_accounts_load()
        site_setup()
        emergency_demo_load()
        supervision_demo_load()
        notices_demo_load()
        approval_types_load()
        self.stdout.write(
            _(
                "演示数据就绪：网格 %(grids)d 个（新建 %(created)d），案件小类 %(minors)d 个，"
                "部件 %(components)d 个，账号 %(accounts)d 个，用时 %(s).1f 秒。"
            )
            % {
                "grids": Grid.objects.count(),
                "created": created,
                "minors": minors,
                "components": components,
                "accounts": len(roster),
                "s": time.monotonic() - started,
            }
        )
        if cases:
            started = time.monotonic()
            loaded = cases_load(count=cases)
            if loaded:
                # The demo writes cases in bulk, past the outbox: index them in one pass.
                index_rebuild(index=CASE_INDEX)
            self.stdout.write(
                _("演示案件：新建 %(new)d 件，共 %(total)d 件，用时 %(s).1f 秒。")
                % {"new": loaded, "total": Case.objects.count(), "s": time.monotonic() - started}
            )
        # After the cases: the demo's results page freezes last month's figures.
        demo_pages_load()
        if not quiet_accounts:
            self._print_accounts(roster)

    def _print_accounts(self, roster) -> None:
        self.stdout.write(_("演示账号（统一密码 %(p)s）：") % {"p": DEMO_PASSWORD})
        for role in ROLES:  # every role, in the order roles.py lists them
            names = [a.username for a in roster if a.role == role.code]
            if not names:
                continue
            shown = "、".join(names[:3]) + (
                _(" 等 %(n)d 个") % {"n": len(names)} if len(names) > 3 else ""
            )
            self.stdout.write(f"  {role.name:<8} {shown}")
        self.stdout.write(
            _(
                "【仅限演示】系统管理员、安全管理员、审计员、档案角色等受保护账号登录时还须输入"
                "动态口令：在身份验证器中添加密钥 %(secret)s，或运行 "
                "`manage.py demo_otp_code` 查看当前口令。"
            )
            % {"secret": DEMO_OTP_SECRET}
        )
