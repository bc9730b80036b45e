"""The audit log's hash chain: the canonical text of an event and its SHA-256.

Pure functions on plain values, shared by the writer (services.audit_record), the checker
(selectors.audit_chain_verify) and the migration that chained the rows written before.

hash = SHA-256(prev_hash + "\\n" + canonical JSON of the event's content). The content is
the time (UTC, microseconds), username, action, target, success, address, client and
detail; not the actor's id, which a deleted account would set to NULL.
"""

import datetime as dt
import hashlib
import ipaddress
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder


def detail_normalise(detail: dict[str, Any] | None) -> dict[str, Any]:
    """The detail as the JSON column will give it back (dates and decimals as text)."""
    return json.loads(json.dumps(detail or {}, cls=DjangoJSONEncoder))


def _ip(value) -> str:
    if not value:
        return ""
    try:
        return str(ipaddress.ip_address(str(value)))
    except ValueError:
        return str(value)


def audit_content(
    *,
    at: dt.datetime,
    username: str,
    action: str,
    target: str,
    success: bool,
    ip_address,
    user_agent: str,
    detail: dict[str, Any],
) -> str:
    return json.dumps(
        {
            "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "username": username,
            "action": action,
            "target": target,
            "success": bool(success),
            "ip": _ip(ip_address),
            "client": user_agent,
            "detail": detail,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        cls=DjangoJSONEncoder,
    )


def audit_hash(content: str, prev_hash: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{content}".encode()).hexdigest()


def event_hash(event, prev_hash: str) -> str:
    """The hash an AuditEvent row (model instance or historical model) should carry."""
    return audit_hash(
        audit_content(
            at=event.at,
            username=event.username,
            action=event.action,
            target=event.target,
            success=event.success,
            ip_address=event.ip_address,
            user_agent=event.user_agent,
            detail=event.detail,
        ),
        prev_hash,
    )
