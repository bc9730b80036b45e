"""Fifty closed cases filed at once in one class: fifty distinct, gap-free 件号."""

import threading

import pytest
from django.db import connection

from portal.archive import services as a
from portal.archive.models import ArchivalItem
from portal.archive.sources import case_source

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.usefixtures("require_postgres", "demo"),
    pytest.mark.django_db(transaction=True),
]

CASES = 50


def test_fifty_concurrent_filings_get_distinct_gap_free_numbers(
    new_case, close, settings, monkeypatch
):
    settings.ARCHIVE_AUTO_FILE = False
    # The PDF and checks are the worker's business; this test is about the numbers.
    monkeypatch.setattr(a, "_process_later", lambda item_id: None)
    cases = [close(new_case()) for _ in range(CASES)]
    sources = [case_source(case) for case in cases]
    barrier = threading.Barrier(CASES)
    errors, codes = [], []
    lock = threading.Lock()

    def worker(n: int) -> None:
        try:
            barrier.wait(timeout=60)
            item = a.record_archive(source=sources[n])
            with lock:
                codes.append(item.reference_code)
        except BaseException as exc:  # any failure is a bug the test must show
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(CASES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(set(codes)) == CASES
    numbers = sorted(ArchivalItem.objects.values_list("item_number", flat=True))
    assert numbers == list(range(1, CASES + 1))
    assert {c.rsplit("-", 1)[0] for c in codes} == {"J105-CG·2026-D30-ZHZX"}
