"""The archive (档案): archival items (件) with their 档号, files, versions and access log.

An ArchivalItem is filed once from a finished source (a closed case today, an OA document
later) by `services.record_archive`. Its identity — the 档号 and its parts, the source, the
files and their SHA-256, the history snapshot — never changes. Descriptive metadata may be
corrected, but only by `services.item_correct`, which writes an ItemVersion (a full
snapshot with the reason) first; the item row mirrors the latest version. `save()` refuses
every other update and `delete()` refuses always, so "no edit in place" holds for code that
goes through the ORM's model methods (bulk `QuerySet.update()` is reserved to services).

For the borrowing and disposition work that builds on these models: per-object view
permission is the django-guardian permission `archive.view_archivalitem` through the
direct-FK tables ItemUserObjectPermission / ItemGroupObjectPermission; every grant change
must call `services.item_acl_changed(item=…)` so the search index follows; every view or
download of an item's content writes an AccessLog row.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from portal.city.models import Category, Department, Street
from portal.storage import private_storage
from portal.workflow.models import Case


class ImmutableRecord(Exception):
    """An attempt to change or delete a filed record outside the archive's services."""


class Retention(models.TextChoices):
    """保管期限 (国家档案局令第8号): permanent, 30 years, 10 years."""

    PERMANENT = "Y", _("永久")
    D30 = "D30", _("30年")
    D10 = "D10", _("10年")


RETENTION_YEARS = {Retention.PERMANENT: None, Retention.D30: 30, Retention.D10: 10}


class RecordClass(models.TextChoices):
    """档案门类代码 (two letters): which kind of records the item belongs to."""

    CITY_CASE = "CG", _("城管案件")
    DOCUMENT = "WS", _("文书")


class Classification(models.TextChoices):
    """密级 / control marks. State secrets (涉密) never enter this system (reference/oa-archive.md
    §B.6); the marks below drive access: any mark but 无 restricts the item to named people."""

    NONE = "", _("无")
    INTERNAL = "internal", _("内部")
    WORK_SECRET = "work_secret", _("工作秘密")
    RESTRICTED = "restricted", _("限制利用")


class ItemState(models.TextChoices):
    PROCESSING = "processing", _("归档处理中")
    FILED = "filed", _("已归档")
    FAILED = "failed", _("四性检测未通过")
    DESTROYED = "destroyed", _("已销毁")


class RetentionRule(models.Model):
    """One line of the district's 归档范围和保管期限表: the retention of a case category.
    Archivists edit it; a category without a rule gets Y when it is an emergency category,
    otherwise settings.ARCHIVE_DEFAULT_RETENTION (D30)."""

    category = models.OneToOneField(
        Category,
        on_delete=models.CASCADE,
        related_name="retention_rule",
        verbose_name=_("案件小类"),
    )
    retention = models.CharField(_("保管期限"), max_length=3, choices=Retention.choices)
    note = models.CharField(_("依据"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("保管期限规则")
        verbose_name_plural = _("保管期限表")
        ordering = ["category__code"]

    def __str__(self) -> str:
        return f"{self.category} {self.get_retention_display()}"


class ItemCounter(models.Model):
    """The last 件号 of one lowest-level class (全宗·门类·年度·保管期限·机构): locked with
    select_for_update while a number is taken, so numbers are gap-free and never reused."""

    fonds = models.CharField(max_length=4)
    record_class = models.CharField(max_length=2)
    year = models.PositiveSmallIntegerField()
    retention = models.CharField(max_length=3)
    organisation = models.CharField(max_length=20)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["fonds", "record_class", "year", "retention", "organisation"],
                name="archive_counter_class_unique",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.fonds}-{self.record_class}·{self.year}-{self.retention}-"
            f"{self.organisation}: {self.last}"
        )


class ArchivalItem(models.Model):
    """One archival item (件). The 档号 parts are stored separately for the catalogue and
    the gap checks; `reference_code` is their DA/T 22 rendering."""

    # --- identity (never changes) ------------------------------------------------------
    reference_code = models.CharField(_("档号"), max_length=60, unique=True)
    fonds = models.CharField(_("全宗号"), max_length=4)
    record_class = models.CharField(_("门类"), max_length=2, choices=RecordClass.choices)
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    retention = models.CharField(_("保管期限"), max_length=3, choices=Retention.choices)
    organisation = models.CharField(_("机构代码"), max_length=20)
    item_number = models.PositiveIntegerField(_("件号"))
    # The source the item was filed from: ("case", case id) now, ("document", id) for OA.
    source_type = models.CharField(_("来源类型"), max_length=20)
    source_id = models.CharField(_("来源编号"), max_length=64)
    case = models.OneToOneField(
        Case,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="archival_item",
        verbose_name=_("案件"),
    )
    verify_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    filed_at = models.DateTimeField(_("归档时间"), db_index=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("归档人"),
    )

    # --- DA/T 46 core metadata (corrected only through ItemVersion) ----------------------
    title = models.CharField(_("题名"), max_length=300)
    responsible = models.CharField(_("责任者"), max_length=200)
    document_date = models.DateField(_("日期"))
    document_number = models.CharField(_("文号"), max_length=60, blank=True)
    keywords = models.CharField(_("关键词"), max_length=300, blank=True)
    summary = models.TextField(_("摘要"), blank=True)
    classification = models.CharField(
        _("密级"), max_length=12, choices=Classification.choices, blank=True, default=""
    )
    # Facet values of the source (street, department, category, channel), denormalised so
    # the item outlives changes to reference data.
    street = models.ForeignKey(
        Street, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("来源渠道"), max_length=20, blank=True)
    # Everything else the source knew (address, coordinates, grid polygon, evaluation facts).
    metadata = models.JSONField(_("元数据"), default=dict)
    # The full processing trail (events and steps) at filing: DA/T 46's business entity.
    history = models.JSONField(_("办理过程"), default=dict)
    version = models.PositiveIntegerField(_("版本"), default=1)
    # Set by an appraisal that extends retention (a correction, so versioned); the 档号
    # keeps the retention it was filed with.
    retention_extended = models.CharField(
        _("鉴定后保管期限"), max_length=3, choices=Retention.choices, blank=True, default=""
    )
    destroyed_at = models.DateTimeField(_("销毁时间"), null=True, blank=True)

    # --- preservation ------------------------------------------------------------------
    state = models.CharField(
        _("状态"), max_length=12, choices=ItemState.choices, default=ItemState.PROCESSING
    )
    manifest = models.JSONField(_("清单"), default=dict, blank=True)
    manifest_sha256 = models.CharField(_("清单摘要"), max_length=64, blank=True)
    manifest_signature = models.CharField(_("清单签名"), max_length=64, blank=True)
    check_report = models.JSONField(_("四性检测报告"), default=dict, blank=True)
    checked_at = models.DateTimeField(_("检测时间"), null=True, blank=True)
    fixity_ok = models.BooleanField(_("固定性校验通过"), null=True, blank=True)
    fixity_checked_at = models.DateTimeField(_("最近校验时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("档案")
        verbose_name_plural = _("档案")
        ordering = ["-filed_at", "-id"]
        permissions = [
            ("file_archivalitem", _("归档与更正档案")),
            ("view_restricted_archivalitem", _("查看限制利用档案")),
            ("export_catalogue", _("导出归档文件目录")),
            ("appraise_archivalitem", _("鉴定档案与设置法律保留")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "fonds",
                    "record_class",
                    "year",
                    "retention",
                    "organisation",
                    "item_number",
                ],
                name="archive_item_number_unique",
            ),
            models.UniqueConstraint(
                fields=["source_type", "source_id"], name="archive_item_source_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.reference_code

    def save(self, *args, _service: bool = False, **kwargs) -> None:
        if self.pk is not None and not _service:
            raise ImmutableRecord(_("已归档的档案不能直接修改，请通过更正（新版本）进行。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecord(_("档案不能删除。"))

    @property
    def is_restricted(self) -> bool:
        return bool(self.classification)

    @property
    def effective_retention(self) -> str:
        return self.retention_extended or self.retention

    @property
    def case_file(self) -> "ItemFile | None":
        return self.files.filter(role=ItemFile.Role.CASE_FILE).order_by("-version", "-id").first()


def _item_upload_to(instance: "ItemFile", filename: str) -> str:
    return f"archive/{instance.item.year}/{instance.item.pk}/{filename}"


class ItemFile(models.Model):
    """A file of an item in the archive's private storage, with its SHA-256 at filing.
    Written once; the fixity check re-hashes it against `sha256`."""

    class Role(models.TextChoices):
        ATTACHMENT = "attachment", _("原始附件")
        PUBLIC_COPY = "public_copy", _("公开副本")
        CASE_FILE = "case_file", _("案卷PDF")

    item = models.ForeignKey(ArchivalItem, on_delete=models.PROTECT, related_name="files")
    role = models.CharField(_("类型"), max_length=12, choices=Role.choices)
    # before/after/check for case photos; the item version a case-file PDF belongs to.
    kind = models.CharField(_("用途"), max_length=10, blank=True)
    version = models.PositiveIntegerField(default=1)
    name = models.CharField(_("文件名"), max_length=200)
    file = models.FileField(
        _("文件"), upload_to=_item_upload_to, storage=private_storage, max_length=300
    )
    content_type = models.CharField(max_length=80)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    source_ref = models.CharField(_("来源"), max_length=100, blank=True)
    added_at = models.DateTimeField()
    # Set when a destruction purged the bytes; the row stays as the tombstone's inventory.
    purged_at = models.DateTimeField(_("清除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("档案文件")
        verbose_name_plural = _("档案文件")
        ordering = ["item", "role", "id"]

    def __str__(self) -> str:
        return f"{self.item_id}:{self.name}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ImmutableRecord(_("档案文件不能修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecord(_("档案文件不能删除。"))


class ItemVersion(models.Model):
    """One version of an item's description: version 1 at filing, then one per correction
    or re-filing, each a full snapshot with who, when and why."""

    item = models.ForeignKey(ArchivalItem, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    reason = models.TextField(_("原因"))
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    snapshot = models.JSONField(_("版本快照"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作人"),
    )
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("档案版本")
        verbose_name_plural = _("档案版本")
        ordering = ["item", "number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="archive_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item_id} v{self.number}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ImmutableRecord(_("档案版本不能修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecord(_("档案版本不能删除。"))


class AccessLog(models.Model):
    """Every view, download, print or verification of an item: who, what, when, why."""

    class Action(models.TextChoices):
        VIEW = "view", _("查阅")
        DOWNLOAD = "download", _("下载")
        PRINT = "print", _("打印")
        CORRECT = "correct", _("更正")

    item = models.ForeignKey(
        ArchivalItem, on_delete=models.PROTECT, related_name="access_log", verbose_name=_("档案")
    )
    file = models.ForeignKey(
        ItemFile,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("文件"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("用户"),
    )
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    reason = models.CharField(_("利用目的"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    at = models.DateTimeField(_("时间"), db_index=True)

    class Meta:
        verbose_name = _("档案利用日志")
        verbose_name_plural = _("档案利用日志")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.get_action_display()} {self.item}"


class FixityAlarm(models.Model):
    """A mismatch found by the fixity re-check: a file missing or with another hash, or
    a manifest whose signature no longer verifies."""

    item = models.ForeignKey(ArchivalItem, on_delete=models.PROTECT, related_name="alarms")
    file = models.ForeignKey(
        ItemFile, null=True, blank=True, on_delete=models.PROTECT, related_name="alarms"
    )
    problem = models.CharField(_("问题"), max_length=200)
    expected = models.CharField(_("应为"), max_length=64, blank=True)
    found = models.CharField(_("实际"), max_length=64, blank=True)
    raised_at = models.DateTimeField(_("发现时间"), db_index=True)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolution = models.TextField(_("处理说明"), blank=True)

    class Meta:
        verbose_name = _("固定性告警")
        verbose_name_plural = _("固定性告警")
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return f"{self.item} {self.problem}"


class ItemUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(ArchivalItem, on_delete=models.CASCADE)


class ItemGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(ArchivalItem, on_delete=models.CASCADE)


class BorrowRequest(models.Model):
    """A request to use an item (借阅/利用): who, what, why, how long and how (view, print
    or download). The archive's head approves it; approval grants view on the item until
    `expires_at`, and the expiry sweep takes the grant back."""

    class Kind(models.TextChoices):
        VIEW = "view", _("查阅")
        PRINT = "print", _("打印")
        DOWNLOAD = "download", _("下载")

    class State(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")
        EXPIRED = "expired", _("已到期")

    item = models.ForeignKey(
        ArchivalItem, on_delete=models.PROTECT, related_name="borrows", verbose_name=_("档案")
    )
    borrower = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="archive_borrows",
        verbose_name=_("借阅人"),
    )
    purpose = models.CharField(_("利用目的"), max_length=200)
    kind = models.CharField(_("利用方式"), max_length=10, choices=Kind.choices)
    days = models.PositiveSmallIntegerField(_("借阅天数"))
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)
    expires_at = models.DateTimeField(_("到期时间"), null=True, blank=True, db_index=True)
    # True while this request holds the borrower's guardian grant on the item (a borrower
    # who could already see the item gets no grant, so expiry must not take theirs away).
    holds_grant = models.BooleanField(default=False)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("借阅申请")
        verbose_name_plural = _("借阅申请")
        ordering = ["-requested_at", "-id"]
        permissions = [("approve_borrowrequest", _("审批档案借阅"))]

    def __str__(self) -> str:
        return f"{self.borrower} {self.item} {self.get_kind_display()}"


class LegalHold(models.Model):
    """A legal hold (法律保留/冻结): while not lifted, the item cannot be destroyed."""

    item = models.ForeignKey(
        ArchivalItem, on_delete=models.PROTECT, related_name="holds", verbose_name=_("档案")
    )
    reason = models.CharField(_("保留原因"), max_length=200)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("设置人"),
    )
    placed_at = models.DateTimeField(_("设置时间"))
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("解除人"),
    )
    lifted_at = models.DateTimeField(_("解除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("法律保留")
        verbose_name_plural = _("法律保留")
        ordering = ["-placed_at"]

    def __str__(self) -> str:
        return f"{self.item} {self.reason}"


class Appraisal(models.Model):
    """One appraisal (鉴定) of an item at retention end: extend (with the new retention) or
    destroy (the item may then join a destruction batch)."""

    class Decision(models.TextChoices):
        EXTEND = "extend", _("延长保管期限")
        DESTROY = "destroy", _("销毁")

    item = models.ForeignKey(
        ArchivalItem, on_delete=models.PROTECT, related_name="appraisals", verbose_name=_("档案")
    )
    decision = models.CharField(_("鉴定结论"), max_length=10, choices=Decision.choices)
    new_retention = models.CharField(
        _("新保管期限"), max_length=3, choices=Retention.choices, blank=True
    )
    reason = models.TextField(_("鉴定意见"))
    appraised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("鉴定人"),
    )
    appraised_at = models.DateTimeField(_("鉴定时间"))

    class Meta:
        verbose_name = _("档案鉴定")
        verbose_name_plural = _("档案鉴定")
        ordering = ["-appraised_at", "-id"]

    def __str__(self) -> str:
        return f"{self.item} {self.get_decision_display()}"


class DestructionBatch(models.Model):
    """A destruction batch (销毁批次): proposed by an archivist, approved by the archive's
    head, witnessed by two other people, then executed."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")
        DESTROYED = "destroyed", _("已销毁")

    items = models.ManyToManyField(ArchivalItem, related_name="destruction_batches")
    reason = models.TextField(_("销毁理由"))
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提出人"),
    )
    proposed_at = models.DateTimeField(_("提出时间"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审批人"),
    )
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    witnesses = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True, verbose_name=_("监销人")
    )
    destroyed_at = models.DateTimeField(_("销毁时间"), null=True, blank=True)
    method = models.CharField(_("销毁方式"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("销毁批次")
        verbose_name_plural = _("销毁批次")
        ordering = ["-proposed_at", "-id"]
        permissions = [
            ("approve_destructionbatch", _("审批档案销毁")),
            ("witness_destructionbatch", _("监销档案")),
        ]

    def __str__(self) -> str:
        return f"{_('销毁批次')} {self.pk}"


class DestructionRecord(models.Model):
    """One line of the destruction register (销毁清册), kept permanently: never changed,
    never deleted."""

    batch = models.ForeignKey(
        DestructionBatch, on_delete=models.PROTECT, related_name="records", verbose_name=_("批次")
    )
    item = models.OneToOneField(
        ArchivalItem, on_delete=models.PROTECT, related_name="destruction", verbose_name=_("档案")
    )
    reference_code = models.CharField(_("档号"), max_length=60)
    title = models.CharField(_("题名"), max_length=300)
    year = models.PositiveSmallIntegerField(_("年度"))
    retention = models.CharField(_("保管期限"), max_length=3)
    files = models.PositiveIntegerField(_("文件数"))
    approved_by = models.CharField(_("审批人"), max_length=150)
    witnesses = models.CharField(_("监销人"), max_length=300)
    method = models.CharField(_("销毁方式"), max_length=100)
    destroyed_at = models.DateTimeField(_("销毁时间"))

    class Meta:
        verbose_name = _("销毁清册")
        verbose_name_plural = _("销毁清册")
        ordering = ["-destroyed_at", "reference_code"]

    def __str__(self) -> str:
        return self.reference_code

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ImmutableRecord(_("销毁清册不能修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecord(_("销毁清册不能删除。"))
