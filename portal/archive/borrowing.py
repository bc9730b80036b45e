"""Borrowing (借阅/利用): request → the archive head's approval → a time-limited guardian
grant → expiry. Reads (a borrower's requests, the head's inbox, what a user may do with an
item) live here beside the writes because they share one rule: a grant made by a loan
only opens what the loan's kind allows (查阅 / 打印 / 下载).
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from portal.accounts.models import User
from portal.archive.models import (
    ArchivalItem,
    BorrowRequest,
    ItemGroupObjectPermission,
    ItemState,
    ItemUserObjectPermission,
)
from portal.archive.services import VIEW_PERM, item_acl_changed

APPROVE_PERM = "archive.approve_borrowrequest"
MAX_DAYS = 30
# What each kind of loan allows: printing includes viewing, downloading includes both.
ALLOWS = {
    BorrowRequest.Kind.VIEW: {"view"},
    BorrowRequest.Kind.PRINT: {"view", "print"},
    BorrowRequest.Kind.DOWNLOAD: {"view", "print", "download"},
}


def _now(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()


def borrow_request(
    *,
    item: ArchivalItem,
    borrower: User,
    purpose: str,
    kind: str,
    days: int,
    at: dt.datetime | None = None,
) -> BorrowRequest:
    """Ask to use an item for a purpose, a number of days (1–30) and a kind of use."""
    if not purpose.strip():
        raise ValidationError({"purpose": _("请填写利用目的。")})
    if kind not in BorrowRequest.Kind.values:
        raise ValidationError({"kind": _("利用方式不正确。")})
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError({"days": _("借阅天数应在 1 至 %(max)d 天之间。") % {"max": MAX_DAYS}})
    if item.state == ItemState.DESTROYED:
        raise ValidationError(_("该档案已销毁，不能借阅。"))
    if BorrowRequest.objects.filter(
        item=item, borrower=borrower, state=BorrowRequest.State.PENDING
    ).exists():
        raise ValidationError(_("您对该档案已有待审批的借阅申请。"))
    return BorrowRequest.objects.create(
        item=item,
        borrower=borrower,
        purpose=purpose.strip()[:200],
        kind=kind,
        days=days,
        requested_at=_now(at),
    )


def _has_standing_access(item: ArchivalItem, user: User) -> bool:
    """Whether the user sees the item without any loan (role, group grant, own grant)."""
    from portal.archive.selectors import item_visible

    return item_visible(user=user).filter(pk=item.pk).exists()


@transaction.atomic
def borrow_decide(
    *,
    request: BorrowRequest | int,
    actor: User,
    approve: bool,
    note: str = "",
    at: dt.datetime | None = None,
) -> BorrowRequest:
    """The archive head approves or rejects a pending request. Approval grants the borrower
    view on the item until the loan expires (unless they could already see it, in which
    case no grant is made and expiry takes nothing away)."""
    if not actor.has_perm(APPROVE_PERM):
        raise PermissionDenied(_("您没有审批借阅的权限。"))
    pk = request.pk if isinstance(request, BorrowRequest) else request
    request = (
        BorrowRequest.objects.select_for_update().select_related("item", "borrower").get(pk=pk)
    )
    if request.state != BorrowRequest.State.PENDING:
        raise ValidationError(_("该申请已处理。"))
    if request.borrower_id == actor.pk:
        raise ValidationError(_("不能审批本人的借阅申请。"))
    now = _now(at)
    request.decided_by = actor
    request.decided_at = now
    request.decision_note = note.strip()[:200]
    if not approve:
        request.state = BorrowRequest.State.REJECTED
        request.save()
        return request
    if request.item.state == ItemState.DESTROYED:
        raise ValidationError(_("该档案已销毁，不能借阅。"))
    request.state = BorrowRequest.State.APPROVED
    request.expires_at = now + dt.timedelta(days=request.days)
    owned = _loan_holding_grant(request.item, request.borrower, now=now)
    if owned is None and not _has_standing_access(request.item, request.borrower):
        assign_perm(VIEW_PERM, request.borrower, request.item)
        request.holds_grant = True
        item_acl_changed(item=request.item)
    request.save()
    return request


def _loan_holding_grant(
    item: ArchivalItem, user: User, *, now: dt.datetime
) -> BorrowRequest | None:
    return (
        BorrowRequest.objects.filter(
            item=item,
            borrower=user,
            state=BorrowRequest.State.APPROVED,
            holds_grant=True,
            expires_at__gt=now,
        )
        .order_by("-expires_at")
        .first()
    )


def _active_loans(item: ArchivalItem, user: User, *, now: dt.datetime) -> QuerySet[BorrowRequest]:
    return BorrowRequest.objects.filter(
        item=item, borrower=user, state=BorrowRequest.State.APPROVED, expires_at__gt=now
    )


@transaction.atomic
def borrow_expire(*, request: BorrowRequest | int, at: dt.datetime | None = None) -> bool:
    """End one approved loan whose time is up: hand its grant to another running loan of
    the same borrower and item, or remove it. Returns whether the loan was ended."""
    pk = request.pk if isinstance(request, BorrowRequest) else request
    request = (
        BorrowRequest.objects.select_for_update().select_related("item", "borrower").get(pk=pk)
    )
    now = _now(at)
    if request.state != BorrowRequest.State.APPROVED or request.expires_at > now:
        return False
    if request.holds_grant:
        successor = (
            _active_loans(request.item, request.borrower, now=now)
            .exclude(pk=request.pk)
            .order_by("-expires_at")
            .first()
        )
        if successor is not None:
            successor.holds_grant = True
            successor.save(update_fields=["holds_grant"])
        else:
            remove_perm(VIEW_PERM, request.borrower, request.item)
            item_acl_changed(item=request.item)
    request.state = BorrowRequest.State.EXPIRED
    request.holds_grant = False
    request.ended_at = now
    request.save()
    return True


def borrow_expire_due(*, at: dt.datetime | None = None) -> int:
    """Expire every loan whose time is up (the periodic task); returns how many."""
    now = _now(at)
    due = BorrowRequest.objects.filter(
        state=BorrowRequest.State.APPROVED, expires_at__lte=now
    ).values_list("pk", flat=True)
    return sum(borrow_expire(request=pk, at=now) for pk in list(due))


def borrow_list(*, user: User) -> QuerySet[BorrowRequest]:
    """A borrower's own requests, newest first."""
    return BorrowRequest.objects.filter(borrower=user).select_related("item", "decided_by")


def borrow_inbox(*, user: User) -> QuerySet[BorrowRequest]:
    """Pending requests for the archive head to decide (none for anybody else)."""
    if not user.has_perm(APPROVE_PERM):
        raise PermissionDenied
    return (
        BorrowRequest.objects.filter(state=BorrowRequest.State.PENDING)
        .exclude(borrower=user)
        .select_related("item", "borrower")
        .order_by("requested_at")
    )


def item_use_allowed(
    *, item: ArchivalItem, user: User, action: str, at: dt.datetime | None = None
) -> bool:
    """Whether the user may view, print or download an item they can see. Someone who sees
    it only through a loan may do what their running loans allow; everybody else who sees
    it (role, department, a grant made by an archivist) may do everything."""
    if item.state == ItemState.DESTROYED and action != "view":
        return False
    now = _now(at)
    loans = _active_loans(item, user, now=now)
    if not loans.filter(holds_grant=True).exists():
        return True
    if user.has_perm(VIEW_PERM) and not item.is_restricted:
        return True
    if (
        not item.is_restricted
        and ItemGroupObjectPermission.objects.filter(
            content_object=item,
            group__in=user.groups.all(),
            permission__codename="view_archivalitem",
        ).exists()
    ):
        return True
    if item.is_restricted and user.has_perm("archive.view_restricted_archivalitem"):
        return True
    return any(action in ALLOWS[kind] for kind in loans.values_list("kind", flat=True))


def borrow_grant_exists(*, item: ArchivalItem, user: User) -> bool:
    """Whether the user holds a direct grant on the item (for tests and the admin)."""
    return ItemUserObjectPermission.objects.filter(
        content_object=item, user=user, permission__codename="view_archivalitem"
    ).exists()
