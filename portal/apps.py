from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The project package itself: the public site's Wagtail page types and site-wide tags."""

    name = "portal"
    verbose_name = _("门户网站")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from portal import page_cache, signals  # noqa: F401  (connect their receivers)
        from portal.models import ThemeSettings

        post_save.connect(page_cache.theme_settings_changed, sender=ThemeSettings)
        post_delete.connect(page_cache.theme_settings_changed, sender=ThemeSettings)
        from portal.search import PageDocumentType
        from search.documents import document_type_register

        document_type_register(PageDocumentType())
