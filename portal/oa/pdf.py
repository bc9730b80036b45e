"""The PDF of a 公文 in a layout close to GB/T 9704: red 发文机关标志, red separator line,
发文字号 (and 签发人 on upward documents), title, 主送, body, 附件说明, organ signature
and date, 附注, and the colophon (抄送, 印发机关和印发日期). WeasyPrint embeds the Noto
CJK glyphs actually used. Rendered by the worker only, never in a request.
"""

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string

from portal.oa.models import OfficialDocument
from portal.pdf import pdf_render

# The red header spans the 156 mm type area on one line: about 440 pt, a little kept spare.
MARK_WIDTH_PT = 420
MARK_MAX_PT = 36


def document_pdf_render(document: OfficialDocument) -> bytes:
    """The PDF bytes of the document as it stands."""
    html = render_to_string(
        "oa/document_pdf.html",
        {
            "document": document,
            "mark_size": min(MARK_MAX_PT, MARK_WIDTH_PT // max(1, len(document.organ.mark))),
            "recipients": document.recipients.order_by("name"),
            "copies_to": document.copies_to.order_by("name"),
            "paragraphs": [p.strip() for p in document.body.splitlines() if p.strip()],
            "attachments": document.attachments.all(),
        },
    )
    return pdf_render(html)


def document_pdf_store(*, document_id: int) -> int | None:
    """Render the document's PDF and keep it (private storage) with the version it shows;
    idempotent: a current PDF is not rendered again. Returns the version, or None."""
    document = (
        OfficialDocument.objects.select_related("organ", "signer").filter(pk=document_id).first()
    )
    if document is None:
        return None
    if document.pdf and document.pdf_version == document.version:
        return document.version
    data = document_pdf_render(document)
    with transaction.atomic():
        locked = OfficialDocument.objects.select_for_update().get(pk=document_id)
        if locked.version != document.version:
            return None  # it moved on meanwhile; a later render will catch up
        if locked.pdf:
            locked.pdf.delete(save=False)
        locked.pdf.save(f"{locked.pk}-{locked.version}.pdf", ContentFile(data), save=False)
        locked.pdf_version = locked.version
        locked.save(update_fields=["pdf", "pdf_version"])
    return document.version
