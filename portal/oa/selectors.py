"""Reads of the OA: a person's documents (发文 and 收文), the actions open to them and
what waits for them (待办, and the personal inbox's 公文 source)."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import get_objects_for_user

from portal.accounts.models import User
from portal.city.calendar import deadline_compute
from portal.inbox.registry import Task, TaskBatch
from portal.oa.incoming import URGEABLE, incoming_may_view, incoming_visible_q
from portal.oa.models import (
    INCOMING_OPEN,
    Classification,
    Countersign,
    DocumentEvent,
    IncomingAssist,
    IncomingCirculation,
    IncomingDocument,
    IncomingStatus,
    OfficialDocument,
    Status,
)
from portal.oa.services import countersign_open, document_may_view

# Working days an outgoing 特急 / 加急 document may wait at one step (inbox deadlines).
URGENCY_STEP_DAYS = {"extra_urgent": 1, "urgent": 2}


def document_list(*, user: User) -> QuerySet[OfficialDocument]:
    """Every document the user may read: the flow has reached them and, for an 内部
    document, they are named."""
    granted = get_objects_for_user(
        user, "oa.view_officialdocument", klass=OfficialDocument, accept_global_perms=False
    )
    return (
        granted.filter(Q(classification=Classification.NONE) | Q(readers=user))
        .distinct()
        .select_related("organ", "drafter")
        .order_by("-created_at")
    )


def document_actions(*, user: User, document: OfficialDocument) -> list[str]:
    """The actions the user may take on the document now (the buttons on its page)."""
    if not document_may_view(user=user, document=document):
        return []
    status = document.status
    actions: list[str] = []
    if status == Status.DRAFT and user.pk == document.drafter_id:
        actions += ["update", "submit"]
    elif status == Status.REVIEW and user.has_perm("oa.review_document"):
        actions += ["review", "revise"]
    elif status == Status.COUNTERSIGN and user.has_perm("oa.countersign_document"):
        if any(r.department_id == user.department_id for r in countersign_open(document)):
            actions.append("countersign")
    elif status == Status.SIGN and user.pk == document.signer_id:
        actions.append("sign")
    elif user.has_perm("oa.register_document"):
        actions += {
            Status.RECHECK: ["recheck"],
            Status.REGISTER: ["register"],
            Status.DISPATCH: ["dispatch"],
        }.get(status, [])
    return actions


def document_todo(*, user: User) -> list[OfficialDocument]:
    """The documents waiting for the user (待办), oldest first: their own drafts and the
    steps `_outgoing_waiting` finds (the rules of document_actions, in SQL)."""
    waiting = _outgoing_waiting(user).values("pk")
    return list(
        document_list(user=user)
        .filter(Q(pk__in=waiting) | Q(status=Status.DRAFT, drafter=user))
        .order_by("created_at")
    )


def countersign_rows(*, document: OfficialDocument) -> QuerySet[Countersign]:
    return document.countersigns.select_related("department", "actor")


# --- 收文 -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncomingFilter:
    """The register's (收文登记簿) filters; empty values filter nothing."""

    q: str = ""
    status: str = ""
    year: int | None = None
    urgency: str | None = None
    overdue: bool = False


def incoming_list(
    *, user: User, filters: IncomingFilter | None = None, now: dt.datetime | None = None
) -> QuerySet[IncomingDocument]:
    """The incoming documents the user may read, newest first, filtered."""
    f = filters or IncomingFilter()
    qs = IncomingDocument.objects.filter(incoming_visible_q(user))
    if f.q.strip():
        term = f.q.strip()
        qs = qs.filter(
            Q(title__icontains=term)
            | Q(sender__icontains=term)
            | Q(sender_number__icontains=term)
            | Q(number__icontains=term)
        )
    if f.status:
        qs = qs.filter(status=f.status)
    if f.year:
        qs = qs.filter(received_at__year=f.year)
    if f.urgency is not None:
        qs = qs.filter(urgency=f.urgency)
    if f.overdue:
        qs = qs.filter(status__in=INCOMING_OPEN, deadline__lt=now or timezone.now())
    return qs.select_related("lead_department", "leader").order_by("-received_at", "-pk")


def incoming_actions(*, user: User, document: IncomingDocument) -> list[str]:
    """The actions the user may take on the incoming document now."""
    if not incoming_may_view(user=user, document=document):
        return []
    status = document.status
    actions: list[str] = []
    if user.has_perm("oa.receive_incoming"):
        if status == IncomingStatus.REGISTER:
            actions += ["register", "attach"]
        if status == IncomingStatus.SCREEN:
            actions.append("attach")
        if status in URGEABLE:
            actions.append("urge")
        if status == IncomingStatus.CLOSE:
            actions.append("close")
    if user.has_perm("oa.review_incoming"):
        actions += {IncomingStatus.SCREEN: ["screen"], IncomingStatus.PROPOSE: ["propose"]}.get(
            status, []
        )
    if (
        status == IncomingStatus.INSTRUCT
        and user.pk == document.leader_id
        and user.has_perm("oa.instruct_incoming")
    ):
        actions.append("instruct")
    if status == IncomingStatus.HANDLE and user.has_perm("oa.handle_incoming"):
        if user.department_id and user.department_id == document.lead_department_id:
            actions.append("reply")
        if document.assists.filter(department_id=user.department_id, at__isnull=True).exists():
            actions.append("assist")
    if (
        status in (IncomingStatus.HANDLE, IncomingStatus.CLOSE)
        and document.circulations.filter(reader=user, read_at__isnull=True).exists()
    ):
        actions.append("read")
    return actions


# --- the personal inbox's OA source ---------------------------------------------------------

_URGENCY_RANK = Case(
    When(urgency="extra_urgent", then=Value(0)),
    When(urgency="urgent", then=Value(1)),
    default=Value(2),
)


def _outgoing_waiting(user: User) -> QuerySet[OfficialDocument]:
    """Outgoing documents at a step the user may take now (the same rules as
    document_actions, in SQL), with the moment the step began."""
    steps = Q(status=Status.SIGN, signer=user)
    if user.has_perm("oa.review_document"):
        steps |= Q(status=Status.REVIEW)
    if user.has_perm("oa.register_document"):
        steps |= Q(status__in=[Status.RECHECK, Status.REGISTER, Status.DISPATCH])
    if user.has_perm("oa.countersign_document") and user.department_id:
        mine = Countersign.objects.filter(
            document=OuterRef("pk"),
            round=OuterRef("countersign_round"),
            decision=Countersign.Decision.PENDING,
            department_id=user.department_id,
        )
        # Sequential: the department's turn has come when no earlier row still waits.
        earlier = Countersign.objects.filter(
            document=OuterRef("document"),
            round=OuterRef("round"),
            decision=Countersign.Decision.PENDING,
            order__lt=OuterRef("order"),
        )
        turn = mine.filter(~Exists(earlier))
        steps |= Q(status=Status.COUNTERSIGN) & (
            Q(Q(countersign_sequential=False), Exists(mine))
            | Q(Q(countersign_sequential=True), Exists(turn))
        )
    last_event = DocumentEvent.objects.filter(document=OuterRef("pk")).order_by("-seq")
    return (
        OfficialDocument.objects.filter(pk__in=document_list(user=user).values("pk"))
        .filter(steps)
        .annotate(step_at=Subquery(last_event.values("at")[:1]), rank=_URGENCY_RANK)
        .order_by("rank", "step_at", "pk")
    )


def _incoming_waiting(user: User) -> QuerySet[IncomingDocument]:
    """Incoming documents waiting for the user, with which of their roles applies."""
    steps = Q(status=IncomingStatus.INSTRUCT, leader=user)
    unread = IncomingCirculation.objects.filter(
        document=OuterRef("pk"), reader=user, read_at__isnull=True
    )
    steps |= Q(status__in=[IncomingStatus.HANDLE, IncomingStatus.CLOSE]) & Q(Exists(unread))
    if user.has_perm("oa.receive_incoming"):
        steps |= Q(status__in=[IncomingStatus.REGISTER, IncomingStatus.CLOSE])
    if user.has_perm("oa.review_incoming"):
        steps |= Q(status__in=[IncomingStatus.SCREEN, IncomingStatus.PROPOSE])
    assist = IncomingAssist.objects.filter(
        document=OuterRef("pk"), department_id=user.department_id, at__isnull=True
    )
    if user.has_perm("oa.handle_incoming") and user.department_id:
        steps |= Q(status=IncomingStatus.HANDLE) & (
            Q(lead_department_id=user.department_id) | Q(Exists(assist))
        )
    return (
        IncomingDocument.objects.filter(incoming_visible_q(user))
        .filter(steps)
        .annotate(to_read=Exists(unread), to_assist=Exists(assist))
        .order_by(F("deadline").asc(nulls_last=True), "received_at", "pk")
    )


def _incoming_step(user: User, document: IncomingDocument) -> str:
    status = document.status
    if status == IncomingStatus.HANDLE:
        if document.lead_department_id == user.department_id and user.has_perm(
            "oa.handle_incoming"
        ):
            return _("承办（主办）")
        if document.to_assist and user.has_perm("oa.handle_incoming"):
            return _("协办")
        return _("传阅")
    if status == IncomingStatus.CLOSE and not user.has_perm("oa.receive_incoming"):
        return _("传阅")
    return document.get_status_display()


def outgoing_deadline(document: OfficialDocument) -> dt.datetime | None:
    """An outgoing document has no deadline of its own: 特急 and 加急 ones get the
    working days of settings.OA_URGENCY_STEP_DAYS from the moment their step began."""
    days = {**URGENCY_STEP_DAYS, **getattr(settings, "OA_URGENCY_STEP_DAYS", {})}.get(
        document.urgency
    )
    if not days or document.step_at is None:
        return None
    return deadline_compute(start=document.step_at, value=days, unit="work_day")


OUTGOING_PERMS = (
    "oa.review_document",
    "oa.countersign_document",
    "oa.sign_document",
    "oa.register_document",
)


def _bounded(qs: QuerySet, limit: int) -> tuple[int, list]:
    """The first `limit` rows and the total; the count query only when the page is full."""
    rows = list(qs[:limit])
    return (qs.count() if len(rows) == limit else len(rows)), rows


def oa_tasks(user: User, limit: int) -> TaskBatch:
    """The personal inbox's 公文 source: outgoing steps waiting for the user and incoming
    steps assigned to them; per flow one list of at most `limit` rows (and a count when
    it is full), merged by deadline."""
    out_total, outgoing = 0, []
    # Every outgoing step needs one of these permissions: skip the query without them.
    if any(user.has_perm(perm) for perm in OUTGOING_PERMS):
        out_total, outgoing = _bounded(_outgoing_waiting(user), limit)
    in_total, incoming = _bounded(_incoming_waiting(user), limit)
    tasks = [
        Task(
            title=d.title,
            reference=d.number or _("发文"),
            action=d.get_status_display(),
            url=reverse("oa:document_detail", args=[d.pk]),
            deadline=outgoing_deadline(d),
            received_at=d.step_at,
        )
        for d in outgoing
    ]
    tasks += [
        Task(
            title=d.title,
            reference=d.number or _("收文"),
            action=_incoming_step(user, d),
            url=reverse("oa:incoming_detail", args=[d.pk]),
            deadline=d.deadline,
            warn_at=d.warn_at,
            received_at=d.received_at,
        )
        for d in incoming
    ]
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    tasks.sort(key=lambda t: (t.deadline is None, t.deadline or far, t.received_at or far))
    return TaskBatch(total=out_total + in_total, tasks=tasks[:limit])
