"""Site-wide request checks."""

from django.http import HttpRequest, HttpResponseBadRequest
from django.utils.translation import gettext as _


class RejectNullBytesMiddleware:
    """Answer 400 to a request whose path or parameters carry a NUL character.

    No legitimate input contains one, and PostgreSQL cannot store or compare text holding
    it: refusing here keeps every view — form or raw parameter — from failing with a 500.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        values = [request.path]
        for params in (request.GET, request.POST):
            for key, items in params.lists():
                values.append(key)
                values.extend(items)
        if any("\x00" in value for value in values):
            return HttpResponseBadRequest(
                _("请求中包含非法字符。"), content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)
