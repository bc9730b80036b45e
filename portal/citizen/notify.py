"""Telling a reporter that their report moved: e-mail, and an SMS gateway's stand-in.

The case loop sends `case_event_recorded` inside the transaction of every change. For a
case that came from the public and an event the public can see (accepted, dispatched,
handled, closed, ...), the receiver queues `report_notify` once the transaction commits,
so a rolled-back change tells nobody anything. The task writes the message and hands it
to every channel in settings.CITIZEN_NOTIFICATION_CHANNELS.

Messages carry the tracking number, the public status, the department and the expected
completion time, and a link to the tracking page: never the secret query code and never
the staff's comments, which are internal.
"""

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import override

from portal.accounts.models import mask_phone
from portal.citizen.models import PublicReport
from portal.citizen.selectors import public_status
from portal.city.models import Department
from portal.workflow.models import Case, CaseEvent, Source, Status

logger = logging.getLogger(__name__)

# The tracking page of portal/citizen/urls.py (its URLconf may be mounted later than this
# module is imported, so the path is spelled out rather than reversed).
TRACK_PATH = "/report/track/"
# Only cases from these sources can have a PublicReport (see report_submit).
PUBLIC_SOURCES = (Source.PUBLIC, Source.HOTLINE)


def _subjects() -> dict[str, str]:
    """Subject of the message per case action the public sees; %(n)s is the tracking number,
    %(d)s the department. Internal steps (claim, verification, approval requests, deferral)
    are absent: they tell the reporter nothing they can act on."""
    return {
        "accept": _("您的举报 %(n)s 已受理"),
        "file": _("您的举报 %(n)s 已立案"),
        "dispatch": _("您的举报 %(n)s 已派遣至 %(d)s"),
        "rework": _("您的举报 %(n)s 核查未通过，已由 %(d)s 重新处置"),
        "handle": _("您的举报 %(n)s 已处置完毕，等待核查"),
        "check": _("您的举报 %(n)s 已通过现场核查"),
        "close": _("您的举报 %(n)s 已办结"),
        "decline": _("您的举报 %(n)s 不予受理"),
        "merge": _("您的举报 %(n)s 已与同一问题的案件合并办理"),
        "approve_cancel": _("您的举报 %(n)s 已撤销"),
        "reopen": _("您的举报 %(n)s 已重新办理"),
    }


PUBLIC_ACTIONS = frozenset(
    {
        "accept",
        "file",
        "dispatch",
        "rework",
        "handle",
        "check",
        "close",
        "decline",
        "merge",
        "approve_cancel",
        "reopen",
    }
)


@dataclass(frozen=True)
class ReporterMessage:
    subject: str
    body: str


class ReporterChannel(ABC):
    """A way to reach a reporter (e-mail, SMS): sends one message about one report.

    A channel that cannot reach this reporter (no address, no phone) does nothing; one that
    fails raises, and the task records the failure."""

    @abstractmethod
    def send(self, *, report: PublicReport, subject: str, body: str) -> None: ...


class EmailChannel(ReporterChannel):
    """E-mail through the configured EMAIL_BACKEND (SMTP in production)."""

    def send(self, *, report: PublicReport, subject: str, body: str) -> None:
        if not report.email:
            return
        EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[report.email],
        ).send(fail_silently=False)


class ConsoleSmsChannel(ReporterChannel):
    """Local stand-in for the SMS gateway: logs the masked phone and the text it would send
    (an SMS is short: the subject and the link to the tracking page)."""

    def send(self, *, report: PublicReport, subject: str, body: str) -> None:
        phone = report.case.reporter_phone
        if phone:
            logger.info("SMS to %s: %s %s", mask_phone(phone), subject, track_url(report))


def reporter_channels() -> list[ReporterChannel]:
    return [import_string(path)() for path in settings.CITIZEN_NOTIFICATION_CHANNELS]


def track_url(report: PublicReport) -> str:
    """Absolute link to the public tracking page of a report (number only, never the code)."""
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    return f"{base}{TRACK_PATH}?{urlencode({'number': report.tracking_number})}"


def _department(event: CaseEvent, case: Case) -> Department | None:
    code = (event.data or {}).get("department")
    if code:
        return Department.objects.filter(code=code).first()
    return case.department


def message_compose(*, report: PublicReport, event: CaseEvent) -> ReporterMessage:
    """The subject and text telling the reporter what `event` did to their report."""
    case = report.case
    department = _department(event, case)
    department_name = department.name if department else _("处置部门")
    number = report.tracking_number
    subject = _subjects()[event.action] % {"n": number, "d": department_name}
    # In the words of the tracking page the message links to.
    status = public_status(case).label
    lines = [
        _("您好！"),
        "",
        _("%(s)s。") % {"s": subject},
        "",
        _("查询编号：%(n)s") % {"n": number},
        _("当前状态：%(s)s") % {"s": status},
    ]
    if event.to_status == Status.DISPATCHED:
        lines.append(_("处置部门：%(d)s") % {"d": department_name})
        # Only while the case is still with the department is its deadline a promise.
        if case.status == Status.DISPATCHED and case.handling_deadline:
            expected = timezone.localtime(case.handling_deadline).strftime("%Y-%m-%d %H:%M")
            lines.append(_("预计完成时间：%(t)s") % {"t": expected})
    if event.action == "decline" and case.decline_reason:
        # The reason for declining is written for the reporter (see case_decline).
        lines.append(_("不予受理理由：%(r)s") % {"r": case.decline_reason})
    lines += [
        "",
        _("查看办理进度：%(u)s") % {"u": track_url(report)},
        _("查看详情时需输入提交举报时获得的查询码。"),
        "",
        _("此邮件由系统自动发送，请勿直接回复。"),
        settings.WAGTAIL_SITE_NAME,
    ]
    return ReporterMessage(subject=subject, body="\n".join(lines))


class NotifyFailed(Exception):
    """At least one channel failed; the others have still been tried."""


def report_notify_send(*, report_id: int, event_id: int) -> int:
    """Compose the message for one event of a public report and send it through every
    channel; returns the number of channels that did not fail. A failing channel does not
    stop the others, but makes the whole call raise afterwards so the task is recorded as
    failed."""
    report = PublicReport.objects.select_related("case__department").get(pk=report_id)
    event = CaseEvent.objects.get(pk=event_id, case_id=report.case_id)
    with override(settings.LANGUAGE_CODE):
        message = message_compose(report=report, event=event)
    channels = reporter_channels()
    failed = []
    for channel in channels:
        try:
            channel.send(report=report, subject=message.subject, body=message.body)
        except Exception:
            logger.exception(
                "reporter notification of %s via %s failed",
                report.tracking_number,
                type(channel).__name__,
            )
            failed.append(type(channel).__name__)
    if failed:
        raise NotifyFailed(f"{report.tracking_number}: {', '.join(failed)} failed")
    return len(channels)


def case_event_notify(sender, *, case: Case, event: CaseEvent, **kwargs) -> None:
    """Receiver of `case_event_recorded`: queue the reporter's notification after commit."""
    if event.action not in PUBLIC_ACTIONS:
        return
    report = (
        PublicReport.objects.filter(case_id=case.pk).values("pk", "email").first()
        if case.source in PUBLIC_SOURCES
        else None
    )
    if report is None or not (report["email"] or case.reporter_phone):
        return
    from portal.citizen.tasks import report_notify

    report_id, event_id = report["pk"], event.pk
    # robust: a queue that cannot be reached is logged, never turned into an error of a
    # transition that has already committed.
    transaction.on_commit(
        lambda: report_notify.enqueue(report_id=report_id, event_id=event_id), robust=True
    )
