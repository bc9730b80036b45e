"""Site-wide views."""

import re

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from wagtail.models import get_page_models

from portal.search import INDEX as PAGES_INDEX
from search.selectors import MAX_WINDOW, search_run

SEARCH_PER_PAGE = 10
# Control characters (NUL above all: PostgreSQL refuses it in text) are never part of a
# query a person typed.
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for the load balancer and `make run`."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok", "database": connection.vendor})
    except Exception as exc:  # any failure to reach the database means "not ready"
        return JsonResponse({"status": "error", "detail": type(exc).__name__}, status=503)


@never_cache
@require_GET
def language_switch(request: HttpRequest, code: str) -> HttpResponseRedirect:
    """Switch the reader's language by a plain link and go back to the page they were on.

    A link rather than Django's POST set_language: public pages are cached for anonymous
    readers and so carry no CSRF token; the only state changed is the language cookie."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        samesite="Lax",
    )
    return response


@require_GET
def public_search(request: HttpRequest) -> HttpResponse:
    """站内搜索 for residents: the public pages only, searched as an anonymous visitor
    whoever is signed in, so the page never shows anything a resident could not open."""
    query = CONTROL_CHARS.sub(" ", request.GET.get("q", "")).strip()[:200]
    page_types = {m._meta.model_name: m._meta.verbose_name for m in get_page_models()}
    filters = {}
    page_type = request.GET.get("type", "")
    if page_type:
        if page_type not in page_types:
            return HttpResponseBadRequest(_("未知的栏目类型。"))
        filters["type"] = page_type
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        return HttpResponseBadRequest(_("页码无效。"))
    page = max(1, min(page, MAX_WINDOW // SEARCH_PER_PAGE))
    result = None
    if query or filters:
        result = search_run(
            user=AnonymousUser(),
            index=PAGES_INDEX,
            query=query,
            filters=filters,
            page=page,
            per_page=SEARCH_PER_PAGE,
            sort="relevance" if query else "newest",
        )
    facets = []
    if result is not None:
        rows = result.facets.get("type", [])
        facets = (
            [("type", _("栏目"), [(v, page_types.get(v, v), n) for v, n in rows if v])]
            if rows
            else []
        )
    last_page = max(1, -(-result.total // SEARCH_PER_PAGE)) if result is not None else 1
    return render(
        request,
        "portal/search.html",
        {
            "query": query,
            "page_type": page_type,
            "result": result,
            "facets": facets,
            "page_number": page,
            "last_page": last_page,
            "has_next": result is not None and page < last_page,
        },
    )
