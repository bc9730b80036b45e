"""Reads of 督办: the tasks a person may see, the actions open to them, their inbox share
and the bulletin figures."""

import datetime as dt
from dataclasses import asdict, dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.city.calendar import SHANGHAI
from portal.inbox.registry import Task, TaskBatch
from portal.supervision.models import ExtensionRequest, Status, SupervisedTask
from portal.supervision.services import (
    HANDLE,
    OVERSEE,
    task_is_lead,
    task_is_unit,
    task_may_view,
)


def task_list(*, user: User) -> QuerySet[SupervisedTask]:
    """Every task the user may see: all of them for the leaders who oversee 督办; else
    those they issued and those of their unit (lead or co-unit)."""
    tasks = SupervisedTask.objects.select_related("lead_unit", "issuer")
    if user.has_perm(OVERSEE):
        return tasks.order_by("deadline", "id")
    scope = Q(issuer=user)
    if user.department_id and user.has_perm(HANDLE):
        scope |= Q(lead_unit_id=user.department_id) | Q(co_units=user.department_id)
    # A subquery instead of DISTINCT over the join keeps the rows countable and sliceable.
    ids = SupervisedTask.objects.filter(scope).values("pk")
    return tasks.filter(pk__in=ids).order_by("deadline", "id")


def _pending_extension():
    return Exists(
        ExtensionRequest.objects.filter(
            task=OuterRef("pk"), decision=ExtensionRequest.Decision.PENDING
        )
    )


def task_actions(*, user: User, task: SupervisedTask) -> list[str]:
    """The actions the user may take on the task now (the forms on its page)."""
    if not task_may_view(user=user, task=task):
        return []
    actions: list[str] = []
    pending = task.extensions.filter(decision=ExtensionRequest.Decision.PENDING).exists()
    lead = task_is_lead(user=user, task=task)
    if task.status == Status.ISSUED and lead:
        actions.append("accept")
    if task.status == Status.IN_PROGRESS:
        if task_is_unit(user=user, task=task):
            actions.append("report")
        if lead and not pending:
            actions += ["extension_request", "complete"]
        if pending and user.pk == task.issuer_id:
            actions.append("extension_decide")
    if task.status == Status.CLOSING and user.pk == task.issuer_id:
        actions.append("close")
    return actions


def _waiting_for(user: User) -> Q:
    waiting = Q(issuer=user, status=Status.CLOSING) | Q(
        issuer=user, status=Status.IN_PROGRESS, pending=True
    )
    if user.department_id and user.has_perm(HANDLE):
        waiting |= Q(lead_unit_id=user.department_id, status=Status.ISSUED)
        waiting |= Q(lead_unit_id=user.department_id, status=Status.IN_PROGRESS, pending=False)
    return waiting


def supervision_tasks(user: User, limit: int) -> TaskBatch:
    """The personal inbox's 督办 source: accept and report as the lead unit; decide
    extensions and closures as the issuer. One count and one bounded page."""
    tasks = (
        SupervisedTask.objects.annotate(pending=_pending_extension())
        .filter(_waiting_for(user))
        .order_by("deadline", "id")
    )
    labels = {
        Status.ISSUED: _("签收"),
        Status.CLOSING: _("审核办结"),
    }
    rows = []
    for task in tasks[:limit]:
        if task.status == Status.IN_PROGRESS:
            action = _("审批延期") if task.pending else _("报送进展")
        else:
            action = labels[task.status]
        rows.append(
            Task(
                title=task.title,
                action=action,
                url=reverse("supervision:task_detail", args=[task.pk]),
                deadline=task.deadline,
                received_at=task.issued_at,
                reference=_("督办"),
            )
        )
    return TaskBatch(total=tasks.count(), tasks=rows)


@dataclass
class UnitFigures:
    unit_id: int
    unit: str
    total: int = 0
    on_time: int = 0
    overdue: int = 0
    closed: int = 0
    closed_late: int = 0
    extended: int = 0


def _deadline_at(task: SupervisedTask, moment: dt.datetime) -> dt.datetime:
    """The deadline as it stood at `moment`: the last extension approved by then, or the
    original one."""
    deadline = task.original_deadline
    for request in task.approved:
        if request.decided_at <= moment:
            deadline = request.new_deadline
    return deadline


def bulletin_figures(*, as_of: dt.datetime) -> dict:
    """Per lead unit, the tasks issued by `as_of` as they stood then: in time (open and
    within the deadline), overdue (open past it), closed (of which after the deadline)
    and extended (at least one extension approved). History is rebuilt from the
    timestamps, so a bulletin for a past week gives the same figures whenever it is made."""
    from django.db.models import Prefetch

    tasks = (
        SupervisedTask.objects.filter(issued_at__lte=as_of)
        .select_related("lead_unit")
        .prefetch_related(
            Prefetch(
                "extensions",
                queryset=ExtensionRequest.objects.filter(
                    decision=ExtensionRequest.Decision.APPROVED, decided_at__lte=as_of
                ).order_by("decided_at"),
                to_attr="approved",
            )
        )
    )
    units: dict[int, UnitFigures] = {}
    for task in tasks:
        row = units.setdefault(
            task.lead_unit_id, UnitFigures(unit_id=task.lead_unit_id, unit=task.lead_unit.name)
        )
        row.total += 1
        if task.approved:
            row.extended += 1
        if task.closed_at is not None and task.closed_at <= as_of:
            row.closed += 1
            if task.closed_at > _deadline_at(task, task.closed_at):
                row.closed_late += 1
        elif _deadline_at(task, as_of) < as_of:
            row.overdue += 1
        else:
            row.on_time += 1
    rows = sorted(units.values(), key=lambda r: (-r.overdue, r.unit))
    totals = UnitFigures(unit_id=0, unit=_("合计"))
    for row in rows:
        for name in ("total", "on_time", "overdue", "closed", "closed_late", "extended"):
            setattr(totals, name, getattr(totals, name) + getattr(row, name))
    return {"units": [asdict(r) for r in rows], "totals": asdict(totals)}


def week_bounds(day: dt.date) -> tuple[dt.date, dt.date, dt.datetime]:
    """The Monday–Sunday week holding `day`, and the moment it ends (next Monday 00:00)."""
    start = day - dt.timedelta(days=day.weekday())
    end = start + dt.timedelta(days=6)
    as_of = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)
    return start, end, as_of
