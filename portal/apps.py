from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The project package itself: the public site's Wagtail page types and site-wide tags."""

    name = "portal"
    verbose_name = _("门户网站")

    def ready(self) -> None:
        from portal import signals  # noqa: F401  (connects the page index receivers)
        from portal.search import PageDocumentType
        from search.documents import document_type_register

        document_type_register(PageDocumentType())
