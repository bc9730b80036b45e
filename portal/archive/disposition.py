"""Disposition (鉴定销毁) at retention end: the due report, appraisal (extend or destroy),
legal holds, destruction batches (the head's approval, two witnesses), the permanent
destruction register (销毁清册) and the tombstone the destroyed item leaves behind.

An extension is a correction (`services.item_correct` on `retention_extended`), so it is a
new version with the appraisal's reason; the 档号 keeps the retention it was filed with.
A destroyed item keeps its row, 档号 and metadata (state 已销毁); its files' bytes are
removed from storage after the transaction commits and their rows marked purged.
"""

import datetime as dt
from functools import partial
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.archive.models import (
    RETENTION_YEARS,
    Appraisal,
    ArchivalItem,
    DestructionBatch,
    DestructionRecord,
    ItemFile,
    ItemState,
    LegalHold,
    Retention,
)
from portal.archive.search import INDEX as ARCHIVE_INDEX
from portal.archive.services import item_correct
from search.services import outbox_enqueue

APPRAISE_PERM = "archive.appraise_archivalitem"
APPROVE_PERM = "archive.approve_destructionbatch"
WITNESS_PERM = "archive.witness_destructionbatch"
WITNESSES_NEEDED = 2
# Longer is later in this order: an extension must move right.
RETENTION_ORDER = [Retention.D10, Retention.D30, Retention.PERMANENT]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _now(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()


def _held() -> Exists:
    return Exists(LegalHold.objects.filter(item=OuterRef("pk"), lifted_at__isnull=True))


def retention_due(*, at: dt.datetime | None = None) -> QuerySet[ArchivalItem]:
    """Items whose (possibly extended) retention has ended: 年度 + years ≤ this year.
    Permanent (Y) items never are; destroyed ones are gone from the report."""
    year = _now(at).astimezone(SHANGHAI).year
    due = Q()
    for code, years in RETENTION_YEARS.items():
        if years is None:
            continue
        effective = Q(retention_extended=code) | Q(retention_extended="", retention=code)
        due |= effective & Q(year__lte=year - years)
    return (
        ArchivalItem.objects.filter(due)
        .exclude(state__in=[ItemState.DESTROYED, ItemState.PROCESSING])
        .annotate(held=_held())
        .order_by("year", "reference_code")
    )


def _require(actor: User, perm: str, message: str) -> None:
    if not actor.has_perm(perm):
        raise PermissionDenied(message)


def _latest_appraisal(item: ArchivalItem) -> Appraisal | None:
    return item.appraisals.order_by("-appraised_at", "-id").first()


@transaction.atomic
def appraisal_record(
    *,
    item: ArchivalItem,
    actor: User,
    decision: str,
    reason: str,
    new_retention: str = "",
    at: dt.datetime | None = None,
) -> Appraisal:
    """Appraise an item whose retention has ended: extend it (to a longer retention, as a
    versioned correction) or mark it for destruction."""
    _require(actor, APPRAISE_PERM, _("您没有鉴定档案的权限。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请填写鉴定意见。")})
    if not retention_due(at=at).filter(pk=item.pk).exists():
        raise ValidationError(_("该档案保管期限未满，不需鉴定。"))
    if decision == Appraisal.Decision.EXTEND:
        current = RETENTION_ORDER.index(item.effective_retention)
        if new_retention not in Retention.values or RETENTION_ORDER.index(new_retention) <= current:
            raise ValidationError({"new_retention": _("延长后的保管期限必须长于现保管期限。")})
        item_correct(
            item=item,
            actor=actor,
            changes={"retention_extended": new_retention},
            reason=_("鉴定延长保管期限：%s") % reason.strip(),
            at=at,
        )
    elif decision == Appraisal.Decision.DESTROY:
        new_retention = ""
    else:
        raise ValidationError({"decision": _("鉴定结论不正确。")})
    return Appraisal.objects.create(
        item=item,
        decision=decision,
        new_retention=new_retention,
        reason=reason.strip(),
        appraised_by=actor,
        appraised_at=_now(at),
    )


@transaction.atomic
def legal_hold_place(
    *, item: ArchivalItem, actor: User, reason: str, at: dt.datetime | None = None
) -> LegalHold:
    """Freeze an item (litigation, investigation, petition): it cannot be destroyed until
    the hold is lifted."""
    _require(actor, APPRAISE_PERM, _("您没有设置法律保留的权限。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请填写保留原因。")})
    if item.state == ItemState.DESTROYED:
        raise ValidationError(_("该档案已销毁。"))
    return LegalHold.objects.create(
        item=item, reason=reason.strip()[:200], placed_by=actor, placed_at=_now(at)
    )


@transaction.atomic
def legal_hold_lift(*, hold: LegalHold, actor: User, at: dt.datetime | None = None) -> LegalHold:
    """Lift a legal hold (the row stays, with who lifted it and when)."""
    _require(actor, APPRAISE_PERM, _("您没有解除法律保留的权限。"))
    hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
    if hold.lifted_at is not None:
        raise ValidationError(_("该法律保留已解除。"))
    hold.lifted_at = _now(at)
    hold.lifted_by = actor
    hold.save()
    return hold


def _destroyable_problems(items: list[ArchivalItem], *, at: dt.datetime | None) -> list[str]:
    due = set(retention_due(at=at).values_list("pk", flat=True))
    held = set(
        LegalHold.objects.filter(item__in=items, lifted_at__isnull=True).values_list(
            "item_id", flat=True
        )
    )
    problems = []
    for item in items:
        appraisal = _latest_appraisal(item)
        if item.pk in held:
            problems.append(_("%s 处于法律保留中，不能销毁。") % item.reference_code)
        elif item.pk not in due:
            problems.append(_("%s 保管期限未满。") % item.reference_code)
        elif appraisal is None or appraisal.decision != Appraisal.Decision.DESTROY:
            problems.append(_("%s 未经鉴定为销毁。") % item.reference_code)
    return problems


@transaction.atomic
def destruction_propose(
    *, items: list[ArchivalItem], actor: User, reason: str, at: dt.datetime | None = None
) -> DestructionBatch:
    """Put items appraised for destruction into a batch for the head's approval."""
    _require(actor, APPRAISE_PERM, _("您没有提出销毁的权限。"))
    if not items:
        raise ValidationError(_("请选择要销毁的档案。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请填写销毁理由。")})
    problems = _destroyable_problems(items, at=at)
    open_batches = DestructionBatch.objects.filter(
        items__in=items,
        state__in=[DestructionBatch.State.PROPOSED, DestructionBatch.State.APPROVED],
    )
    if open_batches.exists():
        problems.append(_("部分档案已在其他销毁批次中。"))
    if problems:
        raise ValidationError(problems)
    batch = DestructionBatch.objects.create(
        reason=reason.strip(), proposed_by=actor, proposed_at=_now(at)
    )
    batch.items.set(items)
    return batch


def _locked(batch: DestructionBatch | int) -> DestructionBatch:
    pk = batch.pk if isinstance(batch, DestructionBatch) else batch
    return DestructionBatch.objects.select_for_update().get(pk=pk)


@transaction.atomic
def destruction_decide(
    *, batch: DestructionBatch | int, actor: User, approve: bool, at: dt.datetime | None = None
) -> DestructionBatch:
    """The archive head approves or rejects a proposed batch (not their own)."""
    _require(actor, APPROVE_PERM, _("您没有审批销毁的权限。"))
    batch = _locked(batch)
    if batch.state != DestructionBatch.State.PROPOSED:
        raise ValidationError(_("该批次已处理。"))
    if batch.proposed_by_id == actor.pk:
        raise ValidationError(_("不能审批本人提出的销毁批次。"))
    batch.state = DestructionBatch.State.APPROVED if approve else DestructionBatch.State.REJECTED
    batch.approved_by = actor
    batch.approved_at = _now(at)
    batch.save()
    return batch


@transaction.atomic
def destruction_witness(*, batch: DestructionBatch | int, actor: User) -> DestructionBatch:
    """A witness (监销人) signs an approved batch: someone other than the proposer, once."""
    _require(actor, WITNESS_PERM, _("您没有监销的权限。"))
    batch = _locked(batch)
    if batch.state != DestructionBatch.State.APPROVED:
        raise ValidationError(_("批次尚未批准或已销毁。"))
    if batch.proposed_by_id == actor.pk:
        raise ValidationError(_("提出人不能担任监销人。"))
    if batch.witnesses.filter(pk=actor.pk).exists():
        raise ValidationError(_("您已签署监销。"))
    batch.witnesses.add(actor)
    return batch


def _purge_bytes(names: list[str]) -> None:
    from portal.storage import private_storage

    for name in names:
        private_storage().delete(name)


@transaction.atomic
def destruction_execute(
    *, batch: DestructionBatch | int, actor: User, method: str, at: dt.datetime | None = None
) -> DestructionBatch:
    """Destroy an approved, twice-witnessed batch: re-check holds and due dates, write the
    register lines, tombstone each item and purge its files (bytes removed after commit)."""
    _require(actor, APPRAISE_PERM, _("您没有执行销毁的权限。"))
    if not method.strip():
        raise ValidationError({"method": _("请填写销毁方式。")})
    batch = _locked(batch)
    if batch.state != DestructionBatch.State.APPROVED:
        raise ValidationError(_("批次尚未批准或已销毁。"))
    witnesses = list(batch.witnesses.order_by("pk"))
    if len(witnesses) < WITNESSES_NEEDED:
        raise ValidationError(_("需要至少两名监销人签署。"))
    items = list(ArchivalItem.objects.select_for_update().filter(destruction_batches=batch))
    problems = _destroyable_problems(items, at=at)
    if problems:
        raise ValidationError(problems)
    now = _now(at)
    witness_names = "、".join(w.get_full_name() or w.username for w in witnesses)
    approver = batch.approved_by.get_full_name() or batch.approved_by.username
    names: list[str] = []
    for item in items:
        files = item.files.filter(purged_at__isnull=True)
        names += [f.file.name for f in files if f.file.name]
        DestructionRecord.objects.create(
            batch=batch,
            item=item,
            reference_code=item.reference_code,
            title=item.title,
            year=item.year,
            retention=item.effective_retention,
            files=item.files.count(),
            approved_by=approver,
            witnesses=witness_names,
            method=method.strip()[:100],
            destroyed_at=now,
        )
        # ItemFile rows are write-once; purging is the one change a service makes to them.
        files.update(purged_at=now)
        item.state = ItemState.DESTROYED
        item.destroyed_at = now
        item.save(_service=True)
        outbox_enqueue(index=ARCHIVE_INDEX, object_id=item.pk)
    batch.state = DestructionBatch.State.DESTROYED
    batch.destroyed_at = now
    batch.method = method.strip()[:100]
    batch.save()
    transaction.on_commit(partial(_purge_bytes, names))
    return batch


def purged_files(*, item: ArchivalItem) -> QuerySet[ItemFile]:
    """The files a destruction purged (the tombstone's inventory)."""
    return item.files.filter(purged_at__isnull=False)
