"""Reads of the citizen side: what the public may see of the reports.

Public reports are shown without any personal data: no reporter, no internal comment, and
the location only as the centre of the unit grid (单元网格) the report falls in, never the
exact point, which could identify a home.
"""

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import models
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.citizen.models import PublicReport
from portal.citizen.services import normalise_code, report_reveal_check
from portal.city.models import Department, Street
from portal.workflow.models import Case, CaseAttachment, Status
from portal.workflow.pii import blind_index

PUBLIC_DAYS = 90
MAP_LIMIT = 500
FEED_LIMIT = 50


class PublicStatus(models.TextChoices):
    """The status of a case as the public reads it: the internal steps grouped."""

    SUBMITTED = "submitted", _("待受理")
    VERIFYING = "verifying", _("核实中")
    ACCEPTED = "accepted", _("已受理")
    IN_PROGRESS = "in_progress", _("处理中")
    CLOSED = "closed", _("已办结")
    DECLINED = "declined", _("不予受理")
    MERGED = "merged", _("已合并处理")


PUBLIC_STATUS_OF: dict[str, PublicStatus] = {
    Status.REPORTED: PublicStatus.SUBMITTED,
    Status.VERIFYING: PublicStatus.VERIFYING,
    Status.ACCEPTED: PublicStatus.ACCEPTED,
    Status.FILED: PublicStatus.ACCEPTED,
    Status.DISPATCHED: PublicStatus.IN_PROGRESS,
    Status.RETURN_REQUESTED: PublicStatus.IN_PROGRESS,
    Status.HANDLED: PublicStatus.IN_PROGRESS,
    Status.CHECKED: PublicStatus.IN_PROGRESS,
    Status.DEFERRED: PublicStatus.IN_PROGRESS,
    Status.HUNG: PublicStatus.IN_PROGRESS,
    Status.CLOSED: PublicStatus.CLOSED,
    Status.DECLINED: PublicStatus.DECLINED,
    Status.CANCELLED: PublicStatus.DECLINED,
    Status.MERGED: PublicStatus.MERGED,
}


def public_status(case: Case) -> PublicStatus:
    """The public label of the case's status (its `.label`), e.g. 处理中 for 待核查."""
    return PUBLIC_STATUS_OF[case.status]


def statuses_of(public: str) -> list[str]:
    """The internal statuses grouped under one public status."""
    return [internal for internal, shown in PUBLIC_STATUS_OF.items() if shown == public]


def report_track_url(tracking_number: str) -> str:
    """The tracking page of a report (it asks for the secret code before showing more)."""
    return f"{reverse('citizen:report_track')}?{urlencode({'number': tracking_number})}"


def report_public(*, now: dt.datetime | None = None, days: int = PUBLIC_DAYS) -> QuerySet:
    """Reports the public may see: not hidden by a moderator, reported in the last `days`."""
    since = (now or timezone.now()) - dt.timedelta(days=days)
    return PublicReport.objects.filter(hidden=False, created_at__gte=since)


def _filtered(reports: QuerySet, filters: dict) -> QuerySet:
    if filters.get("major"):
        reports = reports.filter(case__category__major_id=filters["major"])
    if filters.get("category"):
        reports = reports.filter(case__category_id=filters["category"])
    if filters.get("street"):
        reports = reports.filter(case__street__code=filters["street"])
    if filters.get("status"):
        reports = reports.filter(case__status__in=statuses_of(filters["status"]))
    return reports


# Only what the public pages show: the reporter's name and phone and the exact point are
# never even loaded, so no template can leak them.
PUBLIC_FIELDS = (
    "tracking_number",
    "public_description",
    "created_at",
    "case__status",
    "case__category__name",
    "case__category__major__name",
    "case__street__code",
    "case__street__name",
    "case__grid__centre_lon",
    "case__grid__centre_lat",
)


def _public_rows(reports: QuerySet) -> QuerySet:
    return (
        reports.select_related("case__category__major", "case__street", "case__grid")
        .only(*PUBLIC_FIELDS)
        .order_by("-created_at", "-id")
    )


def report_public_list(
    *, filters: dict | None = None, now: dt.datetime | None = None, days: int = PUBLIC_DAYS
) -> QuerySet[PublicReport]:
    """Public reports, newest first, filtered by major class, minor class, street (code) and
    public status; each case carries `public_photos`, its visible stripped photos."""
    # Never the original `file`: only the copy the worker stripped of its metadata.
    photos = (
        CaseAttachment.objects.filter(hidden=False)
        .exclude(public_file="")
        .only("id", "case_id", "public_file")
        .order_by("uploaded_at", "id")
    )
    return _public_rows(
        _filtered(report_public(now=now, days=days), filters or {})
    ).prefetch_related(Prefetch("case__attachments", queryset=photos, to_attr="public_photos"))


def report_public_point_list(
    *,
    filters: dict | None = None,
    now: dt.datetime | None = None,
    days: int = PUBLIC_DAYS,
    limit: int = MAP_LIMIT,
) -> list[dict]:
    """The newest public reports as map points at their grid's centre (at most `limit`)."""
    rows = (
        _filtered(report_public(now=now, days=days), filters or {})
        .order_by("-created_at", "-id")
        .values_list(
            "tracking_number",
            "case__category__name",
            "case__status",
            "case__grid__centre_lon",
            "case__grid__centre_lat",
        )[:limit]
    )
    return [
        {
            "tracking_number": number,
            "category": category,
            "status": str(PUBLIC_STATUS_OF[status].label),
            "lon": round(lon, 6),
            "lat": round(lat, 6),
            "url": report_track_url(number),
        }
        for number, category, status, lon, lat in rows
    ]


def report_public_feed(
    *, street: Street | None = None, now: dt.datetime | None = None, limit: int = FEED_LIMIT
) -> list[PublicReport]:
    """The latest public reports of the district, or of one street, for the Atom feed."""
    reports = report_public(now=now)
    if street is not None:
        reports = reports.filter(case__street=street)
    return list(_public_rows(reports)[:limit])


# --- the reporter's own view: tracking by number and code ----------------------------------
# What a reporter may see of their case: only steps the public should know, in words meant
# for the public; never who did it (except which department handles it), never internal
# comments. The reasons the centre writes for the reporter (不予受理理由) are the exception:
# they are addressed to them.

# Event action -> the public's words for it.
PUBLIC_STEPS = {
    "report": _("已提交"),
    "accept": _("已受理"),
    "self_handle": _("已由监督员当场处置"),
    "decline": _("不予受理"),
    "merge": _("已与同一问题的其他举报合并办理"),
    "file": _("已立案"),
    "dispatch": _("已派遣至处置部门"),
    "approve_return": _("重新派遣中"),
    "handle": _("处置部门已处置完毕"),
    "rework": _("现场核查未通过，退回返工"),
    "check": _("现场核查通过"),
    "approve_defer": _("暂缓办理"),
    "approve_hang": _("列入挂账办理"),
    "resume": _("恢复办理"),
    "approve_cancel": _("已撤销"),
    "close": _("已结案"),
    "rate": _("举报人已评价"),
    "reopen": _("因举报人不满意，重新办理"),
}


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    label: str
    detail: str = ""


def report_timeline(*, report: PublicReport) -> list[TimelineEntry]:
    """The public-safe history of the reporter's case, oldest first."""
    entries = []
    events = list(report.case.events.order_by("seq"))
    codes = {e.data.get("department") for e in events if e.action == "dispatch"}
    departments = dict(Department.objects.filter(code__in=codes).values_list("code", "name"))
    for event in events:
        label = PUBLIC_STEPS.get(event.action)
        if label is None:
            continue
        detail = ""
        if event.action == "dispatch":
            detail = departments.get(event.data.get("department"), "")
        elif event.action == "decline":
            detail = report.case.decline_reason
        entries.append(TimelineEntry(at=event.at, label=str(label), detail=detail))
    return entries


def report_photos(*, report: PublicReport) -> dict[str, list[CaseAttachment]]:
    """Public copies of the case's photos, before and after handling (hidden ones left out)."""
    photos: dict[str, list[CaseAttachment]] = {"before": [], "after": []}
    for attachment in report.case.attachments.filter(hidden=False).exclude(public_file=""):
        key = "before" if attachment.kind == CaseAttachment.Kind.BEFORE else "after"
        photos[key].append(attachment)
    return photos


def report_expected_at(*, report: PublicReport) -> dt.datetime | None:
    """When the reporter may expect the current stage to be done: the department's
    handling deadline once dispatched, otherwise the current step's deadline."""
    case = report.case
    if case.status in (Status.DISPATCHED, Status.RETURN_REQUESTED, Status.HANDLED, Status.CHECKED):
        return case.handling_deadline or case.step_deadline
    return case.step_deadline


def report_track_get(*, number: str, code: str) -> PublicReport | None:
    """The report with this tracking number, if the code matches; None for any mismatch
    (the caller cannot tell a wrong number from a wrong code)."""
    report = (
        PublicReport.objects.select_related(
            "case__category__major", "case__department", "case__street"
        )
        .filter(tracking_number=normalise_code(number))
        .first()
    )
    if report is None or not report_reveal_check(report=report, code=code):
        return None
    return report


def report_can_rate(*, report: PublicReport) -> bool:
    """May the reporter rate now? Once per closure (a reopened case may be rated again)."""
    case = report.case
    return case.status == Status.CLOSED and not case.satisfaction


def reporter_case_list(*, phone: str) -> QuerySet[Case]:
    """The cases reported from this phone number, newest first, found by the blind index
    (the number itself is stored encrypted and cannot be searched)."""
    index = blind_index(phone)
    if not index:
        return Case.objects.none()
    return (
        Case.objects.filter(reporter_phone_index=index)
        .select_related("category", "public")
        .order_by("-reported_at", "-pk")
    )
