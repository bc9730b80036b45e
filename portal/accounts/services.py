"""Writes concerning accounts: the hash-chained audit trail, the second factor and the
retention purge of the audit log."""

import datetime as dt
import enum
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.audit import detail_normalise, event_hash
from portal.accounts.models import AuditChainHead, AuditEvent, User
from portal.accounts.otp import otp_locked_until, otp_session_mark

MIN_RETENTION_DAYS = 180


class AuditChainBroken(Exception):
    """The purge refuses to delete rows of a chain that does not verify."""


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _chain_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def audit_record(
    *,
    action: str,
    request: HttpRequest | None = None,
    actor: User | None = None,
    username: str = "",
    target: str = "",
    detail: dict[str, Any] | None = None,
    success: bool = True,
) -> AuditEvent:
    """Append one event (who, what, on what, when, from where, success) to the audit log.

    The one way for every app to write it. `action` is an AuditEvent.Action value (e.g.
    PERSONAL_DATA_VIEWED / PERSONAL_DATA_EXPORTED for personal data), `target` names the
    object ("case:JY20261123001", "reporter:42"), `detail` is JSON. Appends are serialised
    on the chain head row (select_for_update; SQLite serialises writers anyway), so
    concurrent writers never fork the chain; inside an outer transaction the event commits
    or rolls back with it.
    """
    if actor is not None and not username:
        username = actor.get_username()
    user_agent = request.META.get("HTTP_USER_AGENT", "")[:255] if request is not None else ""
    fields = {
        "at": timezone.now(),
        "username": username[:150],
        "action": action,
        "target": target[:200],
        "success": success,
        "ip_address": _client_ip(request),
        "user_agent": user_agent,
        "detail": detail_normalise(detail),
    }
    with transaction.atomic():
        head = _chain_head()
        event = AuditEvent(
            actor=actor if actor is not None and actor.pk else None,
            prev_hash=head.last_hash,
            **fields,
        )
        event.hash = event_hash(event, head.last_hash)
        event.save(force_insert=True)
        head.last_event_id = event.pk
        head.last_hash = event.hash
        head.save(update_fields=["last_event_id", "last_hash"])
    return event


def audit_retention_days() -> int:
    days = settings.AUDIT_RETENTION_DAYS
    if days < MIN_RETENTION_DAYS:
        raise ImproperlyConfigured(
            f"AUDIT_RETENTION_DAYS={days}: audit logs are kept at least {MIN_RETENTION_DAYS} days"
        )
    return days


def audit_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the audit rows older than the retention period, oldest first, and keep the
    chain verifiable: the hash of the last deleted row becomes the anchor where
    verification starts. Refuses (AuditChainBroken) when the chain does not verify, so a
    purge never destroys the evidence of tampering. Returns the number of rows deleted."""
    from portal.accounts.selectors import audit_chain_verify

    cutoff = (now or timezone.now()) - dt.timedelta(days=audit_retention_days())
    with transaction.atomic():
        head = _chain_head()
        report = audit_chain_verify()
        if not report.ok:
            raise AuditChainBroken(report.message)
        # Only a prefix of the chain: stop at the first row inside the retention period.
        young = AuditEvent.objects.filter(at__gte=cutoff).order_by("id").first()
        old = AuditEvent.objects.filter(at__lt=cutoff)
        if young is not None:
            old = old.filter(id__lt=young.pk)
        last = old.order_by("-id").first()
        if last is None:
            return 0
        deleted, _by_model = AuditEvent.objects.filter(id__lte=last.pk).delete()
        head.anchor_event_id = last.pk
        head.anchor_hash = last.hash
        head.anchor_at = last.at
        head.purged = F("purged") + deleted
        head.save(update_fields=["anchor_event_id", "anchor_hash", "anchor_at", "purged"])
        audit_record(
            action=AuditEvent.Action.AUDIT_PURGED,
            username="system",
            detail={
                "deleted": deleted,
                "before": cutoff.isoformat(),
                "anchor_event_id": last.pk,
                "anchor_hash": last.hash,
            },
        )
    return deleted


# --- Second factor ---------------------------------------------------------------------


class OtpOutcome(enum.Enum):
    VERIFIED = "verified"
    WRONG = "wrong"
    THROTTLED = "throttled"
    LOCKED = "locked"


def _otp_failure(*, request: HttpRequest, user: User, step: str) -> OtpOutcome:
    now = timezone.now()
    User.objects.filter(pk=user.pk).update(
        otp_failure_count=F("otp_failure_count") + 1, otp_failed_at=now
    )
    user.refresh_from_db(fields=["otp_failure_count", "otp_failed_at"])
    audit_record(
        action=AuditEvent.Action.OTP_FAILED,
        request=request,
        actor=user,
        success=False,
        detail={"step": step, "failures": user.otp_failure_count},
    )
    if user.otp_failure_count >= settings.OTP_FAILURE_LIMIT:
        audit_record(
            action=AuditEvent.Action.OTP_LOCKED,
            request=request,
            actor=user,
            success=False,
            detail={"failures": user.otp_failure_count},
        )
        return OtpOutcome.LOCKED
    return OtpOutcome.WRONG


def _otp_success(*, request: HttpRequest, user: User, device: TOTPDevice, action: str) -> None:
    User.objects.filter(pk=user.pk).update(otp_failure_count=0, otp_failed_at=None)
    user.otp_failure_count, user.otp_failed_at = 0, None
    user.otp_epoch = User.objects.values_list("otp_epoch", flat=True).get(pk=user.pk)
    otp_login(request, device)
    otp_session_mark(request, user)
    audit_record(action=action, request=request, actor=user, detail={"device": device.pk})


def _otp_check(
    *, request: HttpRequest, user: User, devices: list[TOTPDevice], token: str, step: str
) -> tuple[OtpOutcome, TOTPDevice | None, int]:
    """Try the token on the devices; count a failure; report the wait if throttled."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if otp_locked_until(locked):
        return OtpOutcome.LOCKED, None, 0
    if locked.otp_failure_count >= settings.OTP_FAILURE_LIMIT:  # an old lock ran out
        User.objects.filter(pk=user.pk).update(otp_failure_count=0, otp_failed_at=None)
    waits = []
    for device in devices:
        allowed, info = device.verify_is_allowed()
        if not allowed:
            until = (info or {}).get("locked_until")
            waits.append(max(1, int((until - timezone.now()).total_seconds()) + 1) if until else 1)
            continue
        if device.verify_token(token):
            return OtpOutcome.VERIFIED, device, 0
    if devices and len(waits) == len(devices):
        # django-otp's growing delay (1, 2, 4 … s): refused unchecked, not counted.
        return OtpOutcome.THROTTLED, None, min(waits)
    return _otp_failure(request=request, user=user, step=step), None, 0


def otp_verify(*, request: HttpRequest, token: str) -> tuple[OtpOutcome, int]:
    """Check a code against the user's confirmed devices; on success the session is
    verified (django_otp.login). Returns the outcome and, when throttled, the seconds to
    wait. Five wrong codes in a row lock the step for OTP_LOCKOUT."""
    user = request.user
    with transaction.atomic():
        devices = list(TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True))
        outcome, device, wait = _otp_check(
            request=request, user=user, devices=devices, token=token, step="verify"
        )
        if outcome is OtpOutcome.VERIFIED:
            _otp_success(
                request=request, user=user, device=device, action=AuditEvent.Action.OTP_VERIFIED
            )
    return outcome, wait


def otp_enroll_begin(*, user: User) -> TOTPDevice:
    """The pending (unconfirmed) device whose key the enrollment page shows."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def otp_enroll_confirm(*, request: HttpRequest, token: str) -> tuple[OtpOutcome, int]:
    """Confirm the pending device with a code from the app: it replaces any earlier device
    and verifies this session. Wrong codes count towards the same lock as verification."""
    user = request.user
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("-id")
            .first()
        )
        if device is None:
            return OtpOutcome.WRONG, 0
        outcome, _device, wait = _otp_check(
            request=request, user=user, devices=[device], token=token, step="enroll"
        )
        if outcome is OtpOutcome.VERIFIED:
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            _otp_success(
                request=request, user=user, device=device, action=AuditEvent.Action.OTP_ENROLLED
            )
    return outcome, wait


def otp_reset(*, user: User, actor: User) -> int:
    """The security administrator's reset of a lost device: remove the user's devices (their
    verified sessions end) and the lock; the next login enrolls again."""
    if not actor.has_perm("accounts.change_user"):
        raise PermissionDenied
    with transaction.atomic():
        removed = 0
        for device in TOTPDevice.objects.filter(user=user):
            device.delete()  # one by one: the post_delete signal bumps the epoch
            removed += 1
        User.objects.filter(pk=user.pk).update(otp_failure_count=0, otp_failed_at=None)
        audit_record(
            action=AuditEvent.Action.OTP_RESET,
            actor=actor,
            target=f"user:{user.get_username()}",
            detail={"devices": removed},
        )
    return removed


def otp_device_seed(*, user: User, key_hex: str, name: str = "authenticator") -> TOTPDevice:
    """Give an account a confirmed device with a known key (demo accounts only)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=name, key=key_hex, confirmed=True)
    return device
