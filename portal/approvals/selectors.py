"""Reads of the approval pages: my requests, what waits for me, the seal-use log."""

import datetime as dt

from django.db.models import QuerySet

from portal.accounts.models import User
from portal.approvals.models import (
    ApprovalRequest,
    ApprovalTask,
    ApprovalType,
    Decision,
    SealUseLog,
    Status,
)
from portal.city.calendar import SHANGHAI


def approval_type_list() -> QuerySet[ApprovalType]:
    """The types a person may apply for now."""
    return ApprovalType.objects.filter(active=True)


def request_list_mine(*, user: User) -> QuerySet[ApprovalRequest]:
    return ApprovalRequest.objects.filter(applicant=user).select_related("approval_type")


def approval_todo(*, user: User) -> QuerySet[ApprovalTask]:
    """The user's undecided tasks at the current stage of open requests, oldest first."""
    return (
        ApprovalTask.objects.filter(
            user=user, decision=Decision.PENDING, request__status=Status.PENDING
        )
        .select_related("request__approval_type", "request__applicant")
        .order_by("created_at", "id")
    )


def seal_use_todo() -> QuerySet[ApprovalRequest]:
    """Approved 用印 requests whose use the seal keeper has not recorded yet."""
    return (
        ApprovalRequest.objects.filter(
            status=Status.APPROVED, seal_log__isnull=True, approval_type__seal_key__gt=""
        )
        .select_related("approval_type", "applicant")
        .order_by("finished_at", "id")
    )


def seal_log_list(*, seal: str = "", month: tuple[int, int] | None = None) -> QuerySet[SealUseLog]:
    """The seal-use log, newest first, optionally one seal and one calendar month
    (Asia/Shanghai)."""
    rows = SealUseLog.objects.select_related("request__applicant", "request__department", "keeper")
    if seal:
        rows = rows.filter(seal=seal)
    if month:
        year, mon = month
        start = dt.datetime(year, mon, 1, tzinfo=SHANGHAI)
        end = dt.datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=SHANGHAI)
        rows = rows.filter(used_at__gte=start, used_at__lt=end)
    return rows


def seal_names() -> list[str]:
    """Every seal named in the log or offered by a 用印 type's form."""
    names = set(SealUseLog.objects.values_list("seal", flat=True).distinct())
    for approval_type in ApprovalType.objects.exclude(seal_key=""):
        for field in approval_type.form_fields():
            if field.key == approval_type.seal_key:
                names.update(field.choice_list)
    return sorted(names)
