"""Presses at the same moment (PostgreSQL, rows locked with SELECT … FOR UPDATE): a double
press approves once; two overlapping bookings of one vehicle cannot both be approved."""

import datetime as dt
import threading

import pytest
from django.db import connection

from portal.approvals import services as s
from portal.approvals.models import ApprovalType, Status
from portal.city.calendar import SHANGHAI
from tests.approvals.conftest import APPLICANT, LEADER, REVIEWER, leave_answers, vehicle_answers

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.usefixtures("require_postgres", "demo"),
    pytest.mark.django_db(transaction=True),
]


def _race(*calls) -> list[str]:
    barrier = threading.Barrier(len(calls))
    outcomes = []

    def worker(call) -> None:
        try:
            barrier.wait(timeout=30)
            call()
            outcomes.append("ok")
        except s.ApprovalConflict as exc:
            outcomes.append(type(exc).__name__)
        except BaseException as exc:  # any other failure is a bug the test must show
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


def test_double_press_of_approve_approves_once(user):
    request = s.request_submit(
        approval_type=ApprovalType.objects.get(code="leave"),
        actor=user(APPLICANT),
        answers=leave_answers(dt.date(2026, 12, 1), dt.date(2026, 12, 1)),
    )
    leader = user(LEADER)

    def press():
        s.request_approve(request=request.pk, actor=leader, expected_version=request.version)

    assert _race(press, press) == ["ApprovalConflict", "ok"]
    request.refresh_from_db()
    assert request.status == Status.APPROVED
    assert request.events.filter(action="approve").count() == 1


def test_overlapping_bookings_approved_at_once_only_one_passes(user):
    vehicle = ApprovalType.objects.get(code="vehicle")
    start = dt.datetime(2026, 12, 2, 9, tzinfo=SHANGHAI)
    requests = [
        s.request_submit(
            approval_type=vehicle,
            actor=user(APPLICANT),
            answers=vehicle_answers(start + dt.timedelta(hours=n), start + dt.timedelta(hours=3)),
        )
        for n in range(2)
    ]
    for request in requests:
        s.request_approve(request=request.pk, actor=user(LEADER))
    reviewer = user(REVIEWER)
    calls = [
        (lambda pk=request.pk: s.request_approve(request=pk, actor=reviewer))
        for request in requests
    ]
    assert _race(*calls) == ["BookingConflict", "ok"]
    statuses = sorted(r.status for r in vehicle.requests.filter(pk__in=[r.pk for r in requests]))
    assert statuses == [Status.APPROVED, Status.PENDING]
