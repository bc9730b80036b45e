"""Rendering of Open311 documents: XML (required by the spec) and JSON (its Spark mapping).

A document is plain data: dicts, lists, strings, numbers, booleans and None. In XML a list
under a key becomes a wrapper element holding one child per item (`attributes` holds
`attribute` elements); in JSON it stays an array. IDs and codes are always strings.
"""

import json
from collections.abc import Iterable
from xml.etree import ElementTree

from django.http import HttpResponse

FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
DEFAULT_FORMAT = "xml"
# The element name of one item of each list the documents contain.
ITEMS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}


class Open311Error(Exception):
    """An answer in the spec's error format: `errors > error > code, description`."""

    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__(status, descriptions)
        self.status = status
        self.descriptions = descriptions


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _append(parent: ElementTree.Element, tag: str, value) -> None:
    element = ElementTree.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, child in value.items():
            _append(element, key, child)
    elif isinstance(value, list):
        for item in value:
            _append(element, ITEMS[tag], item)
    else:
        element.text = _text(value)


def xml_document(root: str, data) -> bytes:
    """The document as XML under `root`, with the declaration the spec requires."""
    element = ElementTree.Element(root)
    if isinstance(data, dict):
        for key, value in data.items():
            _append(element, key, value)
    else:
        for item in data:
            _append(element, ITEMS[root], item)
    body = ElementTree.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode()


def render(fmt: str, root: str, data, status: int = 200) -> HttpResponse:
    """One response in the requested format; `root` names the XML document element."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False).encode()
    else:
        body = xml_document(root, data)
    return HttpResponse(body, status=status, content_type=FORMATS.get(fmt, FORMATS["xml"]))


def render_errors(fmt: str, status: int, descriptions: Iterable[str]) -> HttpResponse:
    """The spec's error document; the code is the HTTP status, as a string like every code."""
    errors = [{"code": str(status), "description": d} for d in descriptions]
    return render(fmt if fmt in FORMATS else DEFAULT_FORMAT, "errors", errors, status)
