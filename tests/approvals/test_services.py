"""The approval engine: ordered stages, 会签 and 或签, a conditional stage, reject, send
back and resubmit, withdraw, the seal-use log and the vehicle bookings."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portal.approvals import services as s
from portal.approvals.inbox import approval_tasks
from portal.approvals.models import (
    AppendOnlyError,
    ApprovalEvent,
    ApprovalRequest,
    Decision,
    SealUseLog,
    Status,
)
from portal.city.calendar import SHANGHAI
from tests.approvals.conftest import (
    APPLICANT,
    KEEPER,
    LEADER,
    OTHER_LEADER,
    PRINCIPAL,
    REVIEWER,
    SIGNER,
    leave_answers,
    seal_answers,
    vehicle_answers,
)

pytestmark = pytest.mark.django_db

TUESDAY = dt.date(2026, 12, 1)


def _pending(request) -> set[str]:
    return set(
        request.tasks.filter(decision=Decision.PENDING).values_list("user__username", flat=True)
    )


def test_short_leave_has_one_stage_counted_on_the_working_calendar(types, submit, user):
    request = submit(types["leave"], leave_answers(TUESDAY, TUESDAY + dt.timedelta(days=2)))
    assert request.working_days == Decimal("3.0")
    assert [stage["name"] for stage in request.plan] == ["部门领导审批"]
    assert _pending(request) == {LEADER}
    request = s.request_approve(request=request, actor=user(LEADER), comment="同意")
    assert request.status == Status.APPROVED
    assert request.finished_at is not None
    assert list(request.events.values_list("action", flat=True)) == ["submit", "approve"]


def test_weekend_days_do_not_count(types, submit):
    friday = dt.date(2026, 12, 4)
    request = submit(types["leave"], leave_answers(friday, friday + dt.timedelta(days=3)))
    assert request.working_days == Decimal("2.0")
    assert len(request.plan) == 1


def test_leave_over_three_days_adds_the_principal_stage_in_order(types, submit, user):
    request = submit(types["leave"], leave_answers(TUESDAY, TUESDAY + dt.timedelta(days=3)))
    assert request.working_days == Decimal("4.0")
    assert [stage["name"] for stage in request.plan] == ["部门领导审批", "主要领导审批"]
    assert _pending(request) == {LEADER}  # the principal waits for the first stage
    with pytest.raises(PermissionDenied):
        s.request_approve(request=request, actor=user(PRINCIPAL))
    request = s.request_approve(request=request, actor=user(LEADER))
    assert request.status == Status.PENDING and request.stage_no == 1
    assert _pending(request) == {PRINCIPAL}
    request = s.request_approve(request=request, actor=user(PRINCIPAL))
    assert request.status == Status.APPROVED


def test_countersign_stage_waits_for_everyone(engine_type, submit, user):
    request = submit(engine_type, {"subject": "采购", "amount": Decimal("500")})
    assert [stage["name"] for stage in request.plan] == ["会签", "部门领导"]
    assert _pending(request) == {REVIEWER, SIGNER}
    request = s.request_approve(request=request, actor=user(REVIEWER))
    assert request.stage_no == 0 and _pending(request) == {SIGNER}
    with pytest.raises(s.ApprovalConflict):  # a double press of the one who decided
        s.request_approve(request=request, actor=user(REVIEWER))
    request = s.request_approve(request=request, actor=user(SIGNER))
    assert request.stage_no == 1 and _pending(request) == {LEADER}


def test_any_one_stage_ends_at_the_first_approval(engine_type, submit, user):
    stage = engine_type.stages.get(name="会签")
    stage.mode = "any"
    stage.save()
    request = submit(engine_type, {"subject": "采购", "amount": Decimal("500")})
    request = s.request_approve(request=request, actor=user(SIGNER))
    assert request.stage_no == 1
    assert request.tasks.get(user__username=REVIEWER).decision == Decision.VOID
    with pytest.raises(s.ApprovalConflict):
        s.request_approve(request=request, actor=user(REVIEWER))


def test_conditional_stage_applies_only_when_the_condition_holds(engine_type, submit, user):
    request = submit(engine_type, {"subject": "采购", "amount": Decimal("1000.01")})
    assert [stage["name"] for stage in request.plan] == ["会签", "部门领导", "主要领导"]
    for name in (REVIEWER, SIGNER, LEADER):
        request = s.request_approve(request=request, actor=user(name))
    assert request.status == Status.PENDING and _pending(request) == {PRINCIPAL}
    request = s.request_approve(request=request, actor=user(PRINCIPAL))
    assert request.status == Status.APPROVED


def test_reject_needs_a_reason_and_ends_the_request(types, submit, user):
    request = submit(types["leave"], leave_answers(TUESDAY, TUESDAY))
    with pytest.raises(ValidationError):
        s.request_reject(request=request, actor=user(LEADER), comment="  ")
    request.refresh_from_db()
    assert request.status == Status.PENDING and request.version == 1
    request = s.request_reject(request=request, actor=user(LEADER), comment="工作繁忙，请改期")
    assert request.status == Status.REJECTED and request.stage_no is None
    assert not _pending(request)
    with pytest.raises(s.ApprovalConflict):
        s.request_withdraw(request=request, actor=user(APPLICANT))
    event = request.events.last()
    assert (event.action, event.comment, event.stage_name) == (
        "reject",
        "工作繁忙，请改期",
        "部门领导审批",
    )


def test_send_back_then_resubmit_starts_a_new_round(types, submit, user):
    request = submit(types["leave"], leave_answers(TUESDAY, TUESDAY))
    request = s.request_return(request=request, actor=user(LEADER), comment="请写明具体事由")
    assert request.status == Status.RETURNED and not _pending(request)
    with pytest.raises(PermissionDenied):
        s.request_resubmit(
            request=request, actor=user(LEADER), answers=leave_answers(TUESDAY, TUESDAY)
        )
    request = s.request_resubmit(
        request=request,
        actor=user(APPLICANT),
        answers=leave_answers(TUESDAY, TUESDAY + dt.timedelta(days=4), reason="陪同家人就医"),
        expected_version=request.version,
    )
    assert request.status == Status.PENDING and request.round == 2 and request.stage_no == 0
    assert request.data["reason"] == "陪同家人就医"
    assert len(request.plan) == 2  # five working days now: the principal stage applies
    assert request.tasks.get(round=2, stage_no=0).user.username == LEADER
    actions = list(request.events.values_list("action", flat=True))
    assert actions == ["submit", "return", "resubmit"]


def test_applicant_may_withdraw_before_the_end(types, submit, user):
    request = submit(types["leave"], leave_answers(TUESDAY, TUESDAY + dt.timedelta(days=3)))
    request = s.request_approve(request=request, actor=user(LEADER))
    with pytest.raises(PermissionDenied):
        s.request_withdraw(request=request, actor=user(PRINCIPAL))
    request = s.request_withdraw(request=request, actor=user(APPLICANT), comment="行程取消")
    assert request.status == Status.WITHDRAWN and not _pending(request)
    with pytest.raises(s.ApprovalConflict):
        s.request_approve(request=request, actor=user(PRINCIPAL))


def test_wrong_approver_is_refused_and_a_stale_version_conflicts(types, submit, user):
    request = submit(types["leave"], leave_answers(TUESDAY, TUESDAY))
    for name in (OTHER_LEADER, APPLICANT, KEEPER):
        with pytest.raises(PermissionDenied):
            s.request_approve(request=request, actor=user(name))
    with pytest.raises(s.ApprovalConflict):
        s.request_approve(request=request, actor=user(LEADER), expected_version=0)
    request.refresh_from_db()
    assert request.status == Status.PENDING and request.version == 1


def test_a_stage_without_approvers_refuses_the_submission(types, submit):
    before = ApprovalRequest.objects.count()
    # The centre has no department leader: nobody could decide the first stage.
    with pytest.raises(ValidationError, match="部门领导审批"):
        submit(types["leave"], leave_answers(TUESDAY, TUESDAY), applicant=REVIEWER)
    assert ApprovalRequest.objects.count() == before


def test_bad_answers_are_refused_and_nothing_is_saved(types, submit):
    before = (ApprovalRequest.objects.count(), ApprovalEvent.objects.count())
    with pytest.raises(ValidationError):
        submit(types["leave"], leave_answers(TUESDAY, TUESDAY - dt.timedelta(days=1)))
    with pytest.raises(ValidationError):
        submit(types["leave"], leave_answers(TUESDAY, TUESDAY, leave_kind="旷工"))
    with pytest.raises(ValidationError):
        submit(types["leave"], {**leave_answers(TUESDAY, TUESDAY), "reason": ""})
    saturday = dt.date(2026, 12, 5)
    with pytest.raises(ValidationError, match="没有工作日"):
        submit(types["leave"], leave_answers(saturday, saturday + dt.timedelta(days=1)))
    assert (ApprovalRequest.objects.count(), ApprovalEvent.objects.count()) == before


def _approve_all(request, user, names):
    for name in names:
        request = s.request_approve(request=request, actor=user(name))
    return request


def test_seal_keeper_records_the_use_once_in_an_append_only_log(types, submit, user):
    request = submit(types["seal"], seal_answers())
    with pytest.raises(s.ApprovalConflict):  # not approved yet
        s.seal_use_record(request=request, actor=user(KEEPER), copies=3)
    request = _approve_all(request, user, [LEADER, REVIEWER, SIGNER])
    assert request.status == Status.APPROVED
    assert s.request_may_view(user=user(KEEPER), request=request)
    assert "seal_use" in s.request_actions(user=user(KEEPER), request=request)
    with pytest.raises(PermissionDenied):
        s.seal_use_record(request=request, actor=user(LEADER), copies=3)
    with pytest.raises(ValidationError):
        s.seal_use_record(request=request, actor=user(KEEPER), copies=4)
    log = s.seal_use_record(request=request, actor=user(KEEPER), copies=2, note="另一份作废")
    assert (log.seal, log.copies, log.keeper.username) == ("单位公章", 2, KEEPER)
    with pytest.raises(s.ApprovalConflict):
        s.seal_use_record(request=request, actor=user(KEEPER), copies=1)
    log.copies = 1
    with pytest.raises(AppendOnlyError):
        log.save()
    with pytest.raises(AppendOnlyError):
        log.delete()
    with pytest.raises(AppendOnlyError):
        SealUseLog.objects.filter(pk=log.pk).update(copies=1)
    with pytest.raises(AppendOnlyError):
        SealUseLog.objects.filter(pk=log.pk).delete()
    assert SealUseLog.objects.get(pk=log.pk).copies == 2
    assert request.events.last().action == "seal_use"


def _at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, 0, tzinfo=SHANGHAI)


def test_a_vehicle_cannot_be_booked_twice_for_overlapping_times(types, submit, user):
    first = submit(types["vehicle"], vehicle_answers(_at(2, 9), _at(2, 12)))
    second = submit(types["vehicle"], vehicle_answers(_at(2, 11), _at(2, 15)))
    other_car = submit(
        types["vehicle"], vehicle_answers(_at(2, 11), _at(2, 15), vehicle="苏A·J0002（大众帕萨特）")
    )
    adjacent = submit(types["vehicle"], vehicle_answers(_at(2, 12), _at(2, 14)))
    first = _approve_all(first, user, [LEADER, REVIEWER])
    assert first.status == Status.APPROVED
    second = s.request_approve(request=second, actor=user(LEADER))
    with pytest.raises(s.BookingConflict, match=first.number):
        s.request_approve(request=second, actor=user(REVIEWER))
    second.refresh_from_db()
    assert second.status == Status.PENDING and second.stage_no == 1
    assert _approve_all(other_car, user, [LEADER, REVIEWER]).status == Status.APPROVED
    assert _approve_all(adjacent, user, [LEADER, REVIEWER]).status == Status.APPROVED
    with pytest.raises(ValidationError, match="已被已批准的申请"):
        submit(types["vehicle"], vehicle_answers(_at(2, 8), _at(2, 10)))
    with pytest.raises(ValidationError, match="晚于"):
        submit(types["vehicle"], vehicle_answers(_at(2, 10), _at(2, 10)))


def test_inbox_source_lists_the_approvers_and_seal_keepers_tasks(types, submit, user):
    leave = submit(types["leave"], leave_answers(TUESDAY, TUESDAY))
    seal = _approve_all(submit(types["seal"], seal_answers()), user, [LEADER, REVIEWER, SIGNER])
    batch = approval_tasks(user(LEADER), 50)
    assert [t.reference for t in batch.tasks] == [leave.number] and batch.total == 1
    assert approval_tasks(user(OTHER_LEADER), 50).total == 0
    keeper = approval_tasks(user(KEEPER), 50)
    assert [t.reference for t in keeper.tasks] == [seal.number]
    assert keeper.tasks[0].action == "登记用印"
    s.seal_use_record(request=seal, actor=user(KEEPER), copies=3)
    assert approval_tasks(user(KEEPER), 50).total == 0
    for _n in range(3):
        submit(types["leave"], leave_answers(TUESDAY, TUESDAY))
    bounded = approval_tasks(user(LEADER), 2)
    assert bounded.total == 4 and len(bounded.tasks) == 2
    s.request_approve(request=leave, actor=user(LEADER))
    assert approval_tasks(user(LEADER), 50).total == 3
