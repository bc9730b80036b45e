"""Every write to a notice: one service per step.

起草 (office staff) → 送审 → 审核 by the office head: publish (the addressees become fixed
recipient units and their staff are told) or send back with comments → 阅读 (a unit is
read when the first of its staff opens it; each person's reading is kept too) → 催阅 (the
author or a reviewer reminds the units that have not read it). Each service locks the
notice, checks the actor (server side, per notice) and its state, and records a
NoticeEvent in one transaction; a stale or double press is a NoticeConflict (HTTP 409).
"""

import datetime as dt
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.accounts.notifications import notification_send
from portal.city.models import Community, Department, Street
from portal.notices.models import Notice, NoticeEvent, NoticeRead, NoticeRecipient, Status

DRAFT = "notices.draft_notice"
REVIEW = "notices.review_notice"


class NoticeConflict(Exception):
    """The notice is not (or no longer) in a state this action starts from."""

    def __init__(self, notice: Notice, action: str) -> None:
        self.notice = notice
        self.action = action
        super().__init__(
            _("通知“%(t)s”当前为“%(s)s”，不能执行此操作（可能已被他人处理）。")
            % {"t": notice.title, "s": notice.get_status_display()}
        )


@dataclass
class NoticeData:
    """What the drafter decides: the text and whom it goes to."""

    title: str
    body: str
    street_offices: list[Department] = field(default_factory=list)
    whole_streets: list[Street] = field(default_factory=list)
    communities: list[Community] = field(default_factory=list)


# --- who is who -------------------------------------------------------------------------------


def user_unit_q(user: User) -> Q | None:
    """The recipient rows the user reads for: their community if they work in one, else
    their street office (community staff do not read for the street office)."""
    if user.community_id:
        return Q(community_id=user.community_id)
    if user.department_id:
        return Q(department_id=user.department_id)
    return None


def notice_recipient_of(*, user: User, notice: Notice) -> NoticeRecipient | None:
    """The user's unit's recipient row of a published notice, if it is addressed to it."""
    unit = user_unit_q(user)
    if unit is None or notice.status != Status.PUBLISHED:
        return None
    return notice.recipients.filter(unit).first()


def notice_may_review(*, user: User, notice: Notice) -> bool:
    return user.has_perm(REVIEW) and notice.status in (Status.REVIEW, Status.PUBLISHED)


def notice_may_view(*, user: User, notice: Notice) -> bool:
    """The author; reviewers once it is submitted; the addressed units' staff once it is
    published. Nobody else."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.pk == notice.author_id or notice_may_review(user=user, notice=notice):
        return True
    return notice_recipient_of(user=user, notice=notice) is not None


def notice_may_see_receipts(*, user: User, notice: Notice) -> bool:
    return notice.status == Status.PUBLISHED and (
        user.pk == notice.author_id or user.has_perm(REVIEW)
    )


def recipient_staff(recipients: Iterable[NoticeRecipient]) -> QuerySet[User]:
    """The people who read for these units."""
    departments, communities = [], []
    for row in recipients:
        if row.community_id:
            communities.append(row.community_id)
        else:
            departments.append(row.department_id)
    return User.objects.filter(
        Q(community_id__in=communities) | Q(department_id__in=departments, community__isnull=True),
        is_active=True,
    )


def _refuse() -> PermissionDenied:
    return PermissionDenied(_("您没有执行此操作的权限。"))


def _record(notice: Notice, *, action: str, actor: User, to_status: str, at, comment=""):
    from_status = notice.status
    notice.status = to_status
    notice.version += 1
    return NoticeEvent.objects.create(
        notice=notice,
        seq=notice.events.count() + 1,
        action=action,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        at=at,
    )


@contextmanager
def _transition(
    notice: Notice | int,
    *,
    actor: User,
    action: str,
    allowed: Iterable[str],
    expected_version: int | None,
    at: dt.datetime | None,
):
    pk = notice.pk if isinstance(notice, Notice) else notice
    notice = Notice.objects.select_for_update(of=("self",)).select_related("author").get(pk=pk)
    if not notice_may_view(user=actor, notice=notice):
        raise _refuse()
    if notice.status not in allowed or (
        expected_version is not None and expected_version != notice.version
    ):
        raise NoticeConflict(notice, action)
    yield notice, at or timezone.now()
    notice.save()


def _validate(data: NoticeData) -> None:
    errors: dict[str, list[str]] = {}
    if not data.title.strip():
        errors["title"] = [_("请填写标题。")]
    if not data.body.strip():
        errors["body"] = [_("请填写正文。")]
    if any(d.kind != Department.Kind.STREET for d in data.street_offices):
        errors["street_offices"] = [_("只能选择街道办事处。")]
    if errors:
        raise ValidationError(errors)


def _addressed(notice: Notice) -> bool:
    return (
        notice.street_offices.exists()
        or notice.whole_streets.exists()
        or notice.communities.exists()
    )


def _apply(notice: Notice, data: NoticeData) -> None:
    notice.street_offices.set(data.street_offices)
    notice.whole_streets.set(data.whole_streets)
    notice.communities.set(data.communities)


# --- drafting -----------------------------------------------------------------------------


@transaction.atomic
def notice_create(*, actor: User, data: NoticeData, at: dt.datetime | None = None) -> Notice:
    """起草: a draft only its author sees."""
    if not actor.has_perm(DRAFT):
        raise _refuse()
    _validate(data)
    now = at or timezone.now()
    notice = Notice.objects.create(
        title=data.title.strip(), body=data.body.strip(), author=actor, created_at=now
    )
    _apply(notice, data)
    _record(notice, action="create", actor=actor, to_status=Status.DRAFT, at=now)
    notice.save()
    return notice


@transaction.atomic
def notice_update(
    *,
    notice: Notice | int,
    actor: User,
    data: NoticeData,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Notice:
    """The author changes the draft (also after it was sent back)."""
    with _transition(
        notice,
        actor=actor,
        action="update",
        allowed=[Status.DRAFT],
        expected_version=expected_version,
        at=at,
    ) as (notice, now):
        if actor.pk != notice.author_id:
            raise _refuse()
        _validate(data)
        notice.title, notice.body = data.title.strip(), data.body.strip()
        _apply(notice, data)
        _record(notice, action="update", actor=actor, to_status=Status.DRAFT, at=now)
    return notice


@transaction.atomic
def notice_submit(
    *,
    notice: Notice | int,
    actor: User,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Notice:
    """送审: the author sends the draft to the office head."""
    with _transition(
        notice,
        actor=actor,
        action="submit",
        allowed=[Status.DRAFT],
        expected_version=expected_version,
        at=at,
    ) as (notice, now):
        if actor.pk != notice.author_id:
            raise _refuse()
        if not _addressed(notice):
            raise ValidationError({"street_offices": [_("请至少选择一个接收单位。")]})
        notice.submitted_at = now
        _record(notice, action="submit", actor=actor, to_status=Status.REVIEW, at=now)
    return notice


def _publish(notice: Notice) -> list[NoticeRecipient]:
    rows = [NoticeRecipient(notice=notice, department=d) for d in notice.street_offices.all()]
    communities = {c.pk: c for c in notice.communities.all()}
    for community in Community.objects.filter(street__in=notice.whole_streets.all()):
        communities[community.pk] = community
    rows += [
        NoticeRecipient(notice=notice, community=c)
        for c in sorted(communities.values(), key=lambda c: (c.street_id, c.code))
    ]
    return NoticeRecipient.objects.bulk_create(rows)


@transaction.atomic
def notice_review(
    *,
    notice: Notice | int,
    actor: User,
    approved: bool,
    comment: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Notice:
    """审核 by the office head (not the author): publish to the addressed units, whose
    staff are told, or send it back to the author with comments."""
    with _transition(
        notice,
        actor=actor,
        action="review",
        allowed=[Status.REVIEW],
        expected_version=expected_version,
        at=at,
    ) as (notice, now):
        if not actor.has_perm(REVIEW) or actor.pk == notice.author_id:
            raise _refuse()
        notice.reviewer, notice.review_comment = actor, comment.strip()
        if not approved:
            if not comment.strip():
                raise ValidationError({"comment": [_("退回须写明意见。")]})
            _record(
                notice,
                action="review_return",
                actor=actor,
                to_status=Status.DRAFT,
                at=now,
                comment=comment.strip(),
            )
            notification_send(
                recipients=[notice.author],
                title=_("通知被退回：%(t)s") % {"t": notice.title},
                body=comment.strip(),
                url=f"/notices/{notice.pk}/",
            )
            return
        notice.published_at = now
        rows = _publish(notice)
        _record(
            notice,
            action="publish",
            actor=actor,
            to_status=Status.PUBLISHED,
            at=now,
            comment=comment.strip(),
        )
        notification_send(
            recipients=recipient_staff(rows),
            title=_("新通知：%(t)s") % {"t": notice.title},
            url=f"/notices/{notice.pk}/",
        )
    return notice


def notice_open(*, notice: Notice, user: User, at: dt.datetime | None = None) -> bool:
    """Record that an addressed unit's staff member opened the published notice: their own
    reading once, and the unit's first reading. True when this opening was recorded.
    Concurrent openings by colleagues leave one first reader: the unit row is claimed with
    a conditional update."""
    row = notice_recipient_of(user=user, notice=notice)
    if row is None:
        return False
    now = at or timezone.now()
    try:
        with transaction.atomic():
            NoticeRead.objects.create(notice=notice, user=user, recipient=row, at=now)
    except IntegrityError:  # read before
        return False
    NoticeRecipient.objects.filter(pk=row.pk, read_at__isnull=True).update(
        read_at=now, read_by=user
    )
    return True


@transaction.atomic
def notice_remind(
    *,
    notice: Notice | int,
    actor: User,
    at: dt.datetime | None = None,
) -> int:
    """催阅: the author or a reviewer reminds every unit that has not read the published
    notice; the number of people told is returned."""
    with _transition(
        notice,
        actor=actor,
        action="remind",
        allowed=[Status.PUBLISHED],
        expected_version=None,
        at=at,
    ) as (notice, now):
        if not notice_may_see_receipts(user=actor, notice=notice):
            raise _refuse()
        unread = list(notice.recipients.filter(read_at__isnull=True))
        if not unread:
            raise ValidationError({"__all__": [_("所有接收单位均已阅读。")]})
        told = notification_send(
            recipients=recipient_staff(unread),
            title=_("请及时阅读通知：%(t)s") % {"t": notice.title},
            url=f"/notices/{notice.pk}/",
        )
        _record(
            notice,
            action="remind",
            actor=actor,
            to_status=notice.status,
            at=now,
            comment=_("催阅 %(u)d 个单位、%(p)d 人") % {"u": len(unread), "p": told},
        )
    return told
