from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    """待办: one list of everything waiting for a person, gathered from every app's tasks."""

    name = "portal.inbox"
    label = "inbox"
    verbose_name = _("待办")
