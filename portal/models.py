"""Wagtail page types of the public site, and its per-site theme setting.

The tree: 首页 (HomePage) → 新闻动态 (NewsIndexPage → NewsPage), 办事指南 (GuidePage),
部门名录 (DepartmentIndexPage), 联系我们 (ContactPage), 成效公开 (ResultsIndexPage →
ResultsPage). Every page type serves anonymous readers from the page cache
(portal/page_cache.py), which each publish or unpublish clears.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from portal import page_cache
from portal.blocks import BaseStreamBlock
from portal.city.models import CaseKind, Category, Department, MajorCategory, TimeLimit
from portal.city.selectors import district_summary_get
from portal.results import headline_cached, month_period, quarter_period, results_get
from portal.themes import THEMES
from portal.workflow.evaluation import Period


class CachedPage(Page):
    """A public page type whose anonymous views come from the page cache."""

    class Meta:
        abstract = True

    def serve(self, request, *args, **kwargs):
        return page_cache.page_serve(
            self, request, lambda: super(CachedPage, self).serve(request, *args, **kwargs)
        )


class HomePage(CachedPage):
    """The portal's front page: what the service is, how to reach it, the district at a
    glance, the latest news and this month's key figures."""

    intro = RichTextField(_("导语"), blank=True)
    notice = models.CharField(_("公告横幅"), max_length=200, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("notice")]
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "portal.NewsIndexPage",
        "portal.GuidePage",
        "portal.DepartmentIndexPage",
        "portal.ContactPage",
        "portal.ResultsIndexPage",
    ]

    class Meta:
        verbose_name = _("首页")
        verbose_name_plural = _("首页")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["district"] = district_summary_get()
        context["latest_news"] = (
            NewsPage.objects.live().public().descendant_of(self).order_by("-date", "-pk")[:3]
        )
        today = timezone.localdate()
        context["month_figures"] = headline_cached(period=month_period(today.year, today.month))
        context["month_label"] = today
        context["sections"] = self.get_children().live().public().in_menu()
        return context


class NewsIndexPage(CachedPage):
    """新闻动态 / 通知公告: the articles below it, newest first."""

    intro = RichTextField(_("导语"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["portal.HomePage"]
    subpage_types = ["portal.NewsPage"]
    per_page = 10

    class Meta:
        verbose_name = _("新闻栏目")
        verbose_name_plural = _("新闻栏目")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        articles = NewsPage.objects.live().child_of(self).order_by("-date", "-pk")
        if not request.user.is_authenticated:
            articles = articles.public()
        context["articles"] = Paginator(articles, self.per_page).get_page(request.GET.get("p"))
        return context


class NewsPage(CachedPage):
    """A news article or an announcement: a StreamField body of text, photos and attachments."""

    class Kind(models.TextChoices):
        NEWS = "news", _("新闻")
        NOTICE = "notice", _("通知公告")

    date = models.DateField(_("发布日期"), default=dt.date.today)
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices, default=Kind.NEWS)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    cover = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("题图"),
    )
    cover_alt = models.CharField(_("题图替代文字"), max_length=200, blank=True)
    body = StreamField(BaseStreamBlock(), verbose_name=_("正文"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("date"), FieldPanel("kind")]),
        FieldPanel("summary"),
        MultiFieldPanel([FieldPanel("cover"), FieldPanel("cover_alt")], heading=_("题图")),
        FieldPanel("body"),
    ]
    parent_page_types = ["portal.NewsIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("新闻")
        verbose_name_plural = _("新闻")

    def clean(self):
        super().clean()
        if self.cover_id and not self.cover_alt:
            raise ValidationError({"cover_alt": _("有题图时必须填写替代文字。")})

    def search_text(self) -> str:
        """Plain text of the body for the site search (portal/search.py)."""
        parts = [self.summary]
        for block in self.body:
            if block.block_type in ("heading", "quote"):
                parts.append(str(block.value))
            elif block.block_type == "paragraph":
                parts.append(block.value.source)
        return " ".join(parts)


class GuidePage(CachedPage):
    """办事指南: how to report, and — from the taxonomy, never typed by hand — what each
    category covers, when it is filed and closed, and the time limits to expect."""

    intro = RichTextField(_("导语"), blank=True)
    body = StreamField(BaseStreamBlock(), verbose_name=_("如何举报"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["portal.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("办事指南")
        verbose_name_plural = _("办事指南")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        minors = (
            Category.objects.filter(is_active=True)
            .select_related("default_department")
            .prefetch_related(
                Prefetch("time_limits", queryset=TimeLimit.objects.order_by("urgency"))
            )
            .order_by("code")
        )
        majors = (
            MajorCategory.objects.filter(scheme__is_current=True)
            .prefetch_related(Prefetch("minors", queryset=minors))
            .order_by("kind", "code")
        )
        context["kinds"] = [
            (label, [m for m in majors if m.kind == value and m.minors.all()])
            for value, label in CaseKind.choices
        ]
        return context


class DepartmentIndexPage(CachedPage):
    """部门名录: the departments that handle cases, from the city's reference data."""

    intro = RichTextField(_("导语"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["portal.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("部门名录")
        verbose_name_plural = _("部门名录")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        departments = Department.objects.filter(is_active=True).prefetch_related(
            Prefetch(
                "default_categories",
                queryset=Category.objects.filter(is_active=True).order_by("code"),
            )
        )
        context["groups"] = [
            (label, [d for d in departments if d.kind == value])
            for value, label in Department.Kind.choices
        ]
        return context


class ContactPage(CachedPage):
    """联系我们: the centre's address, phone numbers, e-mail and office hours."""

    address = models.CharField(_("地址"), max_length=200)
    phone = models.CharField(_("电话"), max_length=50)
    email = models.EmailField(_("电子邮箱"), blank=True)
    office_hours = models.CharField(_("办公时间"), max_length=200, blank=True)
    body = RichTextField(_("说明"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("address"),
        FieldRowPanel([FieldPanel("phone"), FieldPanel("email")]),
        FieldPanel("office_hours"),
        FieldPanel("body"),
    ]
    parent_page_types = ["portal.HomePage"]
    subpage_types: list[str] = []
    max_count = 1

    class Meta:
        verbose_name = _("联系我们")
        verbose_name_plural = _("联系我们")


class ResultsIndexPage(CachedPage):
    """成效公开: the published results pages, latest period first."""

    intro = RichTextField(_("导语"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["portal.HomePage"]
    subpage_types = ["portal.ResultsPage"]

    class Meta:
        verbose_name = _("成效公开栏目")
        verbose_name_plural = _("成效公开栏目")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["reports"] = (
            ResultsPage.objects.live().public().child_of(self).order_by("-year", "-number")
        )
        return context


class ResultsPage(CachedPage):
    """The district's results for one month or quarter: headline figures, department and
    street rankings, trend charts. Live (cached) until frozen; once frozen the page shows
    the snapshot kept in its revision, so a published figure never changes silently."""

    class PeriodKind(models.TextChoices):
        MONTH = "month", _("月度")
        QUARTER = "quarter", _("季度")

    period_kind = models.CharField(
        _("统计周期"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.MONTH
    )
    year = models.PositiveSmallIntegerField(
        _("年份"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    number = models.PositiveSmallIntegerField(
        _("月份或季度"),
        help_text=_("月度填 1–12，季度填 1–4。"),
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    intro = RichTextField(_("导语"), blank=True)
    # Written only by results_snapshot_freeze (portal/results.py), never by the edit form.
    snapshot = models.JSONField(_("冻结数据"), null=True, blank=True, editable=False)
    snapshot_at = models.DateTimeField(_("冻结时间"), null=True, blank=True, editable=False)

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("period_kind"), FieldPanel("year"), FieldPanel("number")]),
        FieldPanel("intro"),
    ]
    parent_page_types = ["portal.ResultsIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("成效公开")
        verbose_name_plural = _("成效公开")

    @property
    def period(self) -> Period:
        if self.period_kind == self.PeriodKind.QUARTER:
            return quarter_period(self.year, self.number)
        return month_period(self.year, self.number)

    def clean(self):
        super().clean()
        if self.period_kind == self.PeriodKind.QUARTER and not 1 <= self.number <= 4:
            raise ValidationError({"number": _("季度只能是 1–4。")})
        if self.snapshot and self.year and self.number:
            frozen = self.snapshot["period"]
            if frozen != {
                "start": self.period.start.isoformat(),
                "end": self.period.end.isoformat(),
            }:
                raise ValidationError(
                    {"number": _("本页数据已冻结，不能再改统计周期；请另建一页。")}
                )

    def figures(self) -> dict:
        """The frozen snapshot if there is one, else the live (cached) figures."""
        return self.snapshot or results_get(period=self.period)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["figures"] = self.figures()
        context["frozen"] = self.snapshot is not None
        context["chart_labels"] = {
            "discovery_rate": gettext("发现率"),
            "dispatch_accuracy": gettext("派遣准确率"),
            "closure_rate": gettext("结案率"),
            "satisfaction_rate": gettext("群众满意率"),
            "score": gettext("综合得分"),
        }
        return context


def _default_theme() -> str:
    return settings.THEME


@register_setting(icon="view")
class ThemeSettings(BaseSiteSetting):
    """Which theme (themes/<name>/) a Wagtail Site is shown in."""

    theme = models.CharField(
        _("主题"),
        max_length=30,
        choices=[(t.name, t.label) for t in THEMES.values()],
        default=_default_theme,
    )

    panels = [FieldPanel("theme")]

    class Meta:
        verbose_name = _("站点主题")
        verbose_name_plural = _("站点主题")


class PeriodicRun(models.Model):
    """When a periodic background task was last enqueued: the claim that keeps several
    workers from enqueueing the same run twice."""

    name = models.CharField(max_length=200, primary_key=True)
    last_enqueued_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_enqueued_at}"
