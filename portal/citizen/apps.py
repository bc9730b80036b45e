from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitizenConfig(AppConfig):
    """Citizen services: public reporting, tracking, satisfaction, hotline intake, Open311."""

    name = "portal.citizen"
    label = "citizen"
    verbose_name = _("公众服务")
