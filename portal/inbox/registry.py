"""The personal inbox's sources. Each app that gives people work registers one source;
the inbox asks every source for the person's open tasks and merges them by deadline.

A source returns the total number of its open tasks for the person and the most urgent
`limit` of them, so the inbox never loads a whole table however long a pool grows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from portal.accounts.models import User
from portal.workflow.sla import light


@dataclass(frozen=True)
class Task:
    """One thing waiting for a person: what it is, which step, where to act, and when."""

    title: str
    action: str
    url: str
    deadline: dt.datetime | None = None
    warn_at: dt.datetime | None = None
    received_at: dt.datetime | None = None
    reference: str = ""
    source: str = ""
    source_label: str = ""
    light: str = ""

    @property
    def overdue(self) -> bool:
        return self.deadline is not None and self.light == "red"


@dataclass(frozen=True)
class TaskBatch:
    """A source's answer: how many tasks it holds for the person and the first of them."""

    total: int
    tasks: list[Task]


@dataclass(frozen=True)
class TaskSource:
    """Where tasks come from: `fetch(user, limit)` answers with a TaskBatch; `url` lists
    them all in the source's own page."""

    key: str
    label: str
    fetch: Callable[[User, int], TaskBatch]
    url: str = ""
    order: int = 100


@dataclass
class Inbox:
    """The merged inbox: tasks of every source, most urgent first, and counts per source."""

    tasks: list[Task] = field(default_factory=list)
    sources: list[tuple[TaskSource, int]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(count for _, count in self.sources)

    @property
    def overdue(self) -> int:
        return sum(1 for task in self.tasks if task.overdue)


_SOURCES: dict[str, TaskSource] = {}


def task_source_register(source: TaskSource) -> None:
    """Register (or replace, on reload) an app's task source."""
    _SOURCES[source.key] = source


def task_sources() -> list[TaskSource]:
    return sorted(_SOURCES.values(), key=lambda source: (source.order, source.key))


def _sort_key(task: Task) -> tuple:
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return (task.deadline is None, task.deadline or far, task.received_at or far, task.title)


def inbox_collect(*, user: User, limit: int = 50, now: dt.datetime | None = None) -> Inbox:
    """Everything waiting for `user`, at most `limit` tasks per source, merged by deadline
    (tasks without one last), each with its traffic light."""
    now = now or timezone.now()
    inbox = Inbox()
    for source in task_sources():
        batch = source.fetch(user, limit)
        inbox.sources.append((source, batch.total))
        for task in batch.tasks:
            inbox.tasks.append(
                Task(
                    **{
                        **task.__dict__,
                        "source": source.key,
                        "source_label": source.label,
                        "light": light(now=now, deadline=task.deadline, warn_at=task.warn_at),
                    }
                )
            )
    inbox.tasks.sort(key=_sort_key)
    return inbox
