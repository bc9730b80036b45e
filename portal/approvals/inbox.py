"""The personal inbox's approval source: requests waiting for the person's decision, and
for seal keepers the approved 用印 requests waiting for their log entry."""

from django.urls import reverse
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.approvals.selectors import approval_todo, seal_use_todo
from portal.approvals.services import RECORD_SEAL_USE
from portal.inbox.registry import Task, TaskBatch


def approval_tasks(user: User, limit: int) -> TaskBatch:
    """At most `limit` tasks of each kind, oldest first; two counts and two bounded reads."""
    todo = approval_todo(user=user)
    tasks = [
        Task(
            title=task.request.summary,
            reference=task.request.number,
            action=task.stage_name,
            url=reverse("approvals:detail", args=[task.request_id]),
            received_at=task.created_at,
        )
        for task in todo[:limit]
    ]
    total = todo.count() if len(tasks) == limit else len(tasks)
    if user.has_perm(RECORD_SEAL_USE):
        seals = seal_use_todo()
        rows = list(seals[:limit])
        tasks += [
            Task(
                title=request.summary,
                reference=request.number,
                action=_("登记用印"),
                url=reverse("approvals:detail", args=[request.pk]),
                received_at=request.finished_at,
            )
            for request in rows
        ]
        total += seals.count() if len(rows) == limit else len(rows)
    return TaskBatch(total=total, tasks=tasks)
