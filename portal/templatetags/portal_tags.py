"""Template tags of the public site: the section menu and number formats."""

from django import template
from django.utils.formats import number_format

from portal.page_cache import site_menu_get

register = template.Library()


@register.simple_tag
def site_sections() -> list[dict]:
    """The site's top-level sections shown in menus (no query once built; see page_cache)."""
    return site_menu_get()


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
