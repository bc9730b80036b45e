from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

mobile_validator = RegexValidator(
    r"^1[3-9]\d{9}$", _("请输入11位中国大陆手机号码。"), code="invalid_mobile"
)


def mask_phone(phone: str) -> str:
    """A phone number with its middle hidden (138****9000), for roles without need-to-know."""
    return f"{phone[:3]}****{phone[-4:]}" if phone and len(phone) >= 7 else phone


class User(AbstractUser):
    """A staff member. Citizens do not need accounts: they track reports by number and code."""

    real_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(
        _("手机号码"), max_length=11, blank=True, validators=[mobile_validator]
    )
    department = models.ForeignKey(
        "city.Department",
        verbose_name=_("所属部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    # A community office's staff belong to their street's office (the department) and to
    # one community: notices and supervised tasks address communities through it.
    community = models.ForeignKey(
        "city.Community",
        verbose_name=_("所属社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.real_name or self.username

    def get_full_name(self) -> str:
        return self.real_name or super().get_full_name()

    @property
    def masked_phone(self) -> str:
        """Phone with the middle four digits hidden, as shown to roles without need-to-know."""
        return mask_phone(self.phone)


class AuditEvent(models.Model):
    """One security-relevant event. Append-only: no role may change or delete it."""

    class Action(models.TextChoices):
        LOGIN = "login", _("登录")
        LOGOUT = "logout", _("退出")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOCKED_OUT = "locked_out", _("账号锁定")

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text as well: a failed login names a user who may not exist.
    username = models.CharField(_("用户名"), max_length=150, blank=True, db_index=True)
    action = models.CharField(_("事件"), max_length=32, choices=Action.choices, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    user_agent = models.CharField(_("客户端"), max_length=255, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.get_action_display()}"


class Notification(models.Model):
    """A message to one person, shown in their inbox and sent through the configured
    channels (SMS through a gateway interface; the local backend logs it)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title
