"""Twenty people press the same button at once: exactly one transition is applied."""

import threading

import pytest
from django.db import connection

from portal.accounts.models import User
from portal.workflow import services as s
from portal.workflow.models import Case, CaseEvent, Status

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("require_postgres", "demo")]

THREADS = 20


def _race(action) -> tuple[int, int, list[BaseException]]:
    barrier = threading.Barrier(THREADS)
    applied, conflicts, errors = [], [], []

    def worker(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            action(n)
            applied.append(n)
        except s.TransitionConflict:
            conflicts.append(n)
        except BaseException as exc:  # any other failure is a bug the test must show
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return len(applied), len(conflicts), errors


def test_twenty_concurrent_accepts_apply_once(new_case):
    case = new_case()
    clerks = [User.objects.get(username=name) for name in ("shouli01", "shouli02")]
    applied, conflicts, errors = _race(lambda n: s.case_accept(case=case.pk, actor=clerks[n % 2]))
    assert errors == []
    assert (applied, conflicts) == (1, THREADS - 1)
    assert Case.objects.get(pk=case.pk).status == Status.ACCEPTED
    assert CaseEvent.objects.filter(case=case, action="accept").count() == 1
    assert Case.objects.get(pk=case.pk).steps.filter(step="file").count() == 1


def test_twenty_concurrent_reports_get_distinct_numbers(new_case):
    numbers = []
    lock = threading.Lock()

    def report(n: int) -> None:
        case = new_case()
        with lock:
            numbers.append(case.number)

    applied, _conflicts, errors = _race(report)
    assert errors == [] and applied == THREADS
    assert len(set(numbers)) == THREADS
