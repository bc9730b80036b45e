"""The baselines' own table: a report-like row that the bare views insert, select and update."""

from django.db import models


class BenchRow(models.Model):
    key = models.CharField(max_length=32, unique=True)
    counter = models.IntegerField(default=0)
    text = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key
