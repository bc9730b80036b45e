"""Site-wide request checks."""

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _


def _refused() -> HttpResponse:
    return HttpResponseBadRequest(
        _("请求中包含非法字符。"), content_type="text/plain; charset=utf-8"
    )


def _carries_nul(values) -> bool:
    return any("\x00" in value for value in values)


def _param_values(params) -> list[str]:
    values = []
    for key, items in params.lists():
        values.append(key)
        values.extend(items)
    return values


def null_bytes_refusal(request: HttpRequest) -> HttpResponse | None:
    """A 400 if the request's path or parameters (POST included) carry a NUL, else None."""
    values = [request.path, *_param_values(request.GET), *_param_values(request.POST)]
    return _refused() if _carries_nul(values) else None


class RejectNullBytesMiddleware:
    """Answer 400 to a request whose path or parameters carry a NUL character.

    No legitimate input contains one, and PostgreSQL cannot store or compare text holding
    it: refusing here keeps every view — form or raw parameter — from failing with a 500.

    The body is checked in process_view, and not for a view marked `parses_own_body`
    (workflow.uploads.limit_uploads): reading POST here would parse the upload with the
    default handlers before the view can install its limits; that view checks it itself.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if _carries_nul([request.path, *_param_values(request.GET)]):
            return _refused()
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if getattr(view_func, "parses_own_body", False):
            return None
        return null_bytes_refusal(request)
