from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The project package itself: the public site's Wagtail page types and site-wide tags."""

    name = "portal"
    verbose_name = _("门户网站")
