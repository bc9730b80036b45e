"""The stored first answer of each idempotent POST, kept for a day.

Its own small app: the key belongs to no business object (the Open311 intake and the
command-centre endpoints share it), and it is purged on its own schedule.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """One client's key for one endpoint, the hash of the body it came with, and the answer
    given to it (status, content type, body), replayed to every retry until it expires."""

    scope = models.CharField(_("范围"), max_length=200)
    key = models.CharField(_("幂等键"), max_length=255)
    request_hash = models.CharField(_("请求摘要"), max_length=64)
    status = models.PositiveSmallIntegerField(_("响应状态码"))
    content_type = models.CharField(_("响应类型"), max_length=100)
    body = models.BinaryField(_("响应内容"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("过期时间"), db_index=True)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
