"""Emergency response: plans, the duty roster, alarms, acknowledgement and the timeline."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction

from portal.accounts.models import Notification
from portal.city.models import Category, Department
from portal.workflow import services as s
from portal.workflow.emergency import (
    DEFAULT_RESPONSE_MINUTES,
    alarm_acknowledge,
    alarm_responded_at,
    alarm_timeline,
    plan_called,
)
from portal.workflow.models import DutyShift, EmergencyAlarm, EmergencyPlan
from tests.conftest import MONDAY_9AM

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(user):
    plan = EmergencyPlan.objects.update_or_create(
        category=Category.objects.get(name="管道破裂"),
        defaults={"name": "供水管道破裂应急预案", "response_minutes": 15, "is_active": True},
    )[0]
    plan.users.set([user("lingdao_zls")])
    plan.groups.set([Group.objects.get(name="值班长")])
    DutyShift.objects.all().delete()
    DutyShift.objects.create(
        user=user("zhiban02"),
        starts_at=MONDAY_9AM - dt.timedelta(hours=1),
        ends_at=MONDAY_9AM + dt.timedelta(hours=11),
    )
    return plan


def test_plan_calls_named_people_and_the_roles_members_on_duty(plan, user):
    called = plan_called(plan=plan, at=MONDAY_9AM)
    assert [u.username for u in called] == ["lingdao_zls", "zhiban02"]


def test_a_role_with_nobody_on_duty_is_called_whole(plan, user):
    at = MONDAY_9AM + dt.timedelta(days=2)  # after the shift
    names = {u.username for u in plan_called(plan=plan, at=at)}
    assert {"lingdao_zls", "zhiban01", "zhiban02"} <= names


def test_emergency_report_raises_alarm_and_notifies_at_once(plan, new_case, user):
    case = new_case(category="管道破裂")
    alarm = EmergencyAlarm.objects.get(case=case)
    assert alarm.plan == plan
    assert alarm.respond_by == MONDAY_9AM + dt.timedelta(minutes=15)
    assert {u.username for u in alarm.called.all()} == {"lingdao_zls", "zhiban02"}
    notes = Notification.objects.filter(title__contains=case.number)
    assert {n.recipient.username for n in notes} == {"lingdao_zls", "zhiban02"}
    assert notes.first().url == f"/cases/{case.number}/"


def test_ordinary_category_raises_no_alarm(new_case):
    case = new_case(category="暴露垃圾")
    assert not EmergencyAlarm.objects.filter(case=case).exists()


def test_emergency_without_plan_calls_the_duty_roster(new_case, user):
    EmergencyPlan.objects.filter(category__name="火灾").delete()
    DutyShift.objects.all().delete()
    DutyShift.objects.create(
        user=user("zhiban01"),
        starts_at=MONDAY_9AM - dt.timedelta(hours=1),
        ends_at=MONDAY_9AM + dt.timedelta(hours=1),
    )
    case = new_case(category="火灾")
    alarm = case.emergency_alarm
    assert alarm.plan is None
    assert alarm.respond_by - alarm.raised_at == dt.timedelta(minutes=DEFAULT_RESPONSE_MINUTES)
    assert [u.username for u in alarm.called.all()] == ["zhiban01"]


def test_rolled_back_report_leaves_no_alarm(plan, new_case):
    with pytest.raises(RuntimeError), transaction.atomic():
        new_case(category="管道破裂")
        raise RuntimeError
    assert not EmergencyAlarm.objects.exists()
    assert not Notification.objects.filter(title__startswith="应急报警").exists()


def test_first_acknowledgement_counts(plan, new_case, user):
    case = new_case(category="管道破裂")
    alarm = case.emergency_alarm
    first = MONDAY_9AM + dt.timedelta(minutes=5)
    alarm_acknowledge(alarm=alarm, actor=user("zhiban02"), at=first)
    alarm_acknowledge(alarm=alarm, actor=user("zhiban01"), at=first + dt.timedelta(minutes=1))
    alarm.refresh_from_db()
    assert alarm.acknowledged_by == user("zhiban02")
    assert alarm.acknowledged_at == first


def test_people_not_called_and_without_centre_role_may_not_acknowledge(plan, new_case, user):
    alarm = new_case(category="管道破裂").emergency_alarm
    with pytest.raises(PermissionDenied):
        alarm_acknowledge(alarm=alarm, actor=user("chuzhi_hws"))
    alarm_acknowledge(alarm=alarm, actor=user("lingdao_zls"))  # called by the plan


def test_timeline_orders_alarm_response_and_steps(plan, new_case, user):
    case = new_case(category="管道破裂")
    at = MONDAY_9AM + dt.timedelta(minutes=20)
    alarm_acknowledge(alarm=case.emergency_alarm, actor=user("zhiban02"), at=at)
    s.case_accept(case=case, actor=user("shouli01"), at=at)
    s.case_file(case=case, actor=user("zhiban01"), at=at)
    s.case_dispatch(
        case=case,
        actor=user("paiqian01"),
        department=Department.objects.get(code="ZLS"),
        at=at + dt.timedelta(minutes=5),
    )
    alarm = EmergencyAlarm.objects.get(case=case)
    timeline = alarm_timeline(alarm=alarm)
    labels = [e.label for e in timeline]
    assert labels[:3] == ["应急报警", "通知值班人员", "接警响应"]
    assert labels[-1] == "派遣"
    response = timeline[2]
    assert response.minutes == 20 and response.late  # 15-minute limit
    assert timeline[-1].minutes == 25 and timeline[-1].late
    assert alarm_responded_at(alarm) == at


def test_case_page_include_shows_the_timeline(plan, new_case, user, rf):
    from django.template.loader import render_to_string

    case = new_case(category="管道破裂")
    html = render_to_string("workflow/_emergency_timeline.html", {"case": case})
    assert "应急响应" in html and "供水管道破裂应急预案" in html
    assert render_to_string("workflow/_emergency_timeline.html", {"case": new_case()}).strip() == ""


def test_alarm_ack_over_http(plan, new_case, login):
    alarm = new_case(category="管道破裂").emergency_alarm
    assert login("chuzhi_hws").post(f"/command/alarms/{alarm.pk}/ack/").status_code == 403
    response = login("zhiban01").post(
        f"/command/alarms/{alarm.pk}/ack/", headers={"accept": "application/json"}
    )
    assert response.status_code == 200
    assert response.json()["id"] == alarm.pk
    alarm.refresh_from_db()
    assert alarm.acknowledged_by.username == "zhiban01"
    page = login("zhiban01").get("/command/alarms/").content.decode()
    assert alarm.case.number in page and "接警响应" in page
