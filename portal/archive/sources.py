"""What can be filed: a small protocol (ArchiveSource) and its adapter for closed cases.

`record_archive` knows nothing about cases: any finished record that can describe itself as
an ArchiveSource can be filed. `case_source(case)` adapts a closed case (门类 CG),
`document_source(document)` an issued OA document (门类 WS, 文书).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.accounts.roles import department_group
from portal.archive.models import Classification, RecordClass, Retention, RetentionRule
from portal.city.models import Category, Department, Street
from portal.oa.models import Classification as DocClassification
from portal.oa.models import DocType, OfficialDocument
from portal.oa.models import Status as DocStatus
from portal.workflow.labels import EVENT_LABELS
from portal.workflow.models import Case, CaseGroupObjectPermission, Status


@dataclass(frozen=True)
class SourceFile:
    """One file to copy into the archive; `opener` returns a binary stream."""

    name: str
    opener: Callable[[], IO[bytes]]
    content_type: str
    role: str
    kind: str = ""
    # A stable reference to the file in its source (e.g. "attachment:12:original"), so a
    # re-filing adds only files it has not archived yet.
    source_ref: str = ""
    # The SHA-256 the source recorded, if any: authenticity compares it with the copy.
    sha256: str = ""


@dataclass
class ArchiveSource:
    source_type: str
    source_id: str
    record_class: str
    year: int
    organisation: str
    retention: str
    title: str
    responsible: str
    document_date: dt.date
    document_number: str = ""
    keywords: str = ""
    summary: str = ""
    classification: str = ""
    street: Street | None = None
    department: Department | None = None
    category: Category | None = None
    channel: str = ""
    metadata: dict = field(default_factory=dict)
    history: dict = field(default_factory=dict)
    files: list[SourceFile] = field(default_factory=list)
    # Who may see the item besides archivists (department groups; named people).
    viewer_groups: list[Group] = field(default_factory=list)
    viewer_users: list[User] = field(default_factory=list)
    case: Case | None = None


def retention_for(category: Category) -> str:
    """The category's retention from the 保管期限表; Y for emergency categories without a
    rule; otherwise the district's default."""
    rule = RetentionRule.objects.filter(category=category).first()
    if rule is not None:
        return rule.retention
    if category.is_emergency:
        return Retention.PERMANENT
    return settings.ARCHIVE_DEFAULT_RETENTION


def _person(user: User | None) -> str:
    if user is None:
        return _("系统")
    return user.get_full_name() or user.username


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _case_history(case: Case) -> dict:
    events = [
        {
            "seq": e.seq,
            "action": e.action,
            "label": str(EVENT_LABELS.get(e.action, e.action)),
            "actor": _person(e.actor),
            "actor_username": e.actor.username if e.actor else "",
            "from_status": e.from_status,
            "to_status": e.to_status,
            "comment": e.comment,
            "data": e.data,
            "at": _iso(e.at),
        }
        for e in case.events.select_related("actor").order_by("seq")
    ]
    steps = [
        {
            "step": s.step,
            "label": s.get_step_display(),
            "department": s.department.code if s.department else "",
            "assignee": _person(s.assignee) if s.assignee else "",
            "started_at": _iso(s.started_at),
            "deadline": _iso(s.deadline),
            "finished_at": _iso(s.finished_at),
            "finished_by": _person(s.finished_by) if s.finished_by else "",
            "outcome": s.outcome,
            "on_time": s.on_time,
        }
        for s in case.steps.select_related("department", "assignee", "finished_by")
    ]
    return {"events": events, "steps": steps}


def _evaluation(case: Case) -> dict:
    on_time = None
    if case.handled_at and case.handling_deadline:
        on_time = case.handled_at <= case.handling_deadline
    return {
        "handled_on_time": on_time,
        "handle_work_minutes": case.handle_work_minutes,
        "rework_count": case.rework_count,
        "return_count": case.return_count,
        "extension_count": case.extension_count,
        "satisfaction": case.satisfaction,
        "satisfaction_label": case.get_satisfaction_display() if case.satisfaction else "",
    }


def _attachment_files(case: Case) -> list[SourceFile]:
    files = []
    for a in case.attachments.order_by("uploaded_at", "id"):
        base = a.file.name.rsplit("/", 1)[-1]
        files.append(
            SourceFile(
                name=base,
                opener=lambda a=a: a.file.open("rb"),
                content_type=a.content_type,
                role="attachment",
                kind=a.kind,
                source_ref=f"attachment:{a.pk}:original",
                sha256=a.sha256,
            )
        )
        if a.public_file:
            files.append(
                SourceFile(
                    name=a.public_file.name.rsplit("/", 1)[-1],
                    opener=lambda a=a: a.public_file.open("rb"),
                    content_type="image/jpeg",
                    role="public_copy",
                    kind=a.kind,
                    source_ref=f"attachment:{a.pk}:public",
                )
            )
    return files


def case_source(case: Case) -> ArchiveSource:
    """A closed case as an ArchiveSource: one item (件) per case, 门类 CG, 年度 = the
    closing year, filed under the centre (settings.ARCHIVE_CASE_ORGANISATION)."""
    case = Case.objects.select_related(
        "category__major", "street", "department", "grid__community", "module"
    ).get(pk=case.pk)
    if case.status != Status.CLOSED or case.closed_at is None:
        raise ValidationError(_("只有已结案的案件才能归档。"))
    closed = timezone.localtime(case.closed_at)
    centre = Department.objects.filter(code=settings.ARCHIVE_CASE_ORGANISATION).first()
    responsible = [centre.name if centre else settings.ARCHIVE_CASE_ORGANISATION]
    if case.department and case.department != centre:
        responsible.append(case.department.name)
    place = case.address or case.street.name
    groups = list(
        Group.objects.filter(
            pk__in=CaseGroupObjectPermission.objects.filter(
                content_object=case, permission__codename="view_case"
            ).values("group_id")
        )
    )
    return ArchiveSource(
        source_type="case",
        source_id=str(case.pk),
        record_class=RecordClass.CITY_CASE,
        year=closed.year,
        organisation=settings.ARCHIVE_CASE_ORGANISATION,
        retention=retention_for(case.category),
        title=_("%(place)s%(category)s案件办理材料（%(number)s）")
        % {"place": place, "category": case.category.name, "number": case.number},
        responsible="；".join(responsible),
        document_date=closed.date(),
        document_number=case.number,
        keywords=" ".join(
            p for p in (case.category.major.name, case.category.name, case.street.name) if p
        ),
        summary=_("问题：%(d)s\n处置结果：%(r)s") % {"d": case.description, "r": case.result},
        street=case.street,
        department=case.department,
        category=case.category,
        channel=case.source,
        metadata={
            "case_number": case.number,
            "source": case.source,
            "source_label": case.get_source_display(),
            "category_code": f"{case.category.major.code}{case.category.code}",
            "category": case.category.name,
            "major_category": case.category.major.name,
            "urgency": case.get_urgency_display(),
            "description": case.description,
            "result": case.result,
            "address": case.address,
            "lon": case.lon,
            "lat": case.lat,
            "grid": case.grid.code,
            "grid_geometry": case.grid.geometry,
            "community": case.grid.community.name,
            "street": case.street.name,
            "module": case.module.name,
            "department": case.department.name if case.department else "",
            "reported_at": _iso(case.reported_at),
            "dispatched_at": _iso(case.dispatched_at),
            "handled_at": _iso(case.handled_at),
            "checked_at": _iso(case.checked_at),
            "closed_at": _iso(case.closed_at),
            "handling_deadline": _iso(case.handling_deadline),
            "evaluation": _evaluation(case),
        },
        history=_case_history(case),
        files=_attachment_files(case),
        viewer_groups=groups,
        case=case,
    )


# --- OA documents (文书) -------------------------------------------------------------------

DOCUMENT_SOURCE = "document"

# 保管期限 per 文种 (归档文件整理规则 DA/T 22 and the 机关文件材料归档范围和文书档案保管期限规定,
# 国家档案局令第8号): the organ's own binding and requesting documents are kept permanently,
# its ordinary notices and reports 30 years, correspondence 10 years. A document marked
# 重要公文 is kept permanently whatever its 文种.
DOCUMENT_RETENTION = {
    DocType.RESOLUTION: Retention.PERMANENT,
    DocType.DECISION: Retention.PERMANENT,
    DocType.ORDER: Retention.PERMANENT,
    DocType.COMMUNIQUE: Retention.PERMANENT,
    DocType.REQUEST: Retention.PERMANENT,
    DocType.REPLY: Retention.PERMANENT,
    DocType.MOTION: Retention.PERMANENT,
    DocType.ANNOUNCEMENT: Retention.D30,
    DocType.CIRCULAR: Retention.D30,
    DocType.OPINION: Retention.D30,
    DocType.NOTICE: Retention.D30,
    DocType.BULLETIN: Retention.D30,
    DocType.REPORT: Retention.D30,
    DocType.MINUTES: Retention.D30,
    DocType.LETTER: Retention.D10,
}


@dataclass(frozen=True)
class OrganFiling:
    """How an issuing organ files: the 机构代码 of its 档号 (DA/T 22 wants letters and
    digits, the 机关代字 is Chinese) and the departments whose people see its documents."""

    code: str
    departments: tuple[str, ...]


# By 机关代字. The bureau's office (核稿, 公文文书, 签发) sits in the command centre in this
# district, so the centre's people are the bureau's people until the accounts know organs.
ORGAN_FILING = {
    "建城管": OrganFiling(code="JCGJ", departments=("ZHZX",)),
    "建城管指": OrganFiling(code="ZHZX", departments=("ZHZX",)),
}

_DOCUMENT_CLASSIFICATION = {
    DocClassification.NONE: Classification.NONE,
    DocClassification.INTERNAL: Classification.INTERNAL,
}


def document_retention(document: OfficialDocument) -> str:
    """The 保管期限 of an issued document: Y when it is 重要公文, else by its 文种."""
    if document.important:
        return Retention.PERMANENT
    return DOCUMENT_RETENTION.get(document.doc_type, settings.ARCHIVE_DEFAULT_RETENTION)


def organ_filing(document: OfficialDocument) -> OrganFiling:
    filing = ORGAN_FILING.get(document.organ.code)
    if filing is None:
        raise ValidationError(
            _("发文机关“%(organ)s”没有档号机构代码，不能归档。") % {"organ": document.organ.name}
        )
    return filing


def _document_history(document: OfficialDocument) -> dict:
    events = [
        {
            "seq": e.seq,
            "action": e.action,
            "label": str(DocStatus(e.to_status).label) if e.to_status in DocStatus else e.action,
            "actor": _person(e.actor),
            "actor_username": e.actor.username,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "comment": e.comment,
            "at": _iso(e.at),
        }
        for e in document.events.select_related("actor").order_by("seq")
    ]
    countersigns = [
        {
            "round": c.round,
            "department": c.department.name,
            "decision": c.decision,
            "decision_label": str(c.get_decision_display()),
            "opinion": c.opinion,
            "actor": _person(c.actor) if c.actor else "",
            "at": _iso(c.at),
        }
        for c in document.countersigns.select_related("department", "actor").order_by("round", "id")
    ]
    revisions = [
        {"reason": r.reason, "author": _person(r.author), "at": _iso(r.at)}
        for r in document.revisions.select_related("author").order_by("at", "id")
    ]
    return {"events": events, "countersigns": countersigns, "revisions": revisions}


def _document_files(document: OfficialDocument) -> list[SourceFile]:
    files = [
        SourceFile(
            name=f"{document.number or document.pk}.pdf",
            opener=lambda: document.pdf.open("rb"),
            content_type="application/pdf",
            role="attachment",
            kind="document",
            source_ref=f"oa_document:{document.pk}:pdf:v{document.pdf_version}",
        )
    ]
    for a in document.attachments.order_by("id"):
        files.append(
            SourceFile(
                name=a.file.name.rsplit("/", 1)[-1],
                opener=lambda a=a: a.file.open("rb"),
                content_type=a.content_type,
                role="attachment",
                kind="annex",
                source_ref=f"oa_attachment:{a.pk}",
                sha256=a.sha256,
            )
        )
    return files


def document_source(document: OfficialDocument) -> ArchiveSource:
    """An issued OA document (公文) as an ArchiveSource: one item (件) per document, 门类 WS,
    年度 = the year of its 成文日期, 机构代码 = the issuing organ's, the 公文 PDF and its
    附件 as files, the 发文 trail (events, 会签, revisions) as history. Its PDF must exist
    (`portal.oa.pdf.document_pdf_store`)."""
    document = OfficialDocument.objects.select_related("organ", "signer", "drafter").get(
        pk=document.pk
    )
    if document.status != DocStatus.ISSUED or document.written_on is None:
        raise ValidationError(_("只有已核发的公文才能归档。"))
    if not document.pdf or document.pdf_version != document.version:
        raise ValidationError(_("公文的PDF尚未生成，暂不能归档。"))
    classification = _DOCUMENT_CLASSIFICATION.get(document.classification)
    if classification is None:  # state secrets never get this far; refuse them here too
        raise ValidationError({"classification": _("密级不在允许范围内。")})
    filing = organ_filing(document)
    recipients = [d.name for d in document.recipients.order_by("name")]
    copies_to = [d.name for d in document.copies_to.order_by("name")]
    departments = list(Department.objects.filter(code__in=filing.departments))
    if classification:  # 内部: the named readers (知悉范围) only, as in the OA
        groups, users = [], list(document.readers.all())
    else:
        groups, users = [department_group(d) for d in departments], []
    return ArchiveSource(
        source_type=DOCUMENT_SOURCE,
        source_id=str(document.pk),
        record_class=RecordClass.DOCUMENT,
        year=document.written_on.year,
        organisation=filing.code,
        retention=document_retention(document),
        title=document.title,
        responsible=document.organ.name,
        document_date=document.written_on,
        document_number=document.number,
        keywords=str(document.get_doc_type_display()),
        summary=document.body[:500],
        classification=classification,
        department=departments[0] if departments else None,
        channel="oa",
        metadata={
            "doc_type": document.doc_type,
            "doc_type_label": str(document.get_doc_type_display()),
            "direction": str(document.get_direction_display()),
            "important": document.important,
            "organ": document.organ.name,
            "organ_code": document.organ.code,
            "number": document.number,
            "classification": str(document.get_classification_display()),
            "secrecy_period": document.secrecy_period,
            "urgency": str(document.get_urgency_display()),
            "signer": _person(document.signer) if document.signer else "",
            "drafter": _person(document.drafter),
            "recipients": recipients,
            "copies_to": copies_to,
            "body": document.body,
            "note": document.note,
            "written_on": document.written_on.isoformat(),
            "printed_by": document.printed_by,
            "printed_on": document.printed_on.isoformat() if document.printed_on else None,
            "print_copies": document.print_copies,
            "attachments": [a.name for a in document.attachments.order_by("id")],
        },
        history=_document_history(document),
        files=_document_files(document),
        viewer_groups=groups,
        viewer_users=users,
    )
