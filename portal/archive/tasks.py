"""Background work of the archive: file closed cases and issued documents, render and check
items, fixity."""

from django_tasks import task

from portal.archive import services


@task()
def archive_case_file_task(case_id: int) -> int | None:
    """File one closed case (enqueued after the closing transaction commits)."""
    from portal.archive.sources import case_source
    from portal.workflow.models import Case, Status

    case = Case.objects.filter(pk=case_id, status=Status.CLOSED).first()
    if case is None:
        return None
    return services.record_archive(source=case_source(case)).pk


@task()
def archive_document_file_task(document_id: int) -> int | None:
    """File one issued OA document (enqueued after 印制核发 commits). The OA renders the PDF
    in its own task; whichever runs first renders it (`document_pdf_store` is idempotent
    and keeps one PDF per document version), so the order of the two tasks does not
    matter. Filing an already filed, unchanged document does nothing."""
    from portal.archive.sources import document_source
    from portal.oa.models import OfficialDocument, Status
    from portal.oa.pdf import document_pdf_store

    document = OfficialDocument.objects.filter(pk=document_id, status=Status.ISSUED).first()
    if document is None:
        return None
    document_pdf_store(document_id=document.pk)
    document.refresh_from_db()
    return services.record_archive(source=document_source(document)).pk


@task()
def archive_item_process_task(item_id: int) -> str:
    """Render the PDF case file and run 四性检测 on one item."""
    return services.archive_item_process(item_id=item_id).state


@task()
def archive_sweep() -> int:
    """Catch up on what a crash between commit and enqueue may have missed: closed cases
    and issued documents without an item, and items left processing."""
    from django.db.models import CharField
    from django.db.models.functions import Cast

    from portal.archive.models import ArchivalItem, ItemState
    from portal.archive.sources import DOCUMENT_SOURCE
    from portal.oa.models import OfficialDocument
    from portal.oa.models import Status as DocStatus
    from portal.workflow.models import Case, Status

    done = 0
    for case_id in Case.objects.filter(
        status=Status.CLOSED, archival_item__isnull=True
    ).values_list("pk", flat=True)[:200]:
        archive_case_file_task.call(case_id)
        done += 1
    filed_documents = ArchivalItem.objects.filter(source_type=DOCUMENT_SOURCE).values("source_id")
    for document_id in (
        OfficialDocument.objects.filter(status=DocStatus.ISSUED)
        .annotate(source_id=Cast("pk", CharField()))
        .exclude(source_id__in=filed_documents)
        .values_list("pk", flat=True)[:200]
    ):
        archive_document_file_task.call(document_id)
        done += 1

    for item_id in ArchivalItem.objects.filter(state=ItemState.PROCESSING).values_list(
        "pk", flat=True
    )[:200]:
        services.archive_item_process(item_id=item_id)
        done += 1
    return done


@task()
def fixity_sweep_task() -> int:
    """The daily fixity re-check of every item."""
    return services.fixity_sweep()


@task()
def borrow_expire_task() -> int:
    """Take back the grants of loans whose time is up (every minute)."""
    from portal.archive.borrowing import borrow_expire_due

    return borrow_expire_due()
