from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    """通讯录: the organisation tree with its staff, for finding and routing to people."""

    name = "portal.directory"
    label = "directory"
    verbose_name = _("通讯录")
