"""Citizen pages: report a problem, track it by number and code, rate the result; and the
staff pages that serve citizens: hotline intake, callbacks (回访) and moderation.

Thin: forms validate, services write, selectors read. Bad input comes back as the form with
Chinese messages (400), never a 500 and never half a report (report_submit is atomic).
"""

import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Avg
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.citizen import forms as f
from portal.citizen.models import Channel, PublicReport, Rating
from portal.citizen.selectors import (
    public_status,
    report_can_rate,
    report_expected_at,
    report_photos,
    report_timeline,
    report_track_get,
    reporter_case_list,
)
from portal.citizen.services import (
    PRIVACY_PERMISSION,
    report_erase_by_reporter,
    report_moderate,
    report_rate,
    report_submit,
    reporter_data_export,
    reporter_erase,
)
from portal.citizen.throttle import (
    challenge_attach,
    failure_record,
    failures_limited,
    phone_key,
    rate_limited,
)
from portal.city.models import Category, Community, Street
from portal.city.selectors import grid_geojson
from portal.workflow.models import OPEN_STATUSES, Case, CaseAttachment, Status
from portal.workflow.pii import (
    AUDIT_LOOKUP,
    blind_index,
    mask_name,
    mask_phone,
    pii_audit,
    reporter_contact,
    reporter_contacts,
)
from portal.workflow.services import TransitionConflict
from portal.workflow.uploads import limit_uploads, upload_errors_add

TRACKED_KEY = "citizen_tracked"
RECEIPT_KEY = "citizen_receipt"


def _form_errors_from(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _submit(form, *, channel: str, request: HttpRequest):
    """Hand a valid report form to report_submit; errors go back onto the form."""
    data = form.cleaned_data
    try:
        return report_submit(
            channel=channel,
            category=data["category"],
            description=data["description"],
            lon=data["lon"],
            lat=data["lat"],
            address=data.get("address", ""),
            name=data.get("name", ""),
            phone=data.get("phone", ""),
            email=data.get("email", ""),
            uploads=data.get("photos") or [],
            operator=request.user if channel == Channel.HOTLINE else None,
        )
    except ValidationError as exc:
        _form_errors_from(form, exc)
        return None


def _category_notices() -> dict[str, str]:
    return {
        str(pk): notice
        for pk, notice in Category.objects.exclude(public_notice="").values_list(
            "pk", "public_notice"
        )
    }


@limit_uploads
@require_http_methods(["GET", "POST"])
@rate_limited("submit")
@rate_limited("submit_phone", key=phone_key)
def report_new_view(request: HttpRequest) -> HttpResponse:
    """The public report page (mobile first). Submissions are limited per address and per
    phone; after a few from one address, a question must be answered first."""
    form = f.ReportForm(request.POST or None, request.FILES or None)
    challenge_attach(form, request)
    upload_errors_add(request, form)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            receipt = _submit(form, channel=Channel.WEB, request=request)
            if receipt is not None:
                request.session[RECEIPT_KEY] = {
                    "number": receipt.tracking_number,
                    "code": receipt.code,
                }
                _remember(request, receipt.report)
                return redirect("citizen:report_done")
        status = 400
    return render(
        request,
        "citizen/report_new.html",
        {"form": form, "notices": _category_notices()},
        status=status,
    )


def report_done_view(request: HttpRequest) -> HttpResponse:
    """The receipt, shown once: the tracking number and the secret query code."""
    receipt = request.session.pop(RECEIPT_KEY, None)
    if receipt is None:
        return redirect("citizen:report_track")
    response = render(request, "citizen/report_done.html", {"receipt": receipt})
    response["Cache-Control"] = "no-store"
    return response


def _remember(request: HttpRequest, report: PublicReport) -> None:
    """This browser has proved it holds the report's code (it may rate it)."""
    tracked = request.session.get(TRACKED_KEY, [])
    if report.pk not in tracked:
        request.session[TRACKED_KEY] = [*tracked, report.pk][-20:]


def _track_context(report: PublicReport) -> dict:
    return {
        "report": report,
        "case": report.case,
        "status_label": public_status(report.case).label,
        "timeline": report_timeline(report=report),
        "photos": report_photos(report=report),
        "expected_at": report_expected_at(report=report),
        "can_rate": report_can_rate(report=report),
        "ratings": report.ratings.all(),
        "rating_form": f.RatingForm(),
        "erase_form": f.ReportEraseForm(),
    }


@require_http_methods(["GET", "POST"])
@rate_limited("lookup")
@failures_limited("lookup_failures")
def report_track_view(request: HttpRequest) -> HttpResponse:
    """Look a report up by tracking number and query code; show its public timeline."""
    if request.method == "GET":
        form = f.TrackForm(initial={"number": request.GET.get("number", "")[:20]})
        return render(request, "citizen/report_track.html", {"form": form})
    form = f.TrackForm(request.POST)
    report = None
    if form.is_valid():
        report = report_track_get(
            number=form.cleaned_data["number"], code=form.cleaned_data["code"]
        )
        if report is None:
            failure_record(request, "lookup_failures")
            form.add_error(None, _("查询编号或查询码不正确。"))
    if report is None:
        return render(request, "citizen/report_track.html", {"form": form}, status=404)
    _remember(request, report)
    response = render(request, "citizen/report_track.html", _track_context(report))
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def report_rate_view(request: HttpRequest) -> HttpResponse:
    """The reporter rates a closed case (only a browser that proved the code may)."""
    try:
        pk = int(request.POST.get("report", ""))
    except ValueError:
        raise Http404 from None
    if pk not in request.session.get(TRACKED_KEY, []):
        raise PermissionDenied(_("请先用查询编号和查询码查询您的举报。"))
    report = get_object_or_404(PublicReport.objects.select_related("case"), pk=pk)
    form = f.RatingForm(request.POST)
    if form.is_valid():
        try:
            report_rate(
                report=report,
                satisfaction=form.cleaned_data["satisfaction"],
                comment=form.cleaned_data["comment"],
            )
        except TransitionConflict:
            context = _track_context(report)
            context["rate_error"] = _("该案件当前不能评价（尚未结案或已评价）。")
            return render(request, "citizen/report_track.html", context, status=409)
        report.refresh_from_db()
        context = _track_context(report)
        context["rated"] = True
        return render(request, "citizen/report_track.html", context)
    context = _track_context(report)
    context["rating_form"] = form
    return render(request, "citizen/report_track.html", context, status=400)


NEARBY_METRES = 300
METRES_PER_DEGREE = 111_320


@require_GET
def report_nearby_view(request: HttpRequest) -> JsonResponse:
    """Open public reports of the same category near a point: the duplicate hint shown before
    submitting (FixMyStreet style). Distances are rounded; no personal data, no exact point."""
    try:
        lon = float(request.GET["lon"])
        lat = float(request.GET["lat"])
        category = int(request.GET["category"])
    except (KeyError, ValueError):
        return JsonResponse({"error": _("参数不正确。")}, status=400)
    if not (math.isfinite(lon) and math.isfinite(lat)) or abs(lat) > 90 or abs(lon) > 180:
        return JsonResponse({"error": _("参数不正确。")}, status=400)
    dlat = NEARBY_METRES / METRES_PER_DEGREE
    dlon = dlat / max(math.cos(math.radians(lat)), 0.1)
    cases = (
        Case.objects.filter(
            category_id=category,
            status__in=OPEN_STATUSES,
            public__hidden=False,
            lon__range=(lon - dlon, lon + dlon),
            lat__range=(lat - dlat, lat + dlat),
        )
        .select_related("public")
        .order_by("-reported_at")[:20]
    )
    nearby = []
    for case in cases:
        dx = (case.lon - lon) * METRES_PER_DEGREE * math.cos(math.radians(lat))
        dy = (case.lat - lat) * METRES_PER_DEGREE
        distance = math.hypot(dx, dy)
        if distance <= NEARBY_METRES:
            nearby.append(
                {
                    "tracking_number": case.public.tracking_number,
                    "description": case.public.public_description[:80],
                    "reported_at": case.reported_at.date().isoformat(),
                    "distance": int(round(distance / 50) * 50),
                }
            )
    nearby.sort(key=lambda item: item["distance"])
    return JsonResponse({"nearby": nearby[:5]})


@require_GET
@cache_control(max_age=3600, public=True)
def report_grids_view(request: HttpRequest) -> JsonResponse:
    """The unit grids as GeoJSON, drawn on the report map (works without any base map)."""
    return JsonResponse(grid_geojson(), json_dumps_params={"ensure_ascii": False})


@require_GET
def report_geocode_view(request: HttpRequest) -> JsonResponse:
    """Typed address → places of the district's own gazetteer (streets and communities) with
    their centre, so the map can fly there; the resident then clicks the exact spot."""
    query = request.GET.get("q", "").strip()[:50]
    if len(query) < 2:
        return JsonResponse({"places": []})
    places = []
    for community in (
        Community.objects.filter(name__icontains=query)
        .select_related("street")
        .annotate(lon=Avg("grids__centre_lon"), lat=Avg("grids__centre_lat"))[:8]
    ):
        if community.lon is not None:
            places.append(
                {
                    "name": f"{community.street.name} {community.name}",
                    "lon": community.lon,
                    "lat": community.lat,
                    "zoom": 16,
                }
            )
    for street in Street.objects.filter(name__icontains=query).annotate(
        lon=Avg("communities__grids__centre_lon"), lat=Avg("communities__grids__centre_lat")
    )[:5]:
        if street.lon is not None:
            places.append({"name": street.name, "lon": street.lon, "lat": street.lat, "zoom": 14})
    return JsonResponse({"places": places})


# --- staff: hotline, callbacks, moderation -------------------------------------------------


@limit_uploads
@login_required
@permission_required("citizen.take_hotline", raise_exception=True)
@require_http_methods(["GET", "POST"])
def hotline_view(request: HttpRequest) -> HttpResponse:
    """A phone report taken by an operator; the tracking number and code are read back."""
    form = f.HotlineForm(request.POST or None, request.FILES or None)
    upload_errors_add(request, form)
    receipt = None
    earlier = []
    status = 200
    if request.method == "POST":
        if form.is_valid() and (receipt := _submit(form, channel=Channel.HOTLINE, request=request)):
            # The caller's earlier reports (by the phone's blind index): a repeat call about
            # the same problem is spotted before the case is accepted twice.
            earlier = list(
                reporter_case_list(phone=form.cleaned_data["phone"]).exclude(pk=receipt.case.pk)[
                    :10
                ]
            )
            form = f.HotlineForm()
        else:
            status = 400
    return render(
        request,
        "citizen/hotline.html",
        {"form": form, "receipt": receipt, "earlier": earlier, "notices": _category_notices()},
        status=status,
    )


@login_required
@permission_required("citizen.take_hotline", raise_exception=True)
def callback_list_view(request: HttpRequest) -> HttpResponse:
    """Closed cases from the public waiting for their callback (回访), oldest closure first."""
    reports = (
        PublicReport.objects.filter(case__status=Status.CLOSED, case__satisfaction="")
        .select_related("case__category", "case__street")
        .order_by("case__closed_at", "pk")
    )
    page = Paginator(reports, 30).get_page(request.GET.get("page"))
    contacts = reporter_contacts(
        user=request.user, cases=[r.case for r in page], purpose="callback_list", request=request
    )
    rows = [(r, contacts.get(r.case_id)) for r in page]
    return render(request, "citizen/callback_list.html", {"page": page, "rows": rows})


@login_required
@permission_required("citizen.take_hotline", raise_exception=True)
@require_http_methods(["GET", "POST"])
def callback_view(request: HttpRequest, number: str) -> HttpResponse:
    """Record a callback: what the reporter said about the result."""
    report = get_object_or_404(
        PublicReport.objects.select_related("case__category", "case__department"),
        tracking_number=number,
    )
    form = f.RatingForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                report_rate(
                    report=report,
                    satisfaction=form.cleaned_data["satisfaction"],
                    comment=form.cleaned_data["comment"],
                    via=Rating.Via.CALLBACK,
                    actor=request.user,
                )
            except TransitionConflict as exc:
                messages.error(request, str(exc))
                return redirect("citizen:callback_list")
            messages.success(request, _("回访已记录：%(n)s") % {"n": report.tracking_number})
            return redirect("citizen:callback_list")
        status = 400
    context = {
        "report": report,
        "case": report.case,
        "contact": reporter_contact(
            user=request.user, case=report.case, purpose="callback", request=request
        ),
        "form": form,
        "timeline": report_timeline(report=report),
    }
    return render(request, "citizen/callback.html", context, status=status)


@login_required
@permission_required("citizen.moderate_report", raise_exception=True)
@require_http_methods(["GET", "POST"])
def moderation_view(request: HttpRequest, number: str) -> HttpResponse:
    """Hide or show a public report or a photo, or redact its public text; with the history."""
    report = get_object_or_404(PublicReport.objects.select_related("case"), tracking_number=number)
    form = f.ModerationForm(request.POST or None, initial={"text": report.public_description})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            attachment = None
            if data.get("attachment"):
                attachment = CaseAttachment.objects.filter(
                    pk=data["attachment"], case=report.case
                ).first()
            try:
                report_moderate(
                    report=report,
                    actor=request.user,
                    action=data["action"],
                    reason=data["reason"],
                    text=data.get("text", ""),
                    attachment=attachment,
                )
            except ValidationError as exc:
                _form_errors_from(form, exc)
            else:
                messages.success(request, _("审核操作已记录。"))
                return redirect("citizen:moderation", number=number)
        status = 400
    context = {
        "report": report,
        "case": report.case,
        "form": form,
        "attachments": report.case.attachments.all(),
        "history": report.moderations.select_related("actor", "attachment"),
    }
    return render(request, "citizen/moderation.html", context, status=status)


# --- personal data: the reporter's rights (PIPL) ----------------------------------------


@login_required
@permission_required(PRIVACY_PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def privacy_view(request: HttpRequest) -> HttpResponse:
    """The privacy officer's page: find a reporter's data by phone number, export it as
    JSON or erase it. POST only, so the number never appears in a URL or an access log."""
    form = f.PrivacyForm(request.POST or None)
    context: dict = {"form": form}
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "citizen/privacy.html", context, status=400)
        data = form.cleaned_data
        phone, action = data["phone"], data["action"]
        try:
            if action == "export":
                export = reporter_data_export(actor=request.user, phone=phone, request=request)
                response = JsonResponse(
                    export, json_dumps_params={"ensure_ascii": False, "indent": 2}
                )
                response["Content-Disposition"] = 'attachment; filename="personal-data.json"'
                response["Cache-Control"] = "no-store"
                return response
            if action == "erase":
                numbers = reporter_erase(
                    actor=request.user, phone=phone, reason=data["reason"], request=request
                )
                messages.success(
                    request,
                    _("已删除 %(n)d 件案件中的举报人个人信息。") % {"n": len(numbers)},
                )
                return redirect("citizen:privacy")
        except ValidationError as exc:
            _form_errors_from(form, exc)
            return render(request, "citizen/privacy.html", context, status=400)
        cases = list(reporter_case_list(phone=phone)[:200])
        pii_audit(
            action=AUDIT_LOOKUP,
            request=request,
            target=f"reporter:{blind_index(phone)[:12]}",
            detail={"index": blind_index(phone)[:12], "found": len(cases)},
        )
        context["rows"] = [
            (case, mask_name(case.reporter_name), mask_phone(case.reporter_phone)) for case in cases
        ]
        context["searched"] = True
    response = render(request, "citizen/privacy.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@rate_limited("lookup")
@failures_limited("lookup_failures")
def report_erase_view(request: HttpRequest) -> HttpResponse:
    """The reporter erases their name, phone and e-mail from their report, with the
    tracking number and the query code typed again and a confirmation ticked."""
    form = f.ReportEraseForm(request.POST)
    if not form.is_valid():
        return render(request, "citizen/report_erase.html", {"form": form}, status=400)
    report = report_track_get(number=form.cleaned_data["number"], code=form.cleaned_data["code"])
    if report is None:
        failure_record(request, "lookup_failures")
        form.add_error(None, _("查询编号或查询码不正确。"))
        return render(request, "citizen/report_erase.html", {"form": form}, status=404)
    report_erase_by_reporter(report=report, code=form.cleaned_data["code"], request=request)
    response = render(request, "citizen/report_erase.html", {"erased": report})
    response["Cache-Control"] = "no-store"
    return response
