"""Server-side gate of staff sessions: the second factor, then the password's age.

After the password step, a session that still owes its second factor reaches only the OTP
pages, logout and static files: HTML requests are redirected to verify (or to enroll, the
first time), JSON/API and htmx requests get a 403. The Wagtail admin needs the second
factor from every account. Then a staff account whose password is older than
PASSWORD_MAX_AGE_DAYS reaches only the password change page.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from portal.accounts.otp import otp_session_required, otp_session_verified
from portal.accounts.passwords import password_expired

ALWAYS_OPEN = ("/static/", "/media/", "/healthz", "/i18n/", "/lang/", "/favicon.ico")
API_PREFIXES = ("/api/", "/open311/")


def _wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return (
        request.path_info.startswith(API_PREFIXES)
        or ("application/json" in accept and "text/html" not in accept)
        or request.headers.get("Content-Type", "").startswith("application/json")
    )


def _refusal(request: HttpRequest, url: str, message: str) -> HttpResponse:
    target = f"{url}?{urlencode({'next': request.get_full_path()})}"
    if request.headers.get("HX-Request"):
        response = HttpResponse(message, status=403, content_type="text/plain; charset=utf-8")
        response["HX-Redirect"] = target
        return response
    if _wants_json(request):
        return JsonResponse({"detail": message, "redirect": url}, status=403)
    return HttpResponseRedirect(target)


class StaffSecurityMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    @cached_property
    def _otp_open(self) -> tuple[str, ...]:
        return (
            *ALWAYS_OPEN,
            "/accounts/otp/",
            settings.LOGIN_URL,
            reverse("wagtailadmin_logout"),
            "/admin/password_reset/",
        )

    @cached_property
    def _password_open(self) -> tuple[str, ...]:
        return (*self._otp_open, reverse("accounts:password_change"))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self._gate(request) or self.get_response(request)

    def _gate(self, request: HttpRequest) -> HttpResponse | None:
        path = request.path_info
        if path.startswith(self._otp_open):
            return None
        user = request.user
        if not user.is_authenticated:
            return None
        if not otp_session_verified(request) and (
            path.startswith("/admin/") or otp_session_required(request)
        ):
            return _refusal(
                request,
                reverse("accounts:otp_verify"),
                _("请先完成二次身份验证（动态口令）。"),
            )
        if password_expired(user) and not path.startswith(self._password_open):
            return _refusal(
                request,
                reverse("accounts:password_change"),
                _("密码已超过有效期，请先修改密码。"),
            )
        return None
