"""Background work of the archive: file closed cases, render and check items, fixity."""

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
def archive_item_process_task(item_id: int) -> str:
    """Render the PDF case file and run 四性检测 on one item."""
    return services.archive_item_process(item_id=item_id).state


@task()
def archive_sweep() -> int:
    """Catch up on what a crash between commit and enqueue may have missed: closed cases
    without an item, and items left processing."""
    from portal.workflow.models import Case, Status

    done = 0
    for case_id in Case.objects.filter(
        status=Status.CLOSED, archival_item__isnull=True
    ).values_list("pk", flat=True)[:200]:
        archive_case_file_task.call(case_id)
        done += 1
    from portal.archive.models import ArchivalItem, ItemState

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
