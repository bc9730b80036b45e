"""Official documents (公文) with the GB/T 9704 / GB/T 33480 elements as fields, the 发文
flow's state, its countersign rows (会签), the revision trace of the body (痕迹保留), the
per-organ-and-year counter of document numbers and the audit trail of every transition."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.storage import private_storage


class DocType(models.TextChoices):
    """The 15 types of 党政机关公文处理工作条例 第八条."""

    RESOLUTION = "resolution", _("决议")
    DECISION = "decision", _("决定")
    ORDER = "order", _("命令（令）")
    COMMUNIQUE = "communique", _("公报")
    ANNOUNCEMENT = "announcement", _("公告")
    CIRCULAR = "circular", _("通告")
    OPINION = "opinion", _("意见")
    NOTICE = "notice", _("通知")
    BULLETIN = "bulletin", _("通报")
    REPORT = "report", _("报告")
    REQUEST = "request", _("请示")
    REPLY = "reply", _("批复")
    MOTION = "motion", _("议案")
    LETTER = "letter", _("函")
    MINUTES = "minutes", _("纪要")


class Direction(models.TextChoices):
    UP = "up", _("上行文")
    DOWN = "down", _("下行文")
    ACROSS = "across", _("平行文")


class Classification(models.TextChoices):
    """密级. 秘密/机密/绝密 are state secrets (涉密): this system is not accredited for them,
    so the services refuse them; 内部 (工作秘密) restricts reading to named people."""

    NONE = "none", _("非密")
    INTERNAL = "internal", _("内部")
    SECRET = "secret", _("秘密")
    CONFIDENTIAL = "confidential", _("机密")
    TOP_SECRET = "top_secret", _("绝密")


STATE_SECRET = (Classification.SECRET, Classification.CONFIDENTIAL, Classification.TOP_SECRET)


class Urgency(models.TextChoices):
    NORMAL = "", _("普通")
    URGENT = "urgent", _("加急")
    EXTRA_URGENT = "extra_urgent", _("特急")


class Status(models.TextChoices):
    DRAFT = "draft", _("起草")
    REVIEW = "review", _("审核")
    COUNTERSIGN = "countersign", _("会签")
    SIGN = "sign", _("签发")
    RECHECK = "recheck", _("复核")
    REGISTER = "register", _("登记")
    DISPATCH = "dispatch", _("印制核发")
    ISSUED = "issued", _("已核发")


class IssuingOrgan(models.Model):
    """发文机关: its name, the red header (发文机关标志) and its 机关代字 for numbers."""

    name = models.CharField(_("发文机关"), max_length=100, unique=True)
    mark = models.CharField(_("发文机关标志"), max_length=100)
    code = models.CharField(_("机关代字"), max_length=20, unique=True)

    class Meta:
        verbose_name = _("发文机关")
        verbose_name_plural = _("发文机关")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DocumentCounter(models.Model):
    """The last serial number given per organ and year; locked while numbering."""

    organ = models.ForeignKey(IssuingOrgan, on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organ", "year"], name="oa_counter_organ_year")
        ]

    def __str__(self) -> str:
        return f"{self.organ_id}/{self.year}: {self.last}"


class OfficialDocument(models.Model):
    """One outgoing 公文, from draft to issue. Field names follow GB/T 33480."""

    organ = models.ForeignKey(
        IssuingOrgan, on_delete=models.PROTECT, verbose_name=_("发文机关"), related_name="+"
    )
    doc_type = models.CharField(_("文种"), max_length=20, choices=DocType.choices)
    direction = models.CharField(
        _("行文方向"), max_length=10, choices=Direction.choices, default=Direction.DOWN
    )
    important = models.BooleanField(_("重要公文（由主要领导签发）"), default=False)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    # 发文字号: 机关代字〔年份〕序号号, assigned at 登记.
    number = models.CharField(_("发文字号"), max_length=50, blank=True)
    number_year = models.PositiveSmallIntegerField(null=True, blank=True)
    number_serial = models.PositiveIntegerField(null=True, blank=True)
    classification = models.CharField(
        _("密级"), max_length=20, choices=Classification.choices, default=Classification.NONE
    )
    secrecy_period = models.CharField(_("保密期限"), max_length=20, blank=True)
    urgency = models.CharField(_("紧急程度"), max_length=20, choices=Urgency.choices, blank=True)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("签发人"),
    )
    recipients = models.ManyToManyField(
        "city.Department", related_name="+", blank=True, verbose_name=_("主送机关")
    )
    copies_to = models.ManyToManyField(
        "city.Department", related_name="+", blank=True, verbose_name=_("抄送机关")
    )
    note = models.CharField(_("附注"), max_length=200, blank=True)
    written_on = models.DateField(_("成文日期"), null=True, blank=True)
    printed_by = models.CharField(_("印发机关"), max_length=100, blank=True)
    printed_on = models.DateField(_("印发日期"), null=True, blank=True)
    print_copies = models.PositiveIntegerField(_("印数"), null=True, blank=True)
    # Who may read an 内部 document: nobody else, whatever their role.
    readers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True, verbose_name=_("知悉范围")
    )
    countersign_sequential = models.BooleanField(_("依次会签"), default=False)
    # The departments to countersign, by id, in the order the drafter chose.
    countersign_plan = models.JSONField(_("会签部门"), default=list, blank=True)
    drafter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="oa_drafts",
        verbose_name=_("拟稿人"),
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    version = models.PositiveIntegerField(default=0)
    countersign_round = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("拟稿时间"))
    pdf = models.FileField(storage=private_storage, upload_to="oa/pdf/", blank=True)
    pdf_version = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("公文")
        verbose_name_plural = _("公文")
        ordering = ["-created_at"]
        permissions = [
            ("draft_document", _("可以起草公文")),
            ("review_document", _("可以核稿")),
            ("countersign_document", _("可以会签")),
            ("sign_document", _("可以签发")),
            ("sign_principal", _("可以作为主要领导签发")),
            ("register_document", _("可以复核、登记、印制核发公文")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organ", "number_year", "number_serial"],
                condition=models.Q(number_serial__isnull=False),
                name="oa_document_number_unique",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_restricted(self) -> bool:
        return self.classification != Classification.NONE

    @property
    def is_upward(self) -> bool:
        return self.direction == Direction.UP


class Countersign(models.Model):
    """One department's 会签 in one round; a send-back ends the round."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("待会签")
        AGREED = "agreed", _("同意")
        RETURNED = "returned", _("退回")
        CANCELLED = "cancelled", _("已撤销")

    document = models.ForeignKey(
        OfficialDocument, on_delete=models.CASCADE, related_name="countersigns"
    )
    round = models.PositiveIntegerField()
    order = models.PositiveSmallIntegerField()
    department = models.ForeignKey("city.Department", on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=20, choices=Decision.choices, default="pending")
    opinion = models.TextField(_("会签意见"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["round", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "round", "department"], name="oa_countersign_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document_id}/{self.round}/{self.department_id}"


class DocumentRevision(models.Model):
    """The body as it stood after each change: who, when, why (痕迹保留)."""

    document = models.ForeignKey(
        OfficialDocument, on_delete=models.CASCADE, related_name="revisions"
    )
    seq = models.PositiveIntegerField()
    body = models.TextField()
    reason = models.CharField(max_length=200)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["document", "seq"]
        constraints = [models.UniqueConstraint(fields=["document", "seq"], name="oa_revision_seq")]

    def __str__(self) -> str:
        return f"{self.document_id}#{self.seq}"


class DocumentEvent(models.Model):
    """The audit trail (处理单): every transition with its actor and comment."""

    document = models.ForeignKey(OfficialDocument, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=30)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    comment = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["document", "seq"]
        constraints = [models.UniqueConstraint(fields=["document", "seq"], name="oa_event_seq")]

    def __str__(self) -> str:
        return f"{self.document_id}#{self.seq} {self.action}"


class DocumentAttachment(models.Model):
    """附件: a checked file kept in private storage, served only through a view."""

    document = models.ForeignKey(
        OfficialDocument, on_delete=models.CASCADE, related_name="attachments"
    )
    name = models.CharField(_("附件名称"), max_length=120)
    file = models.FileField(storage=private_storage, upload_to="oa/attachments/")
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["document", "id"]

    def __str__(self) -> str:
        return self.name


# --- 收文 (incoming documents) ------------------------------------------------------------


class IncomingStatus(models.TextChoices):
    """The step an incoming document waits for (条例 第六章 收文办理)."""

    REGISTER = "register", _("登记")
    SCREEN = "screen", _("初审")
    PROPOSE = "propose", _("拟办")
    INSTRUCT = "instruct", _("批办")
    HANDLE = "handle", _("承办")
    CLOSE = "close", _("待办结")
    CLOSED = "closed", _("已办结")
    RETURNED = "returned", _("已退文")


INCOMING_OPEN = (
    IncomingStatus.REGISTER,
    IncomingStatus.SCREEN,
    IncomingStatus.PROPOSE,
    IncomingStatus.INSTRUCT,
    IncomingStatus.HANDLE,
    IncomingStatus.CLOSE,
)


class IncomingCounter(models.Model):
    """The last 收文编号 serial given in a year; locked while numbering."""

    year = models.PositiveSmallIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class IncomingDocument(models.Model):
    """One 来文 from another organ, from 签收 to 办结 (or 退文)."""

    sender = models.CharField(_("来文单位"), max_length=100)
    sender_number = models.CharField(_("来文字号"), max_length=50, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    doc_type = models.CharField(_("文种"), max_length=20, choices=DocType.choices, blank=True)
    classification = models.CharField(
        _("密级"), max_length=20, choices=Classification.choices, default=Classification.NONE
    )
    urgency = models.CharField(_("紧急程度"), max_length=20, choices=Urgency.choices, blank=True)
    received_at = models.DateTimeField(_("收文日期"))
    pages = models.PositiveIntegerField(_("页数"), null=True, blank=True)
    copies = models.PositiveIntegerField(_("份数"), null=True, blank=True)
    # 收文编号: 收〔年份〕序号号, given at 登记, gap-free per year.
    number = models.CharField(_("收文编号"), max_length=50, blank=True)
    number_year = models.PositiveSmallIntegerField(null=True, blank=True)
    number_serial = models.PositiveIntegerField(null=True, blank=True)
    # 办理时限 in working days from 签收; the deadline and the warning moment are stored so
    # the register filters overdue documents in SQL.
    limit_days = models.PositiveSmallIntegerField(_("办理时限（工作日）"), null=True, blank=True)
    deadline = models.DateTimeField(_("办理期限"), null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("签收人"),
    )
    # 拟办: the office proposes the leader and the lead office.
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("批办领导"),
    )
    proposal = models.TextField(_("拟办意见"), blank=True)
    # 批办: the leader's written instruction, the lead office and the co-offices.
    instruction = models.TextField(_("领导批示"), blank=True)
    lead_department = models.ForeignKey(
        "city.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("主办单位"),
    )
    co_departments = models.ManyToManyField(
        "city.Department", related_name="+", blank=True, verbose_name=_("协办单位")
    )
    reply = models.TextField(_("办理结果（答复）"), blank=True)
    return_reason = models.TextField(_("退文理由"), blank=True)
    # Who may read an 内部 document: nobody else, whatever their step.
    readers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True, verbose_name=_("知悉范围")
    )
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=IncomingStatus.choices,
        default=IncomingStatus.REGISTER,
    )
    version = models.PositiveIntegerField(default=0)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("收文")
        verbose_name_plural = _("收文")
        ordering = ["-received_at"]
        permissions = [
            ("receive_incoming", _("可以签收、登记、催办、办结收文")),
            ("review_incoming", _("可以初审、拟办收文")),
            ("instruct_incoming", _("可以批办收文")),
            ("handle_incoming", _("可以承办、协办收文")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["number_year", "number_serial"],
                condition=models.Q(number_serial__isnull=False),
                name="oa_incoming_number_unique",
            )
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="oa_incoming_status_dl")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_restricted(self) -> bool:
        return self.classification != Classification.NONE


class IncomingAssist(models.Model):
    """A co-office's opinion (协办意见) on the handling, one per co-office."""

    document = models.ForeignKey(IncomingDocument, on_delete=models.CASCADE, related_name="assists")
    department = models.ForeignKey("city.Department", on_delete=models.PROTECT, related_name="+")
    opinion = models.TextField(_("协办意见"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["document", "id"]
        constraints = [
            models.UniqueConstraint(fields=["document", "department"], name="oa_assist_once")
        ]

    def __str__(self) -> str:
        return f"{self.document_id}/{self.department_id}"


class IncomingCirculation(models.Model):
    """传阅: one named reader; 圈阅 marks it read, with an optional remark."""

    document = models.ForeignKey(
        IncomingDocument, on_delete=models.CASCADE, related_name="circulations"
    )
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(_("阅示意见"), blank=True)
    read_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["document", "id"]
        constraints = [
            models.UniqueConstraint(fields=["document", "reader"], name="oa_circulation_once")
        ]

    def __str__(self) -> str:
        return f"{self.document_id}/{self.reader_id}"


class IncomingEvent(models.Model):
    """The processing sheet (收文处理单): every action with its actor, time and comment."""

    document = models.ForeignKey(IncomingDocument, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=30)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    comment = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["document", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["document", "seq"], name="oa_incoming_event_seq")
        ]

    def __str__(self) -> str:
        return f"{self.document_id}#{self.seq} {self.action}"


class IncomingAttachment(models.Model):
    """附件 of a 来文 (its scan or electronic copy), checked as the outgoing ones are."""

    document = models.ForeignKey(
        IncomingDocument, on_delete=models.CASCADE, related_name="attachments"
    )
    name = models.CharField(_("附件名称"), max_length=120)
    file = models.FileField(storage=private_storage, upload_to="oa/incoming/")
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["document", "id"]

    def __str__(self) -> str:
        return self.name
