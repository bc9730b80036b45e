"""督办 (supervised tasks): the item itself, its progress and completion reports, its
extension requests, the audit trail of every transition and the stored weekly bulletins
(督办通报)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.storage import private_storage


class SourceKind(models.TextChoices):
    INSTRUCTION = "instruction", _("领导批示")
    MEETING = "meeting", _("会议决定")
    CASE = "case", _("城管案件")
    DOCUMENT = "document", _("公文")


class Status(models.TextChoices):
    ISSUED = "issued", _("已交办")
    IN_PROGRESS = "in_progress", _("办理中")
    CLOSING = "closing", _("待审核办结")
    CLOSED = "closed", _("已办结")


OPEN = (Status.ISSUED, Status.IN_PROGRESS, Status.CLOSING)


class SupervisedTask(models.Model):
    """One 督办事项: where it comes from, who leads, who helps, by when, and where it stands."""

    title = models.CharField(_("督办事项"), max_length=200)
    source_kind = models.CharField(_("来源"), max_length=20, choices=SourceKind.choices)
    source_text = models.TextField(_("来源说明（批示内容、会议名称等）"), blank=True)
    case = models.ForeignKey(
        "workflow.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("关联案件"),
    )
    document = models.ForeignKey(
        "oa.OfficialDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("关联公文"),
    )
    requirements = models.TextField(_("办理要求"))
    lead_unit = models.ForeignKey(
        "city.Department",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("牵头单位"),
    )
    co_units = models.ManyToManyField(
        "city.Department", related_name="+", blank=True, verbose_name=_("协办单位")
    )
    working_days = models.PositiveSmallIntegerField(_("办理时限（工作日）"))
    issuer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="supervision_issued",
        verbose_name=_("交办人"),
    )
    issued_at = models.DateTimeField(_("交办时间"))
    deadline = models.DateTimeField(_("办理期限"), db_index=True)
    original_deadline = models.DateTimeField(_("原定期限"))
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.ISSUED, db_index=True
    )
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("签收人"),
    )
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    # Set once per deadline by the overdue sweep; an approved extension clears it so the
    # new deadline is watched in turn.
    overdue_recorded_at = models.DateTimeField(_("超期标记时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("督办事项")
        verbose_name_plural = _("督办事项")
        ordering = ["deadline", "id"]
        permissions = [
            ("issue_supervisedtask", _("可以交办督办事项")),
            ("handle_supervisedtask", _("可以代表本单位办理督办事项")),
            ("oversee_supervisedtask", _("可以查看全部督办事项和督办通报")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(source_kind="case") | models.Q(case__isnull=False),
                name="supervision_case_source_has_case",
            ),
            models.CheckConstraint(
                condition=~models.Q(source_kind="document") | models.Q(document__isnull=False),
                name="supervision_document_source_has_document",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ProgressReport(models.Model):
    """A dated report by the lead unit or a co-unit; the lead unit's completion report
    (办结报告) is the last one."""

    class Kind(models.TextChoices):
        PROGRESS = "progress", _("进展报告")
        COMPLETION = "completion", _("办结报告")

    task = models.ForeignKey(SupervisedTask, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PROGRESS)
    unit = models.ForeignKey(
        "city.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("报送单位")
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    report_date = models.DateField(_("进展日期"))
    percent = models.PositiveSmallIntegerField(_("完成比例（%）"), null=True, blank=True)
    text = models.TextField(_("进展情况"))
    at = models.DateTimeField(_("报送时间"))
    file = models.FileField(storage=private_storage, upload_to="supervision/", blank=True)
    file_name = models.CharField(_("附件名称"), max_length=120, blank=True)
    file_type = models.CharField(max_length=50, blank=True)
    file_size = models.PositiveIntegerField(null=True, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("进展报告")
        verbose_name_plural = _("进展报告")
        ordering = ["task", "at", "id"]

    def __str__(self) -> str:
        return f"{self.task_id} {self.report_date}"


class ExtensionRequest(models.Model):
    """延期申请: the lead unit asks for a new deadline before the current one; the issuer
    approves or refuses."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已同意")
        REFUSED = "refused", _("不同意")

    task = models.ForeignKey(SupervisedTask, on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"))
    old_deadline = models.DateTimeField(_("原期限"))
    new_deadline = models.DateTimeField(_("申请延至"))
    reason = models.TextField(_("延期理由"))
    decision = models.CharField(
        _("审批结果"), max_length=20, choices=Decision.choices, default=Decision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    comment = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["task", "requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task"],
                condition=models.Q(decision="pending"),
                name="supervision_one_pending_extension",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_id} → {self.new_deadline:%Y-%m-%d}"


class SupervisionEvent(models.Model):
    """The audit trail: every transition with its actor and comment."""

    task = models.ForeignKey(SupervisedTask, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    comment = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["task", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["task", "seq"], name="supervision_event_seq")
        ]

    def __str__(self) -> str:
        return f"{self.task_id}#{self.seq} {self.action}"


class Bulletin(models.Model):
    """督办通报: the per-unit figures as they stood at the end of one week, stored so the
    published bulletin does not change afterwards."""

    period_start = models.DateField(_("起始日期"), unique=True)
    period_end = models.DateField(_("截止日期"))
    as_of = models.DateTimeField(_("统计时点"))
    generated_at = models.DateTimeField(_("生成时间"))
    # [{"unit_id", "unit", "total", "on_time", "overdue", "closed", "closed_late",
    #   "extended"}, ...] plus the totals row under "totals".
    figures = models.JSONField(_("统计数据"), default=dict)

    class Meta:
        verbose_name = _("督办通报")
        verbose_name_plural = _("督办通报")
        ordering = ["-period_start"]

    def __str__(self) -> str:
        return f"{self.period_start}–{self.period_end}"
