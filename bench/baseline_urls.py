"""The product's URLs plus the bare baseline views, under /_bench/ (bench settings only).

Each baseline does the least a Django view can do for its scenario, through the same
middleware, server and client: no templates, no permissions, one query at most.
"""

import uuid

from django.db.models import F
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bench.models import BenchRow
from portal.citizen.models import PublicReport
from portal.urls import urlpatterns as product_urlpatterns
from portal.workflow.models import Case


def hello_view(request: HttpRequest) -> HttpResponse:
    """B3's baseline: Django hello-world, no database."""
    return HttpResponse("ok", content_type="text/plain")


@csrf_exempt
@require_POST
def insert_view(request: HttpRequest) -> JsonResponse:
    """B1's baseline: insert one row."""
    row = BenchRow.objects.create(key=uuid.uuid4().hex, text=request.POST.get("text", ""))
    return JsonResponse({"id": row.pk}, status=201)


def report_view(request: HttpRequest, number: str) -> JsonResponse:
    """B2's baseline: select one public report by its tracking number."""
    row = PublicReport.objects.values("id", "tracking_number").filter(tracking_number=number)
    return JsonResponse(row.first() or {}, status=200)


def case_view(request: HttpRequest, number: str) -> JsonResponse:
    """B5's baseline: select one case by its number."""
    row = Case.objects.values("id", "number", "status").filter(number=number).first()
    return JsonResponse(row or {}, status=200)


@csrf_exempt
@require_POST
def update_view(request: HttpRequest, key: str) -> JsonResponse:
    """B4's baseline: UPDATE one row by key."""
    changed = BenchRow.objects.filter(key=key).update(counter=F("counter") + 1)
    return JsonResponse({"updated": changed}, status=200)


def count_view(request: HttpRequest) -> JsonResponse:
    """B9's baseline: COUNT(*) over the cases table."""
    return JsonResponse({"cases": Case.objects.count()}, status=200)


urlpatterns = [
    path("_bench/hello", hello_view),
    path("_bench/insert", insert_view),
    path("_bench/report/<str:number>", report_view),
    path("_bench/case/<str:number>", case_view),
    path("_bench/update/<str:key>", update_view),
    path("_bench/count", count_view),
    *product_urlpatterns,
]
