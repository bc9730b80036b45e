"""Every write to an approval request: one service per transition.

submit → stage 1 → stage 2 … → 已通过 (then, for 用印, the seal keeper's log entry). At a
stage the approvers are resolved from the configuration (a role, the applicant's department
leader, or named people); 或签 ends the stage at the first 同意, 会签 waits for everyone.
Any approver may 驳回 (ends the request) or 退回修改 (the applicant edits and resubmits,
starting again at stage 1); the applicant may 撤回 until the end. Each service locks the
request row, checks the actor and the state, applies the step and records an
ApprovalEvent, all in one transaction; a stale or double press is an ApprovalConflict (409).
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.accounts.roles import ROLES_BY_CODE
from portal.approvals.models import (
    OPEN_STATUSES,
    WORKING_DAYS,
    Action,
    ApprovalEvent,
    ApprovalRequest,
    ApprovalStage,
    ApprovalTask,
    ApprovalType,
    ApproverKind,
    ConditionOp,
    Decision,
    FieldType,
    SealUseLog,
    StageMode,
    Status,
)
from portal.city.calendar import SHANGHAI, work_calendar
from portal.city.models import Department

RECORD_SEAL_USE = "approvals.record_sealuselog"
VIEW_ALL = "approvals.view_approvalrequest"


class ApprovalConflict(Exception):
    """The request is not (or no longer) in a state this action starts from."""

    def __init__(self, request: ApprovalRequest, message: str | None = None) -> None:
        self.request = request
        super().__init__(
            message
            or _("申请 %(n)s 当前状态为“%(s)s”，不能执行此操作（可能已被他人处理或页面已过期）。")
            % {"n": request.number, "s": request.get_status_display()}
        )


class BookingConflict(ApprovalConflict):
    """Approving would book a resource (a vehicle) twice for overlapping times."""


# --- reading rules ------------------------------------------------------------------------


def request_may_view(*, user: User, request: ApprovalRequest) -> bool:
    """The applicant, everyone the request reached as an approver, the seal keepers once a
    用印 request is approved, and administrators."""
    if not user.is_authenticated or not user.is_active:
        return False
    if request.applicant_id == user.pk or user.is_superuser or user.has_perm(VIEW_ALL):
        return True
    if request.tasks.filter(user=user).exists():
        return True
    return (
        request.status == Status.APPROVED
        and request.approval_type.needs_seal_log
        and user.has_perm(RECORD_SEAL_USE)
    )


def _current_tasks(request: ApprovalRequest):
    return request.tasks.filter(round=request.round, stage_no=request.stage_no)


def request_actions(*, user: User, request: ApprovalRequest) -> set[str]:
    """The actions open to `user` on `request` now (what the detail page offers)."""
    actions: set[str] = set()
    if request.status == Status.PENDING and (
        user.is_superuser
        or _current_tasks(request).filter(user=user, decision=Decision.PENDING).exists()
    ):
        actions |= {"approve", "reject", "return"}
    if request.applicant_id == user.pk and request.status in OPEN_STATUSES:
        actions.add("withdraw")
        if request.status == Status.RETURNED:
            actions.add("resubmit")
    if (
        request.status == Status.APPROVED
        and request.approval_type.needs_seal_log
        and user.has_perm(RECORD_SEAL_USE)
        and not SealUseLog.objects.filter(request=request).exists()
    ):
        actions.add("seal_use")
    return actions


# --- answers, period and plan -------------------------------------------------------------


def _plain(value):
    """An answer as JSON: dates ISO, datetimes aware ISO, numbers as exact strings."""
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            value = value.replace(tzinfo=SHANGHAI)
        return value.astimezone(SHANGHAI).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, Department):
        return {"id": value.pk, "name": value.name}
    if isinstance(value, str):
        return value.strip()
    return value


def _as_moment(value, *, end: bool) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=SHANGHAI)
    day = value + dt.timedelta(days=1) if end else value
    return dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI)


def _period(approval_type: ApprovalType, answers: dict) -> dict:
    """The request's period and its working days on the working calendar (dates count
    whole days, start and end included; datetimes count working time)."""
    if not (approval_type.span_start_key and approval_type.span_end_key):
        return {"starts_at": None, "ends_at": None, "working_days": None}
    start = answers.get(approval_type.span_start_key)
    end = answers.get(approval_type.span_end_key)
    if start is None or end is None:
        return {"starts_at": None, "ends_at": None, "working_days": None}
    starts_at, ends_at = _as_moment(start, end=False), _as_moment(end, end=True)
    calendar = work_calendar()
    if isinstance(start, dt.datetime):
        if ends_at <= starts_at:
            raise ValidationError({approval_type.span_end_key: _("结束时间须晚于开始时间。")})
        days = Decimal(calendar.between(starts_at, ends_at) / calendar.day_length)
    else:
        if end < start:
            raise ValidationError({approval_type.span_end_key: _("结束日期不能早于开始日期。")})
        days = Decimal(
            sum(
                1
                for n in range((end - start).days + 1)
                if calendar.is_workday(start + dt.timedelta(days=n))
            )
        )
        if not days:
            raise ValidationError(
                {approval_type.span_end_key: _("所选日期内没有工作日，无需申请。")}
            )
    return {
        "starts_at": starts_at,
        "ends_at": ends_at,
        "working_days": days.quantize(Decimal("0.1")),
    }


def _comparable(value):
    if isinstance(value, dict):
        value = value.get("name", "")
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def stage_applies(stage: ApprovalStage, values: dict) -> bool:
    """Whether a stage's condition holds for the request's values (no condition: it does)."""
    if not stage.condition_key:
        return True
    left = values.get(stage.condition_key)
    if left is None or left == "":
        return False
    a, b = _comparable(left), _comparable(stage.condition_value)
    if a is None or b is None:  # not numbers: text equality only
        text = left.get("name", "") if isinstance(left, dict) else str(left)
        if stage.condition_op == ConditionOp.EQ:
            return text == stage.condition_value
        if stage.condition_op == ConditionOp.NE:
            return text != stage.condition_value
        return False
    return {
        ConditionOp.GT: a > b,
        ConditionOp.GTE: a >= b,
        ConditionOp.LT: a < b,
        ConditionOp.LTE: a <= b,
        ConditionOp.EQ: a == b,
        ConditionOp.NE: a != b,
    }[stage.condition_op]


def stage_approvers(*, stage: ApprovalStage, applicant: User) -> list[User]:
    """Who decides at `stage` for `applicant` (never the applicant themself)."""
    users = User.objects.filter(is_active=True).exclude(pk=applicant.pk)
    if stage.approver_kind == ApproverKind.ROLE:
        users = users.filter(groups=stage.group_id)
    elif stage.approver_kind == ApproverKind.DEPT_LEADER:
        if not applicant.department_id:
            return []
        leaders = Group.objects.filter(name=ROLES_BY_CODE["dept_leader"].name)
        users = users.filter(groups__in=leaders, department_id=applicant.department_id)
    else:
        users = users.filter(pk__in=stage.users.values("pk"))
    return list(users.distinct().order_by("username"))


def _plan(approval_type: ApprovalType, applicant: User, values: dict) -> list[dict]:
    plan = []
    for stage in approval_type.ordered_stages().select_related("group"):
        if not stage_applies(stage, values):
            continue
        approvers = stage_approvers(stage=stage, applicant=applicant)
        if not approvers:
            raise ValidationError(
                _("无法确定“%(stage)s”环节的审批人，请联系管理员检查审批配置。")
                % {"stage": stage.name}
            )
        plan.append(
            {
                "stage_id": stage.pk,
                "name": stage.name,
                "mode": stage.mode,
                "approvers": [u.pk for u in approvers],
            }
        )
    if not plan:
        raise ValidationError(_("该审批类型没有配置审批环节，请联系管理员。"))
    return plan


def _form_snapshot(approval_type: ApprovalType) -> list[dict]:
    return [
        {"key": f.key, "label": f.label, "type": f.field_type} for f in approval_type.form_fields()
    ]


def _booking_clash(
    approval_type: ApprovalType, booking: str, starts_at, ends_at, exclude: int | None
) -> ApprovalRequest | None:
    if not booking or starts_at is None or ends_at is None:
        return None
    return (
        ApprovalRequest.objects.filter(
            approval_type=approval_type,
            status=Status.APPROVED,
            booking=booking,
            starts_at__lt=ends_at,
            ends_at__gt=starts_at,
        )
        .exclude(pk=exclude)
        .first()
    )


def _summary(approval_type: ApprovalType, applicant: User, period: dict, answers: dict) -> str:
    text = _("%(who)s的%(type)s申请") % {"who": applicant, "type": approval_type.name}
    if approval_type.booking_key and answers.get(approval_type.booking_key):
        text += f"（{answers[approval_type.booking_key]}）"
    if approval_type.seal_key and answers.get(approval_type.seal_key):
        text += f"（{answers[approval_type.seal_key]}）"
    if period["starts_at"] is not None:
        start = answers[approval_type.span_start_key]
        end = answers[approval_type.span_end_key]
        fmt = "%Y-%m-%d %H:%M" if isinstance(start, dt.datetime) else "%Y-%m-%d"
        text += f" {start:{fmt}}—{end:{fmt}}"
        if not isinstance(start, dt.datetime):
            text += _("，%(d)s个工作日") % {"d": format(period["working_days"].normalize(), "f")}
    return text[:200]


def _fill(request: ApprovalRequest, answers: dict) -> None:
    """Apply answers: stored data, period, booking, summary and the stage plan."""
    approval_type = request.approval_type
    known = {f.key: f for f in approval_type.form_fields()}
    unknown = set(answers) - set(known)
    if unknown:
        raise ValidationError(_("表单包含未定义的字段：%(k)s") % {"k": "、".join(sorted(unknown))})
    missing = [f.label for f in known.values() if f.required and answers.get(f.key) in (None, "")]
    if missing:
        raise ValidationError(_("请填写：%(f)s") % {"f": "、".join(missing)})
    for key, field in known.items():
        answer = answers.get(key)
        if field.field_type == FieldType.CHOICE and answer not in (None, "", *field.choice_list):
            raise ValidationError({key: _("请从列表中选择“%(l)s”。") % {"l": field.label}})
    period = _period(approval_type, answers)
    request.form = _form_snapshot(approval_type)
    request.data = {key: _plain(answers.get(key)) for key in known}
    request.starts_at = period["starts_at"]
    request.ends_at = period["ends_at"]
    request.working_days = period["working_days"]
    booking = answers.get(approval_type.booking_key) if approval_type.booking_key else ""
    request.booking = str(booking or "")[:100]
    request.summary = _summary(approval_type, request.applicant, period, answers)
    clash = _booking_clash(
        approval_type, request.booking, request.starts_at, request.ends_at, request.pk
    )
    if clash is not None:
        raise ValidationError(
            {
                approval_type.booking_key: _("“%(b)s”在所选时段已被已批准的申请 %(n)s 占用。")
                % {"b": request.booking, "n": clash.number}
            }
        )
    values = {**request.data, WORKING_DAYS: request.working_days}
    request.plan = _plan(approval_type, request.applicant, values)


# --- the frame ----------------------------------------------------------------------------


def _lock(request: ApprovalRequest | int) -> ApprovalRequest:
    pk = request.pk if isinstance(request, ApprovalRequest) else request
    return (
        ApprovalRequest.objects.select_for_update(of=("self",))
        .select_related("approval_type", "applicant")
        .get(pk=pk)
    )


def _refuse() -> PermissionDenied:
    return PermissionDenied(_("您没有办理此申请的权限。"))


def _record(
    request: ApprovalRequest,
    *,
    action: str,
    actor: User,
    to_status: str,
    at: dt.datetime,
    comment: str = "",
    stage_name: str = "",
) -> ApprovalEvent:
    from_status = request.status
    request.status = to_status
    request.version += 1
    return ApprovalEvent.objects.create(
        request=request,
        seq=request.version,
        action=action,
        actor=actor,
        stage_name=stage_name,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        at=at,
    )


def _check_state(request, *, allowed, expected_version) -> None:
    if request.status not in allowed or (
        expected_version is not None and expected_version != request.version
    ):
        raise ApprovalConflict(request)


def _activate(request: ApprovalRequest, at: dt.datetime) -> None:
    stage = request.plan[request.stage_no]
    ApprovalTask.objects.bulk_create(
        ApprovalTask(
            request=request,
            round=request.round,
            stage_no=request.stage_no,
            stage_name=stage["name"],
            user_id=user_id,
            created_at=at,
        )
        for user_id in stage["approvers"]
    )


def _void_pending(request: ApprovalRequest, at: dt.datetime) -> None:
    request.tasks.filter(decision=Decision.PENDING).update(decision=Decision.VOID, decided_at=at)


def _approver_tasks(request: ApprovalRequest, actor: User):
    """The actor's pending tasks at the current stage (an administrator decides for the
    whole stage); 403 for people with no part in the request, 409 for a stale press."""
    pending = _current_tasks(request).filter(decision=Decision.PENDING)
    mine = list(pending.filter(user=actor))
    if mine and request.status == Status.PENDING:
        return mine
    if actor.is_superuser and request.status == Status.PENDING:
        return list(pending)
    if actor.is_superuser or request.tasks.filter(user=actor).exists():
        raise ApprovalConflict(request)
    raise _refuse()


def _decide(tasks, decision: str, comment: str, at: dt.datetime) -> None:
    for task in tasks:
        task.decision = decision
        task.comment = comment
        task.decided_at = at
        task.save(update_fields=["decision", "comment", "decided_at"])


# --- services -----------------------------------------------------------------------------


@transaction.atomic
def request_submit(
    *, approval_type: ApprovalType | int, actor: User, answers: dict, at: dt.datetime | None = None
) -> ApprovalRequest:
    """提交申请: check the answers, count the period on the working calendar, work out
    which stages apply and who decides, and hand it to the first stage."""
    if not actor.is_authenticated or not actor.is_active:
        raise _refuse()
    pk = approval_type.pk if isinstance(approval_type, ApprovalType) else approval_type
    approval_type = ApprovalType.objects.get(pk=pk)
    if not approval_type.active:
        raise ValidationError(_("该审批类型已停用。"))
    now = at or timezone.now()
    request = ApprovalRequest(
        approval_type=approval_type,
        applicant=actor,
        department_id=actor.department_id,
        submitted_at=now,
        stage_no=0,
        round=1,
        status=Status.PENDING,
    )
    _fill(request, answers)
    request.save()
    _record(
        request,
        action=Action.SUBMIT,
        actor=actor,
        to_status=Status.PENDING,
        at=now,
        stage_name=request.plan[0]["name"],
    )
    _activate(request, now)
    request.save()
    return request


@transaction.atomic
def request_resubmit(
    *,
    request: ApprovalRequest | int,
    actor: User,
    answers: dict,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
    comment: str = "",
) -> ApprovalRequest:
    """修改后重新提交 a request sent back: new answers, a new round from stage 1."""
    request = _lock(request)
    if request.applicant_id != actor.pk:
        raise _refuse()
    _check_state(request, allowed=(Status.RETURNED,), expected_version=expected_version)
    now = at or timezone.now()
    _fill(request, answers)
    request.round += 1
    request.stage_no = 0
    request.finished_at = None
    _record(
        request,
        action=Action.RESUBMIT,
        actor=actor,
        to_status=Status.PENDING,
        at=now,
        comment=comment,
        stage_name=request.plan[0]["name"],
    )
    _activate(request, now)
    request.save()
    return request


@transaction.atomic
def request_approve(
    *,
    request: ApprovalRequest | int,
    actor: User,
    comment: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> ApprovalRequest:
    """同意 at the current stage. 或签: the stage ends here; 会签: when the last approver
    agrees. After the last stage the request is approved — unless that would book its
    resource twice (BookingConflict)."""
    request = _lock(request)
    tasks = _approver_tasks(request, actor)
    _check_state(request, allowed=(Status.PENDING,), expected_version=expected_version)
    now = at or timezone.now()
    stage = request.stage
    _decide(tasks, Decision.APPROVED, comment.strip(), now)
    still_pending = _current_tasks(request).filter(decision=Decision.PENDING)
    if stage["mode"] == StageMode.ANY or not still_pending.exists():
        _void_pending(request, now)
        if request.stage_no + 1 < len(request.plan):
            request.stage_no += 1
            _record(
                request,
                action=Action.APPROVE,
                actor=actor,
                to_status=Status.PENDING,
                at=now,
                comment=comment.strip(),
                stage_name=stage["name"],
            )
            _activate(request, now)
        else:
            # Serialise final approvals of one type so two overlapping bookings cannot
            # both pass the check.
            ApprovalType.objects.select_for_update().get(pk=request.approval_type_id)
            clash = _booking_clash(
                request.approval_type,
                request.booking,
                request.starts_at,
                request.ends_at,
                request.pk,
            )
            if clash is not None:
                raise BookingConflict(
                    request,
                    _("“%(b)s”在该时段已被申请 %(n)s 占用，不能批准，请驳回或退回修改。")
                    % {"b": request.booking, "n": clash.number},
                )
            request.stage_no = None
            request.finished_at = now
            _record(
                request,
                action=Action.APPROVE,
                actor=actor,
                to_status=Status.APPROVED,
                at=now,
                comment=comment.strip(),
                stage_name=stage["name"],
            )
    else:
        _record(
            request,
            action=Action.APPROVE,
            actor=actor,
            to_status=Status.PENDING,
            at=now,
            comment=comment.strip(),
            stage_name=stage["name"],
        )
    request.save()
    return request


def _end_by_approver(request, *, actor, comment, expected_version, at, decision, action, status):
    request = _lock(request)
    tasks = _approver_tasks(request, actor)
    _check_state(request, allowed=(Status.PENDING,), expected_version=expected_version)
    comment = comment.strip()
    if not comment:
        raise ValidationError({"comment": _("请填写驳回或退回的理由。")})
    now = at or timezone.now()
    stage = request.stage
    _decide(tasks, decision, comment, now)
    _void_pending(request, now)
    request.stage_no = None
    if status == Status.REJECTED:
        request.finished_at = now
    _record(
        request,
        action=action,
        actor=actor,
        to_status=status,
        at=now,
        comment=comment,
        stage_name=stage["name"],
    )
    request.save()
    return request


@transaction.atomic
def request_reject(
    *,
    request: ApprovalRequest | int,
    actor: User,
    comment: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> ApprovalRequest:
    """驳回 (reason required): the request ends, refused."""
    return _end_by_approver(
        request,
        actor=actor,
        comment=comment,
        expected_version=expected_version,
        at=at,
        decision=Decision.REJECTED,
        action=Action.REJECT,
        status=Status.REJECTED,
    )


@transaction.atomic
def request_return(
    *,
    request: ApprovalRequest | int,
    actor: User,
    comment: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> ApprovalRequest:
    """退回修改 (reason required): back to the applicant, who may edit and resubmit."""
    return _end_by_approver(
        request,
        actor=actor,
        comment=comment,
        expected_version=expected_version,
        at=at,
        decision=Decision.RETURNED,
        action=Action.RETURN,
        status=Status.RETURNED,
    )


@transaction.atomic
def request_withdraw(
    *,
    request: ApprovalRequest | int,
    actor: User,
    comment: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> ApprovalRequest:
    """撤回: the applicant takes back a request that has not ended."""
    request = _lock(request)
    if request.applicant_id != actor.pk:
        raise _refuse()
    _check_state(request, allowed=OPEN_STATUSES, expected_version=expected_version)
    now = at or timezone.now()
    stage = request.stage
    _void_pending(request, now)
    request.stage_no = None
    request.finished_at = now
    _record(
        request,
        action=Action.WITHDRAW,
        actor=actor,
        to_status=Status.WITHDRAWN,
        at=now,
        comment=comment.strip(),
        stage_name=stage["name"] if stage else "",
    )
    request.save()
    return request


@transaction.atomic
def seal_use_record(
    *,
    request: ApprovalRequest | int,
    actor: User,
    copies: int,
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> SealUseLog:
    """登记用印: the seal keeper records the seal actually used for an approved 用印
    request — once; the log row is never changed afterwards."""
    if not actor.has_perm(RECORD_SEAL_USE):
        raise _refuse()
    request = _lock(request)
    approval_type = request.approval_type
    if not approval_type.needs_seal_log:
        raise ApprovalConflict(request, _("该申请不需要登记用印。"))
    _check_state(request, allowed=(Status.APPROVED,), expected_version=expected_version)
    if SealUseLog.objects.filter(request=request).exists():
        raise ApprovalConflict(request, _("申请 %(n)s 已登记用印。") % {"n": request.number})
    requested = (
        _comparable(request.data.get(approval_type.copies_key))
        if approval_type.copies_key
        else None
    )
    if copies < 1:
        raise ValidationError({"copies": _("用印份数至少为 1。")})
    if requested is not None and copies > requested:
        raise ValidationError(
            {"copies": _("实际用印份数不能超过批准的 %(n)s 份。") % {"n": requested}}
        )
    now = at or timezone.now()
    log = SealUseLog.objects.create(
        request=request,
        seal=str(request.data.get(approval_type.seal_key, ""))[:100],
        keeper=actor,
        used_at=now,
        copies=copies,
        note=note.strip(),
    )
    _record(
        request,
        action=Action.SEAL_USE,
        actor=actor,
        to_status=Status.APPROVED,
        at=now,
        comment=_("%(seal)s，%(n)d 份") % {"seal": log.seal, "n": copies}
        + (f"（{log.note}）" if log.note else ""),
    )
    request.save()
    return log
