"""Admin wiring of the public site: the results pages' "freeze figures" action."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import Button

from portal import admin_views
from portal.models import ResultsPage


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path(
            "results/<int:page_id>/freeze/",
            admin_views.results_freeze,
            name="portal_results_freeze",
        )
    ]


@hooks.register("register_page_header_buttons")
def results_freeze_button(page, user, view_name, next_url=None):
    if page.specific_class is ResultsPage and page.permissions_for_user(user).can_edit():
        yield Button(
            _("冻结数据"),
            url=reverse("portal_results_freeze", args=[page.pk]),
            icon_name="lock",
            priority=70,
        )


@hooks.register("register_log_actions")
def register_log_actions(actions):
    actions.register_action("portal.results_freeze", _("冻结成效数据"), _("已冻结成效数据"))
