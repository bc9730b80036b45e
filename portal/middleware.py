"""Site-wide request checks."""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _


def _refused(path: str = "") -> HttpResponse:
    message = _("请求中包含非法字符。")
    if path.startswith("/open311/"):
        # The Open311 server answers every error in the spec's format, this one too.
        from portal.citizen.open311.formats import render_errors

        return render_errors("json" if path.endswith(".json") else "xml", 400, [message])
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def _carries_nul(values) -> bool:
    return any("\x00" in value for value in values)


def _param_values(params) -> list[str]:
    values = []
    for key, items in params.lists():
        values.append(key)
        values.extend(items)
    return values


def null_bytes_refusal(request: HttpRequest) -> HttpResponse | None:
    """A 400 if the request's path or parameters (POST included) carry a NUL, else None."""
    values = [request.path, *_param_values(request.GET), *_param_values(request.POST)]
    return _refused(request.path) if _carries_nul(values) else None


class RejectNullBytesMiddleware:
    """Answer 400 to a request whose path or parameters carry a NUL character.

    No legitimate input contains one, and PostgreSQL cannot store or compare text holding
    it: refusing here keeps every view — form or raw parameter — from failing with a 500.

    The body is checked in process_view, and not for a view marked `parses_own_body`
    (workflow.uploads.limit_uploads): reading POST here would parse the upload with the
    default handlers before the view can install its limits; that view checks it itself.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if _carries_nul([request.path, *_param_values(request.GET)]):
            return _refused(request.path)
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if getattr(view_func, "parses_own_body", False):
            return None
        return null_bytes_refusal(request)


def _tile_source(url: str) -> str:
    """The origin of the map tile URL template, `{s}` subdomains as a wildcard."""
    parts = urlsplit(url.replace("{s}", "*"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def content_security_policy(path: str) -> str:
    """The CSP of a response to `path`.

    Site pages and APIs: scripts only from our own static files (no 'unsafe-inline', no
    eval; page data travels in json_script blocks, which are not executed), no plugins, no
    <base> rewriting, frames from our own origin only (Wagtail preview). Inline style
    attributes stay allowed: Leaflet and ECharts position their elements with them, and
    a style cannot run code.

    The Wagtail admin (/admin/) is not ours to rewrite and still bootstraps some widgets
    with inline scripts, so under /admin/ scripts may also be inline (never eval). The
    admin is for signed-in staff only.
    """
    script = "'self'"
    if path.startswith("/admin/"):
        script = "'self' 'unsafe-inline'"
    images = " ".join(filter(None, ["'self' data: blob:", _tile_source(settings.MAP_TILE_URL)]))
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {script}",
            "style-src 'self' 'unsafe-inline'",
            f"img-src {images}",
            "font-src 'self' data:",
            "media-src 'self' blob:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'self'",
        ]
    )


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response (Django 5.2 has no
    CSP of its own; SecurityMiddleware already sends nosniff, Referrer-Policy, COOP and,
    in production, HSTS). A view that sets its own CSP keeps it."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        response.headers.setdefault(
            "Content-Security-Policy", content_security_policy(request.path)
        )
        # The report form may ask for the position and the camera; nothing else may.
        response.headers.setdefault(
            "Permissions-Policy",
            "geolocation=(self), camera=(self), microphone=(), payment=(), usb=()",
        )
        return response


# Explicit bidirectional embeddings, overrides and isolates (LRE, RLE, PDF, LRO, RLO and
# LRI, RLI, FSI, PDI). Chinese text never needs them; a U+202E in a description would
# reverse the rest of a line on a staff page ("gpj.exe" read as "exe.jpg").
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# The same characters as JSON escapes (\u202e), unless the backslash is itself escaped.
BIDI_ESCAPES = re.compile(r"(?<!\\)((?:\\\\)*)\\u(?:202[a-eA-E]|206[6-9])")
NEUTRALISED_TYPES = ("text/html", "application/json", "application/geo+json")


def bidi_controls_strip(text: str, *, json_escapes: bool = False) -> str:
    """`text` without explicit bidi controls (raw, and as JSON escapes if asked)."""
    text = BIDI_CONTROLS.sub("", text)
    return BIDI_ESCAPES.sub(r"\1", text) if json_escapes else text


class BidiControlsMiddleware:
    """Render bidi override characters inert: they are removed from every HTML and JSON
    response, so a stored value keeps what was submitted (the audit trail shows it as
    received) but no page or dashboard ever reorders text around it."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if response.streaming or not content_type.startswith(NEUTRALISED_TYPES):
            return response
        charset = response.charset or "utf-8"
        try:
            text = response.content.decode(charset)
        except (UnicodeDecodeError, LookupError):
            return response
        cleaned = bidi_controls_strip(text, json_escapes="json" in content_type)
        if cleaned != text:
            response.content = cleaned.encode(charset)
            if response.has_header("Content-Length"):  # set by CommonMiddleware, inside
                response["Content-Length"] = str(len(response.content))
        return response
