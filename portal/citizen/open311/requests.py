"""Service requests as Open311 shows them: the reports of the public channels, never a
hidden one, and nothing that identifies the reporter (name, phone, e-mail, device).

As on the public pages (portal/citizen/selectors.py), the location is the centre of the
unit grid and the address its community and street: the exact point or the address a
reporter typed could identify a home.
"""

import datetime as dt

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.citizen.models import PublicReport
from portal.citizen.open311.catalogue import service_code
from portal.workflow.models import FINAL_STATUSES, CaseAttachment, CaseEvent, Status


def status_notes() -> dict[str, str]:
    """What the public is told about each state: no names, reasons or internal remarks."""
    return {
        Status.REPORTED: _("已收到举报，等待受理。"),
        Status.VERIFYING: _("正在安排现场核实。"),
        Status.ACCEPTED: _("已受理，等待立案。"),
        Status.FILED: _("已立案，等待派遣处置部门。"),
        Status.DISPATCHED: _("已派遣至处置部门，正在处置。"),
        Status.RETURN_REQUESTED: _("正在重新确定处置部门。"),
        Status.HANDLED: _("处置部门已完成处置，等待核查。"),
        Status.CHECKED: _("现场核查已通过，等待结案。"),
        Status.DEFERRED: _("暂缓办理，条件具备后继续处置。"),
        Status.HUNG: _("已列入长期整治计划。"),
        Status.CLOSED: _("已办结。"),
        Status.DECLINED: _("经核实不予立案。"),
        Status.MERGED: _("与同一问题的其他举报合并办理。"),
        Status.CANCELLED: _("已撤销。"),
    }


def open311_status(status: str) -> str:
    """The spec knows two states: a final state of the case is closed, every other open."""
    return "closed" if status in FINAL_STATUSES else "open"


def w3(value: dt.datetime | None) -> str | None:
    """A W3C datetime with its offset (the spec makes the timezone mandatory)."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def public_report_list() -> QuerySet[PublicReport]:
    """Visible public reports with everything a service request needs, newest first."""
    last_event = CaseEvent.objects.filter(case=OuterRef("case")).order_by("-seq").values("at")
    photos = (
        CaseAttachment.objects.filter(hidden=False)
        .exclude(public_file="")
        .order_by("uploaded_at", "id")
    )
    return (
        PublicReport.objects.filter(hidden=False)
        .select_related(
            "case__category__major", "case__department", "case__grid__community__street"
        )
        .annotate(last_event_at=Subquery(last_event[:1]))
        .prefetch_related(Prefetch("case__attachments", queryset=photos, to_attr="public_photos"))
        .order_by("-created_at", "-id")
    )


def service_request(report: PublicReport, request: HttpRequest) -> dict:
    """The 17 fields of a service request (GET requests), in the spec's order."""
    case = report.case
    closed = open311_status(case.status) == "closed"
    updated = (case.closed_at if closed else None) or report.last_event_at or report.created_at
    photos = case.public_photos
    if photos:
        media_url = request.build_absolute_uri(photos[0].public_file.url)
    else:
        media_url = report.media_url or None
    return {
        "service_request_id": report.tracking_number,
        "status": open311_status(case.status),
        "status_notes": status_notes().get(case.status, ""),
        "service_name": case.category.name,
        "service_code": service_code(case.category),
        "description": report.public_description,
        "agency_responsible": case.department.name if case.department_id else None,
        "service_notice": None,
        "requested_datetime": w3(report.created_at),
        "updated_datetime": w3(updated),
        "expected_datetime": w3(case.handling_deadline),
        "address": _("%(community)s，%(street)s，南京市建邺区")
        % {"community": case.grid.community.name, "street": case.grid.community.street.name},
        "address_id": None,
        "zipcode": None,
        "lat": round(case.grid.centre_lat, 6),
        "long": round(case.grid.centre_lon, 6),
        "media_url": media_url,
    }
