"""通知公告: the notice and whom it is addressed to, the recipient units fixed at
publication with their first reading, each person's reading, and the audit trail."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    REVIEW = "review", _("待审核")
    PUBLISHED = "published", _("已发布")


class Notice(models.Model):
    """A notice to street offices and communities; published after the office head's review."""

    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="notices_written",
        verbose_name=_("拟稿人"),
    )
    # Whom it is addressed to, as chosen: street offices, every community of some
    # streets, and single communities. Publication turns this into NoticeRecipient rows.
    street_offices = models.ManyToManyField(
        "city.Department", related_name="+", blank=True, verbose_name=_("街道办事处")
    )
    whole_streets = models.ManyToManyField(
        "city.Street", related_name="+", blank=True, verbose_name=_("街道所属全部社区")
    )
    communities = models.ManyToManyField(
        "city.Community", related_name="+", blank=True, verbose_name=_("社区")
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    created_at = models.DateTimeField(_("拟稿时间"))
    submitted_at = models.DateTimeField(_("送审时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    review_comment = models.TextField(_("审核意见"), blank=True)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("通知公告")
        verbose_name_plural = _("通知公告")
        ordering = ["-created_at"]
        permissions = [
            ("draft_notice", _("可以起草通知公告")),
            ("review_notice", _("可以审核通知公告、查看阅读回执")),
        ]

    def __str__(self) -> str:
        return self.title


class NoticeRecipient(models.Model):
    """One addressed unit of a published notice: a street office or a community. It is
    read when the first of its staff opens the notice."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="recipients")
    department = models.ForeignKey(
        "city.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    community = models.ForeignKey(
        "city.Community", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    read_at = models.DateTimeField(_("首次阅读时间"), null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("首次阅读人"),
    )

    class Meta:
        ordering = ["notice", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(department__isnull=True, community__isnull=False)
                | models.Q(department__isnull=False, community__isnull=True),
                name="notices_recipient_one_unit",
            ),
            models.UniqueConstraint(
                fields=["notice", "department"],
                condition=models.Q(department__isnull=False),
                name="notices_recipient_department_once",
            ),
            models.UniqueConstraint(
                fields=["notice", "community"],
                condition=models.Q(community__isnull=False),
                name="notices_recipient_community_once",
            ),
        ]
        indexes = [models.Index(fields=["notice", "read_at"])]

    def __str__(self) -> str:
        return str(self.community or self.department)

    @property
    def unit(self):
        return self.community or self.department


class NoticeRead(models.Model):
    """One person's first opening of a notice, with the unit they read it for."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(NoticeRecipient, on_delete=models.CASCADE, related_name="reads")
    at = models.DateTimeField(_("阅读时间"))

    class Meta:
        ordering = ["notice", "at", "id"]
        constraints = [models.UniqueConstraint(fields=["notice", "user"], name="notices_read_once")]

    def __str__(self) -> str:
        return f"{self.notice_id}/{self.user_id}"


class NoticeEvent(models.Model):
    """The audit trail: drafting, submission, review, publication, reminders."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=30)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    comment = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["notice", "seq"]
        constraints = [models.UniqueConstraint(fields=["notice", "seq"], name="notices_event_seq")]

    def __str__(self) -> str:
        return f"{self.notice_id}#{self.seq} {self.action}"
