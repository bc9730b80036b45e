"""Admin screens of the approvals: the approval types (form and stages) are configuration,
edited as snippets; the seal-use log is listed read-only."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from portal.approvals.models import ApprovalType, SealUseLog


class ApprovalTypeViewSet(SnippetViewSet):
    model = ApprovalType
    icon = "form"
    list_display = ["name", "code", "active", "sort_order"]
    list_filter = ["active"]
    search_fields = ["name", "code"]
    panels = [
        FieldPanel("code"),
        FieldPanel("name"),
        FieldPanel("description"),
        FieldPanel("active"),
        FieldPanel("sort_order"),
        InlinePanel("fields", label=_("表单字段"), min_num=1),
        InlinePanel(
            "stages",
            label=_("审批环节"),
            min_num=1,
            panels=[
                FieldPanel("name"),
                FieldPanel("approver_kind"),
                FieldPanel("group"),
                FieldPanel("users"),
                FieldPanel("mode"),
                FieldPanel("condition_key"),
                FieldPanel("condition_op"),
                FieldPanel("condition_value"),
            ],
        ),
        MultiFieldPanel(
            [
                FieldPanel("span_start_key"),
                FieldPanel("span_end_key"),
                FieldPanel("booking_key"),
                FieldPanel("seal_key"),
                FieldPanel("copies_key"),
            ],
            heading=_("时段、占用与用印"),
        ),
    ]


class SealUseLogViewSet(SnippetViewSet):
    """Read-only: rows are added by the seal keeper's page; no role may change them."""

    model = SealUseLog
    icon = "list-ul"
    list_display = ["used_at", "seal", "copies", "request", "keeper"]
    list_filter = ["seal"]
    inspect_view_enabled = True


class ApprovalViewSetGroup(SnippetViewSetGroup):
    menu_label = _("通用审批")
    menu_icon = "form"
    menu_order = 220
    items = (ApprovalTypeViewSet, SealUseLogViewSet)


register_snippet(ApprovalViewSetGroup)
