"""Twenty clerks register twenty documents at once: numbers 1..20 past the last one, no
gaps and no duplicates (PostgreSQL: the counter row is locked with SELECT … FOR UPDATE)."""

import threading

import pytest
from django.db import connection

from portal.accounts.models import User
from portal.oa import services as s
from portal.oa.models import DocumentCounter, OfficialDocument, Status

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.usefixtures("require_postgres", "demo"),
    pytest.mark.django_db(transaction=True),
]

THREADS = 20


def test_concurrent_registration_is_gap_free(draft_data, walk, user):
    drafter = user("jiedao001")
    documents = [
        walk(s.document_create(actor=drafter, data=draft_data()), Status.REGISTER)
        for _ in range(THREADS)
    ]
    organ = documents[0].organ
    before = DocumentCounter.objects.filter(organ=organ).values_list("last", flat=True).first() or 0
    clerk = User.objects.get(username="wenshu01")
    barrier = threading.Barrier(THREADS)
    errors = []

    def worker(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            s.document_register(document=documents[n].pk, actor=clerk)
        except BaseException as exc:  # any failure is a bug the test must show
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    serials = sorted(
        OfficialDocument.objects.filter(pk__in=[d.pk for d in documents]).values_list(
            "number_serial", flat=True
        )
    )
    assert serials == list(range(before + 1, before + THREADS + 1))
    numbers = set(
        OfficialDocument.objects.filter(pk__in=[d.pk for d in documents]).values_list(
            "number", flat=True
        )
    )
    assert len(numbers) == THREADS
    assert DocumentCounter.objects.get(organ=organ).last == before + THREADS


def test_double_press_of_register_numbers_once(draft_data, walk, user):
    document = walk(s.document_create(actor=user("jiedao001"), data=draft_data()), Status.REGISTER)
    clerk = User.objects.get(username="wenshu01")
    barrier = threading.Barrier(2)
    outcomes = []

    def worker() -> None:
        try:
            barrier.wait(timeout=30)
            s.document_register(document=document.pk, actor=clerk)
            outcomes.append("ok")
        except s.TransitionConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["conflict", "ok"]
    assert document.events.filter(action="register").count() == 1
