from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchiveConfig(AppConfig):
    """Archive: archival items, 档号, retention, fixity, ACL, borrowing, PDF case files."""

    name = "portal.archive"
    label = "archive"
    verbose_name = _("档案管理")
