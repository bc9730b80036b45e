"""Every write to the archive: filing, processing (PDF + 四性检测), corrections, grants,
fixity re-checks and the access log.

Filing is two steps so the 件号 counter is held only for a moment: `record_archive` takes
the number, creates the item, copies the files and version 1 in one short transaction (the
counter row locked with select_for_update, so numbers in a class are gap-free and committed
in order); the worker then renders the PDF case file and runs 四性检测 in
`archive_item_process`, which signs the manifest and marks the item filed (or failed).
"""

import datetime as dt
import logging
from functools import partial

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, get_users_with_perms, remove_perm

from portal.accounts.models import User
from portal.accounts.notifications import notification_send
from portal.archive import checks
from portal.archive.models import (
    AccessLog,
    ArchivalItem,
    Classification,
    FixityAlarm,
    ItemCounter,
    ItemFile,
    ItemState,
    ItemVersion,
)
from portal.archive.search import INDEX as ARCHIVE_INDEX
from portal.archive.sources import ArchiveSource, SourceFile
from search.services import outbox_enqueue

logger = logging.getLogger(__name__)

VIEW_PERM = "archive.view_archivalitem"
FILE_PERM = "archive.file_archivalitem"
CORRECTABLE = (
    "title",
    "responsible",
    "document_date",
    "document_number",
    "keywords",
    "summary",
    "classification",
    "retention_extended",
)


def _now(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()


def reference_code(
    *, fonds: str, record_class: str, year: int, retention: str, organisation: str, number: int
) -> str:
    """The 档号 of DA/T 22: 全宗号-门类代码·年度-保管期限-机构代码-件号."""
    return f"{fonds}-{record_class}·{year}-{retention}-{organisation}-{number:04d}"


def _next_item_number(
    *, fonds: str, record_class: str, year: int, retention: str, organisation: str
) -> int:
    counter, _created = ItemCounter.objects.select_for_update().get_or_create(
        fonds=fonds,
        record_class=record_class,
        year=year,
        retention=retention,
        organisation=organisation,
    )
    ItemCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db()
    return counter.last


def _snapshot(item: ArchivalItem) -> dict:
    return {
        **{name: str(getattr(item, name)) for name in CORRECTABLE},
        "metadata": item.metadata,
        "history": item.history,
    }


def _store_file(item: ArchivalItem, source: SourceFile, *, at: dt.datetime) -> ItemFile:
    """Copy one file into the archive's private storage. A copy, not a hard link: a link
    shares the inode, so a later edit of the case's file would silently edit the record."""
    with source.opener() as handle:
        digest = checks.sha256_stream(handle)
        handle.seek(0)
        record = ItemFile(
            item=item,
            role=source.role,
            kind=source.kind,
            version=item.version,
            name=source.name,
            content_type=source.content_type,
            size=0,
            sha256=digest,
            source_ref=source.source_ref,
            added_at=at,
        )
        content = handle if isinstance(handle, File) else File(handle)
        record.file.save(source.name, content, save=False)
    record.size = record.file.size
    record.save()
    return record


def _grant_viewers(item: ArchivalItem, source: ArchiveSource) -> None:
    for group in source.viewer_groups:
        assign_perm(VIEW_PERM, group, item)
    for user in source.viewer_users:
        assign_perm(VIEW_PERM, user, item)


def _process_later(item_id: int) -> None:
    from portal.archive.tasks import archive_item_process_task

    transaction.on_commit(partial(archive_item_process_task.enqueue, item_id))


@transaction.atomic
def record_archive(
    *, source: ArchiveSource, actor: User | None = None, at: dt.datetime | None = None
) -> ArchivalItem:
    """File a finished record as an archival item (件): take the next 件号 of its class,
    write the 档号, metadata, history snapshot and version 1, copy every file with its
    SHA-256 and grant the source's viewers; the worker then renders the PDF and runs 四性检测.

    Filing a source that is already filed (a reopened case closed again, a late rating)
    adds a new version with the new description and history and copies the files it did
    not have; the 档号 never changes. Filing an unchanged source does nothing."""
    now = _now(at)
    existing = (
        ArchivalItem.objects.select_for_update()
        .filter(source_type=source.source_type, source_id=source.source_id)
        .first()
    )
    if existing is not None:
        return _refile(existing, source, actor=actor, at=now)
    if source.classification not in Classification.values:
        raise ValidationError({"classification": _("密级不在允许范围内。")})
    number = _next_item_number(
        fonds=_fonds(),
        record_class=source.record_class,
        year=source.year,
        retention=source.retention,
        organisation=source.organisation,
    )
    item = ArchivalItem(
        reference_code=reference_code(
            fonds=_fonds(),
            record_class=source.record_class,
            year=source.year,
            retention=source.retention,
            organisation=source.organisation,
            number=number,
        ),
        fonds=_fonds(),
        record_class=source.record_class,
        year=source.year,
        retention=source.retention,
        organisation=source.organisation,
        item_number=number,
        source_type=source.source_type,
        source_id=source.source_id,
        case=source.case,
        filed_at=now,
        filed_by=actor,
        title=source.title,
        responsible=source.responsible,
        document_date=source.document_date,
        document_number=source.document_number,
        keywords=source.keywords,
        summary=source.summary,
        classification=source.classification,
        street=source.street,
        department=source.department,
        category=source.category,
        channel=source.channel,
        metadata=source.metadata,
        history=source.history,
    )
    item.save()
    for source_file in source.files:
        _store_file(item, source_file, at=now)
    ItemVersion.objects.create(
        item=item,
        number=1,
        reason=_("归档"),
        snapshot=_snapshot(item),
        created_by=actor,
        created_at=now,
    )
    _grant_viewers(item, source)
    outbox_enqueue(index=ARCHIVE_INDEX, object_id=item.pk)
    _process_later(item.pk)
    return item


def _fonds() -> str:
    from django.conf import settings

    return settings.ARCHIVE_FONDS


def _refile(
    item: ArchivalItem, source: ArchiveSource, *, actor: User | None, at: dt.datetime
) -> ArchivalItem:
    known = set(item.files.values_list("source_ref", flat=True))
    new_files = [f for f in source.files if f.source_ref not in known]
    before = _snapshot(item)
    for name in (
        "title",
        "responsible",
        "document_date",
        "document_number",
        "keywords",
        "summary",
        "metadata",
        "history",
    ):
        setattr(item, name, getattr(source, name))
    after = _snapshot(item)
    if after == before and not new_files:
        return item
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k] and k != "history"}
    item.version += 1
    item.state = ItemState.PROCESSING
    item.save(_service=True)
    for source_file in new_files:
        _store_file(item, source_file, at=at)
    ItemVersion.objects.create(
        item=item,
        number=item.version,
        reason=_("来源更新后重新归档"),
        changes=changes,
        snapshot=after,
        created_by=actor,
        created_at=at,
    )
    _grant_viewers(item, source)
    outbox_enqueue(index=ARCHIVE_INDEX, object_id=item.pk)
    _process_later(item.pk)
    return item


def _expected_files(item: ArchivalItem) -> int:
    """How many non-PDF files the item must hold: those its source declared."""
    if item.case_id:
        from portal.archive.sources import case_source

        try:
            return len(case_source(item.case).files)
        except ValidationError:  # the case was reopened since: what was filed is complete
            pass
    if item.source_type == "document":
        from portal.archive.sources import document_source
        from portal.oa.models import OfficialDocument

        document = OfficialDocument.objects.filter(pk=item.source_id).first()
        if document is not None:
            try:
                return len(document_source(document).files)
            except ValidationError:  # its PDF is being re-rendered: what was filed stands
                pass
    return item.files.exclude(role=ItemFile.Role.CASE_FILE).count()


def archive_item_process(*, item_id: int, at: dt.datetime | None = None) -> ArchivalItem:
    """Render the PDF case file of the item's current version (outside any transaction:
    it takes a moment), then store it, sign the manifest and run 四性检测."""
    from portal.archive.pdf import case_file_render

    item = ArchivalItem.objects.get(pk=item_id)
    pdf = None
    if not item.files.filter(role=ItemFile.Role.CASE_FILE, version=item.version).exists():
        pdf = case_file_render(item)
    now = _now(at)
    with transaction.atomic():
        item = ArchivalItem.objects.select_for_update().get(pk=item_id)
        version = item.version
        if (
            pdf is not None
            and not item.files.filter(role=ItemFile.Role.CASE_FILE, version=version).exists()
        ):
            name = f"{item.reference_code}-v{version}.pdf"
            _store_file(
                item,
                SourceFile(
                    name=name,
                    opener=lambda: ContentFile(pdf, name=name),
                    content_type="application/pdf",
                    role=ItemFile.Role.CASE_FILE,
                    kind="",
                    source_ref=f"case_file:v{version}",
                ),
                at=now,
            )
        item.manifest = checks.manifest_build(item)
        item.manifest_sha256, item.manifest_signature = checks.manifest_sign(item.manifest)
        item.check_report = checks.four_properties_check(item, expected_files=_expected_files(item))
        item.checked_at = now
        item.state = ItemState.FILED if item.check_report["passed"] else ItemState.FAILED
        item.fixity_ok = item.check_report["authenticity"]["passed"]
        item.fixity_checked_at = now
        item.save(_service=True)
        outbox_enqueue(index=ARCHIVE_INDEX, object_id=item.pk)
        if not item.check_report["passed"]:
            _alarm_archivists(
                item,
                _("档案 %(code)s 四性检测未通过") % {"code": item.reference_code},
            )
    return item


@transaction.atomic
def item_correct(
    *, item: ArchivalItem | int, actor: User, changes: dict, reason: str, at=None
) -> ArchivalItem:
    """Correct an item's description (更正): a new version with the reason and the
    differences; the 档号, files and history stay as filed. The PDF is rendered anew."""
    if not actor.has_perm(FILE_PERM):
        raise PermissionDenied(_("您没有更正档案的权限。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请填写更正原因。")})
    unknown = set(changes) - set(CORRECTABLE)
    if unknown:
        raise ValidationError(_("不能更正这些字段：%s") % ", ".join(sorted(unknown)))
    if changes.get("classification", "") not in Classification.values:
        raise ValidationError({"classification": _("密级不在允许范围内。")})
    pk = item.pk if isinstance(item, ArchivalItem) else item
    item = ArchivalItem.objects.select_for_update().get(pk=pk)
    now = _now(at)
    before = _snapshot(item)
    for name, value in changes.items():
        setattr(item, name, value)
    after = _snapshot(item)
    diff = {k: [before[k], after[k]] for k in CORRECTABLE if before[k] != after[k]}
    if not diff:
        raise ValidationError(_("没有需要更正的内容。"))
    item.full_clean(exclude=["metadata", "history", "manifest", "check_report"])
    item.version += 1
    item.state = ItemState.PROCESSING
    item.save(_service=True)
    ItemVersion.objects.create(
        item=item,
        number=item.version,
        reason=reason.strip(),
        changes=diff,
        snapshot=after,
        created_by=actor,
        created_at=now,
    )
    AccessLog.objects.create(
        item=item, user=actor, action=AccessLog.Action.CORRECT, reason=reason.strip()[:200], at=now
    )
    outbox_enqueue(index=ARCHIVE_INDEX, object_id=item.pk)
    _process_later(item.pk)
    return item


def item_acl_changed(*, item: ArchivalItem) -> None:
    """Queue the item's search entry after its grants changed (call inside the grant's
    transaction), so the index's access tokens follow guardian."""
    outbox_enqueue(index=ARCHIVE_INDEX, object_id=item.pk)


@transaction.atomic
def item_grant(
    *, item: ArchivalItem, actor: User, user: User | None = None, group: Group | None = None
) -> None:
    """Let a named person (e.g. a leader) or a group see an item. Restricted items are
    shown to named people only: a group grant does not open them."""
    if not actor.has_perm(FILE_PERM):
        raise PermissionDenied(_("您没有授权查阅档案的权限。"))
    if (user is None) == (group is None):
        raise ValidationError(_("请指定一个用户或一个角色。"))
    assign_perm(VIEW_PERM, user or group, item)
    item_acl_changed(item=item)


@transaction.atomic
def item_revoke(
    *, item: ArchivalItem, actor: User, user: User | None = None, group: Group | None = None
) -> None:
    """Withdraw a grant made by item_grant."""
    if not actor.has_perm(FILE_PERM):
        raise PermissionDenied(_("您没有授权查阅档案的权限。"))
    remove_perm(VIEW_PERM, user or group, item)
    item_acl_changed(item=item)


def access_log_record(
    *,
    item: ArchivalItem,
    user: User,
    action: str,
    reason: str = "",
    file: ItemFile | None = None,
    ip: str | None = None,
    at: dt.datetime | None = None,
) -> AccessLog:
    """Write who looked at or took what, when and why (利用登记)."""
    return AccessLog.objects.create(
        item=item, file=file, user=user, action=action, reason=reason[:200], ip=ip, at=_now(at)
    )


def _archivists() -> list[User]:
    users = User.objects.filter(
        is_active=True, groups__permissions__codename="file_archivalitem"
    ).distinct()
    return list(users)


def _alarm_archivists(item: ArchivalItem, title: str, body: str = "") -> None:
    from django.urls import reverse

    notification_send(
        recipients=_archivists(),
        title=title,
        body=body,
        url=reverse("archive:item_detail", args=[item.pk]),
    )


@transaction.atomic
def item_fixity_check(*, item: ArchivalItem | int, at: dt.datetime | None = None) -> list[str]:
    """Re-hash every file of the item and verify the manifest's signature; each mismatch
    raises a FixityAlarm (once while unresolved) and notifies the archivists. Returns the
    problems found."""
    pk = item.pk if isinstance(item, ArchivalItem) else item
    item = ArchivalItem.objects.select_for_update().get(pk=pk)
    now = _now(at)
    problems: list[tuple[ItemFile | None, str, str, str]] = []
    for f in item.files.filter(purged_at__isnull=True).order_by("id"):
        found = checks.file_sha256(f)
        if found is None:
            problems.append((f, _("文件缺失：%s") % f.name, f.sha256, ""))
        elif found != f.sha256:
            problems.append((f, _("摘要值不符：%s") % f.name, f.sha256, found))
    if item.manifest and not checks.manifest_verify(item):
        problems.append((None, _("清单签名无效"), item.manifest_sha256, ""))
    raised = []
    for f, problem, expected, found in problems:
        open_alarm = FixityAlarm.objects.filter(
            item=item, file=f, problem=problem, resolved_at__isnull=True
        )
        if not open_alarm.exists():
            FixityAlarm.objects.create(
                item=item, file=f, problem=problem, expected=expected, found=found, raised_at=now
            )
            raised.append(problem)
    item.fixity_ok = not problems
    item.fixity_checked_at = now
    item.save(_service=True)
    if raised:
        _alarm_archivists(
            item,
            _("档案 %(code)s 固定性校验发现异常") % {"code": item.reference_code},
            "\n".join(raised),
        )
    return [p[1] for p in problems]


def fixity_sweep(*, at: dt.datetime | None = None) -> int:
    """Re-check every item (the daily fixity task); returns the number with problems."""
    bad = 0
    checked = ArchivalItem.objects.exclude(state__in=[ItemState.PROCESSING, ItemState.DESTROYED])
    for pk in checked.values_list("pk", flat=True):
        if item_fixity_check(item=pk, at=at):
            bad += 1
    return bad


def item_viewers(*, item: ArchivalItem) -> list[User]:
    """People holding a direct grant on the item (for the detail page)."""
    return list(
        get_users_with_perms(item, only_with_perms_in=["view_archivalitem"], with_group_users=False)
    )
