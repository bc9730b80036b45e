"""The PDF case file (案卷PDF) of an item: WeasyPrint, PDF/A-3b, CJK glyphs embedded.

Rendered by the worker only (tasks.archive_item_process), never in a request. Photos are
the public copies (EXIF-free), embedded as data URIs so rendering touches no URL.
"""

import base64
import datetime as dt

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portal.archive.models import ArchivalItem, ItemFile, RecordClass
from portal.pdf import pdf_render

MAP_SIZE = 360


def verify_url(item: ArchivalItem) -> str:
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    return base + reverse("archive:verify", args=[item.verify_token])


def qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=3, border=2)


def grid_map_svg(geometry: dict, lon: float | None, lat: float | None) -> str:
    """A small SVG of the grid's polygon with the case's point, north up."""
    rings = []
    if geometry.get("type") == "Polygon":
        rings = geometry["coordinates"][:1]
    elif geometry.get("type") == "MultiPolygon":
        rings = [polygon[0] for polygon in geometry["coordinates"]]
    points = [p for ring in rings for p in ring]
    if lon is not None and lat is not None:
        points.append([lon, lat])
    if not points:
        return ""
    min_x, max_x = min(p[0] for p in points), max(p[0] for p in points)
    min_y, max_y = min(p[1] for p in points), max(p[1] for p in points)
    span = max(max_x - min_x, max_y - min_y) or 1e-6
    pad = 16

    def xy(p) -> tuple[float, float]:
        x = pad + (p[0] - min_x) / span * (MAP_SIZE - 2 * pad)
        y = MAP_SIZE - pad - (p[1] - min_y) / span * (MAP_SIZE - 2 * pad)
        return round(x, 1), round(y, 1)

    shapes = [
        '<polygon points="{}" fill="#dbeafe" stroke="#1d4ed8" stroke-width="2"/>'.format(
            " ".join(f"{x},{y}" for x, y in map(xy, ring))
        )
        for ring in rings
    ]
    if lon is not None and lat is not None:
        x, y = xy([lon, lat])
        shapes.append(f'<circle cx="{x}" cy="{y}" r="6" fill="#dc2626" stroke="#fff"/>')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{MAP_SIZE}" height="{MAP_SIZE}" '
        f'viewBox="0 0 {MAP_SIZE} {MAP_SIZE}">{"".join(shapes)}</svg>'
    )


def _data_uri(item_file: ItemFile) -> str:
    with item_file.file.open("rb") as handle:
        data = base64.b64encode(handle.read()).decode()
    return f"data:{item_file.content_type};base64,{data}"


def _photos(item: ArchivalItem) -> list[dict]:
    photos = []
    for f in item.files.filter(role=ItemFile.Role.PUBLIC_COPY).order_by("id"):
        photos.append({"kind": f.kind, "name": f.name, "src": _data_uri(f)})
    return photos


def _time(value: str | None) -> str:
    if not value:
        return ""
    return timezone.localtime(dt.datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")


def case_file_render(item: ArchivalItem) -> bytes:
    """The PDF/A-3b case file of the item's current version (a document's 归档文件 cover
    and 处理单 for items of 门类 WS)."""
    if item.record_class == RecordClass.DOCUMENT:
        return _document_file_render(item)
    meta = item.metadata
    events = [{**e, "at": _time(e.get("at"))} for e in item.history.get("events", [])]
    url = verify_url(item)
    html = render_to_string(
        "archive/case_file_pdf.html",
        {
            "item": item,
            "meta": meta,
            "evaluation": meta.get("evaluation", {}),
            "events": events,
            "photos": _photos(item),
            "map_svg": grid_map_svg(
                meta.get("grid_geometry") or {}, meta.get("lon"), meta.get("lat")
            ),
            "qr_svg": qr_svg(url),
            "verify_url": url,
            "times": {k: _time(meta.get(k)) for k in ("reported_at", "closed_at", "handled_at")},
            "rendered_at": timezone.localtime(),
        },
    )
    return pdf_render(html, pdf_variant="pdf/a-3b")


def _document_file_render(item: ArchivalItem) -> bytes:
    url = verify_url(item)
    html = render_to_string(
        "archive/document_file_pdf.html",
        {
            "item": item,
            "meta": item.metadata,
            "events": [{**e, "at": _time(e.get("at"))} for e in item.history.get("events", [])],
            "countersigns": [
                {**c, "at": _time(c.get("at"))} for c in item.history.get("countersigns", [])
            ],
            "qr_svg": qr_svg(url),
            "verify_url": url,
            "rendered_at": timezone.localtime(),
        },
    )
    return pdf_render(html, pdf_variant="pdf/a-3b")
