"""The approval engine's data: a configurable approval type (its form and its stages), the
requests made with it, who must decide at each stage, the history, and the seal-use log.

An approval type is configuration edited in the Wagtail admin (snippets); a request keeps a
snapshot of the form and of the stage plan it was submitted with, so editing a type never
changes a request already under way.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable

key_validator = RegexValidator(
    r"^[a-z][a-z0-9_]{0,39}$",
    _("字段标识只能包含小写字母、数字和下划线，且以字母开头。"),
    code="invalid_key",
)

# The working days of a request's period: stage conditions may test it like a field.
WORKING_DAYS = "working_days"


class FieldType(models.TextChoices):
    TEXT = "text", _("单行文本")
    TEXTAREA = "textarea", _("多行文本")
    DATE = "date", _("日期")
    DATETIME = "datetime", _("日期时间")
    NUMBER = "number", _("数字")
    CHOICE = "choice", _("选项")
    DEPARTMENT = "department", _("部门")


class ApproverKind(models.TextChoices):
    ROLE = "role", _("角色（用户组）")
    DEPT_LEADER = "dept_leader", _("申请人所在部门的领导")
    USERS = "users", _("指定人员")


class StageMode(models.TextChoices):
    ANY = "any", _("或签（任一人同意即可）")
    ALL = "all", _("会签（全部同意）")


class ConditionOp(models.TextChoices):
    GT = "gt", _("大于")
    GTE = "gte", _("大于等于")
    LT = "lt", _("小于")
    LTE = "lte", _("小于等于")
    EQ = "eq", _("等于")
    NE = "ne", _("不等于")


class ApprovalType(ClusterableModel):
    """A kind of request (请假, 用印, 用车 …): its form, its stages and its special duties."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    description = models.TextField(_("说明"), blank=True)
    active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)
    span_start_key = models.CharField(
        _("起始字段"),
        max_length=40,
        blank=True,
        help_text=_(
            "日期或日期时间字段的标识；与结束字段一起确定申请的时段，并按工作日历计算工作日数。"
        ),
    )
    span_end_key = models.CharField(_("结束字段"), max_length=40, blank=True)
    booking_key = models.CharField(
        _("占用资源字段"),
        max_length=40,
        blank=True,
        help_text=_("例如车辆：同一资源在时段重叠的已批准申请之间不得重复占用。"),
    )
    seal_key = models.CharField(
        _("印章字段"),
        max_length=40,
        blank=True,
        help_text=_("填写后，申请批准后须由印章管理员登记实际用印。"),
    )
    copies_key = models.CharField(_("份数字段"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("审批类型")
        verbose_name_plural = _("审批类型")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def needs_seal_log(self) -> bool:
        return bool(self.seal_key)

    # Ties on sort_order (rows added outside the admin's ordering) break by creation, the
    # same on every database.
    def form_fields(self):
        return self.fields.order_by("sort_order", "pk")

    def ordered_stages(self):
        return self.stages.order_by("sort_order", "pk")


class ApprovalField(Orderable):
    """One field of an approval type's form, in order."""

    approval_type = ParentalKey(ApprovalType, on_delete=models.CASCADE, related_name="fields")
    key = models.CharField(_("字段标识"), max_length=40, validators=[key_validator])
    label = models.CharField(_("标签"), max_length=50)
    field_type = models.CharField(
        _("类型"), max_length=20, choices=FieldType.choices, default=FieldType.TEXT
    )
    required = models.BooleanField(_("必填"), default=True)
    choices = models.TextField(_("选项"), blank=True, help_text=_("选项类型使用，每行一个。"))
    help_text = models.CharField(_("填写说明"), max_length=200, blank=True)
    min_value = models.DecimalField(
        _("最小值"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("最大值"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    whole_number = models.BooleanField(_("只能填整数"), default=False)

    class Meta(Orderable.Meta):
        verbose_name = _("表单字段")
        verbose_name_plural = _("表单字段")
        constraints = [
            models.UniqueConstraint(fields=["approval_type", "key"], name="approval_field_key")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    def clean(self) -> None:
        if self.field_type == FieldType.CHOICE and not self.choice_list:
            raise ValidationError({"choices": _("选项类型的字段至少需要一个选项。")})


class ApprovalStage(Orderable, ClusterableModel):
    """One stage of an approval type: who decides, 或签 or 会签, and when it applies."""

    approval_type = ParentalKey(ApprovalType, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(_("环节名称"), max_length=50)
    approver_kind = models.CharField(
        _("审批人"), max_length=20, choices=ApproverKind.choices, default=ApproverKind.DEPT_LEADER
    )
    group = models.ForeignKey(
        Group,
        verbose_name=_("角色"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    users = ParentalManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("指定人员"), blank=True, related_name="+"
    )
    mode = models.CharField(
        _("审批方式"), max_length=10, choices=StageMode.choices, default=StageMode.ANY
    )
    condition_key = models.CharField(
        _("条件字段"),
        max_length=40,
        blank=True,
        help_text=_("留空则总是经过本环节；可填字段标识或 working_days（工作日数）。"),
    )
    condition_op = models.CharField(
        _("条件"), max_length=5, choices=ConditionOp.choices, blank=True
    )
    condition_value = models.CharField(_("条件值"), max_length=100, blank=True)

    class Meta(Orderable.Meta):
        verbose_name = _("审批环节")
        verbose_name_plural = _("审批环节")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.approver_kind == ApproverKind.ROLE and self.group_id is None:
            raise ValidationError({"group": _("请选择审批角色。")})
        if self.condition_key and not self.condition_op:
            raise ValidationError({"condition_op": _("请选择条件。")})


class Status(models.TextChoices):
    PENDING = "pending", _("审批中")
    RETURNED = "returned", _("退回修改")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_STATUSES = (Status.PENDING, Status.RETURNED)


class ApprovalRequest(models.Model):
    """One request: the applicant's answers, the stage plan it follows, where it stands."""

    approval_type = models.ForeignKey(
        ApprovalType, on_delete=models.PROTECT, related_name="requests", verbose_name=_("类型")
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="approval_requests",
        verbose_name=_("申请人"),
    )
    department = models.ForeignKey(
        "city.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("申请部门"),
    )
    summary = models.CharField(_("摘要"), max_length=200)
    # The form as it was when submitted ([{key, label, type}]) and the answers.
    form = models.JSONField(_("表单"), default=list)
    data = models.JSONField(_("填写内容"), default=dict)
    # The stages that apply to this request, approvers resolved at submission.
    plan = models.JSONField(_("审批环节"), default=list)
    stage_no = models.PositiveSmallIntegerField(_("当前环节"), null=True, blank=True)
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    version = models.PositiveIntegerField(_("版本"), default=0)
    starts_at = models.DateTimeField(_("开始"), null=True, blank=True)
    ends_at = models.DateTimeField(_("结束"), null=True, blank=True)
    working_days = models.DecimalField(
        _("工作日数"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    booking = models.CharField(_("占用资源"), max_length=100, blank=True, db_index=True)
    submitted_at = models.DateTimeField(_("提交时间"))
    finished_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("审批申请")
        verbose_name_plural = _("审批申请")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["approval_type", "status", "booking"])]

    def __str__(self) -> str:
        return f"{self.number} {self.summary}"

    @property
    def number(self) -> str:
        return f"SP{self.pk:06d}"

    @property
    def stage(self) -> dict | None:
        if self.stage_no is None or self.stage_no >= len(self.plan):
            return None
        return self.plan[self.stage_no]


class Decision(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("同意")
    REJECTED = "rejected", _("驳回")
    RETURNED = "returned", _("退回修改")
    VOID = "void", _("无需办理")


class ApprovalTask(models.Model):
    """One approver's part in one stage of one round: pending until they decide, or void
    when the stage or the request ended without them."""

    request = models.ForeignKey(
        ApprovalRequest, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("申请")
    )
    round = models.PositiveSmallIntegerField(_("轮次"))
    stage_no = models.PositiveSmallIntegerField(_("环节序号"))
    stage_name = models.CharField(_("环节"), max_length=50)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="approval_tasks",
        verbose_name=_("审批人"),
    )
    decision = models.CharField(
        _("意见"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    comment = models.TextField(_("批注"), blank=True)
    created_at = models.DateTimeField(_("收到时间"))
    decided_at = models.DateTimeField(_("办理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("审批任务")
        verbose_name_plural = _("审批任务")
        ordering = ["round", "stage_no", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "round", "stage_no", "user"], name="approval_task_once"
            )
        ]
        indexes = [models.Index(fields=["user", "decision"])]

    def __str__(self) -> str:
        return f"{self.request.number} {self.stage_name} {self.user}"


class Action(models.TextChoices):
    SUBMIT = "submit", _("提交申请")
    RESUBMIT = "resubmit", _("修改后重新提交")
    APPROVE = "approve", _("同意")
    REJECT = "reject", _("驳回")
    RETURN = "return", _("退回修改")
    WITHDRAW = "withdraw", _("撤回")
    SEAL_USE = "seal_use", _("登记用印")


class ApprovalEvent(models.Model):
    """One line of a request's history: who did what, at which stage, with what comment."""

    request = models.ForeignKey(
        ApprovalRequest, on_delete=models.CASCADE, related_name="events", verbose_name=_("申请")
    )
    seq = models.PositiveIntegerField(_("序号"))
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    stage_name = models.CharField(_("环节"), max_length=50, blank=True)
    from_status = models.CharField(_("原状态"), max_length=20, choices=Status.choices)
    to_status = models.CharField(_("新状态"), max_length=20, choices=Status.choices)
    comment = models.TextField(_("意见"), blank=True)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("审批记录")
        verbose_name_plural = _("审批记录")
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(fields=["request", "seq"], name="approval_event_seq")
        ]

    def __str__(self) -> str:
        return f"{self.request.number} {self.seq} {self.get_action_display()}"


class AppendOnlyError(RuntimeError):
    """Someone tried to change or delete a row of an append-only log."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("the seal-use log is append-only")

    def delete(self):
        raise AppendOnlyError("the seal-use log is append-only")


class SealUseLog(models.Model):
    """用印登记: the seal keeper's record of a seal actually used for an approved request.
    Append-only: a row is never changed or deleted, neither here nor in the admin."""

    request = models.OneToOneField(
        ApprovalRequest,
        on_delete=models.PROTECT,
        related_name="seal_log",
        verbose_name=_("用印申请"),
    )
    seal = models.CharField(_("印章"), max_length=100, db_index=True)
    keeper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("印章管理员"),
    )
    used_at = models.DateTimeField(_("用印时间"), db_index=True)
    copies = models.PositiveIntegerField(_("用印份数"), validators=[MinValueValidator(1)])
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("用印登记")
        verbose_name_plural = _("用印登记")
        ordering = ["-used_at", "-id"]
        permissions = [("record_sealuselog", _("登记用印"))]

    def __str__(self) -> str:
        return f"{self.seal} {self.used_at:%Y-%m-%d %H:%M} {self.copies}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AppendOnlyError("the seal-use log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("the seal-use log is append-only")
