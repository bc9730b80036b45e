"""Admin views of the public site (registered in wagtail_hooks.py)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.models import ResultsPage
from portal.results import results_get, results_snapshot_freeze


def results_freeze(request: HttpRequest, page_id: int) -> HttpResponse:
    """Confirm, then freeze the results page's figures into a new draft revision."""
    page = get_object_or_404(ResultsPage, pk=page_id)
    if not page.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    if request.method == "POST":
        results_snapshot_freeze(page=page, user=request.user)
        messages.success(
            request,
            _("“%(title)s”的数据已冻结为新的草稿版本，请提交审核后发布。") % {"title": page.title},
        )
        return redirect(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    draft = page.get_latest_revision_as_object()
    return TemplateResponse(
        request,
        "portal/admin/results_freeze.html",
        {"page": page, "figures": results_get(period=draft.period), "draft": draft},
    )
