"""Admin screens of the command centre: emergency plans, the duty roster, the alarms."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from portal.workflow.models import DutyShift, EmergencyAlarm, EmergencyPlan


class EmergencyPlanViewSet(SnippetViewSet):
    model = EmergencyPlan
    icon = "warning"
    list_display = ["name", "category", "response_minutes", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    panels = [
        FieldPanel("category"),
        FieldPanel("name"),
        FieldPanel("response_minutes"),
        FieldPanel("users"),
        FieldPanel("groups"),
        FieldPanel("instructions"),
        FieldPanel("is_active"),
    ]


class DutyShiftViewSet(SnippetViewSet):
    model = DutyShift
    icon = "date"
    list_display = ["user", "starts_at", "ends_at", "note"]
    panels = [
        FieldPanel("user"),
        FieldPanel("starts_at"),
        FieldPanel("ends_at"),
        FieldPanel("note"),
    ]


class EmergencyAlarmViewSet(SnippetViewSet):
    """Alarms are raised by the case loop; the admin lists and inspects them (no role holds
    the permission to add or change one)."""

    model = EmergencyAlarm
    icon = "warning"
    list_display = ["case", "plan", "raised_at", "respond_by", "acknowledged_at", "acknowledged_by"]
    inspect_view_enabled = True


class EmergencyViewSetGroup(SnippetViewSetGroup):
    menu_label = _("应急管理")
    menu_icon = "warning"
    menu_order = 210
    items = (EmergencyPlanViewSet, DutyShiftViewSet, EmergencyAlarmViewSet)


register_snippet(EmergencyViewSetGroup)
