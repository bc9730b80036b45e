"""Reads of 通知公告: what a person receives, writes and reviews; read receipts; the
inbox sources."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.inbox.registry import Task, TaskBatch
from portal.notices.models import Notice, NoticeRead, NoticeRecipient, Status
from portal.notices.services import REVIEW, user_unit_q


def notice_received(*, user: User) -> QuerySet[Notice]:
    """Published notices addressed to the user's unit, newest first, with `unit_read`
    (someone of the unit has opened it) and `me_read` (the user has)."""
    unit = user_unit_q(user)
    if unit is None:
        return Notice.objects.none()
    rows = NoticeRecipient.objects.filter(unit, notice=OuterRef("pk"))
    return (
        Notice.objects.filter(status=Status.PUBLISHED)
        .filter(Exists(rows))
        .annotate(
            unit_read=Exists(rows.filter(read_at__isnull=False)),
            me_read=Exists(NoticeRead.objects.filter(notice=OuterRef("pk"), user=user)),
        )
        .order_by("-published_at", "-id")
    )


def notice_written(*, user: User) -> QuerySet[Notice]:
    return Notice.objects.filter(author=user).order_by("-created_at", "-id")


def notice_to_review(*, user: User) -> QuerySet[Notice]:
    if not user.has_perm(REVIEW):
        return Notice.objects.none()
    return (
        Notice.objects.filter(status=Status.REVIEW)
        .exclude(author=user)
        .select_related("author")
        .order_by("submitted_at", "id")
    )


def notice_published(*, user: User) -> QuerySet[Notice]:
    """For reviewers: every published notice (to follow its receipts)."""
    if not user.has_perm(REVIEW):
        return Notice.objects.none()
    return Notice.objects.filter(status=Status.PUBLISHED).order_by("-published_at", "-id")


@dataclass
class Receipts:
    communities_total: int
    communities_read: int
    offices_total: int
    offices_read: int
    unread: list[NoticeRecipient]
    read: list[NoticeRecipient]
    readers: list[NoticeRead]

    @property
    def total(self) -> int:
        return self.communities_total + self.offices_total

    @property
    def read_count(self) -> int:
        return self.communities_read + self.offices_read


def notice_receipts(*, notice: Notice) -> Receipts:
    """阅读回执: how many addressed communities and street offices have read the notice,
    which have not, and who read it when."""
    rows = list(
        notice.recipients.select_related("community__street", "department", "read_by").order_by(
            "department__code", "community__street__code", "community__code"
        )
    )
    communities = [r for r in rows if r.community_id]
    offices = [r for r in rows if r.department_id]
    return Receipts(
        communities_total=len(communities),
        communities_read=sum(1 for r in communities if r.read_at),
        offices_total=len(offices),
        offices_read=sum(1 for r in offices if r.read_at),
        unread=[r for r in rows if not r.read_at],
        read=[r for r in rows if r.read_at],
        readers=list(
            notice.reads.select_related("user", "recipient__community", "recipient__department")
        ),
    )


def notice_review_tasks(user: User, limit: int) -> TaskBatch:
    """Inbox source: notices waiting for the user's review."""
    notices = notice_to_review(user=user)
    return TaskBatch(
        total=notices.count(),
        tasks=[
            Task(
                title=n.title,
                action=_("审核通知"),
                url=reverse("notices:notice_detail", args=[n.pk]),
                received_at=n.submitted_at,
            )
            for n in notices[:limit]
        ],
    )


def notice_unread_tasks(user: User, limit: int) -> TaskBatch:
    """Inbox source: published notices that nobody of the user's unit has read yet."""
    unit = user_unit_q(user)
    if unit is None:
        return TaskBatch(total=0, tasks=[])
    unread = NoticeRecipient.objects.filter(unit, notice=OuterRef("pk"), read_at__isnull=True)
    notices = (
        Notice.objects.filter(status=Status.PUBLISHED)
        .filter(Exists(unread))
        .order_by("published_at", "id")
    )
    return TaskBatch(
        total=notices.count(),
        tasks=[
            Task(
                title=n.title,
                action=_("阅知"),
                url=reverse("notices:notice_detail", args=[n.pk]),
                received_at=n.published_at,
            )
            for n in notices[:limit]
        ],
    )
