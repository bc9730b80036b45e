"""Idempotency keys on POST (IETF draft-ietf-httpapi-idempotency-key-header).

A client that may retry sends `Idempotency-Key: <key>` (or, where it cannot set headers, a
form field `idempotency_key`). The first request runs; its answer is stored with a hash of
the request. A retry with the same key and the same request gets the stored answer again
(header `Idempotent-Replayed: true`) and changes nothing; the same key with a different
request is a 422. Keys live for IDEMPOTENCY_TTL (24 h by default), then any request may
use the key afresh, and `idempotency_key_purge` deletes them.

Concurrency: the key row is inserted in the same transaction as the work itself. A
duplicate arriving while the first is running waits on the unique index (PostgreSQL) or
on the write lock (SQLite) until the first commits, then replays its answer; if the first
fails and rolls back, the duplicate runs instead. So N concurrent copies make one effect
and N identical answers.
"""

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.idempotency.models import IdempotencyKey

HEADER = "Idempotency-Key"
FIELD = "idempotency_key"
REPLAYED = "Idempotent-Replayed"
# Printable ASCII, as the draft's sf-string allows; a UUID fits easily.
KEY = re.compile(r"^[\x20-\x7e]{1,255}$")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Answers that depend on something other than the request (credentials, a lock, a rate
# limit, a server fault) are not kept: a retry of those must run again.
NOT_STORED = {401, 403, 408, 409, 425, 429}

Refuse = Callable[[int, str], HttpResponse]


class KeyRefused(Exception):
    """The request cannot be answered under its key: status and a message for the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _ttl() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "IDEMPOTENCY_TTL", 24 * 3600))


def _body_error() -> KeyRefused:
    return KeyRefused(400, _("无法读取请求内容。"))


def request_key(request: HttpRequest) -> str | None:
    """The request's idempotency key (header first, then the form field), or None."""
    raw = request.headers.get(HEADER)
    if raw is None and request.content_type in FORM_TYPES:
        try:
            raw = request.POST.get(FIELD)
        except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent, MultiPartParserError):
            raise _body_error() from None
    if raw is None:
        return None
    # The draft sends the key as a structured-field string: "...", quotes included.
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not KEY.match(key):
        raise KeyRefused(400, _("Idempotency-Key 必须是 1 到 255 个可打印 ASCII 字符。"))
    return key


def request_digest(request: HttpRequest) -> str:
    """SHA-256 of what the request asks for: method, path and body. A form body is hashed
    field by field (the key itself left out) and each file by its content, so a client
    that retries with a fresh multipart boundary is still recognised as the same request."""
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    if request.content_type in FORM_TYPES:
        try:
            fields = sorted((k, v) for k, vs in request.POST.lists() for v in vs if k != FIELD)
            files = []
            for name, uploads in sorted(request.FILES.lists()):
                for upload in uploads:
                    content = hashlib.sha256()
                    for chunk in upload.chunks():
                        content.update(chunk)
                    upload.seek(0)
                    files.append((name, upload.name, upload.size, content.hexdigest()))
        except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent, MultiPartParserError):
            raise _body_error() from None
        digest.update(json.dumps([fields, files], ensure_ascii=False).encode())
    else:
        try:
            digest.update(request.body)
        except RequestDataTooBig:
            raise _body_error() from None
    return digest.hexdigest()


def _replay(entry: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(bytes(entry.body), status=entry.status)
    response["Content-Type"] = entry.content_type
    response[REPLAYED] = "true"
    return response


def idempotent_call(
    *, request: HttpRequest, scope: str, run: Callable[[], HttpResponse], refuse: Refuse
) -> HttpResponse:
    """Answer `request` by `run()` once per key in `scope`, replaying that answer to
    retries; `refuse(status, message)` renders a refusal in the endpoint's own format.
    Without a key, `run()` simply runs."""
    try:
        key = request_key(request)
        if key is None:
            return run()
        digest = request_digest(request)
    except KeyRefused as refusal:
        return refuse(refusal.status, refusal.message)
    now = timezone.now()
    with transaction.atomic():
        IdempotencyKey.objects.filter(scope=scope, key=key, expires_at__lte=now).delete()
        try:
            with transaction.atomic():
                entry = IdempotencyKey.objects.create(
                    scope=scope,
                    key=key,
                    request_hash=digest,
                    status=0,
                    content_type="",
                    body=b"",
                    created_at=now,
                    expires_at=now + _ttl(),
                )
        except IntegrityError:
            # Another request holds or held the key and has committed its answer.
            earlier = IdempotencyKey.objects.filter(scope=scope, key=key).first()
            if earlier is None:  # purged or given up between the insert and this read
                return refuse(409, _("该 Idempotency-Key 的请求正在处理，请稍后重试。"))
            if earlier.request_hash != digest:
                return refuse(
                    422,
                    _("该 Idempotency-Key 已用于内容不同的请求；新的请求请使用新的键。"),
                )
            return _replay(earlier)
        response = run()
        if response.status_code >= 500 or response.status_code in NOT_STORED:
            entry.delete()
        elif not response.streaming:
            entry.status = response.status_code
            entry.content_type = response.get("Content-Type", "")
            entry.body = response.content
            entry.save(update_fields=["status", "content_type", "body"])
        return response


def json_refusal(status: int, message: str) -> HttpResponse:
    """A refusal for the JSON endpoints of the staff pages."""
    return JsonResponse(
        {"error": message}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def idempotent(scope: Callable[[HttpRequest], str], refuse: Refuse = json_refusal):
    """Decorate a POST view with `idempotent_call`; `scope(request)` names the endpoint and
    the caller (a user's key never replays another user's answer)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            return idempotent_call(
                request=request,
                scope=scope(request),
                run=lambda: view(request, *args, **kwargs),
                refuse=refuse,
            )

        return wrapped

    return decorate


def idempotency_key_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the expired keys; return how many."""
    deleted, _by_model = IdempotencyKey.objects.filter(
        expires_at__lte=now or timezone.now()
    ).delete()
    return deleted
