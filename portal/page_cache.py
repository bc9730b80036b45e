"""The anonymous page cache of the public site.

Readers without an account all see the same page, so a rendered page is kept in the
Django cache, keyed by page, path, language, theme and a generation number. Publishing,
unpublishing, moving or deleting any page (or changing a site's theme) starts a new
generation: the home page lists the latest news and every page shows the menu, so one
publish may change any page. Live figures on a page (the home page's month, an unfrozen
results page) may lag by at most PAGE_CACHE_SECONDS.
"""

import hashlib
import time
from collections.abc import Callable

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from wagtail.models import Page, Site
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from portal.city.process_cache import ProcessCache
from portal.themes import serving_host, site_match, theme_active, theme_cache_clear

PAGE_CACHE_SECONDS = 300
GENERATION_KEY = "portal:pages:generation"


def generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, time.time_ns(), None)
        generation = cache.get(GENERATION_KEY)
    return generation


def pages_cache_clear() -> None:
    """Start a new generation: every cached page (and the section menu) is stale from now on."""
    cache.set(GENERATION_KEY, time.time_ns(), None)
    SITE_MENUS.invalidate()


def _site_menus() -> list[tuple[str, int, bool, list[dict]]]:
    return [
        (
            site.hostname,
            site.port,
            site.is_default_site,
            [
                {"title": p.title, "url": p.relative_url(site)}
                for p in site.root_page.get_children().live().public().in_menu()
            ],
        )
        for site in Site.objects.select_related("root_page")
    ]


# Every page, public or staff, shows the section menu: kept per process, rebuilt after
# any publish, unpublish, move or delete.
SITE_MENUS = ProcessCache("site-menus", _site_menus)


def site_menu_get() -> list[dict]:
    """The top-level sections of the site serving this request ([] outside a request)."""
    host = serving_host()
    return (site_match(SITE_MENUS.get(), *host) or []) if host else []


def _cacheable(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        and not getattr(request, "is_preview", False)
    )


def _key(request: HttpRequest, page: Page) -> str:
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    return f"portal:page:{generation()}:{page.pk}:{get_language()}:{theme_active().name}:{path}"


def page_serve(page: Page, request: HttpRequest, render: Callable[[], HttpResponse]):
    """Serve an anonymous reader from the cache, or render and keep the page for the next."""
    if not _cacheable(request):
        return render()
    key = _key(request, page)
    hit = cache.get(key)
    if hit is not None:
        content, content_type = hit
        response = HttpResponse(content, content_type=content_type)
        response["X-Page-Cache"] = "hit"
        return response
    response = render()
    if hasattr(response, "render"):
        response.render()
    if response.status_code == 200 and not response.cookies:
        cache.set(key, (response.content, response["Content-Type"]), PAGE_CACHE_SECONDS)
    response["X-Page-Cache"] = "miss"
    return response


@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_page_move)
@receiver(page_slug_changed)
def _page_changed(sender, **kwargs) -> None:
    pages_cache_clear()


@receiver(post_delete)
def _page_deleted(sender, instance, **kwargs) -> None:
    if isinstance(instance, Page):
        pages_cache_clear()


@receiver(post_save, sender=Site)
@receiver(post_delete, sender=Site)
def _site_changed(sender, **kwargs) -> None:
    theme_cache_clear()
    pages_cache_clear()


def theme_settings_changed(sender, **kwargs) -> None:
    """Connected to ThemeSettings in PortalConfig.ready (the model imports this module)."""
    theme_cache_clear()
    pages_cache_clear()
