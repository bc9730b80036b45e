"""Wagtail page types of the public site."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from portal.city.selectors import district_summary_get


class HomePage(Page):
    """The portal's front page: what the service is, how to reach it, the district at a glance."""

    intro = RichTextField(_("导语"), blank=True)
    notice = models.CharField(_("公告横幅"), max_length=200, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("notice")]
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        verbose_name = _("首页")
        verbose_name_plural = _("首页")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["district"] = district_summary_get()
        return context


class PeriodicRun(models.Model):
    """When a periodic background task was last enqueued: the claim that keeps several
    workers from enqueueing the same run twice."""

    name = models.CharField(max_length=200, primary_key=True)
    last_enqueued_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_enqueued_at}"
