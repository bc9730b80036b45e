"""Every write to an official document: one service per step of the 发文 flow.

起草 → 审核 → 会签 (parallel or sequential; all must agree, any may send it back) → 签发 →
复核 → 登记 (the 发文字号 is given here) → 印制核发 → issued, then handed to the archive
through the `document_issued` signal. As in the case loop, each service locks the document
row, checks the actor's permission and the document's state, applies the step, grants
the next people in the flow the right to read it (django-guardian) and records a
DocumentEvent, all in one transaction; a stale or double press is a TransitionConflict.
"""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from portal.accounts.models import User
from portal.accounts.roles import department_group, role_group
from portal.city.models import Department
from portal.oa import flow
from portal.oa.flow import TransitionConflict
from portal.oa.models import (
    Countersign,
    DocumentCounter,
    DocumentEvent,
    DocumentRevision,
    IssuingOrgan,
    OfficialDocument,
    Status,
)
from portal.oa.rules import DraftData, draft_validate
from portal.oa.search import INDEX as SEARCH_INDEX
from portal.oa.signals import document_issued
from search.services import outbox_enqueue

VIEW = "oa.view_officialdocument"


def document_may_view(*, user: User, document: OfficialDocument) -> bool:
    """The drafter and the people the flow has reached; for an 内部 document only the
    named readers among them."""
    if not user.is_authenticated or not user.is_active:
        return False
    if document.is_restricted and not document.readers.filter(pk=user.pk).exists():
        return False
    return user.has_perm(VIEW, document)


def document_number_format(*, organ: IssuingOrgan, year: int, serial: int) -> str:
    """发文字号 per GB/T 9704: 机关代字〔年份〕序号号, no leading zeros, no 第."""
    return f"{organ.code}〔{year}〕{serial}号"


# --- internal helpers -------------------------------------------------------------------


def _lock(document: OfficialDocument | int) -> OfficialDocument:
    return flow.lock(OfficialDocument, document, ("organ", "signer", "drafter"))


_refuse = flow.refuse


def _record(
    document: OfficialDocument,
    *,
    action: str,
    actor: User,
    to_status: str,
    at: dt.datetime,
    comment: str = "",
) -> DocumentEvent:
    # Every change passes here, grants included: the search entry (text and ACL) follows
    # in the same transaction.
    outbox_enqueue(index=SEARCH_INDEX, object_id=document.pk)
    return flow.record(
        document,
        event_model=DocumentEvent,
        action=action,
        actor=actor,
        to_status=to_status,
        at=at,
        comment=comment,
    )


def _transition(
    document: OfficialDocument | int,
    *,
    actor: User,
    action: str,
    allowed: Iterable[str],
    expected_version: int | None,
    at: dt.datetime | None,
    perm: str | None = None,
):
    """The shared frame (portal.oa.flow.step) for an outgoing document."""
    return flow.step(
        document,
        model=OfficialDocument,
        may_view=document_may_view,
        actor=actor,
        action=action,
        allowed=allowed,
        expected_version=expected_version,
        at=at,
        perm=f"oa.{perm}" if perm else None,
        related=("organ", "signer", "drafter"),
    )


def _revision(document: OfficialDocument, *, actor: User, reason: str, at: dt.datetime) -> None:
    seq = document.revisions.count() + 1
    DocumentRevision.objects.create(
        document=document, seq=seq, body=document.body, reason=reason, author=actor, at=at
    )


def _apply(document: OfficialDocument, data: DraftData) -> None:
    for name in (
        "organ",
        "doc_type",
        "direction",
        "important",
        "classification",
        "secrecy_period",
        "urgency",
        "signer",
        "note",
        "countersign_sequential",
    ):
        setattr(document, name, getattr(data, name))
    document.title = data.title.strip()
    document.body = data.body.strip()
    document.countersign_plan = [d.pk for d in data.countersign]


def _apply_relations(document: OfficialDocument, data: DraftData, drafter: User) -> None:
    document.recipients.set(data.recipients)
    document.copies_to.set(data.copies_to)
    readers = {u.pk: u for u in data.readers}
    readers[drafter.pk] = drafter
    if document.is_restricted and data.signer is not None:
        readers[data.signer.pk] = data.signer
    document.readers.set(readers.values())


# --- drafting -----------------------------------------------------------------------------


@transaction.atomic
def document_create(*, actor: User, data: DraftData, at: dt.datetime | None = None):
    """Start a draft (起草): the rules are checked, the body is revision 1, and only the
    drafter can see it until it is submitted."""
    if not actor.has_perm("oa.draft_document"):
        raise _refuse()
    draft_validate(data)
    now = at or timezone.now()
    document = OfficialDocument(drafter=actor, created_at=now)
    _apply(document, data)
    document.save()
    _apply_relations(document, data, actor)
    for perm in (VIEW, "oa.change_officialdocument"):
        assign_perm(perm, actor, document)
    _revision(document, actor=actor, reason=_("起草"), at=now)
    _record(document, action="create", actor=actor, to_status=Status.DRAFT, at=now)
    document.save()
    return document


@transaction.atomic
def document_update(
    *,
    document: OfficialDocument | int,
    actor: User,
    data: DraftData,
    reason: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> OfficialDocument:
    """The drafter changes the draft; a changed body is kept as a new revision."""
    with _transition(
        document,
        actor=actor,
        action="update",
        allowed=[Status.DRAFT],
        expected_version=expected_version,
        at=at,
    ) as (document, now):
        if actor.pk != document.drafter_id:
            raise _refuse()
        draft_validate(data)
        old_body = document.body
        _apply(document, data)
        _apply_relations(document, data, actor)
        if document.body != old_body:
            if not reason.strip():
                raise ValidationError({"reason": _("修改正文须说明理由。")})
            _revision(document, actor=actor, reason=reason.strip(), at=now)
        _record(document, action="update", actor=actor, to_status=Status.DRAFT, at=now)
    return document


@transaction.atomic
def document_revise(
    *,
    document: OfficialDocument | int,
    actor: User,
    body: str,
    reason: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> OfficialDocument:
    """The office reviewer corrects the body during 审核; the change is traced."""
    with _transition(
        document,
        actor=actor,
        action="revise",
        allowed=[Status.REVIEW],
        expected_version=expected_version,
        at=at,
        perm="review_document",
    ) as (document, now):
        if not body.strip() or not reason.strip():
            raise ValidationError({"reason": _("修改正文须说明理由。")})
        document.body = body.strip()
        _revision(document, actor=actor, reason=reason.strip(), at=now)
        _record(document, action="revise", actor=actor, to_status=Status.REVIEW, at=now)
    return document


def _data_of(document: OfficialDocument) -> DraftData:
    plan = Department.objects.in_bulk(document.countersign_plan)
    return DraftData(
        organ=document.organ,
        doc_type=document.doc_type,
        title=document.title,
        body=document.body,
        direction=document.direction,
        important=document.important,
        classification=document.classification,
        secrecy_period=document.secrecy_period,
        urgency=document.urgency,
        signer=document.signer,
        recipients=list(document.recipients.all()),
        copies_to=list(document.copies_to.all()),
        note=document.note,
        readers=list(document.readers.all()),
        countersign=[plan[pk] for pk in document.countersign_plan if pk in plan],
        countersign_sequential=document.countersign_sequential,
    )


@transaction.atomic
def document_submit(
    *,
    document: OfficialDocument | int,
    actor: User,
    comment: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> OfficialDocument:
    """The drafter sends the draft to the office for 审核."""
    with _transition(
        document,
        actor=actor,
        action="submit",
        allowed=[Status.DRAFT],
        expected_version=expected_version,
        at=at,
    ) as (document, now):
        if actor.pk != document.drafter_id:
            raise _refuse()
        draft_validate(_data_of(document))
        assign_perm(VIEW, role_group("oa_reviewer"), document)
        _record(
            document, action="submit", actor=actor, to_status=Status.REVIEW, at=now, comment=comment
        )
    return document


def _send_back(document: OfficialDocument, *, action: str, actor: User, comment: str, at):
    if not comment.strip():
        raise ValidationError({"comment": _("退回须写明意见。")})
    _record(
        document, action=action, actor=actor, to_status=Status.DRAFT, at=at, comment=comment.strip()
    )


def _open_countersign(document: OfficialDocument) -> None:
    document.countersign_round += 1
    departments = Department.objects.in_bulk(document.countersign_plan)
    for order, department_id in enumerate(document.countersign_plan, start=1):
        Countersign.objects.create(
            document=document,
            round=document.countersign_round,
            order=order,
            department_id=department_id,
        )
        # The whole department may read it; its leaders (countersign_document) act.
        assign_perm(VIEW, department_group(departments[department_id]), document)


def _to_signing(document: OfficialDocument, *, action: str, actor: User, comment: str, at):
    if document.signer is not None:
        assign_perm(VIEW, document.signer, document)
    _record(document, action=action, actor=actor, to_status=Status.SIGN, at=at, comment=comment)


@transaction.atomic
def document_review(
    *,
    document: OfficialDocument | int,
    actor: User,
    approved: bool,
    comment: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> OfficialDocument:
    """审核 by the office: pass it on to 会签 (if departments are named) or 签发, or send it
    back to the drafter with the reasons."""
    with _transition(
        document,
        actor=actor,
        action="review",
        allowed=[Status.REVIEW],
        expected_version=expected_version,
        at=at,
        perm="review_document",
    ) as (document, now):
        if not approved:
            _send_back(document, action="review_return", actor=actor, comment=comment, at=now)
        elif document.countersign_plan:
            _open_countersign(document)
            _record(
                document,
                action="review",
                actor=actor,
                to_status=Status.COUNTERSIGN,
                at=now,
                comment=comment,
            )
        else:
            _to_signing(document, action="review", actor=actor, comment=comment, at=now)
    return document


def countersign_open(document: OfficialDocument) -> list[Countersign]:
    """The rows of the current round that may be signed now: every pending one in parallel
    mode, the first pending one in sequential mode."""
    pending = list(
        document.countersigns.filter(
            round=document.countersign_round, decision=Countersign.Decision.PENDING
        ).select_related("department")
    )
    if document.countersign_sequential:
        return pending[:1]
    return pending


@transaction.atomic
def document_countersign(
    *,
    document: OfficialDocument | int,
    actor: User,
    agreed: bool,
    opinion: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> OfficialDocument:
    """会签 by a leader of one of the named departments: agree, or send the draft back to
    the drafter with comments (the round ends; a resubmission starts a new one). When every
    department has agreed the document goes to 签发."""
    with _transition(
        document,
        actor=actor,
        action="countersign",
        allowed=[Status.COUNTERSIGN],
        expected_version=expected_version,
        at=at,
        perm="countersign_document",
    ) as (document, now):
        if actor.department_id not in document.countersign_plan:
            raise _refuse()
        row = next(
            (r for r in countersign_open(document) if r.department_id == actor.department_id),
            None,
        )
        if row is None:  # already signed, or not this department's turn yet
            raise TransitionConflict(document, "countersign")
        row.actor, row.at, row.opinion = actor, now, opinion.strip()
        if not agreed:
            if not opinion.strip():
                raise ValidationError({"opinion": _("退回须写明会签意见。")})
            row.decision = Countersign.Decision.RETURNED
            row.save()
            document.countersigns.filter(
                round=document.countersign_round, decision=Countersign.Decision.PENDING
            ).update(decision=Countersign.Decision.CANCELLED)
            _send_back(
                document,
                action="countersign_return",
                actor=actor,
                comment=f"{row.department.name}：{opinion.strip()}",
                at=now,
            )
            return
        row.decision = Countersign.Decision.AGREED
        row.save()
        comment = f"{row.department.name}：{opinion.strip() or _('同意')}"
        if countersign_open(document):
            _record(
                document,
                action="countersign",
                actor=actor,
                to_status=Status.COUNTERSIGN,
                at=now,
                comment=comment,
            )
        else:
            _to_signing(document, action="countersign", actor=actor, comment=comment, at=now)
    return document


@transaction.atomic
def document_sign(
    *,
    document: OfficialDocument | int,
    actor: User,
    approved: bool,
    comment: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> OfficialDocument:
    """签发 by the named leader (upward and important documents: the principal leader):
    the signing date becomes the 成文日期; or send it back to the drafter."""
    with _transition(
        document,
        actor=actor,
        action="sign",
        allowed=[Status.SIGN],
        expected_version=expected_version,
        at=at,
        perm="sign_document",
    ) as (document, now):
        if actor.pk != document.signer_id:
            raise _refuse()
        if (document.is_upward or document.important) and not actor.has_perm("oa.sign_principal"):
            raise _refuse()
        if not approved:
            _send_back(document, action="sign_return", actor=actor, comment=comment, at=now)
            return
        document.written_on = timezone.localdate(now)
        assign_perm(VIEW, role_group("oa_registrar"), document)
        _record(
            document,
            action="sign",
            actor=actor,
            to_status=Status.RECHECK,
            at=now,
            comment=comment.strip() or _("同意"),
        )
    return document


@transaction.atomic
def document_recheck(
    *,
    document: OfficialDocument | int,
    actor: User,
    passed: bool,
    comment: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> OfficialDocument:
    """复核 before printing: approvals, content, 文种 and format; a substantive problem
    sends the document back to the drafter (it will be signed again)."""
    with _transition(
        document,
        actor=actor,
        action="recheck",
        allowed=[Status.RECHECK],
        expected_version=expected_version,
        at=at,
        perm="register_document",
    ) as (document, now):
        if not passed:
            document.written_on = None
            _send_back(document, action="recheck_return", actor=actor, comment=comment, at=now)
            return
        _record(
            document,
            action="recheck",
            actor=actor,
            to_status=Status.REGISTER,
            at=now,
            comment=comment,
        )
    return document


def _next_serial(organ: IssuingOrgan, year: int) -> int:
    # The counter row is locked until this transaction ends, so concurrent registrations
    # queue here; a rolled-back registration rolls its number back too: no gaps.
    counter, _created = DocumentCounter.objects.select_for_update().get_or_create(
        organ=organ, year=year
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


@transaction.atomic
def document_register(
    *,
    document: OfficialDocument | int,
    actor: User,
    copies: int | None = None,
    comment: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> OfficialDocument:
    """登记: give the 发文字号 (the organ's next serial of the year) and fix the print run."""
    with _transition(
        document,
        actor=actor,
        action="register",
        allowed=[Status.REGISTER],
        expected_version=expected_version,
        at=at,
        perm="register_document",
    ) as (document, now):
        year = timezone.localdate(now).year
        serial = _next_serial(document.organ, year)
        document.number_year, document.number_serial = year, serial
        document.number = document_number_format(organ=document.organ, year=year, serial=serial)
        document.print_copies = copies
        _record(
            document,
            action="register",
            actor=actor,
            to_status=Status.DISPATCH,
            at=now,
            comment=comment or document.number,
        )
    return document


@transaction.atomic
def document_dispatch(
    *,
    document: OfficialDocument | int,
    actor: User,
    comment: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> OfficialDocument:
    """印制核发: printed, checked and sent out. Once committed the PDF is rendered and the
    document is handed to the archive (the `document_issued` signal)."""
    with _transition(
        document,
        actor=actor,
        action="dispatch",
        allowed=[Status.DISPATCH],
        expected_version=expected_version,
        at=at,
        perm="register_document",
    ) as (document, now):
        document.printed_by = document.organ.name
        document.printed_on = timezone.localdate(now)
        _record(
            document,
            action="dispatch",
            actor=actor,
            to_status=Status.ISSUED,
            at=now,
            comment=comment,
        )
    pk = document.pk
    transaction.on_commit(lambda: document_pdf_enqueue(document_id=pk), robust=True)
    transaction.on_commit(
        lambda: document_issued.send(sender=OfficialDocument, document_id=pk), robust=True
    )
    return document


def document_pdf_enqueue(*, document_id: int) -> None:
    """Render the document's PDF in the background."""
    from portal.oa.tasks import document_pdf_task

    document_pdf_task.enqueue(document_id)
