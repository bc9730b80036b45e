"""Staff pages of 督办: the list, a new item, an item with the forms open to the current
user, report attachments, and the bulletins (stored weekly ones and the current figures).

Thin: forms validate, services write, selectors read. A refused action is a 403, an item
that moved on meanwhile a 409, invalid input a 400 with the messages.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.supervision import forms as f
from portal.supervision import services as s
from portal.supervision.models import Bulletin, ProgressReport, SupervisedTask
from portal.supervision.selectors import bulletin_figures, task_actions, task_list

FORMS = {
    "accept": f.CommentForm,
    "report": f.ProgressForm,
    "extension_request": f.ExtensionForm,
    "extension_decide": f.DecisionForm,
    "complete": f.CompletionForm,
    "close": f.DecisionForm,
}


def _task(request: HttpRequest, pk: int) -> SupervisedTask:
    task = get_object_or_404(
        SupervisedTask.objects.select_related("lead_unit", "issuer", "case", "document"), pk=pk
    )
    if not s.task_may_view(user=request.user, task=task):
        raise PermissionDenied(_("您无权查看此督办事项。"))
    return task


def _add_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _may_oversee(user) -> bool:
    return user.has_perm(s.OVERSEE) or user.has_perm(s.ISSUE)


@login_required
@require_GET
def task_index(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    return render(
        request,
        "supervision/task_list.html",
        {
            "tasks": task_list(user=request.user)[:200],
            "now": now,
            "may_issue": request.user.has_perm(s.ISSUE),
            "may_oversee": _may_oversee(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_new(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(s.ISSUE):
        raise PermissionDenied(_("您没有交办督办事项的权限。"))
    form = f.IssueForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            task = s.task_issue(actor=request.user, data=form.issue_data())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("督办事项已交办。"))
            return redirect("supervision:task_detail", pk=task.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "supervision/task_form.html", {"form": form}, status=status)


def _detail(request, task, *, bound=None, status=200) -> HttpResponse:
    version = {"version": task.version}
    bound = bound or {}
    today = {"report_date": timezone.localdate()}
    forms_ = {
        name: bound.get(name)
        or form_class(initial={**version, **(today if name == "report" else {})})
        for name, form_class in FORMS.items()
    }
    context = {
        "task": task,
        "actions": task_actions(user=request.user, task=task),
        "forms": forms_,
        "co_units": task.co_units.all(),
        "reports": task.reports.select_related("unit", "author"),
        "extensions": task.extensions.select_related("requested_by", "decided_by"),
        "events": task.events.select_related("actor"),
        "overdue": task.status != "closed" and task.deadline < timezone.now(),
    }
    return render(request, "supervision/task_detail.html", context, status=status)


@login_required
@require_GET
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _task(request, pk))


@login_required
@require_POST
def task_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    task = _task(request, pk)
    if action not in FORMS:
        raise PermissionDenied(_("未知的操作。"))
    form = FORMS[action](request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, task, bound={action: form}, status=400)
    d = form.cleaned_data
    common = {"task": task, "actor": request.user}
    if "version" in d:
        common["expected_version"] = d["version"]
    try:
        if action == "accept":
            s.task_accept(**common, comment=d["comment"])
        elif action == "report":
            s.task_progress_report(
                **common,
                report_date=d["report_date"],
                percent=d["percent"],
                text=d["text"],
                upload=d["file"],
            )
        elif action == "extension_request":
            s.extension_request(**common, new_deadline=d["new_deadline"], reason=d["reason"])
        elif action == "extension_decide":
            s.extension_decide(**common, approved=d["approved"], comment=d["comment"])
        elif action == "complete":
            s.task_complete(**common, text=d["text"], upload=d["file"])
        else:
            s.task_close(**common, approved=d["approved"], comment=d["comment"])
    except s.TaskConflict as exc:
        return render(request, "supervision/conflict.html", {"message": str(exc)}, status=409)
    except ValidationError as exc:
        _add_errors(form, exc)
        task.refresh_from_db()
        return _detail(request, task, bound={action: form}, status=400)
    messages.success(request, _("已办理。"))
    return redirect("supervision:task_detail", pk=task.pk)


@login_required
@require_GET
def report_file(request: HttpRequest, pk: int, report_id: int) -> FileResponse:
    task = _task(request, pk)
    report = get_object_or_404(ProgressReport.objects.exclude(file=""), pk=report_id, task=task)
    response = FileResponse(
        report.file.open("rb"),
        content_type=report.file_type,
        as_attachment=True,
        filename=report.file_name + report.file.name[report.file.name.rfind(".") :],
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _oversee_only(request: HttpRequest) -> None:
    if not _may_oversee(request.user):
        raise PermissionDenied(_("您无权查看督办通报。"))


@login_required
@require_GET
def bulletin_index(request: HttpRequest) -> HttpResponse:
    _oversee_only(request)
    return render(
        request, "supervision/bulletin_list.html", {"bulletins": Bulletin.objects.all()[:104]}
    )


@login_required
@require_GET
def bulletin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _oversee_only(request)
    bulletin = get_object_or_404(Bulletin, pk=pk)
    return render(
        request,
        "supervision/bulletin_detail.html",
        {"bulletin": bulletin, "figures": bulletin.figures, "as_of": bulletin.as_of},
    )


@login_required
@require_GET
def bulletin_current(request: HttpRequest) -> HttpResponse:
    """The figures as they stand now (not stored)."""
    _oversee_only(request)
    now = timezone.now()
    return render(
        request,
        "supervision/bulletin_detail.html",
        {"bulletin": None, "figures": bulletin_figures(as_of=now), "as_of": now},
    )
