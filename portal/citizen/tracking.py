"""What a reporter may see of their case: the public timeline, built from the case's events.

Only steps the public should know are shown, in words meant for the public; never who did
it (except which department handles it), never internal comments. The reasons the
centre writes for the reporter (不予受理理由) are the one exception: they are addressed to them.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.citizen.models import PublicReport
from portal.citizen.services import normalise_code, report_reveal_check
from portal.city.models import Department
from portal.workflow.models import CaseAttachment, Status

# Event action -> the public's words for it.
PUBLIC_STEPS = {
    "report": gettext_lazy("已提交"),
    "accept": gettext_lazy("已受理"),
    "self_handle": gettext_lazy("已由监督员当场处置"),
    "decline": gettext_lazy("不予受理"),
    "merge": gettext_lazy("已与同一问题的其他举报合并办理"),
    "file": gettext_lazy("已立案"),
    "dispatch": gettext_lazy("已派遣至处置部门"),
    "approve_return": gettext_lazy("重新派遣中"),
    "handle": gettext_lazy("处置部门已处置完毕"),
    "rework": gettext_lazy("现场核查未通过，退回返工"),
    "check": gettext_lazy("现场核查通过"),
    "approve_defer": gettext_lazy("暂缓办理"),
    "approve_hang": gettext_lazy("列入挂账办理"),
    "resume": gettext_lazy("恢复办理"),
    "approve_cancel": gettext_lazy("已撤销"),
    "close": gettext_lazy("已结案"),
    "rate": gettext_lazy("举报人已评价"),
    "reopen": gettext_lazy("因举报人不满意，重新办理"),
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


def report_status_label(*, report: PublicReport) -> str:
    """The current state in the public's words."""
    case = report.case
    if case.status == Status.CLOSED:
        return _("已办结")
    if case.status in (Status.DECLINED,):
        return _("不予受理")
    if case.status in (Status.MERGED,):
        return _("已合并办理")
    if case.status in (Status.CANCELLED,):
        return _("已撤销")
    if case.status in (Status.REPORTED, Status.VERIFYING):
        return _("待受理")
    if case.status in (Status.ACCEPTED, Status.FILED):
        return _("已受理，待派遣")
    if case.status in (Status.DEFERRED, Status.HUNG):
        return _("暂缓办理")
    if case.status == Status.HANDLED:
        return _("已处置，待核查")
    if case.status == Status.CHECKED:
        return _("已核查，待结案")
    return _("处置中")
