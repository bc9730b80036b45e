"""Upload limits enforced while the body streams in, not after it has been read.

Three layers, outermost first:

- `BodyLimit` (ASGI, in portal/asgi.py): Django's ASGI handler spools the whole body before
  any view runs, so a body declared larger than MAX_BODY_BYTES is answered 413 before a
  byte of it is read, and one that streams past it undeclared is cut off.
- `UploadLimitHandler` (a Django upload handler, installed per view by `limit_uploads`):
  counts the bytes of each file and of the request as the multipart parser hands them
  over. A file over its limit (a photo 10 MB, a video 30 MB, told apart by the first bytes,
  never by the name or the client's Content-Type) is skipped, the rest of the form still
  parsed; a request declaring or reaching more than 60 MB stops at once. Each refusal is
  recorded on the request, and `upload_errors_add` puts it on the form, so the page shows
  why in Chinese instead of a 500 (or a silently missing photo).
- attachments.uploads_validate: the content itself, once the files are in.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from portal.middleware import null_bytes_refusal
from portal.workflow.attachments import (
    EBML_MAGIC,
    MAX_BYTES,
    MAX_VIDEO_BYTES,
    MB,
    file_label,
)

MAX_REQUEST_BYTES = 60 * MB
# What the server reads of any request at all (admin document uploads included); between
# MAX_REQUEST_BYTES and this, an upload view still answers with its form and a message.
MAX_BODY_BYTES = 100 * MB
SNIFF_BYTES = 8  # enough for `ftyp` at offset 4 and the EBML magic at 0


@dataclass(frozen=True)
class UploadRefusal:
    """Why the handler refused a file: the form field it came in and a message to show."""

    field: str
    message: str


def _request_too_large() -> str:
    return _("上传的文件合计超过 60 MB，请减少文件后重试。")


def upload_refusals(request: HttpRequest) -> list[UploadRefusal]:
    """The files the upload handler refused in this request (parse the body first)."""
    return getattr(request, "_upload_refusals", [])


class UploadLimitHandler(FileUploadHandler):
    """Count bytes per file and per request; skip a file over its limit (the form keeps its
    other fields), stop the whole upload once the request is over its limit."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.request_too_large = False
        self.received = 0
        self.head = b""
        self.limit = MAX_BYTES

    def _refuse(self, message: str) -> None:
        self.request._upload_refusals.append(UploadRefusal(self.field_name, message))

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # The declared length: fields before the first file (the CSRF token) are still
        # parsed, then new_file stops the upload without reading the rest.
        self.request_too_large = content_length > MAX_REQUEST_BYTES

    def new_file(self, field_name, file_name, *args, **kwargs) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        self.head = b""
        self.limit = MAX_BYTES
        if self.request_too_large:
            self._refuse(_request_too_large())
            raise StopUpload(connection_reset=True)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > MAX_REQUEST_BYTES:
            self._refuse(_request_too_large())
            raise StopUpload(connection_reset=True)
        if len(self.head) < SNIFF_BYTES:
            self.head += raw_data[: SNIFF_BYTES - len(self.head)]
            if self.head[4:8] == b"ftyp" or self.head[:4] == EBML_MAGIC:
                self.limit = MAX_VIDEO_BYTES
        if start + len(raw_data) > self.limit:
            name = file_label(self.file_name)
            if self.limit == MAX_VIDEO_BYTES:
                message = _("“%(name)s”超过 30 MB：视频不能超过 30 MB。")
            else:
                message = _("“%(name)s”超过 10 MB：照片不能超过 10 MB。")
            self._refuse(message % {"name": name})
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handlers (memory, temporary file) make the file


def upload_limits_install(request: HttpRequest) -> None:
    """Put UploadLimitHandler first in the request's handlers; before the body is parsed."""
    if hasattr(request, "_files") and request.method == "POST":
        raise ImproperlyConfigured(
            "The request body was parsed before the upload limits were installed; "
            "use limit_uploads, and read no POST in a middleware before the view."
        )
    request._upload_refusals = []
    request.upload_handlers.insert(0, UploadLimitHandler(request))


def limit_uploads(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Install the upload limits before the body is parsed (Django docs, "Modifying upload
    handlers on the fly"): the CSRF middleware would read POST first, so the outer view is
    csrf_exempt and the inner one csrf_protect; RejectNullBytesMiddleware leaves the body to
    the view too (`parses_own_body`), and its check runs here once the body is in."""

    @wraps(view)
    def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        refusal = null_bytes_refusal(request)
        if refusal is not None:
            return refusal
        return view(request, *args, **kwargs)

    # A view that was exempt (an API authenticated by key) stays exempt.
    inner = checked if getattr(view, "csrf_exempt", False) else csrf_protect(checked)

    @csrf_exempt
    @wraps(view)
    def installed(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        upload_limits_install(request)
        return inner(request, *args, **kwargs)

    installed.parses_own_body = True
    return installed


def upload_errors_add(request: HttpRequest, form: forms.Form) -> bool:
    """Put the handler's refusals on a bound form (on the field the file came in, if the
    form has it); True if there were any, and the form is then invalid."""
    refusals = upload_refusals(request)
    for refusal in refusals:
        form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
    return bool(refusals)


class BodyLimit:
    """ASGI middleware: refuse a request body over max_bytes before reading it (declared
    by Content-Length), or stop reading it as soon as it streams past (chunked)."""

    def __init__(self, app, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        try:
            too_large = declared is not None and int(declared) > self.max_bytes
        except ValueError:
            too_large = False  # the server answers a malformed length itself
        if too_large:
            body = _("上传的内容过大，请减少文件后重试。").encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 413,
                    "headers": [
                        (b"content-type", b"text/plain; charset=utf-8"),
                        (b"content-length", str(len(body)).encode()),
                        (b"connection", b"close"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Django answers a client that went away by dropping the request.
                    return {"type": "http.disconnect"}
            return message

        await self.app(scope, limited_receive, send)
