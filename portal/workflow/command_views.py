"""Pages of the command centre (指挥中心): the live dashboard and its JSON reads, the
efficiency boards with drill-down, the printable monthly report, and the emergency alarms.

Open to centre staff (workflow.view_case) and to department roles, who see only their
department's cases; everyone else gets a 403. Thin: the selectors in dashboard.py and the
services in emergency.py do the work.
"""

import datetime as dt
from collections.abc import Callable
from functools import wraps

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from portal.city.selectors import grid_geojson
from portal.idempotency.services import idempotent
from portal.workflow import dashboard as d
from portal.workflow.emergency import alarm_acknowledge, alarm_list, alarm_timeline
from portal.workflow.evaluation import Period
from portal.workflow.models import EmergencyAlarm


def command_access(view: Callable) -> Callable:
    """Signed-in dashboard users only; the view receives their scope."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        scope = d.dashboard_scope(user=request.user)
        if scope is None:
            raise PermissionDenied
        return view(request, scope, *args, **kwargs)

    return wrapped


@require_GET
@command_access
def dashboard_view(request: HttpRequest, scope: d.Scope) -> HttpResponse:
    text = {
        "connected": _("实时"),
        "connecting": _("连接中…"),
        "reconnecting": _("连接中断，正在重连…"),
        "alarm": _("应急报警"),
        "ack": _("响应"),
        "acked": _("已响应"),
        "respond_by": _("响应期限"),
        "called": _("已通知"),
        "people": _("人"),
        "open_cases": _("在办"),
    }
    return render(
        request,
        "workflow/command.html",
        {
            "scope": scope,
            "department": request.user.department if not scope.centre else None,
            "command_text": text,
        },
    )


@require_GET
@command_access
def snapshot_view(request: HttpRequest, scope: d.Scope) -> JsonResponse:
    """The dashboard's state now; `since=<event id>` limits the feed to later events."""
    try:
        since = int(request.GET["since"]) if request.GET.get("since") else None
    except ValueError:
        return JsonResponse({"error": _("参数 since 应为整数。")}, status=400)
    snapshot = d.dashboard_snapshot(user=request.user, scope=scope, since=since)
    return JsonResponse(snapshot, json_dumps_params={"ensure_ascii": False})


@require_GET
@command_access
def grids_view(request: HttpRequest, scope: d.Scope) -> JsonResponse:
    response = JsonResponse(grid_geojson())
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
@command_access
def charts_view(request: HttpRequest, scope: d.Scope) -> JsonResponse:
    charts = d.dashboard_charts(user=request.user, scope=scope)
    return JsonResponse(charts, json_dumps_params={"ensure_ascii": False})


# --- efficiency monitoring ------------------------------------------------------------------


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("开始日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("结束日期"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end"):
            if data["end"] < data["start"]:
                raise ValidationError(_("结束日期不能早于开始日期。"))
            if (data["end"] - data["start"]).days > 3660:
                raise ValidationError(_("统计区间不能超过十年。"))
        return data


def _period(request: HttpRequest) -> tuple[PeriodForm, Period | None]:
    today = timezone.localdate()
    initial = {"start": today.replace(day=1), "end": today}
    form = PeriodForm(request.GET if "start" in request.GET else None, initial=initial)
    if form.is_bound:
        return form, Period(**form.cleaned_data) if form.is_valid() else None
    return form, Period(**initial)


BOARD_COLUMNS = {
    "department": [
        ("due", gettext_lazy("应处置数"), "due", None),
        ("handled", gettext_lazy("处置数"), "handled", None),
        ("handle_rate", gettext_lazy("处置率"), "handled", "rate"),
        ("handle_on_time_rate", gettext_lazy("按期处置率"), "on_time", "rate"),
        ("rework_rate", gettext_lazy("返工率"), "reworked", "rate"),
        ("extension_rate", gettext_lazy("延期率"), "extended", "rate"),
        ("overdue_open_rate", gettext_lazy("超期待处置率"), "overdue_open", "rate"),
        ("mean_handling_hours", gettext_lazy("平均处置时长（工作小时）"), None, None),
    ],
    "area": [
        ("filed", gettext_lazy("立案数"), "filed", None),
        ("public_rate", gettext_lazy("监督举报率"), "public", "rate"),
        ("closure_rate", gettext_lazy("结案率"), "closed", "rate"),
        ("on_time_closure_rate", gettext_lazy("按期结案率"), "closed_on_time", "rate"),
    ],
}
BOARD_TITLES = {
    "department": gettext_lazy("专业部门效能排名"),
    "street": gettext_lazy("街道效能排名"),
    "module": gettext_lazy("管理模块效能排名"),
}


def _board(level: str, rows: list[dict], period: Period) -> dict:
    columns = BOARD_COLUMNS["department" if level == "department" else "area"]
    base = reverse("command:efficiency_cases")
    table = []
    for rank, row in enumerate(rows, start=1):
        cells = []
        for key, _label, metric, kind in columns:
            value = row.get(key)
            if value is None:
                text = "—"
            elif kind == "rate":
                text = f"{value * 100:.1f}%"
            else:
                text = str(value)
            url = (
                f"{base}?level={level}&id={row['id']}&metric={metric}"
                f"&start={period.start}&end={period.end}"
                if metric
                else ""
            )
            cells.append({"text": text, "url": url})
        table.append(
            {"rank": rank, "name": row["name"], "score": row["score"], "grade": row["grade"]}
            | {"cells": cells}
        )
    return {
        "level": level,
        "title": BOARD_TITLES[level],
        "headers": [label for _key, label, _m, _k in columns],
        "rows": table,
    }


@require_GET
@command_access
def efficiency_view(request: HttpRequest, scope: d.Scope) -> HttpResponse:
    """效能监控: ranking boards of departments, streets and modules; every figure links to
    the cases behind it."""
    form, period = _period(request)
    context = {"form": form, "period": period, "scope": scope}
    if period is None:
        return render(request, "workflow/command_efficiency.html", context, status=400)
    boards = d.efficiency_boards(period=period)
    context["boards"] = [_board(level, rows, period) for level, rows in boards.items()]
    return render(request, "workflow/command_efficiency.html", context)


METRIC_LABELS = {
    "due": gettext_lazy("应处置（派遣）的案件"),
    "handled": gettext_lazy("已处置反馈的案件"),
    "on_time": gettext_lazy("按期处置的案件"),
    "reworked": gettext_lazy("返工过的案件"),
    "extended": gettext_lazy("延期过的案件"),
    "overdue_open": gettext_lazy("超期待处置的案件"),
    "filed": gettext_lazy("立案的案件"),
    "public": gettext_lazy("公众和热线举报立案的案件"),
    "closed": gettext_lazy("已结案的案件"),
    "closed_on_time": gettext_lazy("按期结案的案件"),
}


@require_GET
@command_access
def efficiency_cases_view(request: HttpRequest, scope: d.Scope) -> HttpResponse:
    """The cases behind one number of a board (only those the user may see)."""
    _form, period = _period(request)
    level = request.GET.get("level", "")
    metric = request.GET.get("metric", "")
    try:
        pk = int(request.GET.get("id", ""))
    except ValueError:
        raise Http404 from None
    if period is None or level not in d.LEVELS or metric not in METRIC_LABELS:
        raise Http404
    try:
        cases = d.efficiency_cases(
            user=request.user, level=level, pk=pk, metric=metric, period=period
        )
    except KeyError:
        raise Http404 from None
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "workflow/command_cases.html",
        {
            "page": page,
            "period": period,
            "metric_label": METRIC_LABELS[metric],
            "level_title": BOARD_TITLES[level],
            "query": request.GET.copy(),
        },
    )


@require_GET
@command_access
def report_view(request: HttpRequest, scope: d.Scope) -> HttpResponse:
    """The printable monthly report (月度效能报告), `?month=YYYY-MM` (default last month)."""
    today = timezone.localdate()
    default = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    raw = request.GET.get("month") or default
    try:
        month = dt.datetime.strptime(raw, "%Y-%m").date()
    except ValueError:
        return render(
            request,
            "workflow/command_report.html",
            {"error": _("月份格式应为 YYYY-MM。"), "month": raw},
            status=400,
        )
    report = d.monthly_report(year=month.year, month=month.month)
    report["boards"] = [
        _board(level, rows, report["period"]) for level, rows in report["boards"].items()
    ]
    return render(
        request,
        "workflow/command_report.html",
        {"report": report, "month": month.strftime("%Y-%m"), "generated": timezone.localtime()},
    )


# --- emergency response ---------------------------------------------------------------------


@require_GET
@command_access
def alarms_view(request: HttpRequest, scope: d.Scope) -> HttpResponse:
    """Recent emergency alarms, each with its response timeline (centre staff)."""
    if not scope.centre:
        raise PermissionDenied
    alarms = [(a, alarm_timeline(alarm=a)) for a in alarm_list()]
    return render(request, "workflow/command_alarms.html", {"alarms": alarms})


@require_POST
@command_access
@idempotent(lambda request: f"command:alarm_ack:{request.user.pk}")
def alarm_ack_view(request: HttpRequest, scope: d.Scope, pk: int) -> HttpResponse:
    """Acknowledge an alarm (接警响应); JSON for the dashboard, a redirect otherwise."""
    alarm = get_object_or_404(EmergencyAlarm, pk=pk)
    alarm = alarm_acknowledge(alarm=alarm, actor=request.user)
    if request.headers.get("accept", "").startswith("application/json"):
        return JsonResponse(
            {"id": alarm.pk, "acknowledged_at": alarm.acknowledged_at.isoformat()},
            json_dumps_params={"ensure_ascii": False},
        )
    return redirect("command:alarms")
