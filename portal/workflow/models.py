"""The case (案件) and its history: the business data of the case loop.

The case is a real table. Every change of state goes through one service in
services.py, which records a CaseEvent (who, when, from → to, comment) and opens or
closes CaseStep rows: each step a person or department must take, with its working-time
deadline. Evaluation reads those steps.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from portal.city.models import Category, Component, Department, Grid, Module, Street, Urgency
from portal.storage import private_storage
from portal.workflow.pii import BlindIndexField, EncryptedTextField


class Source(models.TextChoices):
    SUPERVISOR = "supervisor", _("监督员上报")
    PUBLIC = "public", _("公众举报")
    HOTLINE = "hotline", _("热线")
    VIDEO = "video", _("视频")
    UPPER = "upper", _("上级交办")


# The city's own discovery channels: the numerator of the discovery rate.
OWN_SOURCES = (Source.SUPERVISOR, Source.VIDEO)


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    FAIR = "fair", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class Status(models.TextChoices):
    REPORTED = "reported", _("待受理")
    VERIFYING = "verifying", _("核实中")
    ACCEPTED = "accepted", _("待立案")
    FILED = "filed", _("待派遣")
    DISPATCHED = "dispatched", _("处置中")
    RETURN_REQUESTED = "return_requested", _("回退待审")
    HANDLED = "handled", _("待核查")
    CHECKED = "checked", _("待结案")
    DEFERRED = "deferred", _("缓办")
    HUNG = "hung", _("挂账")
    CLOSED = "closed", _("已结案")
    DECLINED = "declined", _("不予立案")
    MERGED = "merged", _("已合并")
    CANCELLED = "cancelled", _("已作废")


OPEN_STATUSES = (
    Status.REPORTED,
    Status.VERIFYING,
    Status.ACCEPTED,
    Status.FILED,
    Status.DISPATCHED,
    Status.RETURN_REQUESTED,
    Status.HANDLED,
    Status.CHECKED,
)
FINAL_STATUSES = (Status.CLOSED, Status.DECLINED, Status.MERGED, Status.CANCELLED)


class Case(models.Model):
    number = models.CharField(_("案件编号"), max_length=20, unique=True)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices, db_index=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="cases", verbose_name=_("案件小类")
    )
    urgency = models.CharField(
        _("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.REPORTED, db_index=True
    )
    description = models.TextField(_("问题描述"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lon = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="cases", verbose_name=_("单元网格")
    )
    module = models.ForeignKey(
        Module, on_delete=models.PROTECT, related_name="cases", verbose_name=_("管理模块")
    )
    street = models.ForeignKey(
        Street, on_delete=models.PROTECT, related_name="cases", verbose_name=_("街道")
    )
    component = models.ForeignKey(
        Component,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
        verbose_name=_("部件"),
    )
    # The reporter is private: shown only to roles that need it (centre staff).
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_cases",
        verbose_name=_("上报人"),
    )
    # Personal data of a citizen reporter: encrypted at rest, found by the phone's blind
    # index, shown only through portal.workflow.pii.reporter_contacts (masked or audited).
    reporter_name = EncryptedTextField(_("举报人姓名"), max_length=50, blank=True)
    reporter_phone = EncryptedTextField(_("举报人电话"), max_length=20, blank=True)
    reporter_phone_index = BlindIndexField(source="reporter_phone")
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("处置部门"),
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
        verbose_name=_("合并至"),
    )
    self_handled = models.BooleanField(_("自行处置"), default=False)
    verified = models.BooleanField(_("核实属实"), null=True, blank=True)
    result = models.TextField(_("处置结果"), blank=True)
    decline_reason = models.TextField(_("不予立案理由"), blank=True)

    reported_at = models.DateTimeField(_("上报时间"), db_index=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    filed_at = models.DateTimeField(_("立案时间"), null=True, blank=True, db_index=True)
    dispatched_at = models.DateTimeField(_("派遣时间"), null=True, blank=True, db_index=True)
    handled_at = models.DateTimeField(_("反馈时间"), null=True, blank=True, db_index=True)
    checked_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True, db_index=True)
    # The handling deadline of the department (处置时限), extended by approved extensions.
    handling_deadline = models.DateTimeField(_("处置期限"), null=True, blank=True)
    # Current step's clock, denormalised so lists filter and sort by light in SQL.
    step_deadline = models.DateTimeField(_("当前环节期限"), null=True, blank=True, db_index=True)
    step_warn_at = models.DateTimeField(null=True, blank=True, db_index=True)

    # Working minutes from dispatch to the department's (latest) feedback: stored once at
    # feedback so evaluation over a year of cases needs no calendar arithmetic.
    handle_work_minutes = models.PositiveIntegerField(
        _("处置用时（工作分钟）"), null=True, blank=True
    )
    satisfaction = models.CharField(
        _("满意度"), max_length=12, choices=Satisfaction.choices, blank=True
    )
    rework_count = models.PositiveSmallIntegerField(_("返工次数"), default=0)
    return_count = models.PositiveSmallIntegerField(_("回退次数"), default=0)
    extension_count = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["-reported_at", "-id"]
        permissions = [
            ("report_case", _("上报案件")),
            ("verify_case", _("核实案件")),
            ("accept_case", _("受理案件")),
            ("file_case", _("立案")),
            ("dispatch_case", _("派遣案件")),
            ("handle_case", _("处置案件")),
            ("check_case", _("核查案件")),
            ("close_case", _("结案")),
            ("approve_case", _("审批回退、延期、缓办、挂账、作废")),
            ("view_evaluation", _("查看综合评价")),
        ]
        indexes = [models.Index(fields=["status", "step_deadline"], name="case_status_deadline")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CaseEvent(models.Model):
    """One entry of a case's audit trail: who did what, when, from which state to which."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    action = models.CharField(_("操作"), max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    comment = models.TextField(_("意见"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("案件日志")
        verbose_name_plural = _("案件日志")
        ordering = ["case", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="case_event_seq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.action}"


class Step(models.TextChoices):
    ACCEPT = "accept", _("受理")
    VERIFY = "verify", _("核实")
    FILE = "file", _("立案")
    DISPATCH = "dispatch", _("派遣")
    HANDLE = "handle", _("处置")
    APPROVE = "approve", _("审批")
    CHECK = "check", _("核查")
    CLOSE = "close", _("结案")


class CaseStep(models.Model):
    """A step someone owes the case, with its working-time deadline and outcome."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(max_length=12, choices=Step.choices)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="case_steps",
    )
    started_at = models.DateTimeField()
    deadline = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=20, blank=True)
    overdue_recorded_at = models.DateTimeField(null=True, blank=True)
    # A dispatch whose department returned the case (approved): counted against accuracy.
    reversed = models.BooleanField(default=False)

    class Meta:
        ordering = ["case", "started_at", "id"]
        indexes = [
            models.Index(fields=["finished_at", "deadline"], name="case_step_open_deadline"),
            # Evaluation counts steps of one kind finished (or started) in a period.
            models.Index(fields=["step", "finished_at"], name="case_step_finished"),
            models.Index(fields=["step", "started_at"], name="case_step_started"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_step_display()}"

    @property
    def on_time(self) -> bool | None:
        if self.finished_at is None:
            return None
        return self.finished_at <= self.deadline


class CaseRequest(models.Model):
    """A request that needs the shift leader's approval: 回退, 延期, 缓办, 挂账, 作废."""

    class Kind(models.TextChoices):
        RETURN = "return", _("回退")
        EXTENSION = "extension", _("延期")
        DEFER = "defer", _("缓办")
        HANG = "hang", _("挂账")
        CANCEL = "cancel", _("作废")

    class Decision(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("同意")
        REFUSED = "refused", _("不同意")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    reason = models.TextField(_("理由"))
    extra_hours = models.DecimalField(
        _("延长工作时"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    decision = models.CharField(
        _("审批结果"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(_("审批意见"), blank=True)
    # The status to return to when a defer/hang-up ends or a request is refused.
    resume_status = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(decision="pending"),
                name="one_pending_request_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_kind_display()} {self.get_decision_display()}"


class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CaseCounter(models.Model):
    """Serial numbers of the day, so case numbers are gap-free and human-readable."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day} {self.last}"


class CaseAttachment(models.Model):
    """A photo or short video of the case: before handling, after handling, or at the check."""

    class Kind(models.TextChoices):
        BEFORE = "before", _("处置前")
        AFTER = "after", _("处置后")
        CHECK = "check", _("核查")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        CaseEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    # The original as uploaded (EXIF and all): private storage, served to staff only.
    file = models.FileField(_("文件"), upload_to="cases/%Y/%m/", storage=private_storage)
    # A re-encoded copy with every metadata block stripped, made by the worker: the only
    # version the public ever sees.
    public_file = models.FileField(
        _("公开副本"), upload_to="public/%Y/%m/", blank=True, max_length=200
    )
    hidden = models.BooleanField(_("已隐藏"), default=False)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["case", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.file.name


class EmergencyPlan(models.Model):
    """应急预案 of one emergency category: who is called at once and how fast they must respond."""

    category = models.OneToOneField(
        Category,
        on_delete=models.CASCADE,
        related_name="emergency_plan",
        limit_choices_to={"is_emergency": True},
        verbose_name=_("案件小类"),
    )
    name = models.CharField(_("预案名称"), max_length=100)
    response_minutes = models.PositiveIntegerField(_("响应时限（分钟）"), default=30)
    # Named people are always called (e.g. the leader in charge); roles are called through
    # the duty roster: their members on duty now, or all of them if none is on duty.
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("呼叫人员")
    )
    groups = models.ManyToManyField(
        "auth.Group", blank=True, related_name="+", verbose_name=_("呼叫角色")
    )
    instructions = models.TextField(_("处置要点"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("应急预案")
        verbose_name_plural = _("应急预案")
        ordering = ["category__code"]

    def __str__(self) -> str:
        return self.name


class DutyShift(models.Model):
    """One person's turn on the duty roster (值班表)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="duty_shifts",
        verbose_name=_("值班人员"),
    )
    starts_at = models.DateTimeField(_("开始时间"), db_index=True)
    ends_at = models.DateTimeField(_("结束时间"), db_index=True)
    note = models.CharField(_("备注"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("值班安排")
        verbose_name_plural = _("值班安排")
        ordering = ["starts_at", "user"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="duty_shift_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.starts_at:%Y-%m-%d %H:%M}"


class EmergencyAlarm(models.Model):
    """The alarm an emergency case raised: whom it called, by when they must respond, who did."""

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, related_name="emergency_alarm", verbose_name=_("案件")
    )
    plan = models.ForeignKey(
        EmergencyPlan,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alarms",
        verbose_name=_("应急预案"),
    )
    raised_at = models.DateTimeField(_("报警时间"), db_index=True)
    respond_by = models.DateTimeField(_("响应期限"))
    called = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("已通知人员")
    )
    acknowledged_at = models.DateTimeField(_("响应时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("响应人"),
    )

    class Meta:
        verbose_name = _("应急报警")
        verbose_name_plural = _("应急报警")
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return f"{self.case} {self.raised_at:%Y-%m-%d %H:%M}"
