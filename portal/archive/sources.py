"""What can be filed: a small protocol (ArchiveSource) and its adapter for closed cases.

`record_archive` knows nothing about cases: any finished record that can describe itself as
an ArchiveSource can be filed. The OA hand-off adds a `document_source(document)` beside
`case_source` below.
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
from portal.archive.models import RecordClass, Retention, RetentionRule
from portal.city.models import Category, Department, Street
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
