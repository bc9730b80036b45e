from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdempotencyConfig(AppConfig):
    """Idempotency keys: a retried POST replays the first answer instead of acting twice."""

    name = "portal.idempotency"
    label = "idempotency"
    verbose_name = _("幂等键")
