"""Receivers that turn authentication signals into audit events (thin: they call the service)."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models import F
from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import receiver
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.models import AuditEvent, User
from portal.accounts.otp import otp_session_start
from portal.accounts.roles import department_membership_sync, roles_sync
from portal.accounts.services import audit_record


@receiver(user_logged_in)
def _on_login(sender, request, user, **kwargs) -> None:
    audit_record(action=AuditEvent.Action.LOGIN, request=request, actor=user)
    if request is not None and hasattr(request, "session"):
        otp_session_start(request, user)


@receiver(user_logged_out)
def _on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_record(action=AuditEvent.Action.LOGOUT, request=request, actor=user)


@receiver(user_login_failed)
def _on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    audit_record(
        action=AuditEvent.Action.LOGIN_FAILED,
        request=request,
        username=str(credentials.get("username", "")),
        success=False,
    )


@receiver(user_locked_out)
def _on_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    audit_record(
        action=AuditEvent.Action.LOCKED_OUT,
        request=request,
        username=username or "",
        success=False,
        detail={"ip_address": ip_address},
    )


@receiver(post_migrate)
def _sync_roles(sender, **kwargs) -> None:
    # Roles follow the code: after every migrate the groups hold exactly the
    # permissions roles.py gives them. Run once, after the last app has migrated.
    if sender.label != "accounts":
        return
    roles_sync()


@receiver(post_save, sender=User)
def _sync_department_group(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        department_membership_sync(instance)


@receiver(post_delete, sender=TOTPDevice)
def _device_removed(sender, instance, **kwargs) -> None:
    # Sessions verified with a removed device are verified no longer.
    if instance.confirmed:
        User.objects.filter(pk=instance.user_id).update(otp_epoch=F("otp_epoch") + 1)
