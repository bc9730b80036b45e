"""Every write to an incoming document (收文): one service per step.

签收 (the registrar receives it: 来文单位, 来文字号, counts) → 登记 (the 收文编号, gap-free per
year, and the 办理时限 on the working calendar) → 初审 (the office checks it belongs here;
otherwise 退文 with the reason) → 拟办 (the office proposes the leader and the lead office)
→ 批办 (the leader's 批示 fixes the lead office 主办, the co-offices 协办 and the readers
传阅) → 承办 (co-offices give their opinions; the lead office records the result, 答复) →
办结 (the registrar closes it once every reader has marked it read, 圈阅). 催办: the
registrar reminds whoever the document waits for, at any open step.

Each service runs in the shared frame of portal.oa.flow: the row is locked, the actor
must be in the flow and hold the step's permission, the state and version must match,
and the action lands in the processing sheet (IncomingEvent) in the same transaction.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.accounts.models import User
from portal.accounts.notifications import notification_send
from portal.city.calendar import deadline_compute
from portal.city.models import Department
from portal.oa import flow
from portal.oa.flow import TransitionConflict
from portal.oa.models import (
    STATE_SECRET,
    Classification,
    IncomingAssist,
    IncomingCirculation,
    IncomingCounter,
    IncomingDocument,
    IncomingEvent,
    IncomingStatus,
    Urgency,
)
from portal.oa.rules import state_secret_message

S = IncomingStatus
RECEIVE = "oa.receive_incoming"
REVIEW = "oa.review_incoming"
INSTRUCT = "oa.instruct_incoming"
HANDLE = "oa.handle_incoming"
# 办理时限 in working days when the registrar gives none, by 紧急程度.
DEFAULT_LIMIT_DAYS = {Urgency.NORMAL: 10, Urgency.URGENT: 5, Urgency.EXTRA_URGENT: 2}
URGEABLE = (S.SCREEN, S.PROPOSE, S.INSTRUCT, S.HANDLE, S.CLOSE)
MAX_CIRCULATION = 30
# The processing sheet's name of each action.
ACTION_LABELS = {
    "receive": gettext_lazy("签收"),
    "register": gettext_lazy("登记"),
    "screen": gettext_lazy("初审"),
    "screen_return": gettext_lazy("退文"),
    "propose": gettext_lazy("拟办"),
    "instruct": gettext_lazy("批办"),
    "assist": gettext_lazy("协办"),
    "reply": gettext_lazy("答复"),
    "read": gettext_lazy("圈阅"),
    "urge": gettext_lazy("催办"),
    "close": gettext_lazy("办结"),
}

__all__ = ["TransitionConflict"]


@dataclass
class IncomingData:
    """What the registrar records at 签收."""

    sender: str
    title: str
    sender_number: str = ""
    doc_type: str = ""
    classification: str = Classification.NONE
    urgency: str = ""
    received_at: dt.datetime | None = None
    pages: int | None = None
    copies: int | None = None
    readers: list[User] = field(default_factory=list)


def incoming_number_format(*, year: int, serial: int) -> str:
    """收文编号: 收〔年份〕序号号."""
    return f"{getattr(settings, 'OA_INCOMING_NUMBER_PREFIX', '收')}〔{year}〕{serial}号"


def incoming_visible_q(user: User) -> Q:
    """The incoming documents `user` may read: the registrars see every one, the office
    from 初审 on, the leader named to instruct it, the lead and co-offices once assigned,
    the readers it circulates to; an 内部 document only if the user is named too."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.has_perm(RECEIVE):
        q = Q(pk__isnull=False)
    else:
        q = Q(leader=user) | Q(
            pk__in=IncomingCirculation.objects.filter(reader=user).values("document_id")
        )
        if user.has_perm(REVIEW):
            q |= ~Q(status=S.REGISTER)
        if user.department_id:
            co = IncomingDocument.co_departments.through.objects.filter(
                department_id=user.department_id
            ).values("incomingdocument_id")
            q |= Q(lead_department_id=user.department_id, status__in=_ASSIGNED) | Q(
                pk__in=co, status__in=_ASSIGNED
            )
    named = IncomingDocument.readers.through.objects.filter(user_id=user.pk).values(
        "incomingdocument_id"
    )
    return q & (Q(classification=Classification.NONE) | Q(pk__in=named))


# The steps from 批办 on, when the lead and co-offices are fixed and may read it.
_ASSIGNED = (S.HANDLE, S.CLOSE, S.CLOSED)


def incoming_may_view(*, user: User, document: IncomingDocument) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return IncomingDocument.objects.filter(incoming_visible_q(user), pk=document.pk).exists()


def _step(document, *, actor, action, allowed, expected_version, at, perm=None):
    return flow.step(
        document,
        model=IncomingDocument,
        may_view=incoming_may_view,
        actor=actor,
        action=action,
        allowed=allowed,
        expected_version=expected_version,
        at=at,
        perm=perm,
        related=("leader", "lead_department", "receiver"),
    )


def _record(document, *, action, actor, to_status, at, comment=""):
    return flow.record(
        document,
        event_model=IncomingEvent,
        action=action,
        actor=actor,
        to_status=to_status,
        at=at,
        comment=comment,
    )


def _person(user: User) -> str:
    return user.get_full_name() or user.username


def _required(value: str, field_name: str, message: str) -> str:
    if not value.strip():
        raise ValidationError({field_name: message})
    return value.strip()


def _name_readers(document: IncomingDocument, people) -> None:
    """For an 内部 document, the people the flow reaches must be named; add them."""
    if document.is_restricted:
        document.readers.add(*[p for p in people if p is not None])


# --- 签收 and 登记 -------------------------------------------------------------------------


@transaction.atomic
def incoming_receive(
    *, actor: User, data: IncomingData, at: dt.datetime | None = None
) -> IncomingDocument:
    """签收: the registrar checks the item and records its receipt; 登记 comes next."""
    if not actor.has_perm(RECEIVE):
        raise flow.refuse()
    now = at or timezone.now()
    errors: dict[str, list[str]] = {}
    if data.classification in STATE_SECRET:
        errors["classification"] = [state_secret_message()]
    if not data.title.strip():
        errors["title"] = [_("请填写标题。")]
    if not data.sender.strip():
        errors["sender"] = [_("请填写来文单位。")]
    received_at = data.received_at or now
    if received_at > now + dt.timedelta(minutes=5):
        errors["received_at"] = [_("收文日期不能晚于现在。")]
    if errors:
        raise ValidationError(errors)
    document = IncomingDocument.objects.create(
        sender=data.sender.strip(),
        sender_number=data.sender_number.strip(),
        title=data.title.strip(),
        doc_type=data.doc_type,
        classification=data.classification,
        urgency=data.urgency,
        received_at=received_at,
        pages=data.pages,
        copies=data.copies,
        receiver=actor,
        status="",  # 签收 is the first entry of the sheet: from nothing to 登记
    )
    document.readers.set({u.pk: u for u in [*data.readers, actor]}.values())
    _record(document, action="receive", actor=actor, to_status=S.REGISTER, at=now)
    document.save()
    return document


def _next_serial(year: int) -> int:
    # The year's counter row stays locked until the transaction ends: concurrent
    # registrations queue here, and a rolled-back one gives its number back (no gaps).
    IncomingCounter.objects.get_or_create(year=year)
    counter = IncomingCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def incoming_limit_default(urgency: str) -> int:
    limits = {**DEFAULT_LIMIT_DAYS, **getattr(settings, "OA_INCOMING_LIMIT_DAYS", {})}
    return limits.get(urgency) or limits[Urgency.NORMAL]


@transaction.atomic
def incoming_register(
    *,
    document: IncomingDocument | int,
    actor: User,
    limit_days: int | None = None,
    comment: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> IncomingDocument:
    """登记: give the 收文编号 (the year's next serial) and start the 办理时限 (working days
    from 签收, on the working calendar)."""
    with _step(
        document,
        actor=actor,
        action="register",
        allowed=[S.REGISTER],
        expected_version=expected_version,
        at=at,
        perm=RECEIVE,
    ) as (document, now):
        days = limit_days or incoming_limit_default(document.urgency)
        if not 1 <= days <= 365:
            raise ValidationError({"limit_days": _("办理时限应为 1 至 365 个工作日。")})
        year = timezone.localdate(now).year
        serial = _next_serial(year)
        document.number_year, document.number_serial = year, serial
        document.number = incoming_number_format(year=year, serial=serial)
        document.limit_days = days
        start = document.received_at
        document.deadline = deadline_compute(start=start, value=days, unit="work_day")
        warn = Decimal(days) * Decimal(str(1 - settings.CASE_WARN_SHARE))
        document.warn_at = deadline_compute(start=start, value=warn, unit="work_day")
        _record(
            document,
            action="register",
            actor=actor,
            to_status=S.SCREEN,
            at=now,
            comment=comment.strip() or document.number,
        )
    return document


# --- 初审, 拟办, 批办 ----------------------------------------------------------------------


@transaction.atomic
def incoming_screen(
    *,
    document: IncomingDocument | int,
    actor: User,
    accepted: bool,
    comment: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> IncomingDocument:
    """初审 by the office: it belongs here and follows the rules (on to 拟办), or it goes
    back to the sender with the reason (退文)."""
    with _step(
        document,
        actor=actor,
        action="screen",
        allowed=[S.SCREEN],
        expected_version=expected_version,
        at=at,
        perm=REVIEW,
    ) as (document, now):
        if accepted:
            _record(
                document,
                action="screen",
                actor=actor,
                to_status=S.PROPOSE,
                at=now,
                comment=comment.strip(),
            )
        else:
            reason = _required(comment, "comment", _("退文须写明理由。"))
            document.return_reason = reason
            document.closed_at = now
            _record(
                document,
                action="screen_return",
                actor=actor,
                to_status=S.RETURNED,
                at=now,
                comment=reason,
            )
    return document


def _check_offices(lead: Department | None, co: list[Department]) -> list[Department]:
    if lead is None:
        raise ValidationError({"lead_department": _("请选择主办单位。")})
    if any(d.pk == lead.pk for d in co):
        raise ValidationError({"co_departments": _("主办单位不能同时是协办单位。")})
    return co


@transaction.atomic
def incoming_propose(
    *,
    document: IncomingDocument | int,
    actor: User,
    leader: User | None,
    lead_department: Department | None,
    co_departments: list[Department] = (),
    comment: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> IncomingDocument:
    """拟办: the office proposes which leader instructs it and which office leads."""
    with _step(
        document,
        actor=actor,
        action="propose",
        allowed=[S.PROPOSE],
        expected_version=expected_version,
        at=at,
        perm=REVIEW,
    ) as (document, now):
        if leader is None or not leader.is_active or not leader.has_perm(INSTRUCT):
            raise ValidationError({"leader": _("请选择有批办权限的领导。")})
        co = _check_offices(lead_department, list(co_departments))
        proposal = _required(comment, "comment", _("请填写拟办意见。"))
        document.leader = leader
        document.lead_department = lead_department
        document.proposal = proposal
        document.co_departments.set(co)
        _name_readers(document, [leader])
        offices = "、".join(d.name for d in co)
        _record(
            document,
            action="propose",
            actor=actor,
            to_status=S.INSTRUCT,
            at=now,
            comment=_("%(p)s（拟请%(l)s批示，%(d)s主办%(c)s）")
            % {
                "p": proposal,
                "l": _person(leader),
                "d": lead_department.name,
                "c": _("，%(o)s协办") % {"o": offices} if offices else "",
            },
        )
    return document


@transaction.atomic
def incoming_instruct(
    *,
    document: IncomingDocument | int,
    actor: User,
    instruction: str,
    lead_department: Department | None,
    co_departments: list[Department] = (),
    circulate: list[User] = (),
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> IncomingDocument:
    """批办 by the leader the office named: the written 批示, one lead office, the
    co-offices and the people it circulates to (传阅)."""
    with _step(
        document,
        actor=actor,
        action="instruct",
        allowed=[S.INSTRUCT],
        expected_version=expected_version,
        at=at,
        perm=INSTRUCT,
    ) as (document, now):
        if actor.pk != document.leader_id:
            raise flow.refuse()
        text = _required(instruction, "instruction", _("请填写批示意见。"))
        co = _check_offices(lead_department, list(co_departments))
        readers = {u.pk: u for u in circulate}
        if len(readers) > MAX_CIRCULATION:
            raise ValidationError(
                {"circulate": _("传阅人最多 %(n)d 人。") % {"n": MAX_CIRCULATION}}
            )
        if document.is_restricted:
            named = set(document.readers.values_list("pk", flat=True))
            outside = [u for u in readers.values() if u.pk not in named]
            if outside:
                raise ValidationError(
                    {
                        "circulate": _("内部收文只能传阅给知悉范围内的人员：%(n)s。")
                        % {"n": "、".join(_person(u) for u in outside)}
                    }
                )
        document.instruction = text
        document.lead_department = lead_department
        document.co_departments.set(co)
        IncomingAssist.objects.bulk_create(
            [IncomingAssist(document=document, department=d) for d in co]
        )
        IncomingCirculation.objects.bulk_create(
            [IncomingCirculation(document=document, reader=u) for u in readers.values()]
        )
        _record(document, action="instruct", actor=actor, to_status=S.HANDLE, at=now, comment=text)
    return document


# --- 承办, 传阅, 答复, 办结 -----------------------------------------------------------------


@transaction.atomic
def incoming_assist(
    *,
    document: IncomingDocument | int,
    actor: User,
    opinion: str,
    at: dt.datetime | None = None,
) -> IncomingDocument:
    """A co-office gives its opinion (协办意见), once. Co-offices work side by side, so
    their own row, not the document's version, tells a double press."""
    with _step(
        document,
        actor=actor,
        action="assist",
        allowed=[S.HANDLE],
        expected_version=None,
        at=at,
        perm=HANDLE,
    ) as (document, now):
        row = document.assists.select_for_update().filter(department_id=actor.department_id)
        row = row.select_related("department").first()
        if row is None:
            raise flow.refuse()
        if row.at is not None:
            raise TransitionConflict(document, "assist")
        row.opinion = _required(opinion, "opinion", _("请填写协办意见。"))
        row.actor, row.at = actor, now
        row.save()
        _record(
            document,
            action="assist",
            actor=actor,
            to_status=S.HANDLE,
            at=now,
            comment=f"{row.department.name}：{row.opinion}",
        )
    return document


@transaction.atomic
def incoming_reply(
    *,
    document: IncomingDocument | int,
    actor: User,
    reply: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> IncomingDocument:
    """答复: the lead office records the result (and the reply to the sender) once every
    co-office has given its opinion; the registrar then closes it."""
    with _step(
        document,
        actor=actor,
        action="reply",
        allowed=[S.HANDLE],
        expected_version=expected_version,
        at=at,
        perm=HANDLE,
    ) as (document, now):
        if actor.department_id is None or actor.department_id != document.lead_department_id:
            raise flow.refuse()
        text = _required(reply, "reply", _("请填写办理结果。"))
        waiting = list(
            document.assists.filter(at__isnull=True).values_list("department__name", flat=True)
        )
        if waiting:
            raise ValidationError(
                {"reply": _("协办单位尚未反馈意见：%(d)s。") % {"d": "、".join(waiting)}}
            )
        document.reply = text
        _record(document, action="reply", actor=actor, to_status=S.CLOSE, at=now, comment=text)
    return document


@transaction.atomic
def incoming_read(
    *,
    document: IncomingDocument | int,
    actor: User,
    comment: str = "",
    at: dt.datetime | None = None,
) -> IncomingDocument:
    """圈阅: a reader it circulates to marks it read, with an optional remark."""
    with _step(
        document,
        actor=actor,
        action="read",
        allowed=[S.HANDLE, S.CLOSE],
        expected_version=None,
        at=at,
    ) as (document, now):
        row = document.circulations.select_for_update().filter(reader=actor).first()
        if row is None:
            raise flow.refuse()
        if row.read_at is not None:
            raise TransitionConflict(document, "read")
        row.read_at, row.comment = now, comment.strip()
        row.save()
        _record(
            document,
            action="read",
            actor=actor,
            to_status=document.status,
            at=now,
            comment=row.comment or _("已阅"),
        )
    return document


def incoming_waiting_for(document: IncomingDocument) -> list[User]:
    """The people the document waits for now (催办 reminds them)."""
    status = document.status
    users = User.objects.filter(is_active=True)
    if status in (S.SCREEN, S.PROPOSE):
        people = users.filter(
            Q(groups__permissions__codename="review_incoming")
            | Q(user_permissions__codename="review_incoming")
        )
    elif status == S.INSTRUCT:
        people = users.filter(pk=document.leader_id)
    elif status == S.HANDLE:
        departments = {document.lead_department_id} | set(
            document.assists.filter(at__isnull=True).values_list("department_id", flat=True)
        )
        people = users.filter(department_id__in=departments).filter(
            Q(groups__permissions__codename="handle_incoming")
            | Q(user_permissions__codename="handle_incoming")
        )
    else:
        people = users.none()
    readers = users.filter(
        pk__in=document.circulations.filter(read_at__isnull=True).values("reader_id")
    )
    found = list(people.distinct()) + (list(readers) if status in (S.HANDLE, S.CLOSE) else [])
    if document.is_restricted:
        named = set(document.readers.values_list("pk", flat=True))
        found = [u for u in found if u.pk in named]
    return list({u.pk: u for u in found}.values())


@transaction.atomic
def incoming_urge(
    *,
    document: IncomingDocument | int,
    actor: User,
    comment: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> IncomingDocument:
    """催办: the registrar reminds whoever the document waits for; each reminder is on the
    sheet and in the reminded people's notifications."""
    with _step(
        document,
        actor=actor,
        action="urge",
        allowed=URGEABLE,
        expected_version=expected_version,
        at=at,
        perm=RECEIVE,
    ) as (document, now):
        people = incoming_waiting_for(document)
        names = "、".join(_person(u) for u in people) or _("无")
        text = comment.strip() or _("请抓紧办理。")
        _record(
            document,
            action="urge",
            actor=actor,
            to_status=document.status,
            at=now,
            comment=_("%(c)s（催办：%(n)s）") % {"c": text, "n": names},
        )
        notification_send(
            recipients=people,
            title=(_("收文催办：%(t)s") % {"t": document.title})[:200],
            body=text,
            url=reverse("oa:incoming_detail", args=[document.pk]),
        )
    return document


@transaction.atomic
def incoming_close(
    *,
    document: IncomingDocument | int,
    actor: User,
    comment: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> IncomingDocument:
    """办结: the registrar closes it once every reader has marked it read."""
    with _step(
        document,
        actor=actor,
        action="close",
        allowed=[S.CLOSE],
        expected_version=expected_version,
        at=at,
        perm=RECEIVE,
    ) as (document, now):
        unread = list(document.circulations.filter(read_at__isnull=True).select_related("reader"))
        if unread:
            raise ValidationError(
                {
                    "comment": _("尚有传阅人未圈阅：%(n)s。")
                    % {"n": "、".join(_person(r.reader) for r in unread)}
                }
            )
        document.closed_at = now
        _record(
            document,
            action="close",
            actor=actor,
            to_status=S.CLOSED,
            at=now,
            comment=comment.strip(),
        )
    return document
