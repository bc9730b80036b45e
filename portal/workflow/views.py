"""Staff pages of the case loop: list, detail with timeline and actions, new report.

Thin: forms validate input, services change cases, selectors read them. A refused action
is a 403, a case that moved on meanwhile a 409, invalid input a 400 with the form's
messages — never a 500 and never a half-applied action (each POST is one transaction).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.workflow import evaluation as ev
from portal.workflow import forms as f
from portal.workflow import services as s
from portal.workflow.attachments import attachment_add
from portal.workflow.evaluation_export import (
    COLUMNS,
    cell,
    columns_of,
    evaluation_csv,
    evaluation_xlsx,
)
from portal.workflow.inbox import ClaimConflict, inbox_list, step_claim, step_unclaim
from portal.workflow.labels import ACTION_LABELS
from portal.workflow.models import CaseAttachment, CaseStep, Source
from portal.workflow.selectors import (
    case_actions,
    case_get,
    case_list,
    case_may,
    case_pending_request,
    dispatch_suggestion,
    facet_names,
)
from portal.workflow.sla import Light, light, remaining
from portal.workflow.uploads import limit_uploads, upload_errors_add
from search.selectors import search_run


@dataclass(frozen=True)
class ActionSpec:
    """How a posted action reaches its service: the form, the service, the form fields it
    takes, and the kind of photo the form may carry."""

    form: type
    service: Callable
    fields: tuple[str, ...]
    photo: str | None = None


def _request(kind: str) -> Callable:
    return partial(s.case_request, kind=kind)


ACTION_SPECS: dict[str, ActionSpec] = {
    "accept": ActionSpec(f.ActionForm, s.case_accept, ("comment",)),
    "verify_request": ActionSpec(f.ActionForm, s.case_verify_request, ("comment",)),
    "verify": ActionSpec(f.VerifyForm, s.case_verify, ("verified", "comment")),
    "decline": ActionSpec(f.ReasonForm, s.case_decline, ("reason",)),
    "merge": ActionSpec(f.MergeForm, s.case_merge, ("into", "comment")),
    "file": ActionSpec(f.ActionForm, s.case_file, ("comment",)),
    "dispatch": ActionSpec(f.DispatchForm, s.case_dispatch, ("department", "comment")),
    "handle": ActionSpec(f.HandleForm, s.case_handle, ("result",), CaseAttachment.Kind.AFTER),
    "check": ActionSpec(
        f.CheckForm, s.case_check, ("passed", "comment"), CaseAttachment.Kind.CHECK
    ),
    "close": ActionSpec(f.ActionForm, s.case_close, ("comment",)),
    "request_return": ActionSpec(f.ReasonForm, _request("return"), ("reason",)),
    "request_extension": ActionSpec(
        f.ExtensionForm, _request("extension"), ("reason", "extra_hours")
    ),
    "request_defer": ActionSpec(f.ReasonForm, _request("defer"), ("reason",)),
    "request_hang": ActionSpec(f.ReasonForm, _request("hang"), ("reason",)),
    "request_cancel": ActionSpec(f.ReasonForm, _request("cancel"), ("reason",)),
    "resume": ActionSpec(f.ActionForm, s.case_resume, ("comment",)),
}


@login_required
def case_list_view(request: HttpRequest) -> HttpResponse:
    form = f.FilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    now = timezone.now()
    cases = case_list(user=request.user, filters=filters, now=now)
    page = Paginator(cases, 30).get_page(request.GET.get("page"))
    for case in page:
        case.remaining = (
            remaining(now=now, deadline=case.step_deadline) if case.step_deadline else None
        )
    return render(
        request, "workflow/case_list.html", {"form": form, "page": page, "lights": Light.LABELS}
    )


def _detail_context(request: HttpRequest, case, forms: dict | None = None) -> dict:
    actions = case_actions(user=request.user, case=case)
    forms = forms or {}
    for action in actions:
        if action in forms:
            continue
        if action == "decide":
            forms[action] = f.DecideForm(initial={"version": case.version})
        else:
            forms[action] = ACTION_SPECS[action].form(initial={"version": case.version})
    suggestion = dispatch_suggestion(case=case) if "dispatch" in actions else None
    if (
        suggestion
        and suggestion.department
        and "dispatch" in forms
        and not forms["dispatch"].is_bound
    ):
        forms["dispatch"].initial["department"] = suggestion.department.pk
    now = timezone.now()
    return {
        "case": case,
        "actions": [(a, ACTION_LABELS[a], forms[a]) for a in actions],
        "suggestion": suggestion,
        "events": case.events.select_related("actor").order_by("seq"),
        "attachments": case.attachments.all(),
        "pending": case_pending_request(case=case),
        "remaining": remaining(now=now, deadline=case.step_deadline)
        if case.step_deadline
        else None,
        "lights": Light.LABELS,
    }


@login_required
def case_detail_view(request: HttpRequest, number: str) -> HttpResponse:
    case = case_get(user=request.user, number=number)
    return render(request, "workflow/case_detail.html", _detail_context(request, case))


@limit_uploads
@login_required
@require_POST
def case_action_view(request: HttpRequest, number: str, action: str) -> HttpResponse:
    case = case_get(user=request.user, number=number)
    if action == "decide":
        return _decide(request, case)
    if action not in ACTION_SPECS:
        return HttpResponse(_("未知的操作。"), status=404)
    if action not in case_actions(user=request.user, case=case):
        if not case_may(user=request.user, case=case, action=action):
            raise PermissionDenied
        # Allowed, but not in this state: the case moved on (someone else acted first).
        messages.error(request, str(s.TransitionConflict(case, action)))
        return _rerender(request, case, None, None, status=409)
    spec = ACTION_SPECS[action]
    form = spec.form(request.POST, request.FILES)
    upload_errors_add(request, form)
    if not form.is_valid():
        return _rerender(request, case, action, form, status=400)
    data = form.cleaned_data
    try:
        with transaction.atomic():
            spec.service(
                case=case,
                actor=request.user,
                expected_version=data["version"],
                **{name: data[name] for name in spec.fields},
            )
            if spec.photo and data.get("photo"):
                attachment_add(
                    case=case,
                    upload=data["photo"],
                    kind=spec.photo,
                    actor=request.user,
                    event=case.events.last(),
                )
    except s.TransitionConflict as exc:
        messages.error(request, str(exc))
        return _rerender(
            request, case_get(user=request.user, number=number), None, None, status=409
        )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _rerender(request, case, action, form, status=400)
    messages.success(request, _("“%(a)s”已完成。") % {"a": ACTION_LABELS[action]})
    return redirect("workflow:case_detail", number=number)


def _decide(request: HttpRequest, case) -> HttpResponse:
    pending = case_pending_request(case=case)
    form = f.DecideForm(request.POST)
    if pending is None:
        messages.error(request, _("该案件没有待审批的申请。"))
        return _rerender(request, case, None, None, status=409)
    if not form.is_valid():
        return _rerender(request, case, "decide", form, status=400)
    try:
        s.case_request_decide(
            request=pending,
            actor=request.user,
            approve=form.cleaned_data["approve"],
            comment=form.cleaned_data["comment"],
        )
    except s.TransitionConflict as exc:
        messages.error(request, str(exc))
        return _rerender(request, case, None, None, status=409)
    messages.success(request, _("审批已完成。"))
    return redirect("workflow:case_detail", number=case.number)


def _rerender(request, case, action, form, status: int) -> HttpResponse:
    context = _detail_context(request, case, {action: form} if action else None)
    return render(request, "workflow/case_detail.html", context, status=status)


@limit_uploads
@login_required
@require_http_methods(["GET", "POST"])
def case_new_view(request: HttpRequest) -> HttpResponse:
    """A supervisor's report from the field (phone screen, photo from the camera)."""
    if not request.user.has_perm("workflow.report_case"):
        raise PermissionDenied
    if request.method == "POST":
        form = f.ReportForm(request.POST, request.FILES)
        upload_errors_add(request, form)
    else:
        form = f.ReportForm()
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            with transaction.atomic():
                if d["self_handled"]:
                    case = s.case_self_handle(
                        actor=request.user,
                        category=d["category"],
                        description=d["description"],
                        lon=d["lon"],
                        lat=d["lat"],
                        address=d["address"],
                        result=d["result"],
                    )
                else:
                    case = s.case_report(
                        actor=request.user,
                        source=Source.SUPERVISOR,
                        category=d["category"],
                        description=d["description"],
                        lon=d["lon"],
                        lat=d["lat"],
                        address=d["address"],
                        urgency=d["urgency"],
                    )
                if d.get("photo"):
                    attachment_add(
                        case=case,
                        upload=d["photo"],
                        kind=CaseAttachment.Kind.BEFORE,
                        actor=request.user,
                    )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("案件 %(n)s 已上报。") % {"n": case.number})
            return redirect("workflow:case_detail", number=case.number)
    status = 400 if request.method == "POST" else 200
    return render(request, "workflow/case_new.html", {"form": form}, status=status)


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """The one range of a `Range: bytes=a-b` header (a video player seeking), or None."""
    unit, _sep, spec = header.partition("=")
    if unit.strip() != "bytes" or "," in spec:
        return None
    first, _sep, last = spec.strip().partition("-")
    try:
        if first:
            start = int(first)
            end = min(int(last), size - 1) if last else size - 1
        else:  # the last N bytes
            start, end = max(0, size - int(last)), size - 1
    except ValueError:
        return None
    return (start, end) if 0 <= start <= end < size else None


@login_required
@require_GET
def attachment_original_view(request: HttpRequest, number: str, attachment_id: int):
    """The original of a photo or video, EXIF and all, to staff who may see the case
    (case_get: 404 or 403 otherwise); served inline with the type decided at upload and
    nosniff, never from a media URL. Answers a single byte range, as players ask."""
    case = case_get(user=request.user, number=number)
    attachment = get_object_or_404(CaseAttachment, pk=attachment_id, case=case)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    size = attachment.file.size
    byte_range = _byte_range(request.headers.get("Range", ""), size)
    if byte_range is None:
        response = FileResponse(handle, content_type=attachment.content_type)
    else:
        start, end = byte_range
        handle.seek(start)
        data = handle.read(end - start + 1)
        handle.close()
        response = HttpResponse(data, status=206, content_type=attachment.content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    # Opened directly, the file is inert: no script, no plugin, no framing elsewhere.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def evaluation_view(request: HttpRequest) -> HttpResponse:
    """综合评价: headline figures and one ranked table, exportable as CSV or XLSX."""
    if not request.user.has_perm("workflow.view_evaluation"):
        raise PermissionDenied
    today = timezone.localdate()
    initial = {"kind": "department", "start": today.replace(day=1), "end": today}
    form = f.EvaluationForm(request.GET if "start" in request.GET else None, initial=initial)
    if form.is_bound and not form.is_valid():
        return render(request, "workflow/evaluation.html", {"form": form}, status=400)
    data = form.cleaned_data if form.is_bound else initial
    period = ev.Period(data["start"], data["end"])
    rows = ev.evaluation_list(kind=data["kind"], period=period)
    label = dict(f.EvaluationForm.KINDS)[data["kind"]]
    filename = f"evaluation-{data['kind']}-{period.start}-{period.end}"
    export = request.GET.get("export")
    if export == "csv":
        response = HttpResponse(evaluation_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    if export == "xlsx":
        response = HttpResponse(
            evaluation_xlsx(rows, title=str(label)),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response
    keys = columns_of(rows)
    table = [[cell(k, row.get(k)) for k in keys] for row in rows]
    return render(
        request,
        "workflow/evaluation.html",
        {
            "form": form,
            "headline": ev.headline_get(period=period),
            "period": period,
            "label": label,
            "headers": [COLUMNS[k] for k in keys],
            "table": table,
            "query": request.GET.urlencode(),
        },
    )


@login_required
def inbox_view(request: HttpRequest) -> HttpResponse:
    """待办: the user's open steps and the unclaimed steps of their role and department."""
    mine_only = request.GET.get("mine") == "1"
    now = timezone.now()
    page = Paginator(inbox_list(user=request.user, mine_only=mine_only), 30).get_page(
        request.GET.get("page")
    )
    for step in page:
        step.light = light(now=now, deadline=step.deadline, warn_at=step.case.step_warn_at)
        step.remaining = remaining(now=now, deadline=step.deadline)
    return render(request, "workflow/inbox.html", {"page": page, "mine_only": mine_only})


@login_required
@require_POST
def inbox_claim_view(request: HttpRequest, step_id: int, verb: str) -> HttpResponse:
    try:
        if verb == "claim":
            step_claim(step=step_id, user=request.user)
            messages.success(request, _("已认领。"))
        elif verb == "unclaim":
            step_unclaim(step=step_id, user=request.user)
            messages.success(request, _("已退回待办池。"))
        else:
            return HttpResponse(_("未知的操作。"), status=404)
    except CaseStep.DoesNotExist as exc:
        raise Http404 from exc
    except ClaimConflict as exc:
        messages.error(request, str(exc))
        response = inbox_view(request)
        response.status_code = 409
        return response
    return redirect("workflow:inbox")


FACET_LABELS = {
    "status": _("状态"),
    "category": _("小类"),
    "street": _("街道"),
    "department": _("处置部门"),
}


@login_required
def case_search_view(request: HttpRequest) -> HttpResponse:
    """全文检索: cases the user may see, with facets and highlighted snippets."""
    query = request.GET.get("q", "")
    filters = {k: request.GET[k] for k in FACET_LABELS if request.GET.get(k)}
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    sort = request.GET.get("sort", "newest")
    result = search_run(
        user=request.user, index="cases", query=query, filters=filters, page=page, sort=sort
    )
    names = facet_names()
    facets = [
        (
            key,
            FACET_LABELS[key],
            [(value, names[key].get(value, value), count) for value, count in rows],
        )
        for key, rows in result.facets.items()
    ]
    return render(
        request,
        "workflow/case_search.html",
        {
            "query": query,
            "result": result,
            "facets": facets,
            "filters": filters,
            "sort": sort,
            "page": page,
            "has_next": page * 20 < result.total,
        },
    )
