"""Background work of the OA: render a document's PDF."""

from django_tasks import task


@task()
def document_pdf_task(document_id: int) -> int | None:
    """Render and store the PDF of one document's current version."""
    from portal.oa.pdf import document_pdf_store

    return document_pdf_store(document_id=document_id)
