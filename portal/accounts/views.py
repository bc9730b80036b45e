"""The second step of staff login (verify a TOTP code, or enroll an authenticator the first
time), the password change page, and the auditor's check of the audit chain.

Thin: the forms validate, services.otp_* decide and write, the middleware enforces."""

from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.accounts import services as s
from portal.accounts.forms import OtpTokenForm
from portal.accounts.models import AuditEvent
from portal.accounts.otp import (
    otp_confirmed_device,
    otp_locked_until,
    otp_session_verified,
    totp_secret_b32,
)
from portal.accounts.passwords import password_expired, password_expires_at
from portal.accounts.selectors import audit_chain_verify


def _next(request: HttpRequest) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return settings.LOGIN_REDIRECT_URL


def _with_next(name: str, request: HttpRequest):
    response = redirect(name)
    response["Location"] += "?" + urlencode({"next": _next(request)})
    return response


def _locked(request: HttpRequest) -> HttpResponse:
    # Too many wrong codes: the session ends; the password step must be passed again.
    logout(request)
    return render(request, "accounts/otp_locked.html", status=429)


def _outcome_response(request: HttpRequest, form: OtpTokenForm, outcome, wait: int):
    if outcome is s.OtpOutcome.LOCKED:
        return _locked(request)
    if outcome is s.OtpOutcome.THROTTLED:
        form.add_error("token", _("尝试过于频繁，请 %(s)d 秒后再试。") % {"s": wait})
    else:
        form.add_error("token", _("动态口令不正确或已使用，请输入验证器上当前显示的口令。"))
    return None


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    if otp_session_verified(request):
        return redirect(_next(request))
    if otp_confirmed_device(request.user) is None:
        return _with_next("accounts:otp_enroll", request)
    if otp_locked_until(request.user):
        return _locked(request)
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome, wait = s.otp_verify(request=request, token=form.cleaned_data["token"])
        if outcome is s.OtpOutcome.VERIFIED:
            request.session.cycle_key()
            return redirect(_next(request))
        refused = _outcome_response(request, form, outcome, wait)
        if refused:
            return refused
    status = 400 if request.method == "POST" else 200
    return render(
        request, "accounts/otp_verify.html", {"form": form, "next": _next(request)}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def otp_enroll(request: HttpRequest) -> HttpResponse:
    # Replacing a device needs the old one first: a stolen password cannot enroll a new one.
    if otp_confirmed_device(request.user) is not None and not otp_session_verified(request):
        return _with_next("accounts:otp_verify", request)
    if otp_locked_until(request.user):
        return _locked(request)
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome, wait = s.otp_enroll_confirm(request=request, token=form.cleaned_data["token"])
        if outcome is s.OtpOutcome.VERIFIED:
            request.session.cycle_key()
            messages.success(request, _("已绑定身份验证器，今后登录时须输入动态口令。"))
            return redirect(_next(request))
        refused = _outcome_response(request, form, outcome, wait)
        if refused:
            return refused
    device = s.otp_enroll_begin(user=request.user)
    qr = segno.make(device.config_url, error="m")
    context = {
        "form": form,
        "next": _next(request),
        "qr_svg": qr.svg_inline(scale=5, dark="#000", light="#fff"),
        "secret": totp_secret_b32(device),
        "replacing": otp_confirmed_device(request.user) is not None,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/otp_enroll.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        s.audit_record(action=AuditEvent.Action.PASSWORD_CHANGED, request=request, actor=user)
        messages.success(request, _("密码已修改。"))
        return redirect(_next(request))
    context = {
        "form": form,
        "next": _next(request),
        "expired": password_expired(request.user),
        "expires_at": password_expires_at(request.user),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/password_change.html", context, status=status)


@require_GET
@permission_required("accounts.view_auditevent", raise_exception=True)
def audit_verify(request: HttpRequest) -> HttpResponse:
    """The auditor's check of the chain (the same as `manage.py audit_verify`)."""
    return render(request, "accounts/audit_verify.html", {"report": audit_chain_verify()})
