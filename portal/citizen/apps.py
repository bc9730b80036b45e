from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitizenConfig(AppConfig):
    """Citizen services: public reporting, tracking, satisfaction, hotline intake, Open311."""

    name = "portal.citizen"
    label = "citizen"
    verbose_name = _("公众服务")

    def ready(self) -> None:
        from portal.citizen.notify import case_event_notify
        from portal.workflow.models import Case
        from portal.workflow.signals import case_event_recorded

        case_event_recorded.connect(
            case_event_notify, sender=Case, dispatch_uid="citizen.case_event_notify"
        )
