"""Admin screen of the audit log: read-only, for the auditor role."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet

from portal.accounts.models import AuditEvent


class AuditEventViewSet(ModelViewSet):
    model = AuditEvent
    icon = "history"
    menu_label = _("审计日志")
    menu_order = 900
    add_to_admin_menu = True
    list_display = ["at", "username", "action", "target", "success", "ip_address"]
    list_filter = ["action", "success"]
    search_fields = ["username", "target"]
    inspect_view_enabled = True
    # Append-only: nobody holds add/change/delete on audit events, so those views refuse.
    exclude_form_fields = []


@hooks.register("register_admin_viewset")
def _register_audit_viewset():
    return AuditEventViewSet("audit_events")
