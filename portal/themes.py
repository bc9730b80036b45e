"""Site themes (FixMyStreet cobrands the Django way).

A theme is a folder `themes/<name>/` holding only the templates it overrides, at the same
relative paths as `themes/base/templates/`, plus its static files (served under
`static/themes/<name>/`). Each Wagtail Site chooses its theme in the 主题 site setting
(`portal.models.ThemeSettings`); without one the deploy-time `THEME` applies.

The request's theme is put in a context variable by `ThemeMiddleware`; `ThemeLoader` searches
that theme first, then the base theme, and `CachedLoader` keeps one compiled template per
(theme, name), so two sites with different themes never share a cached template.
"""

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loaders import cached, filesystem
from django.utils.translation import gettext_lazy as _

from portal.city.process_cache import ProcessCache


@dataclass(frozen=True)
class Theme:
    """A theme's name, its label in the admin, and its feature flags (with a fallback)."""

    name: str
    label: str
    features: dict = field(default_factory=dict)

    def feature(self, key: str, default=None):
        return self.features.get(key, default)


THEMES: dict[str, Theme] = {
    "base": Theme("base", _("基础主题")),
    "jianye": Theme("jianye", _("建邺区主题"), {"logo": "themes/jianye/img/logo.svg"}),
}


@dataclass
class _Serving:
    """The request being served: its host, and its theme once a template asked for it."""

    hostname: str
    port: int | None
    name: str | None = None


_serving: ContextVar[_Serving | None] = ContextVar("portal_theme", default=None)


def theme_active() -> Theme:
    """The theme of the request being served; the deploy-time default outside a request
    (e-mails from background tasks, management commands)."""
    serving = _serving.get()
    if serving is None:
        name = settings.THEME
    else:
        if serving.name is None:
            serving.name = theme_for_host(serving.hostname, serving.port)
        name = serving.name
    return THEMES.get(name, THEMES["base"])


def site_match(entries: list[tuple], hostname: str, port: int | None):
    """The value of the entry whose (hostname, port, is_default_site, value) matches the
    host the way Wagtail matches a Site: host and port, then host alone, then the default."""
    for matches in (
        lambda h, p, d: h == hostname and p == port,
        lambda h, p, d: h == hostname,
        lambda h, p, d: d,
    ):
        for h, p, d, value in entries:
            if matches(h, p, d):
                return value
    return None


def serving_host() -> tuple[str, int | None] | None:
    """The host of the request being served through ThemeMiddleware, if any."""
    serving = _serving.get()
    return None if serving is None else (serving.hostname, serving.port)


def _site_themes() -> list[tuple[str, int, bool, str]]:
    from portal.models import ThemeSettings

    return [
        (s.site.hostname, s.site.port, s.site.is_default_site, s.theme)
        for s in ThemeSettings.objects.select_related("site")
    ]


# Read on every request that renders a template: kept per process, rebuilt when a site or
# its theme changes anywhere (portal/page_cache.py connects the receivers).
SITE_THEMES = ProcessCache("site-themes", _site_themes)


def theme_for_host(hostname: str, port: int | None) -> str:
    """The theme chosen by the Wagtail Site serving this host."""
    return site_match(SITE_THEMES.get(), hostname, port) or settings.THEME


def theme_cache_clear() -> None:
    SITE_THEMES.invalidate()


class ThemeMiddleware:
    """Serve every request with its Wagtail Site's theme (looked up when a template is
    first loaded, so responses without templates cost nothing)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        hostname, _sep, port = request.get_host().partition(":")
        default_port = 443 if request.is_secure() else 80
        token = _serving.set(_Serving(hostname, int(port) if port.isdigit() else default_port))
        try:
            return self.get_response(request)
        finally:
            _serving.reset(token)


class ThemeLoader(filesystem.Loader):
    """Templates from the active theme's folder, then from the base theme's."""

    def get_dirs(self):
        name = theme_active().name
        dirs = [settings.THEMES_DIR / name / "templates"] if name != "base" else []
        return [*dirs, settings.THEMES_DIR / "base" / "templates"]


class CachedLoader(cached.Loader):
    """Django's cached loader, with the theme in the key."""

    def cache_key(self, template_name, skip=None):
        return f"{theme_active().name}:{super().cache_key(template_name, skip)}"
