"""Writes concerning accounts: the audit trail of security events."""

from typing import Any

from django.http import HttpRequest

from portal.accounts.models import AuditEvent, User


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: str,
    request: HttpRequest | None = None,
    actor: User | None = None,
    username: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one security event (who, what, when, from where) to the audit log."""
    if actor is not None and not username:
        username = actor.get_username()
    user_agent = request.META.get("HTTP_USER_AGENT", "")[:255] if request is not None else ""
    return AuditEvent.objects.create(
        action=action,
        actor=actor if actor is not None and actor.pk else None,
        username=username[:150],
        ip_address=_client_ip(request),
        user_agent=user_agent,
        detail=detail or {},
    )
