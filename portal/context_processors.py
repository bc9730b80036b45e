"""Values every page template needs."""

from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict:
    return {
        "SITE_NAME": settings.WAGTAIL_SITE_NAME,
        "HOTLINES": ("12345", "13813939000"),
        "THEME": settings.THEME,
        "MAP_TILE_URL": settings.MAP_TILE_URL,
    }
