"""`manage.py city_check`: report gaps and overlaps of grids, modules, communities and streets."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.city.calendar import calendar_year_known
from portal.city.selectors import coverage_report_list

LAYER_NAMES = {"grid": "单元网格", "module": "管理模块", "community": "社区", "street": "街道"}


class Command(BaseCommand):
    help = _("检查单元网格、管理模块、社区和街道是否无缝覆盖辖区且互不重叠。")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--district", default=settings.CITY_DISTRICT_CODE)

    def handle(self, *args, district: str, **options) -> None:
        reports = coverage_report_list(district_code=district)
        failed = False
        for report in reports:
            gaps, overlaps = report.count("gap"), report.count("overlap")
            others = len(report.problems) - gaps - overlaps
            self.stdout.write(
                _(
                    "%(layer)s：%(n)d 个，缺口 %(gaps)d 处，重叠 %(overlaps)d 处，"
                    "其他问题 %(others)d 处"
                )
                % {
                    "layer": LAYER_NAMES[report.layer],
                    "n": report.parts,
                    "gaps": gaps,
                    "overlaps": overlaps,
                    "others": others,
                }
            )
            for problem in report.problems:
                self.stdout.write("  - " + problem.describe())
            failed = failed or not report.ok
        next_year = timezone.localdate().year + 1
        if not calendar_year_known(next_year):
            self.stdout.write(
                self.style.WARNING(
                    _("提醒：尚无 %(y)d 年的法定节假日安排，请在“日历调整”中录入。")
                    % {"y": next_year}
                )
            )
        if failed:
            raise CommandError(_("辖区覆盖检查未通过。"))
        self.stdout.write(self.style.SUCCESS(_("辖区覆盖检查通过。")))
