"""Search storage: the transactional outbox, and the database backend's index table."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxEntry(models.Model):
    """An object whose index entry must be refreshed. Written in the same transaction as the
    change, so a failed or absent search engine delays freshness but never loses an update."""

    index = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("索引待办")
        verbose_name_plural = _("索引待办")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.index}:{self.object_id}"


class SearchEntry(models.Model):
    """One document in the database backend. `words` holds the jieba-segmented text,
    `chars` every CJK character once, so one-character queries find words too; `acl`
    the tokens allowed to see it, space-delimited."""

    index = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64)
    title = models.CharField(max_length=300)
    body = models.TextField()
    words = models.TextField()
    chars = models.TextField()
    acl = models.TextField()
    fields = models.JSONField(default=dict)
    sort_at = models.DateTimeField(null=True, db_index=True)
    url = models.CharField(max_length=300)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["index", "object_id"], name="search_entry_unique")
        ]

    def __str__(self) -> str:
        return f"{self.index}:{self.object_id}"
