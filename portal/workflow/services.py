"""Every write to a case: one service per transition of the case loop.

Each service locks the case row (select_for_update), checks the actor's permission (model
level for centre roles, object level through django-guardian for departments and
supervisors), checks the case is in a state the transition starts from, applies it, closes
the finished step and opens the next with its deadline, and records a CaseEvent — all in
one transaction. Two people pressing the same button therefore produce one transition:
the second finds the case already moved and gets a TransitionConflict.
"""

import datetime as dt
from collections.abc import Iterable
from contextlib import contextmanager
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from portal.accounts.models import User
from portal.accounts.roles import department_group
from portal.city.calendar import working_time_between
from portal.city.lookup import grid_locate
from portal.city.models import Category, Component, Department, Grid
from portal.workflow.flows import flow_advance, flow_attach, flow_start
from portal.workflow.models import (
    OPEN_STATUSES,
    Case,
    CaseCounter,
    CaseEvent,
    CaseRequest,
    CaseStep,
    Satisfaction,
    Source,
    Status,
    Step,
)
from portal.workflow.search import INDEX as CASE_INDEX
from portal.workflow.signals import case_event_recorded
from portal.workflow.sla import Limit, clock_start, handling_limit, step_limit
from search.services import outbox_enqueue


class TransitionConflict(Exception):
    """The case is not (or no longer) in a state this action starts from."""

    def __init__(self, case: Case, action: str) -> None:
        self.case = case
        self.action = action
        super().__init__(
            _("案件 %(n)s 当前状态为“%(s)s”，不能执行此操作（可能已被他人处理）。")
            % {"n": case.number, "s": case.get_status_display()}
        )


# --- internal helpers -------------------------------------------------------------------


def _now(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()


def _lock(case: Case | int) -> Case:
    pk = case.pk if isinstance(case, Case) else case
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("category", "grid__supervisor", "module__supervisor")
        .get(pk=pk)
    )


def _require(actor: User, perm: str, case: Case | None = None) -> None:
    full = f"workflow.{perm}"
    if actor.has_perm(full) or (case is not None and actor.has_perm(full, case)):
        return
    raise PermissionDenied(_("您没有执行此操作的权限。"))


def _require_status(
    case: Case, action: str, allowed: Iterable[str], expected_version: int | None
) -> None:
    if case.status not in allowed or (
        expected_version is not None and expected_version != case.version
    ):
        raise TransitionConflict(case, action)


def _record(
    case: Case,
    *,
    action: str,
    actor: User | None,
    to_status: str,
    at: dt.datetime,
    comment: str = "",
    data: dict | None = None,
    from_status: str | None = None,
) -> CaseEvent:
    from_status = case.status if from_status is None else from_status
    case.status = to_status
    case.version += 1
    # Every change of a case passes here: queue its search entry in the same transaction.
    outbox_enqueue(index=CASE_INDEX, object_id=case.pk)
    event = CaseEvent.objects.create(
        case=case,
        seq=case.version,
        action=action,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        data=data or {},
        at=at,
    )
    case_event_recorded.send(sender=Case, case=case, event=event)
    return event


def _finish_steps(
    case: Case, steps: Iterable[str], *, actor: User | None, at: dt.datetime, outcome: str
) -> None:
    CaseStep.objects.filter(case=case, step__in=list(steps), finished_at__isnull=True).update(
        finished_at=at, finished_by=actor, outcome=outcome
    )


def _open_step(
    case: Case,
    step: str,
    *,
    at: dt.datetime,
    limit: Limit | None = None,
    department: Department | None = None,
    assignee: User | None = None,
) -> CaseStep:
    limit = (limit or step_limit(step)).for_urgency(case.urgency)
    clock = clock_start(at, limit)
    case.step_deadline = clock.deadline
    case.step_warn_at = clock.warn_at
    return CaseStep.objects.create(
        case=case,
        step=step,
        department=department,
        assignee=assignee,
        started_at=at,
        deadline=case.step_deadline,
    )


def _clear_clock(case: Case) -> None:
    case.step_deadline = None
    case.step_warn_at = None


@contextmanager
def _transition(
    case: Case | int,
    *,
    actor: User,
    perm: str,
    action: str,
    allowed: Iterable[str],
    expected_version: int | None,
    at: dt.datetime | None,
):
    """The frame of every transition: lock the case, check the actor's permission and the
    case's state, hand the body the case and the moment, and save what it changed."""
    case = _lock(case)
    _require(actor, perm, case)
    _require_status(case, action, allowed, expected_version)
    yield case, _now(at)
    case.save()
    flow_advance(case=case, actor=actor)


def _next_number(day: dt.date) -> str:
    counter, _created = CaseCounter.objects.select_for_update().get_or_create(day=day)
    CaseCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db()
    return f"JY{day:%Y%m%d}{counter.last:05d}"


def _grant_supervisor(case: Case, perm: str) -> User | None:
    """Give the grid's supervisor (or, for a grid without one, the module administrator)
    the permission to verify or check this case, and name them on the step."""
    supervisor = case.grid.supervisor or case.module.supervisor
    if supervisor is not None:
        assign_perm(f"workflow.{perm}", supervisor, case)
    return supervisor


# --- intake -------------------------------------------------------------------------------


@transaction.atomic
def case_report(
    *,
    actor: User | None,
    source: str,
    category: Category,
    description: str,
    lon: float,
    lat: float,
    address: str = "",
    urgency: str = "normal",
    component: Component | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    at: dt.datetime | None = None,
) -> Case:
    """Register a new case from any intake channel; it waits for acceptance (受理)."""
    if actor is not None and source == Source.SUPERVISOR:
        _require(actor, "report_case")
    if source not in Source.values:
        raise ValidationError({"source": _("未知的案件来源。")})
    if not description.strip():
        raise ValidationError({"description": _("请填写问题描述。")})
    location = grid_locate(lon=lon, lat=lat)
    if location is None:
        raise ValidationError({"lon": _("该位置不在本区范围内，请在地图上重新选择。")})
    now = _now(at)
    grid = Grid.objects.select_related("module").get(pk=location.grid_id)
    case = Case.objects.create(
        number=_next_number(timezone.localdate(now)),
        source=source,
        category=category,
        urgency=urgency,
        description=description.strip(),
        address=address,
        lon=lon,
        lat=lat,
        grid=grid,
        module_id=location.module_id,
        street_id=location.street_id,
        component=component,
        reporter=actor,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        reported_at=now,
    )
    _record(case, action="report", actor=actor, to_status=Status.REPORTED, at=now, from_status="")
    _open_step(case, Step.ACCEPT, at=now)
    case.save()
    flow_start(case=case)
    return case


@transaction.atomic
def case_self_handle(
    *,
    actor: User,
    category: Category,
    description: str,
    lon: float,
    lat: float,
    result: str,
    address: str = "",
    at: dt.datetime | None = None,
) -> Case:
    """A supervisor fixed the problem on the spot (自行处置): recorded as a closed case."""
    _require(actor, "report_case")
    case = case_report(
        actor=actor,
        source=Source.SUPERVISOR,
        category=category,
        description=description,
        lon=lon,
        lat=lat,
        address=address,
        at=at,
    )
    now = _now(at)
    _finish_steps(case, [Step.ACCEPT], actor=actor, at=now, outcome="self_handled")
    case.self_handled = True
    case.result = result
    case.closed_at = now
    _clear_clock(case)
    _record(
        case, action="self_handle", actor=actor, to_status=Status.CLOSED, at=now, comment=result
    )
    case.save()
    flow_advance(case=case, actor=actor)
    return case


# --- acceptance (受理员) -------------------------------------------------------------------


@transaction.atomic
def case_verify_request(
    *,
    case: Case | int,
    actor: User,
    comment: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Case:
    """Send the grid's supervisor to verify a report on site (派发核实)."""
    with _transition(
        case,
        actor=actor,
        perm="accept_case",
        action="verify_request",
        allowed=[Status.REPORTED],
        expected_version=expected_version,
        at=at,
    ) as (case, now):
        supervisor = _grant_supervisor(case, "verify_case")
        _record(
            case,
            action="verify_request",
            actor=actor,
            to_status=Status.VERIFYING,
            at=now,
            comment=comment,
        )
        _open_step(case, Step.VERIFY, at=now, assignee=supervisor)
    return case


@transaction.atomic
def case_verify(
    *,
    case: Case | int,
    actor: User,
    verified: bool,
    comment: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Case:
    """The supervisor's verification result (核实): true or not; back to the clerk."""
    with _transition(
        case,
        actor=actor,
        perm="verify_case",
        action="verify",
        allowed=[Status.VERIFYING],
        expected_version=expected_version,
        at=at,
    ) as (case, now):
        _finish_steps(
            case, [Step.VERIFY], actor=actor, at=now, outcome="true" if verified else "false"
        )
        case.verified = verified
        _record(
            case,
            action="verify",
            actor=actor,
            to_status=Status.REPORTED,
            at=now,
            comment=comment,
            data={"verified": verified},
        )
    return case


@transaction.atomic
def case_accept(
    *,
    case: Case | int,
    actor: User,
    comment: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Case:
    """Accept a report (受理): it meets the filing criterion and goes to the shift leader."""
    with _transition(
        case,
        actor=actor,
        perm="accept_case",
        action="accept",
        allowed=[Status.REPORTED],
        expected_version=expected_version,
        at=at,
    ) as (case, now):
        _finish_steps(case, [Step.ACCEPT], actor=actor, at=now, outcome="accepted")
        case.accepted_at = now
        _record(
            case, action="accept", actor=actor, to_status=Status.ACCEPTED, at=now, comment=comment
        )
        _open_step(case, Step.FILE, at=now)
    return case


@transaction.atomic
def case_decline(
    *,
    case: Case | int,
    actor: User,
    reason: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Case:
    """Decline a report (不予立案) with the reason the citizen or supervisor will see."""
    if not reason.strip():
        raise ValidationError({"reason": _("请填写不予立案的理由。")})
    with _transition(
        case,
        actor=actor,
        perm="accept_case",
        action="decline",
        allowed=[Status.REPORTED],
        expected_version=expected_version,
        at=at,
    ) as (case, now):
        _finish_steps(case, [Step.ACCEPT], actor=actor, at=now, outcome="declined")
        case.decline_reason = reason.strip()
        _clear_clock(case)
        _record(
            case, action="decline", actor=actor, to_status=Status.DECLINED, at=now, comment=reason
        )
    return case


@transaction.atomic
def case_merge(
    *,
    case: Case | int,
    into: Case,
    actor: User,
    comment: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Case:
    """Merge a duplicate report into an open case about the same problem."""
    with _transition(
        case,
        actor=actor,
        perm="accept_case",
        action="merge",
        allowed=[Status.REPORTED],
        expected_version=expected_version,
        at=at,
    ) as (case, now):
        if into.pk == case.pk or into.status not in OPEN_STATUSES:
            raise ValidationError({"into": _("只能合并到另一件未结案的案件。")})
        _finish_steps(case, [Step.ACCEPT], actor=actor, at=now, outcome="merged")
        case.merged_into = into
        _clear_clock(case)
        _record(
            case,
            action="merge",
            actor=actor,
            to_status=Status.MERGED,
            at=now,
            comment=comment,
            data={"into": into.number},
        )
    return case


# --- filing and dispatch (值班长, 派遣员) ---------------------------------------------------


@transaction.atomic
def case_file(
    *,
    case: Case | int,
    actor: User,
    comment: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Case:
    """File the case (立案): it becomes an official case waiting for dispatch."""
    with _transition(
        case,
        actor=actor,
        perm="file_case",
        action="file",
        allowed=[Status.ACCEPTED],
        expected_version=expected_version,
        at=at,
    ) as (case, now):
        _finish_steps(case, [Step.FILE], actor=actor, at=now, outcome="filed")
        case.filed_at = now
        _record(case, action="file", actor=actor, to_status=Status.FILED, at=now, comment=comment)
        _open_step(case, Step.DISPATCH, at=now)
    return case


@transaction.atomic
def case_dispatch(
    *,
    case: Case | int,
    actor: User,
    department: Department,
    comment: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Case:
    """Dispatch to a department (派遣); the handling clock starts now."""
    with _transition(
        case,
        actor=actor,
        perm="dispatch_case",
        action="dispatch",
        allowed=[Status.FILED],
        expected_version=expected_version,
        at=at,
    ) as (case, now):
        if not department.is_active or department.kind == Department.Kind.CENTRE:
            raise ValidationError({"department": _("请选择一个在用的处置部门。")})
        _finish_steps(case, [Step.DISPATCH], actor=actor, at=now, outcome=department.code)
        if case.department_id and case.department_id != department.id:
            _revoke_department(case, case.department)
        case.department = department
        case.dispatched_at = now
        group = department_group(department)
        assign_perm("workflow.view_case", group, case)
        assign_perm("workflow.handle_case", group, case)
        limit = handling_limit(case.category, case.urgency).for_urgency(case.urgency)
        case.handling_deadline = clock_start(now, limit).deadline
        _record(
            case,
            action="dispatch",
            actor=actor,
            to_status=Status.DISPATCHED,
            at=now,
            comment=comment,
            data={"department": department.code},
        )
        _open_step(case, Step.HANDLE, at=now, limit=limit, department=department)
    return case


def _revoke_department(case: Case, department: Department) -> None:
    group = department_group(department)
    remove_perm("workflow.handle_case", group, case)
    # The former department keeps read access to a case it once held (its own history).


# --- handling (专业部门) ------------------------------------------------------------------


@transaction.atomic
def case_handle(
    *,
    case: Case | int,
    actor: User,
    result: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Case:
    """The department's feedback (处置反馈): what was done; the grid's supervisor checks it."""
    if not result.strip():
        raise ValidationError({"result": _("请填写处置结果。")})
    with _transition(
        case,
        actor=actor,
        perm="handle_case",
        action="handle",
        allowed=[Status.DISPATCHED],
        expected_version=expected_version,
        at=at,
    ) as (case, now):
        _finish_steps(case, [Step.HANDLE], actor=actor, at=now, outcome="handled")
        case.result = result.strip()
        case.handled_at = now
        case.handle_work_minutes = int(
            working_time_between(case.dispatched_at, now).total_seconds() // 60
        )
        supervisor = _grant_supervisor(case, "check_case")
        _record(
            case, action="handle", actor=actor, to_status=Status.HANDLED, at=now, comment=result
        )
        _open_step(case, Step.CHECK, at=now, assignee=supervisor)
    return case


@transaction.atomic
def case_check(
    *,
    case: Case | int,
    actor: User,
    passed: bool,
    comment: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Case:
    """The on-site check (核查): passed → closing; failed → rework (返工) by the department."""
    with _transition(
        case,
        actor=actor,
        perm="check_case",
        action="check",
        allowed=[Status.HANDLED],
        expected_version=expected_version,
        at=at,
    ) as (case, now):
        if not passed and not comment.strip():
            raise ValidationError({"comment": _("核查不通过时请说明原因。")})
        _finish_steps(
            case, [Step.CHECK], actor=actor, at=now, outcome="passed" if passed else "failed"
        )
        case.checked_at = now
        if passed:
            _record(
                case, action="check", actor=actor, to_status=Status.CHECKED, at=now, comment=comment
            )
            _open_step(case, Step.CLOSE, at=now)
        else:
            case.rework_count += 1
            limit = handling_limit(case.category, case.urgency).for_urgency(case.urgency)
            case.handling_deadline = clock_start(now, limit).deadline
            _record(
                case,
                action="rework",
                actor=actor,
                to_status=Status.DISPATCHED,
                at=now,
                comment=comment,
            )
            _open_step(case, Step.HANDLE, at=now, limit=limit, department=case.department)
    return case


@transaction.atomic
def case_close(
    *,
    case: Case | int,
    actor: User,
    comment: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Case:
    """Close the case (结案) after a passed check."""
    with _transition(
        case,
        actor=actor,
        perm="close_case",
        action="close",
        allowed=[Status.CHECKED],
        expected_version=expected_version,
        at=at,
    ) as (case, now):
        _finish_steps(case, [Step.CLOSE], actor=actor, at=now, outcome="closed")
        case.closed_at = now
        _clear_clock(case)
        _record(case, action="close", actor=actor, to_status=Status.CLOSED, at=now, comment=comment)
    return case


# --- requests needing approval: 回退, 延期, 缓办, 挂账, 作废 -------------------------------

REQUEST_RULES = {
    # kind: (permission to ask, statuses it may be asked from)
    CaseRequest.Kind.RETURN: ("handle_case", [Status.DISPATCHED]),
    CaseRequest.Kind.EXTENSION: ("handle_case", [Status.DISPATCHED]),
    CaseRequest.Kind.DEFER: ("handle_case", [Status.DISPATCHED]),
    CaseRequest.Kind.HANG: ("handle_case", [Status.DISPATCHED]),
    CaseRequest.Kind.CANCEL: ("accept_case", [Status.ACCEPTED, Status.FILED, Status.DISPATCHED]),
}


@transaction.atomic
def case_request(
    *,
    case: Case | int,
    actor: User,
    kind: str,
    reason: str,
    extra_hours: Decimal | None = None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> CaseRequest:
    """Ask the shift leader for a return, an extension, a deferral, a hang-up or a cancellation."""
    if not reason.strip():
        raise ValidationError({"reason": _("请填写申请理由。")})
    if kind == CaseRequest.Kind.EXTENSION and (extra_hours is None or extra_hours <= 0):
        raise ValidationError({"extra_hours": _("请填写需要延长的工作时。")})
    perm, allowed = REQUEST_RULES[kind]
    with _transition(
        case,
        actor=actor,
        perm=perm,
        action=f"request_{kind}",
        allowed=allowed,
        expected_version=expected_version,
        at=at,
    ) as (case, now):
        if case.requests.filter(decision=CaseRequest.Decision.PENDING).exists():
            raise TransitionConflict(case, f"request_{kind}")
        request = CaseRequest.objects.create(
            case=case,
            kind=kind,
            reason=reason.strip(),
            extra_hours=extra_hours,
            requested_by=actor,
            requested_at=now,
            resume_status=case.status,
        )
        to_status = Status.RETURN_REQUESTED if kind == CaseRequest.Kind.RETURN else case.status
        _record(
            case,
            action=f"request_{kind}",
            actor=actor,
            to_status=to_status,
            at=now,
            comment=reason,
            data={"request": request.pk},
        )
        CaseStep.objects.create(
            case=case,
            step=Step.APPROVE,
            started_at=now,
            deadline=clock_start(now, step_limit(Step.APPROVE).for_urgency(case.urgency)).deadline,
        )
    return request


@transaction.atomic
def case_request_decide(
    *,
    request: CaseRequest | int,
    actor: User,
    approve: bool,
    comment: str = "",
    at: dt.datetime | None = None,
) -> CaseRequest:
    """The shift leader approves or refuses a pending request; the case moves accordingly."""
    pk = request.pk if isinstance(request, CaseRequest) else request
    request = CaseRequest.objects.select_for_update().get(pk=pk)
    case = _lock(request.case_id)
    _require(actor, "approve_case", case)
    if request.decision != CaseRequest.Decision.PENDING:
        raise TransitionConflict(case, f"decide_{request.kind}")
    now = _now(at)
    request.decision = CaseRequest.Decision.APPROVED if approve else CaseRequest.Decision.REFUSED
    request.decided_by = actor
    request.decided_at = now
    request.decision_comment = comment
    request.save()
    _finish_steps(case, [Step.APPROVE], actor=actor, at=now, outcome=request.decision)
    action = f"{'approve' if approve else 'refuse'}_{request.kind}"
    if not approve:
        _record(
            case,
            action=action,
            actor=actor,
            to_status=request.resume_status,
            at=now,
            comment=comment,
        )
    elif request.kind == CaseRequest.Kind.RETURN:
        _finish_steps(case, [Step.HANDLE], actor=None, at=now, outcome="returned")
        last_dispatch = CaseStep.objects.filter(case=case, step=Step.DISPATCH).order_by(
            "-started_at", "-id"
        )[:1]
        CaseStep.objects.filter(pk__in=list(last_dispatch.values_list("pk", flat=True))).update(
            reversed=True
        )
        case.return_count += 1
        _revoke_department(case, case.department)
        _record(case, action=action, actor=actor, to_status=Status.FILED, at=now, comment=comment)
        _open_step(case, Step.DISPATCH, at=now)
    elif request.kind == CaseRequest.Kind.EXTENSION:
        case.extension_count += 1
        extension = clock_start(case.handling_deadline, Limit(request.extra_hours, "work_hour"))
        new_deadline = extension.deadline
        case.handling_deadline = new_deadline
        CaseStep.objects.filter(case=case, step=Step.HANDLE, finished_at__isnull=True).update(
            deadline=new_deadline, overdue_recorded_at=None
        )
        case.step_deadline = new_deadline
        case.step_warn_at = extension.warn_at
        _record(
            case,
            action=action,
            actor=actor,
            to_status=case.status,
            at=now,
            comment=comment,
            data={"deadline": new_deadline.isoformat()},
        )
    elif request.kind in (CaseRequest.Kind.DEFER, CaseRequest.Kind.HANG):
        _finish_steps(case, [Step.HANDLE], actor=None, at=now, outcome=request.kind)
        _clear_clock(case)
        target = Status.DEFERRED if request.kind == CaseRequest.Kind.DEFER else Status.HUNG
        _record(case, action=action, actor=actor, to_status=target, at=now, comment=comment)
    elif request.kind == CaseRequest.Kind.CANCEL:
        CaseStep.objects.filter(case=case, finished_at__isnull=True).update(
            finished_at=now, outcome="cancelled"
        )
        _clear_clock(case)
        _record(
            case, action=action, actor=actor, to_status=Status.CANCELLED, at=now, comment=comment
        )
    case.save()
    flow_advance(case=case, actor=actor)
    return request


@transaction.atomic
def case_resume(
    *,
    case: Case | int,
    actor: User,
    comment: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Case:
    """End a deferral or hang-up: the department handles the case again with a fresh limit."""
    with _transition(
        case,
        actor=actor,
        perm="approve_case",
        action="resume",
        allowed=[Status.DEFERRED, Status.HUNG],
        expected_version=expected_version,
        at=at,
    ) as (case, now):
        limit = handling_limit(case.category, case.urgency).for_urgency(case.urgency)
        case.handling_deadline = clock_start(now, limit).deadline
        _record(
            case, action="resume", actor=actor, to_status=Status.DISPATCHED, at=now, comment=comment
        )
        _open_step(case, Step.HANDLE, at=now, limit=limit, department=case.department)
    return case


# --- the SLA sweep ------------------------------------------------------------------------

CENTRE_STEP_ROLES = {
    Step.ACCEPT: "受理员",
    Step.FILE: "值班长",
    Step.DISPATCH: "派遣员",
    Step.APPROVE: "值班长",
    Step.CLOSE: "值班长",
}


def _responsible(step: CaseStep) -> list[User]:
    if step.assignee_id:
        return [step.assignee]
    if step.department_id:
        return list(
            User.objects.filter(
                department_id=step.department_id,
                is_active=True,
                groups__name__in=["部门处置员", "部门领导"],
            ).distinct()
        )
    role = CENTRE_STEP_ROLES.get(step.step)
    return list(User.objects.filter(groups__name=role, is_active=True)) if role else []


def case_overdue_record(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Record, once, every open step that passed its deadline, and tell who owes it.

    Run periodically by the worker. Each step is claimed with a conditional update, so two
    workers sweeping at once still record and notify each overdue step exactly once.
    """
    from portal.accounts.notifications import notification_send

    now = _now(now)
    recorded = 0
    while True:
        ids = list(
            CaseStep.objects.filter(
                finished_at__isnull=True, overdue_recorded_at__isnull=True, deadline__lt=now
            )
            .order_by("deadline")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return recorded
        for pk in ids:
            with transaction.atomic():
                claimed = CaseStep.objects.filter(pk=pk, overdue_recorded_at__isnull=True).update(
                    overdue_recorded_at=now
                )
                if not claimed:
                    continue
                step = CaseStep.objects.select_related("case", "assignee").get(pk=pk)
                notification_send(
                    recipients=_responsible(step),
                    title=_("案件 %(n)s %(s)s环节已超期")
                    % {"n": step.case.number, "s": step.get_step_display()},
                    body=_("期限 %(d)s，请尽快办理。")
                    % {"d": timezone.localtime(step.deadline).strftime("%Y-%m-%d %H:%M")},
                    url=f"/cases/{step.case.number}/",
                )
                recorded += 1


@transaction.atomic
def case_rate(
    *,
    case: Case | int,
    satisfaction: str,
    actor: User | None = None,
    comment: str = "",
    at: dt.datetime | None = None,
) -> Case:
    """Record the reporter's satisfaction with a closed case (callback 回访 or online rating)."""
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": _("请选择满意、基本满意或不满意。")})
    case = _lock(case)
    if case.status != Status.CLOSED or case.satisfaction:
        raise TransitionConflict(case, "rate")
    now = _now(at)
    case.satisfaction = satisfaction
    _record(
        case,
        action="rate",
        actor=actor,
        to_status=case.status,
        at=now,
        comment=comment,
        data={"satisfaction": satisfaction},
    )
    case.save()
    return case


@transaction.atomic
def case_reopen(
    *,
    case: Case | int,
    reason: str,
    actor: User | None = None,
    at: dt.datetime | None = None,
) -> Case:
    """Reopen a closed case for review (e.g. the reporter was not satisfied): it goes back
    to the shift leader, who files it again for dispatch or cancels it with a reason."""
    case = _lock(case)
    if case.status != Status.CLOSED:
        raise TransitionConflict(case, "reopen")
    now = _now(at)
    case.closed_at = None
    case.satisfaction = ""
    _record(case, action="reopen", actor=actor, to_status=Status.ACCEPTED, at=now, comment=reason)
    _open_step(case, Step.FILE, at=now)
    case.save()
    # The closed case's process has ended; the review runs in a new one from filing on.
    flow_attach(cases=[case])
    return case
