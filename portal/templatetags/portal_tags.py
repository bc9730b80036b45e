"""Template tags of the public site: the section menu and number formats."""

from django import template
from django.core.cache import cache
from django.utils.formats import number_format
from wagtail.models import Site

from portal.page_cache import PAGE_CACHE_SECONDS, generation

register = template.Library()


@register.simple_tag(takes_context=True)
def site_sections(context) -> list[dict]:
    """The site's top-level sections shown in menus, cached per host until the next publish
    (so pages outside Wagtail — reporting, tracking, the staff desk — pay no query for it)."""
    request = context.get("request")
    if request is None:
        return []
    key = f"portal:menu:{generation()}:{request.get_host()}"

    def build() -> list[dict]:
        site = Site.find_for_request(request)
        if site is None:
            return []
        return [
            {"title": p.title, "url": p.get_url(request=request)}
            for p in site.root_page.get_children().live().public().in_menu()
        ]

    return cache.get_or_set(key, build, PAGE_CACHE_SECONDS)


@register.filter
def percent(value, digits: int = 1) -> str:
    """A ratio as a percentage ("98.0%"); "—" when there was nothing to measure."""
    if value is None or value == "":
        return "—"
    return f"{number_format(float(value) * 100, digits)}%"


@register.filter
def hours(value) -> str:
    if value is None or value == "":
        return "—"
    return number_format(float(value), 1)
