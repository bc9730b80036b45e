"""Staff pages of the approvals: my requests and my 待审批, a new request from a type's
form, a request with the actions open to the current user, the seal-use log.

Thin: forms validate, services write, selectors read. A refused action is a 403, a request
that moved on meanwhile a 409, invalid input a 400 with the messages.
"""

import csv
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.approvals import forms as f
from portal.approvals import services as s
from portal.approvals.models import ApprovalRequest, ApprovalType, FieldType
from portal.approvals.selectors import (
    approval_todo,
    approval_type_list,
    request_list_mine,
    seal_log_list,
    seal_names,
    seal_use_todo,
)
from portal.city.calendar import SHANGHAI

SEAL_LOG_VIEW = ("approvals.view_sealuselog", s.RECORD_SEAL_USE)


def _request(request: HttpRequest, pk: int) -> ApprovalRequest:
    item = get_object_or_404(
        ApprovalRequest.objects.select_related("approval_type", "applicant", "department"), pk=pk
    )
    if not s.request_may_view(user=request.user, request=item):
        raise PermissionDenied(_("您无权查看此申请。"))
    return item


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _conflict(request: HttpRequest, exc: s.ApprovalConflict) -> HttpResponse:
    return render(request, "approvals/conflict.html", {"message": str(exc)}, status=409)


@login_required
@require_GET
def request_index(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "approvals/index.html",
        {
            "types": approval_type_list(),
            "todo": approval_todo(user=user)[:100],
            "seal_todo": seal_use_todo()[:100] if user.has_perm(s.RECORD_SEAL_USE) else None,
            "mine": request_list_mine(user=user)[:100],
            "may_see_seal_log": any(user.has_perm(p) for p in SEAL_LOG_VIEW),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest, code: str) -> HttpResponse:
    approval_type = get_object_or_404(ApprovalType, code=code, active=True)
    form = f.request_form_class(approval_type)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = s.request_submit(
                approval_type=approval_type, actor=request.user, answers=form.answers()
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("申请已提交，等待审批。"))
            return redirect("approvals:detail", pk=item.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "approvals/request_form.html",
        {"form": form, "approval_type": approval_type},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """修改后重新提交 a request that was sent back."""
    item = _request(request, pk)
    if item.applicant_id != request.user.pk:
        raise PermissionDenied(_("只有申请人可以修改申请。"))
    form_class = f.request_form_class(item.approval_type)
    initial = {**f.initial_from_data(item.approval_type, item.data), "version": item.version}
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            s.request_resubmit(
                request=item,
                actor=request.user,
                answers=form.answers(),
                expected_version=form.cleaned_data["version"],
            )
        except s.ApprovalConflict as exc:
            return _conflict(request, exc)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("申请已重新提交。"))
            return redirect("approvals:detail", pk=item.pk)
    elif request.method == "GET" and "resubmit" not in s.request_actions(
        user=request.user, request=item
    ):
        return _conflict(request, s.ApprovalConflict(item))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "approvals/request_form.html",
        {"form": form, "approval_type": item.approval_type, "item": item},
        status=status,
    )


def _display(value, kind: str) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, dict):
        return value.get("name", "")
    if kind == FieldType.DATETIME:
        return f"{dt.datetime.fromisoformat(value).astimezone(SHANGHAI):%Y-%m-%d %H:%M}"
    return str(value)


def _detail(request: HttpRequest, item: ApprovalRequest, *, forms_=None, status=200):
    forms_ = forms_ or {}
    version = {"version": item.version}
    context = {
        "item": item,
        "rows": [(d["label"], _display(item.data.get(d["key"]), d["type"])) for d in item.form],
        "actions": s.request_actions(user=request.user, request=item),
        "approve_form": forms_.get("approve") or f.ApproveForm(initial=version),
        "reject_form": forms_.get("reject") or f.CommentRequiredForm(initial=version),
        "return_form": forms_.get("return") or f.CommentRequiredForm(initial=version),
        "withdraw_form": forms_.get("withdraw") or f.WithdrawForm(initial=version),
        "seal_form": forms_.get("seal_use") or f.SealUseForm(initial=version),
        "tasks": item.tasks.select_related("user"),
        "events": item.events.select_related("actor"),
        "seal_log": getattr(item, "seal_log", None),
    }
    return render(request, "approvals/request_detail.html", context, status=status)


@login_required
@require_GET
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _request(request, pk))


ACTION_FORMS = {
    "approve": f.ApproveForm,
    "reject": f.CommentRequiredForm,
    "return": f.CommentRequiredForm,
    "withdraw": f.WithdrawForm,
    "seal_use": f.SealUseForm,
}
DONE = {
    "approve": _("已同意。"),
    "reject": _("已驳回。"),
    "return": _("已退回申请人修改。"),
    "withdraw": _("申请已撤回。"),
    "seal_use": _("用印已登记。"),
}


@login_required
@require_POST
def request_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    item = _request(request, pk)
    if action not in ACTION_FORMS:
        raise PermissionDenied(_("未知的操作。"))
    form = ACTION_FORMS[action](request.POST)
    if not form.is_valid():
        return _detail(request, item, forms_={action: form}, status=400)
    d = form.cleaned_data
    common = {"request": item, "actor": request.user, "expected_version": d["version"]}
    try:
        if action == "approve":
            s.request_approve(**common, comment=d["comment"])
        elif action == "reject":
            s.request_reject(**common, comment=d["comment"])
        elif action == "return":
            s.request_return(**common, comment=d["comment"])
        elif action == "withdraw":
            s.request_withdraw(**common, comment=d["comment"])
        else:
            s.seal_use_record(**common, copies=d["copies"], note=d["note"])
    except s.ApprovalConflict as exc:
        return _conflict(request, exc)
    except ValidationError as exc:
        _add_errors(form, exc)
        item.refresh_from_db()
        return _detail(request, item, forms_={action: form}, status=400)
    messages.success(request, str(DONE[action]))
    return redirect("approvals:detail", pk=item.pk)


@login_required
@require_GET
def seal_log(request: HttpRequest) -> HttpResponse:
    """用印登记簿: filter by seal and month; `?format=csv` downloads the same rows."""
    if not any(request.user.has_perm(p) for p in SEAL_LOG_VIEW):
        raise PermissionDenied(_("您无权查看用印登记簿。"))
    form = f.SealLogFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(
            request,
            "approvals/seal_log.html",
            {"form": form, "rows": [], "seals": seal_names()},
            status=400,
        )
    filters = form.cleaned_data if form.is_bound else {}
    rows = seal_log_list(seal=filters.get("seal", ""), month=filters.get("month"))
    if request.GET.get("format") == "csv":
        return _seal_log_csv(rows)
    return render(
        request,
        "approvals/seal_log.html",
        {"form": form, "rows": rows[:500], "seals": seal_names(), "query": request.GET.urlencode()},
    )


def _cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _seal_log_csv(rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="seal-log.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
    writer = csv.writer(response)
    writer.writerow(
        [
            _("用印时间"),
            _("印章"),
            _("份数"),
            _("申请编号"),
            _("事由"),
            _("申请人"),
            _("申请部门"),
            _("印章管理员"),
            _("备注"),
        ]
    )
    for log in rows.iterator():
        writer.writerow(
            _cell(value)
            for value in [
                f"{log.used_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}",
                log.seal,
                log.copies,
                log.request.number,
                log.request.summary,
                str(log.request.applicant),
                str(log.request.department or ""),
                str(log.keeper),
                log.note,
            ]
        )
    return response
