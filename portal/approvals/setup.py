"""The three approval types every office starts with: 请假, 用印, 用车. Loaded once (by
`manage.py approval_types_load` or the demo loader); later edits in the admin are kept."""

from django.contrib.auth.models import Group
from django.db import transaction

from portal.accounts.roles import ROLES_BY_CODE
from portal.approvals.models import (
    WORKING_DAYS,
    ApprovalField,
    ApprovalStage,
    ApprovalType,
    ApproverKind,
    ConditionOp,
    FieldType,
    StageMode,
)

# Group names are data, as in roles.py; field labels and choices are the form as shown.
LEAVE_KINDS = ("事假", "病假", "年休假", "调休", "婚假", "产假", "陪产假", "丧假")
SEALS = ("单位公章", "党组织印章", "合同专用章", "法定代表人名章")
VEHICLES = ("苏A·J0001（别克GL8）", "苏A·J0002（大众帕萨特）", "苏A·J0003（江铃全顺）")


def _role(code: str) -> Group:
    group, _created = Group.objects.get_or_create(name=ROLES_BY_CODE[code].name)
    return group


def _field(key, label, field_type, *, required=True, choices=(), help_text="", **extra):
    return ApprovalField(
        key=key,
        label=label,
        field_type=field_type,
        required=required,
        choices="\n".join(choices),
        help_text=help_text,
        **extra,
    )


def _types() -> list[tuple[dict, list[ApprovalField], list[ApprovalStage]]]:
    leader = {"approver_kind": ApproverKind.DEPT_LEADER, "mode": StageMode.ANY}
    return [
        (
            {
                "code": "leave",
                "name": "请假",
                "description": "部门领导审批；超过 3 个工作日的再报主要领导审批。",
                "sort_order": 10,
                "span_start_key": "start_date",
                "span_end_key": "end_date",
            },
            [
                _field("leave_kind", "请假类型", FieldType.CHOICE, choices=LEAVE_KINDS),
                _field("start_date", "开始日期", FieldType.DATE),
                _field(
                    "end_date", "结束日期", FieldType.DATE, help_text="含当天；按工作日历计算天数。"
                ),
                _field("reason", "事由", FieldType.TEXTAREA),
            ],
            [
                ApprovalStage(name="部门领导审批", **leader),
                ApprovalStage(
                    name="主要领导审批",
                    approver_kind=ApproverKind.ROLE,
                    group=_role("oa_principal"),
                    mode=StageMode.ANY,
                    condition_key=WORKING_DAYS,
                    condition_op=ConditionOp.GT,
                    condition_value="3",
                ),
            ],
        ),
        (
            {
                "code": "seal",
                "name": "用印",
                "description": "部门领导、办公室、分管领导依次审批，批准后由印章管理员用印登记。",
                "sort_order": 20,
                "seal_key": "seal",
                "copies_key": "copies",
            },
            [
                _field("seal", "印章", FieldType.CHOICE, choices=SEALS),
                _field("title", "用印文件名称", FieldType.TEXT),
                _field(
                    "copies",
                    "份数",
                    FieldType.NUMBER,
                    min_value=1,
                    max_value=500,
                    whole_number=True,
                ),
                _field("purpose", "用途", FieldType.TEXTAREA),
            ],
            [
                ApprovalStage(name="部门领导审核", **leader),
                ApprovalStage(
                    name="办公室审核",
                    approver_kind=ApproverKind.ROLE,
                    group=_role("oa_reviewer"),
                    mode=StageMode.ANY,
                ),
                ApprovalStage(
                    name="分管领导审批",
                    approver_kind=ApproverKind.ROLE,
                    group=_role("oa_signer"),
                    mode=StageMode.ANY,
                ),
            ],
        ),
        (
            {
                "code": "vehicle",
                "name": "用车",
                "description": "部门领导、办公室审批；同一车辆时段重叠的申请不能同时批准。",
                "sort_order": 30,
                "span_start_key": "start_at",
                "span_end_key": "end_at",
                "booking_key": "vehicle",
            },
            [
                _field("vehicle", "车辆", FieldType.CHOICE, choices=VEHICLES),
                _field("start_at", "用车开始", FieldType.DATETIME),
                _field("end_at", "用车结束", FieldType.DATETIME),
                _field("destination", "目的地", FieldType.TEXT),
                _field(
                    "passengers",
                    "乘车人数",
                    FieldType.NUMBER,
                    min_value=1,
                    max_value=50,
                    whole_number=True,
                ),
                _field("reason", "事由", FieldType.TEXTAREA),
            ],
            [
                ApprovalStage(name="部门领导审批", **leader),
                ApprovalStage(
                    name="办公室派车",
                    approver_kind=ApproverKind.ROLE,
                    group=_role("oa_reviewer"),
                    mode=StageMode.ANY,
                ),
            ],
        ),
    ]


@transaction.atomic
def approval_types_load() -> int:
    """Create the standard approval types that do not exist yet; return how many."""
    created = 0
    for attrs, fields, stages in _types():
        if ApprovalType.objects.filter(code=attrs["code"]).exists():
            continue
        approval_type = ApprovalType(**attrs)
        for order, child in enumerate([*fields, *stages]):
            child.sort_order = order
        approval_type.fields = fields
        approval_type.stages = stages
        approval_type.save()
        created += 1
    return created
