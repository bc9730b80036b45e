"""综合评价: the evaluation indicators of the case loop, for any period.

Formulas follow reference/domain-standards.md §5 (CJ/T 292 terms as implemented in
practice); each is documented where it is computed. Every figure is one SQL aggregate over
stored facts (step deadlines and finish times, the case's handling deadline, its working
minutes from dispatch to feedback), so a year over 100 000 cases needs no per-case
calendar arithmetic. A rate whose denominator is zero is None ("no obligation"); in a
composite score it counts as full marks, since nothing due means nothing missed.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, F, Q, QuerySet
from django.utils import timezone

from portal.accounts.models import User
from portal.city.calendar import SHANGHAI
from portal.city.models import Department, Grid, Module, Street
from portal.workflow.models import (
    OWN_SOURCES,
    Case,
    CaseStep,
    Satisfaction,
    Source,
    Status,
    Step,
)

GRADES = ((90, "A"), (75, "B"), (60, "C"), (40, "D"), (0, "E"))
PUBLIC_SOURCES = (Source.PUBLIC, Source.HOTLINE)
NOT_DUE_TO_CLOSE = (Status.HUNG, Status.DEFERRED, Status.CANCELLED)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    @property
    def since(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time.min, tzinfo=SHANGHAI)

    @property
    def until(self) -> dt.datetime:
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)

    def q(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.since, f"{field}__lt": self.until})


def ratio(num: int, den: int) -> float | None:
    return None if not den else num / den


def grade(score: float) -> str:
    return next(letter for floor, letter in GRADES if score >= floor)


def count_score(n: int) -> int:
    """受理数/派遣数分值 by band: >2000 → 100, 1201–2000 → 90, 501–1200 → 75, 301–500 → 60."""
    for floor, points in ((2001, 100), (1201, 90), (501, 75), (301, 60)):
        if n >= floor:
            return points
    return 0


def composite(*parts: tuple[float | None, float]) -> float:
    """Σ rate × weight (weights in points); a None rate earns its full weight."""
    return round(sum((1.0 if rate is None else rate) * weight for rate, weight in parts), 2)


def _scored(row: dict, score: float) -> dict:
    row["score"] = score
    row["grade"] = grade(score)
    return row


def _names(model, ids, label) -> dict:
    return {obj.pk: label(obj) for obj in model.objects.filter(pk__in=[i for i in ids if i])}


def _step_counts(steps: QuerySet, by: str) -> dict:
    rows = steps.values(by).annotate(
        due=Count("id"),
        on_time=Count("id", filter=Q(finished_at__isnull=False, finished_at__lte=F("deadline"))),
    )
    return {r[by]: r for r in rows}


def _dispatches(period: Period) -> QuerySet[CaseStep]:
    """Dispatches made in the period (a dispatch step closed by cancelling the case is none)."""
    return CaseStep.objects.filter(
        period.q("finished_at"), step=Step.DISPATCH, finished_by__isnull=False
    )


# --- people -----------------------------------------------------------------------------


def supervisor_evaluation(*, period: Period) -> list[dict]:
    """监督员: 上报数, 有效上报率 = 有效上报数/上报数 (有效 = 立案 or 自行处置),
    按时核实率, 按时核查率, 漏报率 = 漏报数/立案数 over the supervisor's grids (漏报 = a filed
    public or hotline report the patrol missed). 综合 = 有效上报率×40 + (1−漏报率)×20 +
    按时核实率×20 + 按时核查率×20."""
    reports = {
        r["reporter"]: r
        for r in Case.objects.filter(period.q("reported_at"), source=Source.SUPERVISOR)
        .values("reporter")
        .annotate(
            reported=Count("id"),
            valid=Count("id", filter=Q(filed_at__isnull=False) | Q(self_handled=True)),
        )
    }
    steps = CaseStep.objects.filter(period.q("started_at"))
    verify = _step_counts(steps.filter(step=Step.VERIFY), "assignee")
    check = _step_counts(steps.filter(step=Step.CHECK), "assignee")
    filed = {
        r["grid__supervisor"]: r
        for r in Case.objects.filter(period.q("filed_at"))
        .values("grid__supervisor")
        .annotate(filed=Count("id"), missed=Count("id", filter=Q(source__in=PUBLIC_SOURCES)))
    }
    ids = set(reports) | set(verify) | set(check) | set(filed)
    names = _names(User, ids, str)
    rows = []
    for pk in sorted(i for i in ids if i):
        rep, ver, chk, fil = (
            reports.get(pk, {}),
            verify.get(pk, {}),
            check.get(pk, {}),
            filed.get(pk, {}),
        )
        row = {
            "id": pk,
            "name": names.get(pk, "—"),
            "reported": rep.get("reported", 0),
            "valid_rate": ratio(rep.get("valid", 0), rep.get("reported", 0)),
            "verify_on_time_rate": ratio(ver.get("on_time", 0), ver.get("due", 0)),
            "check_on_time_rate": ratio(chk.get("on_time", 0), chk.get("due", 0)),
            "missed": fil.get("missed", 0),
            "missed_rate": ratio(fil.get("missed", 0), fil.get("filed", 0)),
        }
        missed_score = None if row["missed_rate"] is None else 1 - row["missed_rate"]
        rows.append(
            _scored(
                row,
                composite(
                    (row["valid_rate"], 40),
                    (missed_score, 20),
                    (row["verify_on_time_rate"], 20),
                    (row["check_on_time_rate"], 20),
                ),
            )
        )
    return rows


def clerk_evaluation(*, period: Period) -> list[dict]:
    """受理员: 受理数 (reports accepted, declined or merged), 按时受理率, 核实按时派发率
    (verification sent before the acceptance step's deadline).
    综合 = 受理数分值×25 + 按时受理率×35 + 核实按时派发率×40."""
    accept = _step_counts(
        CaseStep.objects.filter(
            period.q("finished_at"),
            step=Step.ACCEPT,
            outcome__in=("accepted", "declined", "merged"),
        ),
        "finished_by",
    )
    # Verification requests joined to their case's acceptance step: on time when sent
    # before the acceptance deadline.
    sent = {
        r["case__events__actor"]: r
        for r in CaseStep.objects.filter(
            step=Step.ACCEPT,
            case__events__action="verify_request",
            case__events__at__gte=period.since,
            case__events__at__lt=period.until,
        )
        .values("case__events__actor")
        .annotate(
            due=Count("id"), on_time=Count("id", filter=Q(case__events__at__lte=F("deadline")))
        )
    }
    names = _names(User, set(accept) | set(sent), str)
    rows = []
    for pk in sorted(i for i in set(accept) | set(sent) if i):
        acc, snt = accept.get(pk, {}), sent.get(pk, {})
        row = {
            "id": pk,
            "name": names.get(pk, "—"),
            "accepted": acc.get("due", 0),
            "accept_on_time_rate": ratio(acc.get("on_time", 0), acc.get("due", 0)),
            "verify_sent_on_time_rate": ratio(snt.get("on_time", 0), snt.get("due", 0)),
        }
        rows.append(
            _scored(
                row,
                composite(
                    (count_score(row["accepted"]) / 100, 25),
                    (row["accept_on_time_rate"], 35),
                    (row["verify_sent_on_time_rate"], 40),
                ),
            )
        )
    return rows


def shift_leader_evaluation(*, period: Period) -> list[dict]:
    """值班长: 立案数, 按时立案率, 准确立案率 = (立案数 − 作废数)/立案数, 结案数, 按时结案率.
    综合 = 按时立案率×25 + 准确立案率×40 + 按时结案率×35."""
    filed = {
        r["finished_by"]: r
        for r in CaseStep.objects.filter(period.q("finished_at"), step=Step.FILE, outcome="filed")
        .values("finished_by")
        .annotate(
            due=Count("id"),
            on_time=Count("id", filter=Q(finished_at__lte=F("deadline"))),
            cancelled=Count("id", filter=Q(case__status=Status.CANCELLED)),
        )
    }
    closed = _step_counts(
        CaseStep.objects.filter(period.q("finished_at"), step=Step.CLOSE, outcome="closed"),
        "finished_by",
    )
    names = _names(User, set(filed) | set(closed), str)
    rows = []
    for pk in sorted(i for i in set(filed) | set(closed) if i):
        fil, clo = filed.get(pk, {}), closed.get(pk, {})
        n = fil.get("due", 0)
        row = {
            "id": pk,
            "name": names.get(pk, "—"),
            "filed": n,
            "file_on_time_rate": ratio(fil.get("on_time", 0), n),
            "accurate_filing_rate": ratio(n - fil.get("cancelled", 0), n),
            "closed": clo.get("due", 0),
            "close_on_time_rate": ratio(clo.get("on_time", 0), clo.get("due", 0)),
        }
        rows.append(
            _scored(
                row,
                composite(
                    (row["file_on_time_rate"], 25),
                    (row["accurate_filing_rate"], 40),
                    (row["close_on_time_rate"], 35),
                ),
            )
        )
    return rows


def dispatcher_evaluation(*, period: Period) -> list[dict]:
    """派遣员: 应派遣数, 按时派遣率, 准确派遣率 = (应派遣数 − 回退数)/应派遣数.
    综合 = 派遣数分值×20 + 按时派遣率×40 + 准确派遣率×40."""
    rows_by = {
        r["finished_by"]: r
        for r in _dispatches(period)
        .values("finished_by")
        .annotate(
            due=Count("id"),
            on_time=Count("id", filter=Q(finished_at__lte=F("deadline"))),
            reversed=Count("id", filter=Q(reversed=True)),
        )
    }
    names = _names(User, set(rows_by), str)
    rows = []
    for pk in sorted(i for i in rows_by if i):
        r = rows_by[pk]
        row = {
            "id": pk,
            "name": names.get(pk, "—"),
            "dispatched": r["due"],
            "dispatch_on_time_rate": ratio(r["on_time"], r["due"]),
            "accurate_dispatch_rate": ratio(r["due"] - r["reversed"], r["due"]),
        }
        rows.append(
            _scored(
                row,
                composite(
                    (count_score(row["dispatched"]) / 100, 20),
                    (row["dispatch_on_time_rate"], 40),
                    (row["accurate_dispatch_rate"], 40),
                ),
            )
        )
    return rows


# --- departments and areas --------------------------------------------------------------


def department_evaluation(*, period: Period, now: dt.datetime | None = None) -> list[dict]:
    """专业部门, over cases dispatched to it in the period: 应处置数, 处置数, 处置率,
    按期处置率 (feedback by the handling deadline), 返工率, 延期率, 超期待处置率, 平均处置时长
    (working hours). 综合 = 处置率×30 + 按期处置率×20 + (1−返工率)×20 + (1−超期待处置率)×20 +
    (1−延期率)×10."""
    now = now or timezone.now()
    stats = (
        Case.objects.filter(period.q("dispatched_at"), department__isnull=False)
        .values("department")
        .annotate(
            due=Count("id"),
            handled=Count("id", filter=Q(handled_at__isnull=False)),
            on_time=Count(
                "id", filter=Q(handled_at__isnull=False, handled_at__lte=F("handling_deadline"))
            ),
            reworked=Count("id", filter=Q(rework_count__gt=0)),
            extended=Count("id", filter=Q(extension_count__gt=0)),
            overdue_open=Count("id", filter=Q(status=Status.DISPATCHED, handling_deadline__lt=now)),
            minutes=Avg("handle_work_minutes"),
        )
    )
    names = _names(Department, [s["department"] for s in stats], str)
    rows = []
    for s in stats:
        row = {
            "id": s["department"],
            "name": names.get(s["department"], "—"),
            "due": s["due"],
            "handled": s["handled"],
            "handle_rate": ratio(s["handled"], s["due"]),
            "handle_on_time_rate": ratio(s["on_time"], s["due"]),
            "rework_rate": ratio(s["reworked"], s["due"]),
            "extension_rate": ratio(s["extended"], s["due"]),
            "overdue_open_rate": ratio(s["overdue_open"], s["due"]),
            "mean_handling_hours": None if s["minutes"] is None else round(s["minutes"] / 60, 2),
        }
        rows.append(
            _scored(
                row,
                composite(
                    (row["handle_rate"], 30),
                    (row["handle_on_time_rate"], 20),
                    (None if row["rework_rate"] is None else 1 - row["rework_rate"], 20),
                    (
                        None if row["overdue_open_rate"] is None else 1 - row["overdue_open_rate"],
                        20,
                    ),
                    (None if row["extension_rate"] is None else 1 - row["extension_rate"], 10),
                ),
            )
        )
    return sorted(rows, key=lambda r: (-r["score"], r["name"]))


AREAS = {"street": (Street, "street"), "module": (Module, "module"), "grid": (Grid, "grid")}


def area_evaluation(*, period: Period, level: str) -> list[dict]:
    """街道 / 模块 / 网格, over cases filed in the period (挂账 excluded from 立案数):
    立案数, 监督举报率 = public and hotline reports / 立案数, 结案率 = 结案数/应结案数,
    按期结案率 = closed with feedback by the handling deadline / 应结案数, where 应结案数
    excludes deferred (缓办) and cancelled cases. 综合 = (1−监督举报率)×20 + 结案率×40 +
    按期结案率×40 (the source's 立案数分值 has no published bands, so its weight is folded in)."""
    model, field = AREAS[level]
    stats = (
        Case.objects.filter(period.q("filed_at"))
        .exclude(status=Status.HUNG)
        .values(field)
        .annotate(
            filed=Count("id"),
            public=Count("id", filter=Q(source__in=PUBLIC_SOURCES)),
            due=Count("id", filter=~Q(status__in=NOT_DUE_TO_CLOSE)),
            closed=Count("id", filter=Q(status=Status.CLOSED)),
            closed_on_time=Count(
                "id", filter=Q(status=Status.CLOSED, handled_at__lte=F("handling_deadline"))
            ),
        )
    )
    names = _names(
        model, [s[field] for s in stats], lambda o: o.code if level == "grid" else o.name
    )
    rows = []
    for s in stats:
        row = {
            "id": s[field],
            "name": names.get(s[field], "—"),
            "filed": s["filed"],
            "public_rate": ratio(s["public"], s["filed"]),
            "closure_rate": ratio(s["closed"], s["due"]),
            "on_time_closure_rate": ratio(s["closed_on_time"], s["due"]),
        }
        rows.append(
            _scored(
                row,
                composite(
                    (None if row["public_rate"] is None else 1 - row["public_rate"], 20),
                    (row["closure_rate"], 40),
                    (row["on_time_closure_rate"], 40),
                ),
            )
        )
    return sorted(rows, key=lambda r: (-r["score"], r["name"]))


def headline_get(*, period: Period) -> dict:
    """The seed's four headline figures plus satisfaction, for the period:
    discovery rate = cases found by the city's own patrols and cameras ÷ all filed;
    dispatch accuracy = dispatches not returned ÷ all dispatches;
    mean handling time = mean working hours from dispatch to feedback;
    closure rate = closed ÷ due to close (filed, not deferred, hung up or cancelled);
    satisfaction = (满意 + 基本满意) ÷ rated."""
    filed = Case.objects.filter(period.q("filed_at")).aggregate(
        filed=Count("id"),
        own=Count("id", filter=Q(source__in=OWN_SOURCES)),
        due=Count("id", filter=~Q(status__in=(*NOT_DUE_TO_CLOSE,))),
        closed=Count("id", filter=Q(status=Status.CLOSED)),
    )
    dispatch = _dispatches(period).aggregate(
        n=Count("id"), reversed=Count("id", filter=Q(reversed=True))
    )
    handled = Case.objects.filter(period.q("handled_at")).aggregate(
        minutes=Avg("handle_work_minutes")
    )
    rated = (
        Case.objects.filter(period.q("closed_at"))
        .exclude(satisfaction="")
        .aggregate(
            n=Count("id"),
            good=Count(
                "id", filter=Q(satisfaction__in=(Satisfaction.SATISFIED, Satisfaction.FAIR))
            ),
        )
    )
    return {
        "filed": filed["filed"],
        "closed": filed["closed"],
        "discovery_rate": ratio(filed["own"], filed["filed"]),
        "dispatch_accuracy": ratio(dispatch["n"] - dispatch["reversed"], dispatch["n"]),
        "mean_handling_hours": None
        if handled["minutes"] is None
        else round(handled["minutes"] / 60, 2),
        "closure_rate": ratio(filed["closed"], filed["due"]),
        "satisfaction_rate": ratio(rated["good"], rated["n"]),
    }


EVALUATIONS = {
    "supervisor": supervisor_evaluation,
    "clerk": clerk_evaluation,
    "shift_leader": shift_leader_evaluation,
    "dispatcher": dispatcher_evaluation,
    "department": department_evaluation,
    "street": lambda period: area_evaluation(period=period, level="street"),
    "module": lambda period: area_evaluation(period=period, level="module"),
    "grid": lambda period: area_evaluation(period=period, level="grid"),
}


def evaluation_list(*, kind: str, period: Period) -> list[dict]:
    """Rows of one evaluation (people, departments or areas), best score first."""
    func = EVALUATIONS[kind]
    rows = func(period=period) if kind not in ("street", "module", "grid") else func(period)
    return sorted(rows, key=lambda r: (-r["score"], str(r["name"])))
