import datetime as dt

import pytest
from django.core.management import call_command
from django.db.models import Count, F

from portal.accounts.models import Notification
from portal.models import PeriodicRun
from portal.scheduling import periodic_enqueue_due
from portal.workflow import services as s
from portal.workflow.models import Case, CaseStep
from portal.workflow.selectors import with_light
from portal.workflow.sla import Light, light
from tests.conftest import MONDAY_9AM

pytestmark = pytest.mark.django_db


def test_light_thresholds():
    deadline = MONDAY_9AM + dt.timedelta(hours=5)
    warn = MONDAY_9AM + dt.timedelta(hours=4)
    assert light(now=MONDAY_9AM, deadline=deadline, warn_at=warn) == Light.GREEN
    assert light(now=warn, deadline=deadline, warn_at=warn) == Light.YELLOW
    assert light(now=deadline, deadline=deadline, warn_at=warn) == Light.RED
    assert light(now=deadline, deadline=None, warn_at=None) == Light.GREEN


def test_warning_moment_is_at_eighty_percent_of_the_limit(new_case):
    case = new_case()  # accept limit 1 working hour from 09:00
    assert case.step_deadline == MONDAY_9AM + dt.timedelta(hours=1)
    assert case.step_warn_at == MONDAY_9AM + dt.timedelta(minutes=48)
    lights = with_light(
        type(case).objects.filter(pk=case.pk), now=MONDAY_9AM + dt.timedelta(minutes=50)
    )
    assert lights.get().light == Light.YELLOW


def test_overdue_steps_are_recorded_once_and_notified(new_case, user):
    case = new_case()
    early = MONDAY_9AM + dt.timedelta(minutes=30)
    assert s.case_overdue_record(now=early) == 0
    later = MONDAY_9AM + dt.timedelta(hours=2)
    assert s.case_overdue_record(now=later) == 1
    assert s.case_overdue_record(now=later + dt.timedelta(hours=1)) == 0  # once only
    step = CaseStep.objects.get(case=case, step="accept")
    assert step.overdue_recorded_at == later
    # The demo's notices and 督办 leave notifications of their own: look at this case's.
    mine = Notification.objects.filter(title__contains=case.number)
    notified = set(mine.values_list("recipient__username", flat=True))
    assert notified == {"shouli01", "shouli02"}  # the acceptance clerks owe the step


def test_department_is_notified_of_overdue_handling(new_case, user):
    from portal.city.models import Department

    case = new_case()
    s.case_accept(case=case, actor=user("shouli01"), at=MONDAY_9AM)
    s.case_file(case=case, actor=user("zhiban01"), at=MONDAY_9AM)
    s.case_dispatch(
        case=case,
        actor=user("paiqian01"),
        department=Department.objects.get(code="HWS"),
        at=MONDAY_9AM,
    )
    s.case_overdue_record(now=MONDAY_9AM + dt.timedelta(days=2))
    recipients = set(
        Notification.objects.filter(title__contains="处置").values_list(
            "recipient__username", flat=True
        )
    )
    assert recipients == {"chuzhi_hws", "lingdao_hws"}


def test_periodic_tasks_are_enqueued_once_per_interval(new_case, monkeypatch):
    sweep, drain = "portal.workflow.tasks.sla_sweep", "search.tasks.outbox_drain_task"
    # Two of the schedule's tasks, so other apps' periodic tasks don't change the sequence.
    monkeypatch.setattr("portal.scheduling.PERIODIC_TASKS", {sweep: 60, drain: 5})
    now = MONDAY_9AM
    assert periodic_enqueue_due(now=now) == [sweep, drain]
    assert periodic_enqueue_due(now=now + dt.timedelta(seconds=4)) == []
    assert periodic_enqueue_due(now=now + dt.timedelta(seconds=30)) == [drain]  # every 5 s
    assert periodic_enqueue_due(now=now + dt.timedelta(seconds=61)) == [sweep, drain]
    assert PeriodicRun.objects.get(name=sweep).last_enqueued_at == now + dt.timedelta(seconds=61)


def test_sla_sweep_task_runs(new_case):
    from portal.workflow.tasks import sla_sweep

    new_case(at=MONDAY_9AM - dt.timedelta(days=30))
    result = sla_sweep.enqueue()  # the immediate backend in tests
    assert result.return_value >= 1


def test_load_demo_cases_cover_every_outcome(capsys):

    call_command("load_demo", cases=1500, quiet_accounts=True)
    statuses = dict(Case.objects.values_list("status").annotate(n=Count("id")))
    for status in ("closed", "declined", "cancelled", "deferred", "hung"):
        assert statuses.get(status, 0) > 0, status
    assert Case.objects.filter(rework_count__gt=0).exists()
    assert Case.objects.filter(return_count__gt=0).exists()
    assert Case.objects.filter(extension_count__gt=0).exists()
    assert CaseStep.objects.filter(finished_at__gt=F("deadline")).exists()  # some late steps
    call_command("load_demo", cases=1500, quiet_accounts=True)
    assert Case.objects.count() == 1500  # idempotent
    # Every open demo case carries exactly one open task of its process.
    from viewflow.workflow.models import Task

    open_cases = Case.objects.filter(
        status__in=["reported", "accepted", "filed", "dispatched", "handled", "checked"]
    )
    open_tasks = Task.objects.filter(flow_task_type="HUMAN", status__in=["NEW", "ASSIGNED"])
    assert open_tasks.count() >= open_cases.count() > 0
