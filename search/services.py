"""Writes to the search index: the transactional outbox, its drain, and full rebuilds."""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from search.backends.base import SearchBackend
from search.backends.database import DatabaseBackend
from search.documents import document_type, document_types
from search.models import OutboxEntry

logger = logging.getLogger(__name__)
BATCH = 200
MAX_BACKOFF = dt.timedelta(minutes=10)


def search_backend() -> SearchBackend:
    """Elasticsearch when ELASTICSEARCH_URL is set, else the database backend."""
    if settings.ELASTICSEARCH_URL:
        from search.backends.elasticsearch import ElasticsearchBackend

        return ElasticsearchBackend(settings.ELASTICSEARCH_URL)
    return DatabaseBackend()


def outbox_enqueue(*, index: str, object_id: object) -> None:
    """Record, inside the caller's transaction, that an object's index entry is stale."""
    OutboxEntry.objects.create(index=index, object_id=str(object_id))


def outbox_drain(
    *, backend: SearchBackend | None = None, now: dt.datetime | None = None, batch: int = BATCH
) -> int:
    """Push stale objects to the backend; on failure keep them with exponential back-off.

    Returns the number of outbox entries done. Safe to run in several workers: indexing is
    idempotent, and only the entries read are removed.
    """
    backend = backend or search_backend()
    now = now or timezone.now()
    due = OutboxEntry.objects.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    entries = list(due.order_by("id")[:batch])
    done = 0
    by_index: dict[str, list[OutboxEntry]] = {}
    for entry in entries:
        by_index.setdefault(entry.index, []).append(entry)
    for index, group in by_index.items():
        doc_type = document_type(index)
        ids = sorted({e.object_id for e in group})
        try:
            docs, gone = [], []
            for object_id in ids:
                obj = doc_type.get(object_id)
                doc = doc_type.build(obj) if obj is not None else None
                (docs.append(doc) if doc is not None else gone.append(object_id))
            backend.upsert(docs)
            backend.delete(index, gone)
        except Exception as exc:  # the backend is down or refused: retry later, lose nothing
            logger.warning("search outbox for %s failed: %s", index, exc)
            for entry in group:
                entry.attempts += 1
                delay = min(dt.timedelta(seconds=5 * 2 ** min(entry.attempts, 10)), MAX_BACKOFF)
                entry.next_attempt_at = now + delay
                entry.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            OutboxEntry.objects.bulk_update(group, ["attempts", "next_attempt_at", "last_error"])
            continue
        OutboxEntry.objects.filter(pk__in=[e.pk for e in group]).delete()
        done += len(group)
    return done


def index_rebuild(*, index: str, backend: SearchBackend | None = None, chunk: int = 500) -> int:
    """Rebuild one index from the database (streamed in chunks); returns documents written."""
    backend = backend or search_backend()
    doc_type = document_type(index)
    started = timezone.now()

    def batches():
        batch = []
        for obj in doc_type.queryset().iterator(chunk_size=chunk):
            doc = doc_type.build(obj)
            if doc is not None:
                batch.append(doc)
            if len(batch) >= chunk:
                yield batch
                batch = []
        if batch:
            yield batch

    written = backend.rebuild(index, batches())
    with transaction.atomic():
        OutboxEntry.objects.filter(index=index, created_at__lt=started).delete()
    return written


def search_status() -> list[dict]:
    """Per index: documents in the index, objects in the database, outbox lag."""
    backend = search_backend()
    rows = []
    for doc_type in document_types():
        pending = OutboxEntry.objects.filter(index=doc_type.index).aggregate(
            oldest=Min("created_at")
        )
        rows.append(
            {
                "index": doc_type.index,
                "indexed": backend.count(doc_type.index),
                "database": doc_type.queryset().count(),
                "pending": OutboxEntry.objects.filter(index=doc_type.index).count(),
                "oldest_pending": pending["oldest"],
            }
        )
    return rows
