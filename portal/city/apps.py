from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CityConfig(AppConfig):
    """The map of the city every other app shares: areas, grids, taxonomy, calendar."""

    name = "portal.city"
    label = "city"
    verbose_name = _("城市基础数据")

    def ready(self) -> None:
        from portal.city import signals  # noqa: F401  (connects cache invalidation)
