from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
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

    # MLPS level 3: passwords expire (PASSWORD_MAX_AGE_DAYS) and may not repeat the last
    # ones; wrong second-factor codes lock the second step (portal/accounts/otp.py).
    password_changed_at = models.DateTimeField(_("密码修改时间"), default=timezone.now)
    otp_failure_count = models.PositiveSmallIntegerField(_("连续验证码错误次数"), default=0)
    otp_failed_at = models.DateTimeField(_("最近验证码错误时间"), null=True, blank=True)
    # Bumped when a device is removed or replaced: sessions verified before no longer are.
    otp_epoch = models.PositiveIntegerField(_("动态口令设备版本"), default=0)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.real_name or self.username

    def save(self, *args, **kwargs) -> None:
        # set_password() leaves the raw password in _password until the save; a hash
        # upgrade on login clears it first, so only real changes are stamped and kept.
        changed = self._password is not None
        if changed:
            self.password_changed_at = timezone.now()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "password_changed_at"}
        super().save(*args, **kwargs)
        if changed:
            PasswordHistory.remember(self)

    def get_full_name(self) -> str:
        return self.real_name or super().get_full_name()

    @property
    def masked_phone(self) -> str:
        """Phone with the middle four digits hidden, as shown to roles without need-to-know."""
        return mask_phone(self.phone)


class PasswordHistory(models.Model):
    """The hashes of a user's recent passwords, so a change cannot reuse one of them."""

    KEEP = 5

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_history"
    )
    password = models.CharField(_("密码哈希"), max_length=128)
    created_at = models.DateTimeField(_("设置时间"), default=timezone.now)

    class Meta:
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"

    @classmethod
    def remember(cls, user) -> None:
        """Keep the user's current hash; forget all but the newest KEEP."""
        cls.objects.create(user=user, password=user.password)
        stale = cls.objects.filter(user=user).order_by("-created_at", "-id")[cls.KEEP :]
        cls.objects.filter(pk__in=list(stale.values_list("pk", flat=True))).delete()


class AuditEvent(models.Model):
    """One security-relevant event. Append-only and hash-chained: each row stores the
    previous row's hash and its own SHA-256 over its content and that hash
    (portal/accounts/audit.py), so an edited or deleted row breaks the chain."""

    class Action(models.TextChoices):
        LOGIN = "login", _("登录")
        LOGOUT = "logout", _("退出")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOCKED_OUT = "locked_out", _("账号锁定")
        OTP_ENROLLED = "otp_enrolled", _("绑定动态口令")
        OTP_VERIFIED = "otp_verified", _("动态口令验证通过")
        OTP_FAILED = "otp_failed", _("动态口令错误")
        OTP_LOCKED = "otp_locked", _("动态口令锁定")
        OTP_RESET = "otp_reset", _("重置动态口令")
        PASSWORD_CHANGED = "password_changed", _("修改密码")
        PERSONAL_DATA_VIEWED = "personal_data_viewed", _("查看个人信息")
        PERSONAL_DATA_EXPORTED = "personal_data_exported", _("导出个人信息")
        PERSONAL_DATA_SEARCHED = "personal_data_searched", _("查找个人信息")
        PERSONAL_DATA_ERASED = "personal_data_erased", _("删除个人信息")
        AUDIT_PURGED = "audit_purged", _("清理过期审计日志")

    # Set by the service before hashing (not auto_now_add, which would overwrite it).
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
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
    # What the event concerns, e.g. "case:JY2026…" or "reporter:42" for personal data.
    target = models.CharField(_("对象"), max_length=200, blank=True)
    success = models.BooleanField(_("结果成功"), default=True)
    ip_address = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    user_agent = models.CharField(_("客户端"), max_length=255, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    prev_hash = models.CharField(_("前一条哈希"), max_length=64, blank=True)
    hash = models.CharField(_("哈希"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.get_action_display()}"


class AuditChainHead(models.Model):
    """The one row (pk=1) every append locks: the chain's newest hash, and the anchor left
    by the retention purge (the hash of the last deleted row, where verification starts)."""

    last_event_id = models.BigIntegerField(null=True, blank=True)
    last_hash = models.CharField(max_length=64, blank=True)
    anchor_event_id = models.BigIntegerField(null=True, blank=True)
    anchor_hash = models.CharField(max_length=64, blank=True)
    anchor_at = models.DateTimeField(null=True, blank=True)
    purged = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")

    def __str__(self) -> str:
        return self.last_hash


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
