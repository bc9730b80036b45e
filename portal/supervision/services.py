"""Every write to a 督办事项: one service per transition.

立项/交办 (issue) → 签收 (the lead unit accepts) → 跟踪 (progress reports by the lead and
co-units) ↺ 延期 (the lead unit asks before the deadline, the issuer approves or refuses) →
办结报告 (completion report) → 办结 (the issuer approves, or sends it back to work). As in
the OA, each service locks the task row, checks the actor against the task (server side,
per object) and its state, applies the step and records a SupervisionEvent in one
transaction; a stale or double press is a TaskConflict (HTTP 409).
"""

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.accounts.notifications import notification_send
from portal.city.calendar import deadline_compute, work_calendar
from portal.city.models import Department
from portal.supervision.models import (
    OPEN,
    ExtensionRequest,
    ProgressReport,
    SourceKind,
    Status,
    SupervisedTask,
    SupervisionEvent,
)

ISSUE = "supervision.issue_supervisedtask"
HANDLE = "supervision.handle_supervisedtask"
OVERSEE = "supervision.oversee_supervisedtask"
MAX_WORKING_DAYS = 250


class TaskConflict(Exception):
    """The task is not (or no longer) in a state this action starts from."""

    def __init__(self, task: SupervisedTask, action: str) -> None:
        self.task = task
        self.action = action
        super().__init__(
            _("督办事项“%(t)s”当前为“%(s)s”，不能执行此操作（可能已被他人处理）。")
            % {"t": task.title, "s": task.get_status_display()}
        )


@dataclass
class IssueData:
    """What the issuer decides when raising a 督办事项."""

    title: str
    source_kind: str
    requirements: str
    lead_unit: Department
    working_days: int
    source_text: str = ""
    case: object | None = None
    document: object | None = None
    co_units: list[Department] = field(default_factory=list)


# --- who is who -------------------------------------------------------------------------------


def _unit_ids(task: SupervisedTask) -> set[int]:
    return {task.lead_unit_id, *(d.pk for d in task.co_units.all())}


def task_is_lead(*, user: User, task: SupervisedTask) -> bool:
    """Staff of the lead unit who may act for it."""
    return bool(user.department_id) and (
        user.department_id == task.lead_unit_id and user.has_perm(HANDLE)
    )


def task_is_unit(*, user: User, task: SupervisedTask) -> bool:
    """Staff of the lead unit or a co-unit who may act for it."""
    return (
        bool(user.department_id) and user.has_perm(HANDLE) and user.department_id in _unit_ids(task)
    )


def task_may_view(*, user: User, task: SupervisedTask) -> bool:
    """The issuer, the lead and co-units' staff, and the leaders who oversee 督办."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.pk == task.issuer_id or user.has_perm(OVERSEE) or task_is_unit(user=user, task=task)


def unit_staff(departments: Iterable[Department | int]) -> QuerySet[User]:
    """The people who act for these units (and so are told about their tasks)."""
    ids = [d.pk if isinstance(d, Department) else d for d in departments]
    return User.objects.filter(
        is_active=True,
        department_id__in=ids,
        groups__permissions__codename="handle_supervisedtask",
    ).distinct()


def _refuse() -> PermissionDenied:
    return PermissionDenied(_("您没有执行此操作的权限。"))


def _notify(recipients: Iterable[User], task: SupervisedTask, title: str, body: str = "") -> None:
    notification_send(recipients=recipients, title=title, body=body, url=f"/supervision/{task.pk}/")


def _record(
    task: SupervisedTask,
    *,
    action: str,
    actor: User | None,
    to_status: str,
    at: dt.datetime,
    comment: str = "",
) -> SupervisionEvent:
    from_status = task.status
    task.status = to_status
    task.version += 1
    return SupervisionEvent.objects.create(
        task=task,
        seq=_next_seq(task),
        action=action,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        at=at,
    )


def _next_seq(task: SupervisedTask) -> int:
    # Callers hold the task's row lock, so the count cannot move under them.
    return task.events.count() + 1


def _lock(task: SupervisedTask | int) -> SupervisedTask:
    pk = task.pk if isinstance(task, SupervisedTask) else task
    return (
        SupervisedTask.objects.select_for_update(of=("self",))
        .select_related("lead_unit", "issuer")
        .get(pk=pk)
    )


@contextmanager
def _transition(
    task: SupervisedTask | int,
    *,
    actor: User,
    action: str,
    allowed: Iterable[str],
    expected_version: int | None,
    at: dt.datetime | None,
):
    """Lock, check the actor may see the task and its state; the body checks the actor's
    part and applies the step; the frame saves."""
    task = _lock(task)
    if not task_may_view(user=actor, task=task):
        raise _refuse()
    if task.status not in allowed or (
        expected_version is not None and expected_version != task.version
    ):
        raise TaskConflict(task, action)
    yield task, at or timezone.now()
    task.save()


def _attach(report: ProgressReport, upload: UploadedFile | None) -> None:
    """Check an optional attachment by its bytes (the OA's rules) and keep it privately."""
    if upload is None:
        return
    from portal.oa.attachments import EXTENSIONS, attachment_validate

    content_type = attachment_validate(upload)
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    from portal.workflow.attachments import file_label

    report.file_name = file_label(upload.name)[:120]
    report.file_type = content_type
    report.file_size = len(data)
    report.file_sha256 = hashlib.sha256(data).hexdigest()
    report.file.save(uuid.uuid4().hex + EXTENSIONS[content_type], upload, save=False)


# --- issue ----------------------------------------------------------------------------------


def _issue_validate(data: IssueData, actor: User) -> None:
    errors: dict[str, list[str]] = {}
    if not data.title.strip():
        errors["title"] = [_("请填写督办事项。")]
    if not data.requirements.strip():
        errors["requirements"] = [_("请填写办理要求。")]
    if data.source_kind not in SourceKind.values:
        errors["source_kind"] = [_("请选择督办来源。")]
    if data.source_kind == SourceKind.CASE and data.case is None:
        errors["case"] = [_("来源为城管案件时须填写案件编号。")]
    if data.source_kind == SourceKind.DOCUMENT:
        from portal.oa.services import document_may_view

        if data.document is None:
            errors["document"] = [_("来源为公文时须选择关联公文。")]
        elif not document_may_view(user=actor, document=data.document):
            errors["document"] = [_("您无权查看所选公文。")]
    if data.source_kind in (SourceKind.INSTRUCTION, SourceKind.MEETING) and not (
        data.source_text.strip()
    ):
        errors["source_text"] = [_("请填写批示内容或会议名称。")]
    if not 1 <= data.working_days <= MAX_WORKING_DAYS:
        errors["working_days"] = [_("办理时限须为 1 至 %(n)d 个工作日。") % {"n": MAX_WORKING_DAYS}]
    if any(unit.pk == data.lead_unit.pk for unit in data.co_units):
        errors["co_units"] = [_("牵头单位不能同时作为协办单位。")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def task_issue(*, actor: User, data: IssueData, at: dt.datetime | None = None) -> SupervisedTask:
    """立项交办: raise the item with its lead unit, co-units and a deadline counted in
    working days on the working calendar; the units are told."""
    if not actor.has_perm(ISSUE):
        raise _refuse()
    _issue_validate(data, actor)
    now = at or timezone.now()
    deadline = deadline_compute(start=now, value=data.working_days, unit="work_day")
    task = SupervisedTask.objects.create(
        title=data.title.strip(),
        source_kind=data.source_kind,
        source_text=data.source_text.strip(),
        case=data.case if data.source_kind == SourceKind.CASE else None,
        document=data.document if data.source_kind == SourceKind.DOCUMENT else None,
        requirements=data.requirements.strip(),
        lead_unit=data.lead_unit,
        working_days=data.working_days,
        issuer=actor,
        issued_at=now,
        deadline=deadline,
        original_deadline=deadline,
    )
    task.co_units.set(data.co_units)
    _record(task, action="issue", actor=actor, to_status=Status.ISSUED, at=now)
    task.save()
    _notify(
        unit_staff([data.lead_unit, *data.co_units]),
        task,
        _("新督办事项：%(t)s") % {"t": task.title},
        _("办理期限 %(d)s。") % {"d": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")},
    )
    return task


@transaction.atomic
def task_accept(
    *,
    task: SupervisedTask | int,
    actor: User,
    comment: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> SupervisedTask:
    """签收 by the lead unit: the work starts."""
    with _transition(
        task,
        actor=actor,
        action="accept",
        allowed=[Status.ISSUED],
        expected_version=expected_version,
        at=at,
    ) as (task, now):
        if not task_is_lead(user=actor, task=task):
            raise _refuse()
        task.accepted_at, task.accepted_by = now, actor
        _record(
            task,
            action="accept",
            actor=actor,
            to_status=Status.IN_PROGRESS,
            at=now,
            comment=comment.strip(),
        )
    return task


@transaction.atomic
def task_progress_report(
    *,
    task: SupervisedTask | int,
    actor: User,
    report_date: dt.date,
    text: str,
    percent: int | None = None,
    upload: UploadedFile | None = None,
    at: dt.datetime | None = None,
) -> ProgressReport:
    """跟踪: a dated progress report by the lead unit or a co-unit. It changes nothing in
    the task's state, so it does not make other people's open forms stale."""
    with _transition(
        task,
        actor=actor,
        action="report",
        allowed=[Status.IN_PROGRESS],
        expected_version=None,
        at=at,
    ) as (task, now):
        if not task_is_unit(user=actor, task=task):
            raise _refuse()
        errors = {}
        if not text.strip():
            errors["text"] = [_("请填写进展情况。")]
        if percent is not None and not 0 <= percent <= 100:
            errors["percent"] = [_("完成比例须在 0 到 100 之间。")]
        if report_date > timezone.localdate(now):
            errors["report_date"] = [_("进展日期不能晚于今天。")]
        if errors:
            raise ValidationError(errors)
        report = ProgressReport(
            task=task,
            unit_id=actor.department_id,
            author=actor,
            report_date=report_date,
            percent=percent,
            text=text.strip(),
            at=now,
        )
        _attach(report, upload)
        report.save()
    return report


def deadline_of_day(day: dt.date) -> dt.datetime:
    """A deadline given as a date: the end of that working day."""
    intervals = work_calendar().intervals(day)
    if not intervals:
        raise ValidationError({"new_deadline": [_("新期限须为工作日。")]})
    return intervals[-1][1]


@transaction.atomic
def extension_request(
    *,
    task: SupervisedTask | int,
    actor: User,
    new_deadline: dt.date,
    reason: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> ExtensionRequest:
    """延期申请 by the lead unit, before the current deadline, to a later working day."""
    with _transition(
        task,
        actor=actor,
        action="extension_request",
        allowed=[Status.IN_PROGRESS],
        expected_version=expected_version,
        at=at,
    ) as (task, now):
        if not task_is_lead(user=actor, task=task):
            raise _refuse()
        if task.extensions.filter(decision=ExtensionRequest.Decision.PENDING).exists():
            raise TaskConflict(task, "extension_request")
        if not reason.strip():
            raise ValidationError({"reason": [_("请说明延期理由。")]})
        if now >= task.deadline:
            raise ValidationError(
                {"new_deadline": [_("已超过办理期限，不能再申请延期，请尽快办理。")]}
            )
        deadline = deadline_of_day(new_deadline)
        if deadline <= task.deadline:
            raise ValidationError({"new_deadline": [_("新期限须晚于当前办理期限。")]})
        request = ExtensionRequest.objects.create(
            task=task,
            requested_by=actor,
            requested_at=now,
            old_deadline=task.deadline,
            new_deadline=deadline,
            reason=reason.strip(),
        )
        _record(
            task,
            action="extension_request",
            actor=actor,
            to_status=task.status,
            at=now,
            comment=_("申请延期至 %(d)s：%(r)s") % {"d": new_deadline, "r": reason.strip()},
        )
        _notify([task.issuer], task, _("督办事项申请延期：%(t)s") % {"t": task.title})
    return request


@transaction.atomic
def extension_decide(
    *,
    task: SupervisedTask | int,
    actor: User,
    approved: bool,
    comment: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> ExtensionRequest:
    """The issuer approves the pending extension (the deadline moves and is watched
    afresh) or refuses it (a reason is required)."""
    with _transition(
        task,
        actor=actor,
        action="extension_decide",
        allowed=[Status.IN_PROGRESS],
        expected_version=expected_version,
        at=at,
    ) as (task, now):
        if actor.pk != task.issuer_id:
            raise _refuse()
        request = (
            task.extensions.select_for_update()
            .filter(decision=ExtensionRequest.Decision.PENDING)
            .first()
        )
        if request is None:
            raise TaskConflict(task, "extension_decide")
        if not approved and not comment.strip():
            raise ValidationError({"comment": [_("不同意延期须写明理由。")]})
        request.decided_by, request.decided_at = actor, now
        request.comment = comment.strip()
        if approved:
            request.decision = ExtensionRequest.Decision.APPROVED
            task.deadline = request.new_deadline
            task.overdue_recorded_at = None
        else:
            request.decision = ExtensionRequest.Decision.REFUSED
        request.save()
        _record(
            task,
            action="extension_approve" if approved else "extension_refuse",
            actor=actor,
            to_status=task.status,
            at=now,
            comment=comment.strip(),
        )
        _notify(
            unit_staff([task.lead_unit_id]),
            task,
            (_("延期申请已同意：%(t)s") if approved else _("延期申请未同意：%(t)s"))
            % {"t": task.title},
            comment.strip(),
        )
    return request


@transaction.atomic
def task_complete(
    *,
    task: SupervisedTask | int,
    actor: User,
    text: str,
    upload: UploadedFile | None = None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> ProgressReport:
    """办结报告 by the lead unit: the work is done; the issuer is asked to close it."""
    with _transition(
        task,
        actor=actor,
        action="complete",
        allowed=[Status.IN_PROGRESS],
        expected_version=expected_version,
        at=at,
    ) as (task, now):
        if not task_is_lead(user=actor, task=task):
            raise _refuse()
        if not text.strip():
            raise ValidationError({"text": [_("请填写办结情况。")]})
        if task.extensions.filter(decision=ExtensionRequest.Decision.PENDING).exists():
            raise ValidationError({"text": [_("延期申请尚未审批，不能报送办结。")]})
        report = ProgressReport(
            task=task,
            kind=ProgressReport.Kind.COMPLETION,
            unit_id=task.lead_unit_id,
            author=actor,
            report_date=timezone.localdate(now),
            percent=100,
            text=text.strip(),
            at=now,
        )
        _attach(report, upload)
        report.save()
        _record(task, action="complete", actor=actor, to_status=Status.CLOSING, at=now)
        _notify([task.issuer], task, _("督办事项报请办结：%(t)s") % {"t": task.title})
    return report


@transaction.atomic
def task_close(
    *,
    task: SupervisedTask | int,
    actor: User,
    approved: bool,
    comment: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> SupervisedTask:
    """办结 by the issuer: approve the completion report (the task is closed), or send it
    back to the lead unit with the reasons (it is in progress again)."""
    with _transition(
        task,
        actor=actor,
        action="close",
        allowed=[Status.CLOSING],
        expected_version=expected_version,
        at=at,
    ) as (task, now):
        if actor.pk != task.issuer_id:
            raise _refuse()
        if not approved:
            if not comment.strip():
                raise ValidationError({"comment": [_("退回须写明意见。")]})
            _record(
                task,
                action="close_return",
                actor=actor,
                to_status=Status.IN_PROGRESS,
                at=now,
                comment=comment.strip(),
            )
            title = _("督办事项办结被退回：%(t)s")
        else:
            task.closed_at = now
            _record(
                task,
                action="close",
                actor=actor,
                to_status=Status.CLOSED,
                at=now,
                comment=comment.strip() or _("同意办结"),
            )
            title = _("督办事项已办结：%(t)s")
        _notify(unit_staff([task.lead_unit_id]), task, title % {"t": task.title}, comment.strip())
    return task


def task_overdue_record(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Flag, once per deadline, every task still being worked on past its deadline, and
    tell the lead unit and the issuer. Each task is claimed with a conditional update, so
    two workers sweeping at once still flag and notify it once."""
    now = now or timezone.now()
    flagged = 0
    while True:
        ids = list(
            SupervisedTask.objects.filter(
                status__in=[Status.ISSUED, Status.IN_PROGRESS],
                overdue_recorded_at__isnull=True,
                deadline__lt=now,
            )
            .order_by("deadline")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return flagged
        for pk in ids:
            with transaction.atomic():
                claimed = SupervisedTask.objects.filter(
                    pk=pk, overdue_recorded_at__isnull=True, status__in=OPEN
                ).update(overdue_recorded_at=now)
                if not claimed:
                    continue
                # The update above holds the row lock until commit: no transition
                # interleaves, and the flag leaves the version (and open forms) alone.
                task = SupervisedTask.objects.select_related("issuer").get(pk=pk)
                SupervisionEvent.objects.create(
                    task=task,
                    seq=_next_seq(task),
                    action="overdue",
                    actor=None,
                    from_status=task.status,
                    to_status=task.status,
                    at=now,
                )
                _notify(
                    [*unit_staff([task.lead_unit_id]), task.issuer],
                    task,
                    _("督办事项已超期：%(t)s") % {"t": task.title},
                    _("办理期限 %(d)s，请尽快办理。")
                    % {"d": timezone.localtime(task.deadline).strftime("%Y-%m-%d %H:%M")},
                )
                flagged += 1
