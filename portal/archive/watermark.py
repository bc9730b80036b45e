"""Watermarks on files handed out of the archive: the user's name and the time, on every
page of a PDF and across an image, so a leaked copy names who took it and when.

WeasyPrint cannot edit an existing PDF, so it renders one transparent stamp page (CJK text
with the embedded Noto font) and pypdf merges it onto each page, scaled to the page's size.
"""

import io

from django.utils.html import escape
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter, Transformation

CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}

_STAMP_HTML = """<!doctype html><html><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 0; background: transparent; }}
html, body {{ margin: 0; background: transparent; }}
body {{ font-family: "Noto Sans CJK SC", sans-serif; color: rgba(160, 0, 0, 0.22); }}
p {{ position: absolute; top: 5mm; left: 0; width: 210mm; margin: 0; text-align: center;
     font-size: 8pt; color: rgba(160, 0, 0, 0.6); }}
div {{ position: absolute; left: -20mm; width: 250mm; text-align: center; font-size: 20pt;
      transform: rotate(-30deg); white-space: nowrap; }}
</style></head><body>{rows}</body></html>"""


def _stamp_pdf(text: str) -> bytes:
    from portal.pdf import pdf_render

    # One plain line a reader (and pdftotext) can read, and rotated rows across the page.
    rows = f"<p>{escape(text)}</p>" + "".join(
        f'<div style="top:{top}mm">{escape(text)}</div>' for top in range(20, 290, 55)
    )
    return pdf_render(_STAMP_HTML.format(rows=rows))


def watermark_pdf(data: bytes, *, text: str) -> bytes:
    """Stamp `text` on every page of a PDF."""
    stamp = PdfReader(io.BytesIO(_stamp_pdf(text))).pages[0]
    stamp_width, stamp_height = float(stamp.mediabox.width), float(stamp.mediabox.height)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    for page in writer.pages:
        box = page.mediabox
        scale = Transformation().scale(
            float(box.width) / stamp_width, float(box.height) / stamp_height
        )
        page.merge_transformed_page(stamp, scale.translate(float(box.left), float(box.bottom)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def watermark_image(data: bytes, *, content_type: str, text: str) -> bytes:
    """Draw `text` in translucent rows across an image (same format out as in)."""
    with Image.open(io.BytesIO(data)) as source:
        base = source.convert("RGBA")
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    size = max(12, min(base.size) // 12)
    font = ImageFont.truetype(CJK_FONT, size)
    draw = ImageDraw.Draw(layer)
    for y in range(0, base.size[1], size * 3):
        draw.text((size // 2, y), text, font=font, fill=(200, 0, 0, 110))
    merged = Image.alpha_composite(base, layer)
    fmt = IMAGE_TYPES[content_type]
    if fmt == "JPEG":
        merged = merged.convert("RGB")
    out = io.BytesIO()
    merged.save(out, fmt)
    return out.getvalue()


def watermark_file(data: bytes, *, content_type: str, text: str) -> bytes | None:
    """The watermarked bytes of a PDF or image; None for a type that takes no watermark."""
    if content_type == "application/pdf":
        return watermark_pdf(data, text=text)
    if content_type in IMAGE_TYPES:
        return watermark_image(data, content_type=content_type, text=text)
    return None
