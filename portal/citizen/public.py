"""What anyone may see without logging in: the recent public reports as a list, a map and
Atom feeds. Only public fields, and the location only as the grid centre (see selectors).

A filter that does not parse (an unknown category, garbage) is shown as a form error and
left out; a page number out of range shows the last page: never a 500.
"""

from django import forms
from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import linebreaks
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from portal.citizen.models import PublicReport
from portal.citizen.selectors import (
    FEED_LIMIT,
    MAP_LIMIT,
    PUBLIC_DAYS,
    PublicStatus,
    public_status,
    report_public_feed,
    report_public_list,
    report_public_point_list,
    report_track_url,
)
from portal.city.models import Category, District, MajorCategory, Street

PER_PAGE = 20


class PublicFilterForm(forms.Form):
    major = forms.TypedChoiceField(label=gettext_lazy("大类"), required=False, coerce=int)
    category = forms.TypedChoiceField(label=gettext_lazy("小类"), required=False, coerce=int)
    street = forms.ChoiceField(label=gettext_lazy("街道"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("状态"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("全部"))]
        majors = MajorCategory.objects.filter(scheme__is_current=True)
        self.fields["major"].choices = everything + [(m.pk, m.name) for m in majors]
        groups: dict[str, list[tuple[int, str]]] = {}
        categories = Category.objects.filter(major__scheme__is_current=True).select_related("major")
        for category in categories:
            groups.setdefault(category.major.name, []).append((category.pk, category.name))
        self.fields["category"].choices = everything + list(groups.items())
        streets = Street.objects.filter(district__code=settings.CITY_DISTRICT_CODE)
        self.fields["street"].choices = everything + [(s.code, s.name) for s in streets]
        self.fields["status"].choices = everything + list(PublicStatus.choices)

    def filters(self) -> dict:
        """The fields that parsed; the others are reported as errors and ignored."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}


def _map_url(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    url = reverse("citizen:report_map")
    return f"{url}?{query.urlencode()}" if query else url


@require_GET
def report_list_view(request: HttpRequest) -> HttpResponse:
    form = PublicFilterForm(request.GET or None)
    filters = form.filters()
    page = Paginator(report_public_list(filters=filters), PER_PAGE).get_page(
        request.GET.get("page")
    )
    for report in page:
        report.status_shown = public_status(report.case)
        report.track_url = report_track_url(report.tracking_number)
    district = District.objects.filter(code=settings.CITY_DISTRICT_CODE).only("boundary").first()
    feed_url = (
        reverse("citizen:report_feed_street", args=[filters["street"]])
        if filters.get("street")
        else reverse("citizen:report_feed")
    )
    return render(
        request,
        "citizen/report_list.html",
        {
            "form": form,
            "page": page,
            "days": PUBLIC_DAYS,
            "map_limit": MAP_LIMIT,
            "feed_url": feed_url,
            "boundary": district.boundary if district else None,
            "map_url": _map_url(request),
        },
    )


@require_GET
def report_map_view(request: HttpRequest) -> JsonResponse:
    form = PublicFilterForm(request.GET or None)
    return JsonResponse(report_public_point_list(filters=form.filters()), safe=False)


class ReportFeed(Feed):
    """The latest public reports of the district (reports/feed/) or of one street."""

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, street_code: str | None = None) -> Street | None:
        if street_code is None:
            return None
        return get_object_or_404(
            Street, district__code=settings.CITY_DISTRICT_CODE, code=street_code
        )

    def title(self, street: Street | None) -> str:
        where = street.name if street else _("全区")
        return _("%(site)s · %(where)s公众举报") % {
            "site": settings.WAGTAIL_SITE_NAME,
            "where": where,
        }

    def subtitle(self, street: Street | None) -> str:
        return _("最新 %(n)d 条公开的公众举报，不含举报人信息，位置精确到单元网格。") % {
            "n": FEED_LIMIT
        }

    def link(self, street: Street | None) -> str:
        url = reverse("citizen:report_list")
        return f"{url}?street={street.code}" if street else url

    def items(self, street: Street | None) -> list[PublicReport]:
        return report_public_feed(street=street)

    def item_title(self, report: PublicReport) -> str:
        case = report.case
        return f"[{case.category.name}] {case.street.name} · {public_status(case).label}"

    def item_description(self, report: PublicReport) -> str:
        # Atom carries the summary as HTML: the citizen's plain text must not become markup.
        return linebreaks(report.public_description, autoescape=True)

    def item_link(self, report: PublicReport) -> str:
        return report_track_url(report.tracking_number)

    def item_guid(self, report: PublicReport) -> str:
        return f"urn:jianye-report:{report.tracking_number}"

    item_guid_is_permalink = False

    def item_pubdate(self, report: PublicReport):
        return report.created_at

    def item_categories(self, report: PublicReport) -> tuple[str, ...]:
        return (report.case.category.major.name, report.case.category.name)
