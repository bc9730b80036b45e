"""Twenty clerks register twenty incoming documents at once: 收文编号 serials 1..20 past the
year's last one, no gaps, no duplicates (PostgreSQL: the year's counter row is locked with
SELECT … FOR UPDATE); a double press numbers once."""

import threading

import pytest
from django.db import connection

from portal.accounts.models import User
from portal.oa import incoming as inc
from portal.oa.models import IncomingCounter, IncomingDocument

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.usefixtures("require_postgres", "demo"),
    pytest.mark.django_db(transaction=True),
]

THREADS = 20


def _received(clerk, n: int) -> IncomingDocument:
    return inc.incoming_receive(
        actor=clerk, data=inc.IncomingData(sender="南京市城市管理局", title=f"来文 {n}")
    )


def _run(workers) -> None:
    threads = [threading.Thread(target=w) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


def test_concurrent_incoming_registration_is_gap_free():
    clerk = User.objects.get(username="wenshu01")
    documents = [_received(clerk, n) for n in range(THREADS)]
    before = IncomingCounter.objects.values_list("last", flat=True).first() or 0
    barrier = threading.Barrier(THREADS)
    errors = []

    def worker(pk: int):
        def run() -> None:
            try:
                barrier.wait(timeout=30)
                inc.incoming_register(document=pk, actor=clerk)
            except BaseException as exc:  # any failure is a bug the test must show
                errors.append(exc)
            finally:
                connection.close()

        return run

    _run([worker(d.pk) for d in documents])
    assert errors == []
    rows = IncomingDocument.objects.filter(pk__in=[d.pk for d in documents])
    serials = sorted(rows.values_list("number_serial", flat=True))
    assert serials == list(range(before + 1, before + THREADS + 1))
    assert len(set(rows.values_list("number", flat=True))) == THREADS
    assert IncomingCounter.objects.get().last == before + THREADS


def test_double_press_of_incoming_register_numbers_once():
    clerk = User.objects.get(username="wenshu01")
    document = _received(clerk, 0)
    barrier = threading.Barrier(2)
    outcomes = []

    def worker() -> None:
        try:
            barrier.wait(timeout=30)
            inc.incoming_register(document=document.pk, actor=clerk)
            outcomes.append("ok")
        except inc.TransitionConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    _run([worker, worker])
    assert sorted(outcomes) == ["conflict", "ok"]
    assert document.events.filter(action="register").count() == 1
    assert IncomingCounter.objects.get().last == 1
