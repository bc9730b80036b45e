"""Staff pages of the archive: search, item detail, permission-checked downloads,
corrections; and the public verification page the PDF's QR code points to."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.archive import borrowing as b
from portal.archive import catalogue as c
from portal.archive import disposition as d
from portal.archive import services as s
from portal.archive.borrowing import item_use_allowed
from portal.archive.forms import (
    AppraisalForm,
    BorrowForm,
    CatalogueForm,
    CorrectForm,
    DownloadForm,
    HoldForm,
)
from portal.archive.models import (
    AccessLog,
    ArchivalItem,
    BorrowRequest,
    DestructionBatch,
    DestructionRecord,
    ItemFile,
    LegalHold,
)
from portal.archive.search import FACETS, INDEX
from portal.archive.selectors import facet_names, item_get
from portal.archive.watermark import watermark_file
from search.selectors import search_run

FACET_LABELS = {
    "year": gettext_lazy("年度"),
    "retention": gettext_lazy("保管期限"),
    "street": gettext_lazy("街道"),
    "department": gettext_lazy("部门"),
    "category": gettext_lazy("案件类别"),
    "channel": gettext_lazy("来源"),
    "classification": gettext_lazy("密级"),
}
PER_PAGE = 20


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@login_required
@require_GET
def archive_search_view(request: HttpRequest) -> HttpResponse:
    """档案检索: full text and facets over the items the user may see."""
    query = request.GET.get("q", "")
    filters = {k: request.GET[k][:40] for k in FACETS if request.GET.get(k)}
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    sort = request.GET.get("sort", "newest")
    result = search_run(
        user=request.user, index=INDEX, query=query, filters=filters, page=page, sort=sort
    )
    names = facet_names()
    facets = [
        (
            key,
            str(FACET_LABELS[key]),
            [(value, names[key].get(str(value), value), count) for value, count in rows],
        )
        for key, rows in result.facets.items()
        if rows
    ]
    return render(
        request,
        "archive/search.html",
        {
            "query": query,
            "result": result,
            "facets": facets,
            "filters": filters,
            "sort": sort,
            "page": page,
            "has_next": page * PER_PAGE < result.total,
        },
    )


@login_required
@require_GET
def item_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One item: metadata, history, files, 四性 report, versions. Every view is logged."""
    item = item_get(user=request.user, pk=pk)
    s.access_log_record(item=item, user=request.user, action=AccessLog.Action.VIEW, ip=_ip(request))
    return render(
        request,
        "archive/item_detail.html",
        {
            "item": item,
            "files": item.files.order_by("role", "id"),
            "versions": item.versions.select_related("created_by").order_by("-number"),
            "report_sections": [
                (_("真实性"), item.check_report.get("authenticity")),
                (_("完整性"), item.check_report.get("integrity")),
                (_("可用性"), item.check_report.get("usability")),
                (_("安全性"), item.check_report.get("security")),
            ],
            "download_form": DownloadForm(),
            "can_download": item_use_allowed(item=item, user=request.user, action="download"),
            "can_print": item_use_allowed(item=item, user=request.user, action="print"),
            "can_appraise": request.user.has_perm(d.APPRAISE_PERM),
            "holds": item.holds.select_related("placed_by", "lifted_by"),
            "appraisals": item.appraisals.select_related("appraised_by"),
            "hold_form": HoldForm(),
            "can_correct": request.user.has_perm(s.FILE_PERM),
            "alarms": item.alarms.filter(resolved_at__isnull=True),
        },
    )


@login_required
@require_POST
def item_file_view(request: HttpRequest, pk: int, file_id: int) -> HttpResponse:
    """Stream one file of an item from private storage to a permitted user, after they
    have said why (利用目的); the download is logged."""
    item = item_get(user=request.user, pk=pk)
    item_file = get_object_or_404(ItemFile, pk=file_id, item=item)
    if not item_use_allowed(item=item, user=request.user, action="download"):
        raise PermissionDenied
    form = DownloadForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写利用目的后再下载。"))
        return redirect("archive:item_detail", pk=item.pk)
    return _deliver(
        request, item, item_file, AccessLog.Action.DOWNLOAD, form.cleaned_data["reason"]
    )


def _watermark_text(user) -> str:
    when = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    return _("%(name)s（%(username)s）利用 %(when)s") % {
        "name": user.get_full_name() or user.username,
        "username": user.username,
        "when": when,
    }


def _deliver(
    request: HttpRequest, item: ArchivalItem, item_file: ItemFile, action: str, reason: str
) -> HttpResponse:
    """Log the use, then send the file watermarked with the user's name and the time (PDFs
    and images; other formats as stored)."""
    if item_file.purged_at is not None:
        raise Http404
    try:
        with item_file.file.open("rb") as handle:
            data = handle.read()
    except FileNotFoundError as exc:
        raise Http404 from exc
    s.access_log_record(
        item=item, user=request.user, action=action, reason=reason, file=item_file, ip=_ip(request)
    )
    marked = watermark_file(
        data, content_type=item_file.content_type, text=_watermark_text(request.user)
    )
    response = FileResponse(
        io.BytesIO(marked if marked is not None else data),
        content_type=item_file.content_type,
        as_attachment=action == AccessLog.Action.DOWNLOAD,
        filename=item_file.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_POST
def item_print_view(request: HttpRequest, pk: int) -> HttpResponse:
    """打印: the current PDF case file, watermarked, shown inline for printing; logged."""
    item = item_get(user=request.user, pk=pk)
    if not item_use_allowed(item=item, user=request.user, action="print"):
        raise PermissionDenied
    pdf = item.case_file
    if pdf is None:
        raise Http404
    form = DownloadForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写利用目的后再打印。"))
        return redirect("archive:item_detail", pk=item.pk)
    return _deliver(request, item, pdf, AccessLog.Action.PRINT, form.cleaned_data["reason"])


@login_required
@require_http_methods(["GET", "POST"])
def item_correct_view(request: HttpRequest, pk: int) -> HttpResponse:
    """更正: archivists correct the description; a new version with the reason."""
    item = item_get(user=request.user, pk=pk)
    if not request.user.has_perm(s.FILE_PERM):
        raise PermissionDenied
    initial = {
        "title": item.title,
        "responsible": item.responsible,
        "document_date": item.document_date,
        "keywords": item.keywords,
        "summary": item.summary,
        "classification": item.classification,
    }
    form = CorrectForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason")
        changes = {k: v for k, v in data.items() if v != initial[k]}
        try:
            s.item_correct(item=item, actor=request.user, changes=changes, reason=reason)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已更正，生成新版本。"))
            return redirect("archive:item_detail", pk=item.pk)
    return render(request, "archive/item_correct.html", {"item": item, "form": form})


@require_GET
def verify_view(request: HttpRequest, token) -> HttpResponse:
    """Public verification (the PDF's QR code): the 档号, version and manifest digest of
    an item, and whether its last fixity check passed — no content."""
    item = get_object_or_404(ArchivalItem, verify_token=token)
    return render(request, "archive/verify.html", {"item": item})


# --- borrowing (借阅) -----------------------------------------------------------------


def _staff_required(request: HttpRequest) -> None:
    if not request.user.has_perm("wagtailadmin.access_admin"):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def borrow_new_view(request: HttpRequest) -> HttpResponse:
    """借阅申请: any staff member asks to use an item by its 档号."""
    _staff_required(request)
    form = BorrowForm(request.POST or None, initial={"reference_code": request.GET.get("code", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        item = ArchivalItem.objects.filter(reference_code=data["reference_code"].strip()).first()
        if item is None:
            form.add_error("reference_code", _("没有这个档号。"))
        else:
            try:
                b.borrow_request(
                    item=item,
                    borrower=request.user,
                    purpose=data["purpose"],
                    kind=data["kind"],
                    days=data["days"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("借阅申请已提交，等待档案馆长审批。"))
                return redirect("archive:borrow_list")
    return render(request, "archive/borrow_form.html", {"form": form})


@login_required
@require_GET
def borrow_list_view(request: HttpRequest) -> HttpResponse:
    """我的借阅: the user's requests with their state and expiry."""
    _staff_required(request)
    return render(
        request,
        "archive/borrow_list.html",
        {"borrows": b.borrow_list(user=request.user), "now": timezone.now()},
    )


@login_required
@require_GET
def borrow_inbox_view(request: HttpRequest) -> HttpResponse:
    """借阅审批: the archive head's pending requests."""
    return render(
        request, "archive/borrow_inbox.html", {"borrows": b.borrow_inbox(user=request.user)}
    )


@login_required
@require_POST
def borrow_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm(b.APPROVE_PERM):
        raise PermissionDenied
    borrow = get_object_or_404(BorrowRequest, pk=pk)
    try:
        b.borrow_decide(
            request=borrow,
            actor=request.user,
            approve=request.POST.get("decision") == "approve",
            note=request.POST.get("note", ""),
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已处理借阅申请。"))
    return redirect("archive:borrow_inbox")


# --- disposition (鉴定销毁) --------------------------------------------------------------


def _disposition_reader(request: HttpRequest) -> None:
    user = request.user
    if not (user.has_perm(d.APPRAISE_PERM) or user.has_perm(d.APPROVE_PERM)):
        raise PermissionDenied


@login_required
@require_GET
def disposition_view(request: HttpRequest) -> HttpResponse:
    """到期鉴定: items whose retention has ended, with their last appraisal and holds, and
    the destruction batches."""
    _disposition_reader(request)
    items = list(d.retention_due().prefetch_related("appraisals"))
    return render(
        request,
        "archive/disposition.html",
        {
            "items": items,
            "batches": DestructionBatch.objects.select_related("proposed_by", "approved_by"),
            "can_appraise": request.user.has_perm(d.APPRAISE_PERM),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_appraise_view(request: HttpRequest, pk: int) -> HttpResponse:
    """鉴定 one item: extend its retention or mark it for destruction."""
    if not request.user.has_perm(d.APPRAISE_PERM):
        raise PermissionDenied
    item = get_object_or_404(ArchivalItem, pk=pk)
    form = AppraisalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            d.appraisal_record(item=item, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已记录鉴定结论。"))
            return redirect("archive:disposition")
    return render(request, "archive/item_appraise.html", {"item": item, "form": form})


@login_required
@require_POST
def hold_place_view(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm(d.APPRAISE_PERM):
        raise PermissionDenied
    item = get_object_or_404(ArchivalItem, pk=pk)
    form = HoldForm(request.POST)
    if form.is_valid():
        d.legal_hold_place(item=item, actor=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("已设置法律保留。"))
    else:
        messages.error(request, _("请填写保留原因。"))
    return redirect("archive:item_detail", pk=item.pk)


@login_required
@require_POST
def hold_lift_view(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm(d.APPRAISE_PERM):
        raise PermissionDenied
    hold = get_object_or_404(LegalHold, pk=pk)
    try:
        d.legal_hold_lift(hold=hold, actor=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("archive:item_detail", pk=hold.item_id)


@login_required
@require_POST
def destruction_propose_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(d.APPRAISE_PERM):
        raise PermissionDenied
    ids = [int(v) for v in request.POST.getlist("items") if v.isdigit()]
    try:
        batch = d.destruction_propose(
            items=list(ArchivalItem.objects.filter(pk__in=ids)),
            actor=request.user,
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("archive:disposition")
    return redirect("archive:destruction_detail", pk=batch.pk)


@login_required
@require_http_methods(["GET", "POST"])
def destruction_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A destruction batch: the head approves, witnesses sign, the archivist executes."""
    user = request.user
    if not (
        user.has_perm(d.APPRAISE_PERM)
        or user.has_perm(d.APPROVE_PERM)
        or user.has_perm(d.WITNESS_PERM)
    ):
        raise PermissionDenied
    batch = get_object_or_404(DestructionBatch, pk=pk)
    if request.method == "POST":
        step = request.POST.get("step")
        actions = {
            "approve": lambda: d.destruction_decide(batch=batch, actor=user, approve=True),
            "reject": lambda: d.destruction_decide(batch=batch, actor=user, approve=False),
            "witness": lambda: d.destruction_witness(batch=batch, actor=user),
            "execute": lambda: d.destruction_execute(
                batch=batch, actor=user, method=request.POST.get("method", "")
            ),
        }
        if step not in actions:
            return HttpResponse(status=400)
        try:
            actions[step]()
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已处理。"))
        return redirect("archive:destruction_detail", pk=batch.pk)
    return render(
        request,
        "archive/destruction_detail.html",
        {
            "batch": batch,
            "items": batch.items.order_by("reference_code"),
            "witnesses": batch.witnesses.all(),
            "records": batch.records.all(),
            "can_approve": user.has_perm(d.APPROVE_PERM),
            "can_witness": user.has_perm(d.WITNESS_PERM),
            "can_execute": user.has_perm(d.APPRAISE_PERM),
        },
    )


@login_required
@require_GET
def destruction_register_view(request: HttpRequest) -> HttpResponse:
    """销毁清册: every destroyed item, permanently."""
    if not request.user.has_perm("archive.view_destructionrecord"):
        raise PermissionDenied
    return render(
        request,
        "archive/destruction_register.html",
        {"records": DestructionRecord.objects.select_related("batch")},
    )


# --- catalogue (归档文件目录) -------------------------------------------------------------


@login_required
@require_GET
def catalogue_view(request: HttpRequest) -> HttpResponse:
    """归档文件目录 of the items the user may see, as XLSX or PDF."""
    if not request.user.has_perm(c.EXPORT_PERM):
        raise PermissionDenied
    form = CatalogueForm(request.GET or None)
    if not request.GET or not form.is_valid():
        return render(request, "archive/catalogue.html", {"form": form})
    data = form.cleaned_data
    scope = {
        "year": data["year"],
        "retention": data["retention"],
        "organisation": data["organisation"].strip(),
    }
    rows = c.catalogue_list(user=request.user, **scope)
    title = c.catalogue_title(**scope)
    if data["format"] == "pdf":
        body, content_type, ext = c.catalogue_pdf(rows=rows, title=title), "application/pdf", "pdf"
    else:
        body = c.catalogue_xlsx(rows=rows, title=title)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        ext = "xlsx"
    return FileResponse(
        io.BytesIO(body), content_type=content_type, as_attachment=True, filename=f"{title}.{ext}"
    )
