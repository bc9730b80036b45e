"""Demo cases with realistic histories, written in batches (100 000+ for benchmarks).

Histories are simulated, not replayed through the services: one case at a time through
the services would take hours at benchmark scale. The simulation writes the same rows
the services write (case, events, steps, department grants) with times computed on the
working calendar, so every evaluation figure is non-trivial: most cases closed on time,
some overdue, some reworked, returned, extended, deferred, hung up, declined or cancelled.
"""

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User
from portal.accounts.roles import department_group
from portal.city.calendar import work_calendar
from portal.city.demo import CaseDraft, case_drafts
from portal.city.models import Category, Department, Grid
from portal.workflow.flows import flow_attach
from portal.workflow.models import (
    Case,
    CaseCounter,
    CaseEvent,
    CaseGroupObjectPermission,
    CaseStep,
    Status,
    Step,
)
from portal.workflow.sla import Limit, clock_start, handling_limit, step_limit

BATCH = 1000


@dataclass
class Built:
    case: Case
    events: list[dict] = field(default_factory=list)
    steps: list[dict] = field(default_factory=list)


class Simulator:
    def __init__(self, *, seed: int, now: dt.datetime) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.calendar = work_calendar()
        self.categories = {
            c.id: c
            for c in Category.objects.select_related("default_department").prefetch_related(
                "time_limits"
            )
        }
        self.grids = {g.code: g for g in Grid.objects.select_related("community", "module")}
        self.centre = {
            "clerk": list(User.objects.filter(groups__name="受理员")),
            "leader": list(User.objects.filter(groups__name="值班长")),
            "dispatcher": list(User.objects.filter(groups__name="派遣员")),
        }
        self.departments = list(Department.objects.filter(kind=Department.Kind.PROFESSIONAL))
        self.handlers = {}
        for user in User.objects.filter(groups__name="部门处置员").select_related("department"):
            self.handlers.setdefault(user.department_id, user)
        self.serials: dict[dt.date, int] = {}

    def _after(self, start: dt.datetime, minutes_low: int, minutes_high: int) -> dt.datetime:
        return self.calendar.add(
            start, dt.timedelta(minutes=self.rng.randint(minutes_low, minutes_high))
        )

    def _number(self, at: dt.datetime) -> str:
        day = timezone.localdate(at)
        self.serials[day] = self.serials.get(day, 0) + 1
        return f"JY{day:%Y%m%d}{self.serials[day]:05d}"

    def build(self, draft: CaseDraft) -> Built:
        rng = self.rng
        grid = self.grids[draft.grid_code]
        category = self.categories[draft.category_id]
        supervisor_id = grid.supervisor_id
        case = Case(
            number=self._number(draft.reported_at),
            source=draft.source,
            category=category,
            urgency=draft.urgency,
            description=draft.description,
            address=draft.address,
            lon=draft.lon,
            lat=draft.lat,
            grid=grid,
            module_id=grid.module_id,
            street_id=grid.community.street_id,
            reported_at=draft.reported_at,
            reporter_id=supervisor_id if draft.source == "supervisor" else None,
            reporter_name=""
            if draft.source == "supervisor"
            else rng.choice(["王先生", "李女士", "张师傅", "刘阿姨"]),
        )
        built = Built(case)
        t = draft.reported_at
        status = Status.REPORTED

        def event(
            action: str, to: str, at: dt.datetime, actor_id: int | None, comment: str = ""
        ) -> None:
            nonlocal status
            built.events.append(
                {
                    "action": action,
                    "from_status": status if built.events else "",
                    "to_status": to,
                    "at": at,
                    "actor_id": actor_id,
                    "comment": comment,
                }
            )
            status = to

        def step(
            name: str,
            start: dt.datetime,
            limit: Limit,
            end: dt.datetime | None,
            actor_id: int | None,
            outcome: str,
            department_id: int | None = None,
        ) -> None:
            clock = clock_start(start, limit.for_urgency(case.urgency))
            built.steps.append(
                {
                    "step": name,
                    "started_at": start,
                    "deadline": clock.deadline,
                    "warn_at": clock.warn_at,
                    "finished_at": end if end and end <= self.now else None,
                    "finished_by_id": actor_id if end and end <= self.now else None,
                    "outcome": outcome if end and end <= self.now else "",
                    "department_id": department_id,
                }
            )

        event("report", Status.REPORTED, t, case.reporter_id)
        if draft.source == "supervisor" and rng.random() < 0.05:
            case.self_handled = True
            case.result = "监督员已现场处置"
            case.closed_at = self._after(t, 1, 20)
            step(
                Step.ACCEPT, t, step_limit("accept"), case.closed_at, supervisor_id, "self_handled"
            )
            event("self_handle", Status.CLOSED, case.closed_at, supervisor_id, case.result)
            return self._finish(built, status)

        clerk = rng.choice(self.centre["clerk"]).id
        reported = t
        if draft.source in ("public", "hotline"):
            sent = self._after(t, 3, 30)
            if sent > self.now:
                return self._finish(
                    built, status, open_step=(Step.ACCEPT, reported, step_limit("accept"))
                )
            event("verify_request", Status.VERIFYING, sent, clerk)
            verified_at = self._after(sent, 20, 150)
            case.verified = rng.random() > 0.08
            step(
                Step.VERIFY,
                sent,
                step_limit("verify"),
                verified_at,
                supervisor_id,
                str(case.verified).lower(),
            )
            if verified_at > self.now:
                case.verified = None
                return self._finish(built, status)
            event("verify", Status.REPORTED, verified_at, supervisor_id)
            t = verified_at
        accepted = self._after(t, 3, 75)
        if accepted > self.now:
            return self._finish(
                built, status, open_step=(Step.ACCEPT, reported, step_limit("accept"))
            )
        if case.verified is False or rng.random() < 0.03:
            step(Step.ACCEPT, reported, step_limit("accept"), accepted, clerk, "declined")
            case.decline_reason = (
                "经核实不属于城市管理范围" if case.verified is False else "不符合立案标准"
            )
            event("decline", Status.DECLINED, accepted, clerk, case.decline_reason)
            return self._finish(built, status)
        step(Step.ACCEPT, reported, step_limit("accept"), accepted, clerk, "accepted")
        case.accepted_at = accepted
        event("accept", Status.ACCEPTED, accepted, clerk)
        leader = rng.choice(self.centre["leader"]).id
        filed = self._after(accepted, 3, 75)
        step(Step.FILE, accepted, step_limit("file"), filed, leader, "filed")
        if filed > self.now:
            return self._finish(built, status)
        case.filed_at = filed
        event("file", Status.FILED, filed, leader)
        if rng.random() < 0.01:
            event(
                "approve_cancel", Status.CANCELLED, self._after(filed, 10, 60), leader, "重复上报"
            )
            return self._finish(built, status)
        dispatcher = rng.choice(self.centre["dispatcher"]).id
        department = category.default_department or rng.choice(self.departments)
        t = filed
        if rng.random() < 0.01:  # mis-dispatched, returned, re-dispatched
            wrong = rng.choice([d for d in self.departments if d.id != department.id])
            sent = self._after(t, 3, 60)
            step(Step.DISPATCH, t, step_limit("dispatch"), sent, dispatcher, wrong.code)
            built.steps[-1]["reversed"] = True
            event("dispatch", Status.DISPATCHED, sent, dispatcher)
            back = self._after(sent, 30, 240)
            step(
                Step.HANDLE,
                sent,
                handling_limit(category, case.urgency),
                back,
                None,
                "returned",
                wrong.id,
            )
            wrong_handler = self.handlers.get(wrong.id)
            event(
                "request_return",
                Status.RETURN_REQUESTED,
                back,
                wrong_handler and wrong_handler.id,
                "不属于本部门职责",
            )
            t = self._after(back, 10, 120)
            event("approve_return", Status.FILED, t, leader)
            case.return_count = 1
        sent = self._after(t, 3, 75)
        step(Step.DISPATCH, t, step_limit("dispatch"), sent, dispatcher, department.code)
        if sent > self.now:
            return self._finish(built, status)
        case.department = department
        case.dispatched_at = sent
        event("dispatch", Status.DISPATCHED, sent, dispatcher)
        handler = self.handlers.get(department.id)
        handler_id = handler.id if handler else None
        limit = handling_limit(category, case.urgency).for_urgency(case.urgency)
        t = sent
        for attempt in range(3):
            clock = clock_start(t, limit)
            case.handling_deadline = clock.deadline
            span = (
                self.calendar.between(t, clock.deadline)
                if limit.unit != "hour"
                else clock.deadline - t
            )
            late = rng.random() < 0.12
            share = rng.uniform(1.05, 2.2) if late else rng.uniform(0.15, 0.95)
            fate = rng.random()
            for threshold, kind, target, reason in (
                (0.01, "hang", Status.HUNG, "涉及工程改造，暂挂账"),
                (0.02, "defer", Status.DEFERRED, "季节性原因缓办"),
            ):
                if attempt == 0 and fate < threshold:
                    decided = self._after(t, 60, 600)
                    event(f"approve_{kind}", target, decided, leader, reason)
                    step(Step.HANDLE, t, limit, decided, None, kind, department.id)
                    return self._finish(built, status)
            if attempt == 0 and fate < 0.04:
                case.extension_count = 1
                clock = clock_start(clock.deadline, Limit(limit.value, limit.unit))
                case.handling_deadline = clock.deadline
            done = t + span * share if limit.unit == "hour" else self.calendar.add(t, span * share)
            step(Step.HANDLE, t, limit, done, handler_id, "handled", department.id)
            if done > self.now:
                return self._finish(built, status)
            case.handled_at = done
            case.handle_work_minutes = int(
                self.calendar.between(case.dispatched_at, done).total_seconds() // 60
            )
            case.result = "已按结案标准处置完毕"
            event("handle", Status.HANDLED, done, handler_id, case.result)
            checked = self._after(done, 20, 300)
            passed = rng.random() > 0.04 or attempt == 2
            step(
                Step.CHECK,
                done,
                step_limit("check"),
                checked,
                supervisor_id,
                "passed" if passed else "failed",
            )
            if checked > self.now:
                return self._finish(built, status)
            case.checked_at = checked
            if passed:
                event("check", Status.CHECKED, checked, supervisor_id)
                break
            case.rework_count += 1
            event("rework", Status.DISPATCHED, checked, supervisor_id, "现场仍未达到结案标准")
            t = checked
        closed = self._after(case.checked_at, 5, 150)
        step(Step.CLOSE, case.checked_at, step_limit("close"), closed, leader, "closed")
        if closed > self.now:
            return self._finish(built, status)
        case.closed_at = closed
        event("close", Status.CLOSED, closed, leader)
        if case.source in ("public", "hotline") and rng.random() < 0.8:
            case.satisfaction = rng.choices(["satisfied", "fair", "unsatisfied"], [80, 15, 5])[0]
            event("rate", Status.CLOSED, min(self._after(closed, 30, 600), self.now), None)
        return self._finish(built, status)

    def _finish(self, built: Built, status: str, open_step=None) -> Built:
        case = built.case
        case.status = status
        case.version = len(built.events)
        if open_step is not None:
            name, start, limit = open_step
            clock = clock_start(start, limit.for_urgency(case.urgency))
            built.steps.append(
                {
                    "step": name,
                    "started_at": start,
                    "deadline": clock.deadline,
                    "warn_at": clock.warn_at,
                    "finished_at": None,
                    "finished_by_id": None,
                    "outcome": "",
                    "department_id": None,
                }
            )
        current = [s for s in built.steps if s["finished_at"] is None]
        if current and status not in (
            Status.CLOSED,
            Status.DECLINED,
            Status.CANCELLED,
            Status.HUNG,
            Status.DEFERRED,
        ):
            case.step_deadline = current[-1]["deadline"]
            case.step_warn_at = current[-1]["warn_at"]
        else:
            for s in current:
                s["finished_at"] = s["started_at"]
                s["outcome"] = s["outcome"] or status
        return built


def cases_load(*, count: int, seed: int = 2026, now: dt.datetime | None = None) -> int:
    """Create `count` demo cases with histories, in batches; skip when cases exist."""
    if Case.objects.exists():
        return 0
    now = now or timezone.now()
    simulator = Simulator(seed=seed, now=now)
    drafts = case_drafts(count=count, seed=seed, until=now)
    created = 0
    for batch in _batches(drafts, BATCH):
        created += _write(simulator, batch)
    with transaction.atomic():
        for day, last in simulator.serials.items():
            CaseCounter.objects.update_or_create(day=day, defaults={"last": last})
    return created


def _batches(items: Iterator, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@transaction.atomic
def _write(simulator: Simulator, drafts: list[CaseDraft]) -> int:
    built = [simulator.build(d) for d in drafts]
    Case.objects.bulk_create([b.case for b in built])
    view = Permission.objects.get(content_type__app_label="workflow", codename="view_case")
    handle = Permission.objects.get(content_type__app_label="workflow", codename="handle_case")
    events, steps, grants = [], [], []
    groups = {}
    for b in built:
        for seq, e in enumerate(b.events, start=1):
            events.append(CaseEvent(case=b.case, seq=seq, **e))
        for s in b.steps:
            s = dict(s)
            s.pop("warn_at")
            steps.append(CaseStep(case=b.case, **s))
        if b.case.department_id:
            if b.case.department_id not in groups:
                groups[b.case.department_id] = department_group(b.case.department)
            group = groups[b.case.department_id]
            grants.append(
                CaseGroupObjectPermission(permission=view, group=group, content_object=b.case)
            )
            if b.case.status == Status.DISPATCHED:
                grants.append(
                    CaseGroupObjectPermission(permission=handle, group=group, content_object=b.case)
                )
    flow_attach(cases=[b.case for b in built])
    CaseEvent.objects.bulk_create(events, batch_size=2000)
    CaseStep.objects.bulk_create(steps, batch_size=2000)
    CaseGroupObjectPermission.objects.bulk_create(grants, batch_size=2000)
    return len(built)
