"""One way to turn HTML into PDF: WeasyPrint, with the project's base URL and fonts.

WeasyPrint switches Pillow's ImageFile.LOAD_TRUNCATED_IMAGES on when it is imported, which
would make the upload checks accept truncated photos in any process that has rendered a
PDF. It is imported here only, and the switch is put back at once: the images WeasyPrint
embeds are our own stored copies, complete by construction.
"""

from django.conf import settings
from PIL import ImageFile

_truncated = ImageFile.LOAD_TRUNCATED_IMAGES
from weasyprint import HTML  # noqa: E402

ImageFile.LOAD_TRUNCATED_IMAGES = _truncated


def pdf_render(html: str, *, pdf_variant: str | None = None) -> bytes:
    """Render an HTML string (Chinese text in the Noto CJK fonts the templates name) to PDF
    bytes; `pdf_variant` e.g. "pdf/a-3b" for archival copies."""
    document = HTML(string=html, base_url=str(settings.BASE_DIR))
    return document.write_pdf(pdf_variant=pdf_variant) if pdf_variant else document.write_pdf()
