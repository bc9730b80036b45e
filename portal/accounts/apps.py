from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """People and their roles, plus the security audit log of their sessions.

    A separate app because every other app depends on the user model, and the
    user model must exist before the first migration of any of them.
    """

    name = "portal.accounts"
    label = "accounts"
    verbose_name = _("账号与审计")

    def ready(self) -> None:
        from portal.accounts import signals  # noqa: F401  (connects receivers)
