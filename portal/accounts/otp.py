"""Who needs a second factor, and whether this session has passed it.

Protected accounts verify a TOTP code on every login, before any staff page answers:
the three administrator roles (system, security, audit), the archive roles and anyone
holding archive management permissions, anyone who can change content, accounts or groups
through the Wagtail admin, and superusers. The Wagtail admin itself (/admin/) asks every
account for the second factor. Other staff verify when they have enrolled a device.

The decision is taken once at login (`otp_session_start`) and kept in the session. A
verified session holds django-otp's device id (django_otp.login) and the account's
`otp_epoch` at that moment: removing or replacing a device bumps the epoch, which ends the
verification of every session at once. So the check per request reads only the user row,
which is loaded anyway (django-otp's own middleware would add a device query).
"""

import datetime as dt
from base64 import b32encode

from django.conf import settings
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.roles import ROLES_BY_CODE

PROTECTED_ROLES = ("system_admin", "security_admin", "auditor", "archivist", "archive_head")
# Write permissions in these apps make an account protected (view-only ones do not).
PROTECTED_APPS = (
    "archive",
    "accounts",
    "auth",
    "wagtailcore",
    "wagtailimages",
    "wagtaildocs",
    "wagtailusers",
    "portal",
)
PROTECTED_PERMISSIONS = {"archive.view_restricted_archivalitem"}
SESSION_REQUIRED = "accounts_otp_required"
SESSION_EPOCH = "accounts_otp_epoch"


def otp_protected(user) -> bool:
    """Whether the account must pass a second factor on every login (by role)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    names = {ROLES_BY_CODE[code].name for code in PROTECTED_ROLES}
    if user.groups.filter(name__in=names).exists():
        return True
    for perm in user.get_all_permissions():
        app, codename = perm.split(".", 1)
        if perm in PROTECTED_PERMISSIONS or (
            app in PROTECTED_APPS and not codename.startswith("view_")
        ):
            return True
    return False


def otp_required(user) -> bool:
    """Protected accounts, and any account with a confirmed device."""
    return otp_protected(user) or user_has_device(user, confirmed=True)


def otp_session_start(request, user) -> None:
    """At login: remember in the session whether this account must verify."""
    request.session[SESSION_REQUIRED] = otp_required(user)


def otp_session_required(request) -> bool:
    if SESSION_REQUIRED not in request.session:  # a session from before this was deployed
        request.session[SESSION_REQUIRED] = otp_required(request.user)
    return bool(request.session[SESSION_REQUIRED])


def otp_session_mark(request, user) -> None:
    """After django_otp.login: remember the device generation this session passed with."""
    request.session[SESSION_EPOCH] = user.otp_epoch


def otp_session_verified(request) -> bool:
    """Whether this session passed the second factor with a device the user still has."""
    user = request.user
    persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
    if not persistent_id or not user.is_authenticated:
        return False
    if request.session.get(SESSION_EPOCH) == user.otp_epoch:
        return True
    # Marked by django_otp.login alone: check the device once. (A session marked at an
    # older epoch lost its device and is verified no longer.)
    if SESSION_EPOCH not in request.session:
        device = Device.from_persistent_id(persistent_id)
        if device is not None and device.user_id == user.pk and device.confirmed:
            otp_session_mark(request, user)
            return True
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    request.session.pop(SESSION_EPOCH, None)
    return False


def otp_locked_until(user, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """While too many wrong codes in a row are recent, the second step is locked."""
    if user.otp_failure_count < settings.OTP_FAILURE_LIMIT or user.otp_failed_at is None:
        return None
    until = user.otp_failed_at + settings.OTP_LOCKOUT
    return until if (now or timezone.now()) < until else None


def otp_confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def totp_secret_b32(device: TOTPDevice) -> str:
    """The key as authenticator apps take it typed in (base32, no padding)."""
    return b32encode(device.bin_key).decode().rstrip("=")
