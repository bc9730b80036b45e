from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.directory.selectors import directory_tree


@login_required
def directory_view(request: HttpRequest) -> HttpResponse:
    """通讯录: staff accounts only; citizens have no accounts, but an inactive or
    non-staff login is refused all the same."""
    if not request.user.is_staff:
        raise PermissionDenied
    query = request.GET.get("q", "").strip()[:50]
    return render(
        request,
        "directory/directory.html",
        {"tree": directory_tree(query=query), "query": query},
    )
