"""The command-centre dashboard (指挥中心大屏): who sees what, the HTTP snapshot, the charts,
and the live broadcast of every case event after its transaction commits.

Per-role filtering is done with channel-layer groups: centre staff (workflow.view_case)
join `command.centre`, a department's users join `command.dept.<id>`. Each event goes to
the centre group and to the group of the case's current department only, so a department
never receives another department's events. Nothing is sent before commit: the receiver
of `case_event_recorded` defers to `transaction.on_commit`, so a rolled-back transition
sends nothing.

The event id (CaseEvent.pk) is the sequence number: a client that lost its socket
reconnects, then re-reads the snapshot with `since=<last id>`; the snapshot's case states
carry each case's version, so the client keeps whichever of the two is newer.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import Avg, Count, F, Max, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.city.calendar import SHANGHAI
from portal.city.models import Department
from portal.workflow.evaluation import (
    NOT_DUE_TO_CLOSE,
    PUBLIC_SOURCES,
    Period,
    area_evaluation,
    department_evaluation,
    headline_get,
)
from portal.workflow.labels import EVENT_LABELS
from portal.workflow.models import (
    OPEN_STATUSES,
    Case,
    CaseEvent,
    EmergencyAlarm,
    Source,
    Status,
)
from portal.workflow.selectors import case_visible
from portal.workflow.sla import Light, light

logger = logging.getLogger(__name__)

CENTRE_GROUP = "command.centre"
# Department roles that may watch their own department's cases on the dashboard.
DEPARTMENT_ROLES = ("部门处置员", "部门领导", "街道办")
FEED_LENGTH = 50
CHART_DAYS = 30


def department_group_name(department_id: int) -> str:
    return f"command.dept.{department_id}"


@dataclass(frozen=True)
class Scope:
    """What one dashboard user watches: the whole district, or one department's cases."""

    department_id: int | None = None

    @property
    def centre(self) -> bool:
        return self.department_id is None

    @property
    def groups(self) -> list[str]:
        return [CENTRE_GROUP] if self.centre else [department_group_name(self.department_id)]


def dashboard_scope(*, user: User) -> Scope | None:
    """The user's dashboard scope, or None when they may not watch it: centre staff with
    workflow.view_case see everything; staff holding a department role see their
    department's cases; everyone else is refused."""
    if not (user and user.is_authenticated and user.is_active and user.is_staff):
        return None
    if user.has_perm("workflow.view_case"):
        return Scope()
    if (
        user.department_id
        and user.department.kind != Department.Kind.CENTRE
        and user.groups.filter(name__in=DEPARTMENT_ROLES).exists()
    ):
        return Scope(department_id=user.department_id)
    return None


def scope_cases(*, scope: Scope, user: User) -> QuerySet[Case]:
    """The cases a scope covers: all for the centre; for a department, the cases currently
    with it that the user may see (its guardian grants)."""
    if scope.centre:
        return Case.objects.all()
    return case_visible(user=user).filter(department_id=scope.department_id)


# --- payloads -------------------------------------------------------------------------------


def case_state(case: Case, *, now: dt.datetime) -> dict:
    """What a dashboard shows of a case: its pin, status and light (no reporter, no text
    beyond the category and the address)."""
    return {
        "number": case.number,
        "version": case.version,
        "status": case.status,
        "status_label": str(Status(case.status).label),
        "open": case.status in OPEN_STATUSES,
        "category": case.category.name,
        "emergency": case.category.is_emergency,
        "light": light(now=now, deadline=case.step_deadline, warn_at=case.step_warn_at),
        "lon": case.lon,
        "lat": case.lat,
        "grid": case.grid_id,
        "module": case.module_id,
        "department": case.department_id,
        "address": case.address,
        "url": f"/cases/{case.number}/",
    }


def event_payload(event: CaseEvent, case: Case, *, now: dt.datetime) -> dict:
    return {
        "type": "event",
        "id": event.pk,
        "action": event.action,
        "label": str(EVENT_LABELS.get(event.action, event.action)),
        "from_status": event.from_status,
        "to_status": event.to_status,
        "at": event.at.isoformat(),
        "actor": str(event.actor) if event.actor_id else "",
        "case": case_state(case, now=now),
    }


def alarm_payload(alarm: EmergencyAlarm, *, kind: str = "alarm") -> dict:
    case = alarm.case
    return {
        "type": kind,
        "id": alarm.pk,
        "case": case.number,
        "category": case.category.name,
        "address": case.address,
        "lon": case.lon,
        "lat": case.lat,
        "plan": alarm.plan.name if alarm.plan_id else "",
        "raised_at": alarm.raised_at.isoformat(),
        "respond_by": alarm.respond_by.isoformat(),
        "acknowledged_at": alarm.acknowledged_at.isoformat() if alarm.acknowledged_at else None,
        "acknowledged_by": str(alarm.acknowledged_by) if alarm.acknowledged_by_id else "",
        "called": alarm.called.count(),
        "url": f"/cases/{case.number}/",
    }


# --- broadcast ------------------------------------------------------------------------------


def _groups_of(case: Case) -> list[str]:
    groups = [CENTRE_GROUP]
    if case.department_id:
        groups.append(department_group_name(case.department_id))
    return groups


def _group_send(groups: list[str], message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        for group in groups:
            async_to_sync(layer.group_send)(group, message)
    except Exception:  # a down channel layer must not fail the request that committed
        logger.exception("dashboard broadcast failed")


def event_broadcast(*, event: CaseEvent, case: Case) -> None:
    """Send one committed event to the dashboards allowed to see it."""
    payload = event_payload(event, case, now=timezone.now())
    _group_send(_groups_of(case), {"type": "dashboard.message", "payload": payload})


def alarm_broadcast_on_commit(*, alarm: EmergencyAlarm, kind: str = "alarm") -> None:
    """After commit, show the alarm on the centre's dashboards and, once the case is with a
    department, on that department's too (never on other departments')."""

    def send() -> None:
        fresh = EmergencyAlarm.objects.select_related(
            "case__category", "plan", "acknowledged_by"
        ).get(pk=alarm.pk)
        payload = alarm_payload(fresh, kind=kind)
        _group_send(_groups_of(fresh.case), {"type": "dashboard.message", "payload": payload})

    transaction.on_commit(send)


def on_case_event(sender, *, case: Case, event: CaseEvent, **kwargs) -> None:
    """Receiver of `case_event_recorded` (inside the transaction): raise the alarm of an
    emergency report now, and broadcast the event once — and only if — it commits."""
    from portal.workflow.emergency import alarm_raise

    if event.action == "report" and case.category.is_emergency:
        alarm = alarm_raise(case=case, at=event.at)
        if alarm is not None:
            alarm_broadcast_on_commit(alarm=alarm)
    elif event.action == "dispatch" and case.category.is_emergency:
        # The department now holding an emergency case sees its alarm too.
        existing = EmergencyAlarm.objects.filter(case=case).first()
        if existing is not None:
            alarm_broadcast_on_commit(alarm=existing)
    # The case object is the one the service goes on changing and saves before commit, so
    # at commit it holds the state the transaction wrote.
    transaction.on_commit(lambda: event_broadcast(event=event, case=case))


# --- snapshot -------------------------------------------------------------------------------


def _today_bounds(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    day = now.astimezone(SHANGHAI).date()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI)
    return start, start + dt.timedelta(days=1)


def dashboard_counters(*, cases: QuerySet[Case], now: dt.datetime) -> dict:
    """Today's reports, filings, dispatches and closures, and the open cases now overdue."""
    start, end = _today_bounds(now)

    def today(field: str) -> Q:
        return Q(**{f"{field}__gte": start, f"{field}__lt": end})

    return cases.aggregate(
        reported=Count("id", filter=today("reported_at")),
        filed=Count("id", filter=today("filed_at")),
        dispatched=Count("id", filter=today("dispatched_at")),
        closed=Count("id", filter=today("closed_at") & Q(status=Status.CLOSED)),
        overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, step_deadline__lte=now)),
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
    )


def dashboard_snapshot(
    *, user: User, scope: Scope, since: int | None = None, now: dt.datetime | None = None
) -> dict:
    """Everything a dashboard needs to (re)draw: counters, open cases as pins, the recent
    feed (the events after `since`, when given), open alarms, and the last event id."""
    now = now or timezone.now()
    cases = scope_cases(scope=scope, user=user)
    open_cases = cases.filter(status__in=OPEN_STATUSES).select_related("category")
    events = (
        CaseEvent.objects.filter(case__in=cases.values("pk"))
        .select_related("actor", "case__category")
        .order_by("-id")
    )
    if since is not None:
        events = events.filter(id__gt=since)
    feed = [event_payload(e, e.case, now=now) for e in events[:FEED_LENGTH]]
    alarms = EmergencyAlarm.objects.filter(case__in=cases.values("pk")).select_related(
        "case__category", "plan", "acknowledged_by"
    )
    recent_alarms = alarms.filter(raised_at__gte=now - dt.timedelta(days=1))
    return {
        "generated_at": now.isoformat(),
        # The newest event id anywhere: a marker to resume from, not a count.
        "last_event_id": CaseEvent.objects.aggregate(m=Max("id"))["m"] or 0,
        "scope": "centre" if scope.centre else f"department:{scope.department_id}",
        "counters": dashboard_counters(cases=cases, now=now),
        "cases": [case_state(c, now=now) for c in open_cases],
        "events": list(reversed(feed)),
        "alarms": [alarm_payload(a) for a in recent_alarms.order_by("raised_at")],
    }


def dashboard_charts(
    *, user: User, scope: Scope, days: int = CHART_DAYS, now: dt.datetime | None = None
) -> dict:
    """The last `days` days: intake per day by source, intake by category (top 10), daily
    closure rate (closed ÷ filed that day, by filing day) and mean handling time (working
    hours, by feedback day)."""
    now = now or timezone.now()
    end_day = now.astimezone(SHANGHAI).date()
    first = end_day - dt.timedelta(days=days - 1)
    since = dt.datetime.combine(first, dt.time.min, tzinfo=SHANGHAI)
    labels = [(first + dt.timedelta(days=i)).isoformat() for i in range(days)]
    cases = scope_cases(scope=scope, user=user)

    def by_day(qs, field: str, **aggregates) -> dict:
        rows = (
            qs.filter(**{f"{field}__gte": since})
            .annotate(day=TruncDate(field, tzinfo=SHANGHAI))
            .values("day")
            .annotate(**aggregates)
        )
        return {r["day"].isoformat(): r for r in rows}

    intake = (
        cases.filter(reported_at__gte=since)
        .annotate(day=TruncDate("reported_at", tzinfo=SHANGHAI))
        .values("day", "source")
        .annotate(n=Count("id"))
    )
    per_source = {s: [0] * days for s in Source.values}
    index = {label: i for i, label in enumerate(labels)}
    for row in intake:
        i = index.get(row["day"].isoformat())
        if i is not None and row["source"] in per_source:
            per_source[row["source"]][i] = row["n"]
    categories = (
        cases.filter(reported_at__gte=since)
        .values("category__name")
        .annotate(n=Count("id"))
        .order_by("-n", "category__name")[:10]
    )
    filed = by_day(
        cases, "filed_at", n=Count("id"), closed=Count("id", filter=Q(status=Status.CLOSED))
    )
    handled = by_day(cases, "handled_at", minutes=Avg("handle_work_minutes"))

    def rate(day: str):
        row = filed.get(day)
        return round(100 * row["closed"] / row["n"], 1) if row and row["n"] else None

    def hours(day: str):
        row = handled.get(day)
        return round(row["minutes"] / 60, 2) if row and row["minutes"] is not None else None

    return {
        "days": labels,
        "sources": [
            {"key": s, "name": str(Source(s).label), "data": per_source[s]} for s in Source.values
        ],
        "categories": [{"name": c["category__name"], "value": c["n"]} for c in categories],
        "closure_rate": [rate(d) for d in labels],
        "handling_hours": [hours(d) for d in labels],
        "lights": {k: str(v) for k, v in Light.LABELS.items()},
        "titles": {
            "sources": _("近30天按来源受理量"),
            "categories": _("近30天案件类别前十"),
            "closure": _("结案率（%）"),
            "hours": _("平均处置时长（工作小时）"),
        },
    }


# --- efficiency monitoring (效能监控): the cases behind every number --------------------------

# Each figure of the department and area evaluations, as the filter that selects the cases
# it counts (the same conditions as evaluation.py's aggregates; tests compare the counts).
DEPARTMENT_METRICS = {
    "due": Q(),
    "handled": Q(handled_at__isnull=False),
    "on_time": Q(handled_at__isnull=False, handled_at__lte=F("handling_deadline")),
    "reworked": Q(rework_count__gt=0),
    "extended": Q(extension_count__gt=0),
    "overdue_open": Q(status=Status.DISPATCHED),  # and handling_deadline < now, added below
}
AREA_METRICS = {
    "filed": Q(),
    "public": Q(source__in=PUBLIC_SOURCES),
    "due": ~Q(status__in=NOT_DUE_TO_CLOSE),
    "closed": Q(status=Status.CLOSED),
    "closed_on_time": Q(status=Status.CLOSED, handled_at__lte=F("handling_deadline")),
}
LEVELS = ("department", "street", "module")


def efficiency_cases(
    *,
    user: User,
    level: str,
    pk: int,
    metric: str,
    period: Period,
    now: dt.datetime | None = None,
) -> QuerySet[Case]:
    """The cases behind one figure of a ranking board, limited to those the user may see.
    Unknown levels or metrics raise KeyError (the view answers 404)."""
    now = now or timezone.now()
    if level == "department":
        condition = DEPARTMENT_METRICS[metric]
        if metric == "overdue_open":
            condition &= Q(handling_deadline__lt=now)
        cases = Case.objects.filter(period.q("dispatched_at"), department_id=pk)
    elif level in ("street", "module"):
        condition = AREA_METRICS[metric]
        cases = Case.objects.filter(period.q("filed_at"), **{f"{level}_id": pk}).exclude(
            status=Status.HUNG
        )
    else:
        raise KeyError(level)
    visible = case_visible(user=user).values("pk")
    return (
        cases.filter(condition, pk__in=visible)
        .select_related("category", "department", "street", "module")
        .order_by("-reported_at", "-id")
    )


def efficiency_boards(*, period: Period) -> dict[str, list[dict]]:
    """The ranking boards of departments, streets and modules for the period."""
    return {
        "department": department_evaluation(period=period),
        "street": area_evaluation(period=period, level="street"),
        "module": area_evaluation(period=period, level="module"),
    }


def monthly_report(*, year: int, month: int) -> dict:
    """The printable monthly report: headline figures, the three boards, intake by source
    and the categories most reported."""
    start = dt.date(year, month, 1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    period = Period(start, end)
    reported = Case.objects.filter(period.q("reported_at"))
    return {
        "period": period,
        "headline": headline_get(period=period),
        "boards": efficiency_boards(period=period),
        "reported": reported.count(),
        "sources": [
            {"name": str(Source(r["source"]).label), "n": r["n"]}
            for r in reported.values("source").annotate(n=Count("id")).order_by("-n")
        ],
        "categories": list(
            reported.values("category__name")
            .annotate(n=Count("id"))
            .order_by("-n", "category__name")[:10]
        ),
        "alarms": EmergencyAlarm.objects.filter(period.q("raised_at")).count(),
    }
