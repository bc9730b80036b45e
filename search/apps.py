from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    """One search API over Elasticsearch (production) or the database (embedded default)."""

    name = "search"
    label = "search"
    verbose_name = _("全文检索")
