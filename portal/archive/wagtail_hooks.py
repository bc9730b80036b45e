"""Admin screens of the archive: the access log (auditor, read-only), the retention
schedule (archivists edit it) and fixity alarms (archivists resolve them)."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from portal.archive.models import (
    AccessLog,
    BorrowRequest,
    DestructionRecord,
    FixityAlarm,
    LegalHold,
    RetentionRule,
)


class AccessLogViewSet(ModelViewSet):
    model = AccessLog
    icon = "history"
    menu_label = _("档案利用日志")
    list_display = ["at", "user", "action", "item", "reason", "ip"]
    list_filter = ["action"]
    search_fields = ["reason", "item__reference_code", "user__username"]
    inspect_view_enabled = True
    # Append-only: nobody holds add/change/delete on the log, so those views refuse.
    exclude_form_fields = []


class RetentionRuleViewSet(ModelViewSet):
    model = RetentionRule
    icon = "time"
    menu_label = _("保管期限表")
    list_display = ["category", "retention", "note", "updated_at"]
    list_filter = ["retention"]
    form_fields = ["category", "retention", "note"]


class FixityAlarmViewSet(ModelViewSet):
    model = FixityAlarm
    icon = "warning"
    menu_label = _("固定性告警")
    list_display = ["raised_at", "item", "problem", "resolved_at"]
    inspect_view_enabled = True
    form_fields = ["resolved_at", "resolution"]


class BorrowRequestViewSet(ModelViewSet):
    # Read-only for the auditor, archivists and the head: borrowing is written by services.
    model = BorrowRequest
    icon = "doc-full"
    menu_label = _("借阅记录")
    list_display = ["requested_at", "borrower", "item", "kind", "state", "decided_by", "expires_at"]
    list_filter = ["state", "kind"]
    search_fields = ["purpose", "item__reference_code", "borrower__username"]
    inspect_view_enabled = True
    exclude_form_fields = []


class LegalHoldViewSet(ModelViewSet):
    model = LegalHold
    icon = "lock"
    menu_label = _("法律保留")
    list_display = ["placed_at", "item", "reason", "placed_by", "lifted_at"]
    inspect_view_enabled = True
    exclude_form_fields = []


class DestructionRecordViewSet(ModelViewSet):
    model = DestructionRecord
    icon = "bin"
    menu_label = _("销毁清册")
    list_display = ["destroyed_at", "reference_code", "title", "approved_by", "witnesses"]
    search_fields = ["reference_code", "title"]
    inspect_view_enabled = True
    exclude_form_fields = []


class ArchiveViewSetGroup(ViewSetGroup):
    menu_label = _("档案管理")
    menu_icon = "folder-open-inverse"
    menu_order = 800
    items = (
        AccessLogViewSet("archive_access_log"),
        RetentionRuleViewSet("archive_retention"),
        FixityAlarmViewSet("archive_fixity_alarms"),
        BorrowRequestViewSet("archive_borrows"),
        LegalHoldViewSet("archive_legal_holds"),
        DestructionRecordViewSet("archive_destruction_register"),
    )


@hooks.register("register_admin_viewset")
def _register_archive_viewsets():
    return ArchiveViewSetGroup()
