"""Reads concerning accounts: the audit chain's verification."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from portal.accounts.audit import event_hash
from portal.accounts.models import AuditChainHead, AuditEvent


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    head_hash: str
    # The first row that does not verify (None when the break is a missing tail).
    broken_event_id: int | None = None
    message: str = ""


def audit_chain_verify() -> ChainReport:
    """Walk the chain from the purge anchor to the head and report the first broken link:
    a row whose content no longer matches its hash (edited), a row whose previous hash is
    not the hash of the row before it (a row deleted or edited before it), or a head that
    names a newer row than the last one found (rows deleted at the end)."""
    head = AuditChainHead.objects.filter(pk=1).first() or AuditChainHead(pk=1)
    expected = head.anchor_hash
    last_id = head.anchor_event_id
    rows = AuditEvent.objects.order_by("id")
    if head.anchor_event_id is not None:
        rows = rows.filter(id__gt=head.anchor_event_id)
    # Rows appended while this runs come after the head read here and continue the chain.
    checked, head_seen = 0, head.last_event_id is None
    for event in rows.iterator(chunk_size=2000):
        if event.prev_hash != expected:
            return ChainReport(
                False,
                checked,
                head.last_hash,
                event.pk,
                _("第 %(id)d 条记录的前一条哈希不符：其前的记录被删除或改动。") % {"id": event.pk},
            )
        if event_hash(event, event.prev_hash) != event.hash:
            return ChainReport(
                False,
                checked,
                head.last_hash,
                event.pk,
                _("第 %(id)d 条记录的内容与其哈希不符：记录被改动。") % {"id": event.pk},
            )
        expected, last_id = event.hash, event.pk
        checked += 1
        head_seen = head_seen or (event.pk == head.last_event_id and event.hash == head.last_hash)
    if not head_seen or (head.last_event_id is None and expected != head.last_hash):
        return ChainReport(
            False,
            checked,
            head.last_hash,
            None,
            _(
                "链尾不符：链头指向第 %(head)s 条，最后一条有效记录为第 %(last)s 条，"
                "末尾记录被删除。"
            )
            % {"head": head.last_event_id, "last": last_id},
        )
    return ChainReport(
        True,
        checked,
        head.last_hash,
        message=_("审计链完整：已校验 %(n)d 条记录。") % {"n": checked},
    )
