"""Staff pages of the archive: search, item detail, permission-checked downloads,
corrections; and the public verification page the PDF's QR code points to."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.archive import services as s
from portal.archive.forms import CorrectForm, DownloadForm
from portal.archive.models import AccessLog, ArchivalItem, ItemFile
from portal.archive.search import FACETS, INDEX
from portal.archive.selectors import facet_names, item_get
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
    form = DownloadForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写利用目的后再下载。"))
        return redirect("archive:item_detail", pk=item.pk)
    try:
        handle = item_file.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    s.access_log_record(
        item=item,
        user=request.user,
        action=AccessLog.Action.DOWNLOAD,
        reason=form.cleaned_data["reason"],
        file=item_file,
        ip=_ip(request),
    )
    response = FileResponse(
        handle, content_type=item_file.content_type, as_attachment=True, filename=item_file.name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


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
