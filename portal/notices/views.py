"""Staff pages of 通知公告: received, written and to-review lists; a new or edited draft; a
notice with its review form, read receipts and reminder button.

Opening a published notice as one of its addressed units' staff records the reading.
A refused action is a 403, a notice that moved on meanwhile a 409, invalid input a 400.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.notices import forms as f
from portal.notices import services as s
from portal.notices.models import Notice, Status
from portal.notices.selectors import (
    notice_published,
    notice_receipts,
    notice_received,
    notice_to_review,
    notice_written,
)


def _notice(request: HttpRequest, pk: int) -> Notice:
    notice = get_object_or_404(Notice.objects.select_related("author", "reviewer"), pk=pk)
    if not s.notice_may_view(user=request.user, notice=notice):
        raise PermissionDenied(_("您无权查看此通知。"))
    return notice


def _add_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _conflict(request: HttpRequest, exc: Exception) -> HttpResponse:
    return render(request, "notices/conflict.html", {"message": str(exc)}, status=409)


@login_required
@require_GET
def notice_index(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "notices/notice_list.html",
        {
            "received": notice_received(user=user)[:100],
            "to_review": notice_to_review(user=user)[:100],
            "written": notice_written(user=user)[:100],
            "published": notice_published(user=user)[:100],
            "may_draft": user.has_perm(s.DRAFT),
        },
    )


def _initial_of(notice: Notice) -> dict:
    return {
        "title": notice.title,
        "body": notice.body,
        "street_offices": list(notice.street_offices.all()),
        "whole_streets": list(notice.whole_streets.all()),
        "communities": list(notice.communities.all()),
        "version": notice.version,
    }


@login_required
@require_http_methods(["GET", "POST"])
def notice_new(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(s.DRAFT):
        raise PermissionDenied(_("您没有起草通知的权限。"))
    form = f.NoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            notice = s.notice_create(actor=request.user, data=form.notice_data())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("草稿已保存。"))
            return redirect("notices:notice_detail", pk=notice.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "notices/notice_form.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def notice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    if notice.author_id != request.user.pk:
        raise PermissionDenied(_("只有拟稿人可以修改草稿。"))
    form = f.NoticeForm(request.POST or None, initial=_initial_of(notice))
    if request.method == "POST" and form.is_valid():
        try:
            s.notice_update(
                notice=notice,
                actor=request.user,
                data=form.notice_data(),
                expected_version=form.cleaned_data["version"],
            )
        except s.NoticeConflict as exc:
            return _conflict(request, exc)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("草稿已更新。"))
            return redirect("notices:notice_detail", pk=notice.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "notices/notice_form.html", {"form": form, "notice": notice}, status=status
    )


def _detail(request, notice, *, review_form=None, errors=None, status=200) -> HttpResponse:
    user = request.user
    version = {"version": notice.version}
    receipts = (
        notice_receipts(notice=notice)
        if s.notice_may_see_receipts(user=user, notice=notice)
        else None
    )
    context = {
        "notice": notice,
        "is_author": notice.author_id == user.pk,
        "may_review": notice.status == Status.REVIEW
        and user.has_perm(s.REVIEW)
        and notice.author_id != user.pk,
        "review_form": review_form or f.ReviewForm(initial=version),
        "version_form": f.VersionForm(initial=version),
        "receipts": receipts,
        "errors": errors or [],
        "street_offices": notice.street_offices.all(),
        "whole_streets": notice.whole_streets.all(),
        "communities": notice.communities.all(),
        "events": notice.events.select_related("actor"),
    }
    return render(request, "notices/notice_detail.html", context, status=status)


@login_required
@require_GET
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    s.notice_open(notice=notice, user=request.user)
    return _detail(request, notice)


@login_required
@require_POST
def notice_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    notice = _notice(request, pk)
    if action not in ("submit", "review", "remind"):
        raise PermissionDenied(_("未知的操作。"))
    form = (f.ReviewForm if action == "review" else f.VersionForm)(request.POST)
    if action != "remind" and not form.is_valid():
        kwargs = (
            {"review_form": form}
            if action == "review"
            else {"errors": [e for es in form.errors.values() for e in es]}
        )
        return _detail(request, notice, status=400, **kwargs)
    try:
        if action == "submit":
            s.notice_submit(
                notice=notice, actor=request.user, expected_version=form.cleaned_data["version"]
            )
            messages.success(request, _("已送审核。"))
        elif action == "review":
            d = form.cleaned_data
            s.notice_review(
                notice=notice,
                actor=request.user,
                approved=d["approved"],
                comment=d["comment"],
                expected_version=d["version"],
            )
            messages.success(request, _("已办理。"))
        else:
            told = s.notice_remind(notice=notice, actor=request.user)
            messages.success(request, _("已提醒 %(n)d 人。") % {"n": told})
    except s.NoticeConflict as exc:
        return _conflict(request, exc)
    except ValidationError as exc:
        notice.refresh_from_db()
        if action == "review":
            _add_errors(form, exc)
            return _detail(request, notice, review_form=form, status=400)
        return _detail(request, notice, errors=exc.messages, status=400)
    return redirect("notices:notice_detail", pk=notice.pk)
