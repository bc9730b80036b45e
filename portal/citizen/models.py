"""The citizen's side of a case: how it came in, how the reporter follows it, and what they
thought of the result.

The case itself lives in portal/workflow; a PublicReport points to it and holds what only
the public channels need: the tracking number and the hash of the secret query code, the
reporter's e-mail for notifications, the public (possibly redacted) text, moderation
flags, and the Open311 client that sent it. Reporter identity stays on the case, visible
only to centre roles.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.workflow.models import Case, CaseAttachment, Satisfaction
from portal.workflow.pii import EncryptedTextField


class Channel(models.TextChoices):
    WEB = "web", _("网站")
    HOTLINE = "hotline", _("热线电话")
    OPEN311 = "open311", _("Open311 接口")


class ApiClient(models.Model):
    """A client application allowed to POST Open311 service requests (one api_key each)."""

    name = models.CharField(_("应用名称"), max_length=100)
    contact = models.CharField(_("联系人"), max_length=200, blank=True)
    # Only the SHA-256 of the key is kept; the key itself is shown once when created.
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(_("密钥前缀"), max_length=8, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 应用")
        verbose_name_plural = _("Open311 应用")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"


class PublicReport(models.Model):
    """A case reported by the public (web, hotline or Open311), as the public may see it."""

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, related_name="public", verbose_name=_("案件")
    )
    # Random, not derived from the case number, so it can be neither guessed nor enumerated.
    tracking_number = models.CharField(_("查询编号"), max_length=16, unique=True)
    code_hash = models.CharField(max_length=64, editable=False)
    # Open311 clients may look the request up by token (GET tokens/{token}).
    token = models.CharField(max_length=32, unique=True, editable=False)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    api_client = models.ForeignKey(
        ApiClient, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    # Personal data: encrypted at rest (portal/workflow/pii.py).
    email = EncryptedTextField(_("电子邮箱"), max_length=254, blank=True)
    # The text the public sees; moderators may redact it (the case keeps the original).
    public_description = models.TextField(_("公开描述"))
    hidden = models.BooleanField(_("已隐藏"), default=False, db_index=True)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("接线员"),
    )
    # Answers to the category's Open311 attributes, and Open311's media_url.
    attributes = models.JSONField(default=dict, blank=True)
    media_url = models.URLField(blank=True, max_length=500)
    created_at = models.DateTimeField(_("提交时间"), db_index=True)

    class Meta:
        verbose_name = _("公众举报")
        verbose_name_plural = _("公众举报")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("take_hotline", _("热线受理与回访")),
            ("moderate_report", _("审核公众举报")),
            ("view_reporter", _("查看举报人联系方式")),
            # The privacy officer's rights requests: export or erase a reporter's data.
            ("manage_personal_data", _("处理个人信息查询与删除")),
        ]

    def __str__(self) -> str:
        return self.tracking_number


class Rating(models.Model):
    """A reporter's verdict on a closed case: online, or collected by a hotline callback."""

    class Via(models.TextChoices):
        ONLINE = "online", _("网上评价")
        CALLBACK = "callback", _("电话回访")

    report = models.ForeignKey(PublicReport, on_delete=models.CASCADE, related_name="ratings")
    satisfaction = models.CharField(_("满意度"), max_length=12, choices=Satisfaction.choices)
    comment = models.TextField(_("评价意见"), blank=True)
    via = models.CharField(_("方式"), max_length=10, choices=Via.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reopened = models.BooleanField(_("已重新办理"), default=False)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("满意度评价")
        verbose_name_plural = _("满意度评价")
        ordering = ["report", "at", "id"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.get_satisfaction_display()}"


class Moderation(models.Model):
    """One moderator action on a public report or one of its photos (the audit of it)."""

    class Action(models.TextChoices):
        HIDE = "hide", _("隐藏举报")
        SHOW = "show", _("恢复显示")
        REDACT = "redact", _("编辑公开文字")
        HIDE_PHOTO = "hide_photo", _("隐藏照片")
        SHOW_PHOTO = "show_photo", _("恢复照片")

    report = models.ForeignKey(PublicReport, on_delete=models.CASCADE, related_name="moderations")
    attachment = models.ForeignKey(
        CaseAttachment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("操作"), max_length=12, choices=Action.choices)
    reason = models.TextField(_("理由"))
    before = models.TextField(_("修改前"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("审核记录")
        verbose_name_plural = _("审核记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.get_action_display()}"
