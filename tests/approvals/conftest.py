"""Helpers of the approval tests: the standard types, an engine type with 会签, 或签 and a
conditional stage, and answers for each."""

import datetime as dt
from decimal import Decimal

import pytest

from portal.accounts.models import User
from portal.approvals import services as s
from portal.approvals.models import (
    ApprovalField,
    ApprovalStage,
    ApprovalType,
    ApproverKind,
    ConditionOp,
    FieldType,
    StageMode,
)
from portal.approvals.setup import approval_types_load
from portal.city.calendar import SHANGHAI

APPLICANT = "chuzhi_hws"
LEADER = "lingdao_hws"
OTHER_LEADER = "lingdao_szc"
PRINCIPAL = "zhuyao01"
REVIEWER = "hegao01"
SIGNER = "qianfa01"
KEEPER = "yinzhang01"
AT = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def types(db):
    """The standard types (the demo loads them; a transactional test's flush removes them)."""
    approval_types_load()
    return {t.code: t for t in ApprovalType.objects.all()}


@pytest.fixture
def engine_type(db):
    """A type exercising the engine: 会签 of two named people, then the department leader
    (或签), then the principal leader only for amounts over 1000."""
    approval_type = ApprovalType(code="engine", name="测试审批")
    fields = [
        ApprovalField(key="subject", label="事项", field_type=FieldType.TEXT),
        ApprovalField(key="amount", label="金额", field_type=FieldType.NUMBER, min_value=0),
    ]
    first = ApprovalStage(name="会签", approver_kind=ApproverKind.USERS, mode=StageMode.ALL)
    stages = [
        first,
        ApprovalStage(name="部门领导", approver_kind=ApproverKind.DEPT_LEADER),
        ApprovalStage(
            name="主要领导",
            approver_kind=ApproverKind.USERS,
            condition_key="amount",
            condition_op=ConditionOp.GT,
            condition_value="1000",
        ),
    ]
    for order, child in enumerate([*fields, *stages]):
        child.sort_order = order
    approval_type.fields = fields
    approval_type.stages = stages
    approval_type.save()
    first.users.set(User.objects.filter(username__in=[REVIEWER, SIGNER]))
    first.save()
    last = approval_type.stages.get(name="主要领导")
    last.users.set(User.objects.filter(username=PRINCIPAL))
    last.save()
    return approval_type


def leave_answers(start: dt.date, end: dt.date, **extra) -> dict:
    return {
        "leave_kind": "事假",
        "start_date": start,
        "end_date": end,
        "reason": "家中有事",
        **extra,
    }


def seal_answers(**extra) -> dict:
    return {
        "seal": "单位公章",
        "title": "关于申请环卫设施维修经费的请示",
        "copies": Decimal(3),
        "purpose": "报区财政局",
        **extra,
    }


def vehicle_answers(start: dt.datetime, end: dt.datetime, **extra) -> dict:
    return {
        "vehicle": "苏A·J0001（别克GL8）",
        "start_at": start,
        "end_at": end,
        "destination": "南湖街道",
        "passengers": Decimal(3),
        "reason": "现场检查",
        **extra,
    }


@pytest.fixture
def submit(user):
    def _submit(approval_type, answers, applicant=APPLICANT):
        return s.request_submit(
            approval_type=approval_type, actor=user(applicant), answers=answers, at=AT
        )

    return _submit
