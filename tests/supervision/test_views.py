"""A 督办事项 walked over HTTP from 交办 to 办结: the lead unit accepts, lead and co-unit
report progress, one extension is approved, the first completion report is sent back and
the second closed — each actor holding only their role's permissions, the others refused."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import Notification
from portal.city.calendar import deadline_compute, work_calendar
from portal.city.models import Department
from portal.supervision.models import ExtensionRequest, ProgressReport, Status, SupervisedTask

pytestmark = pytest.mark.django_db

ISSUER = "hegao01"
LEAD = "chuzhi_hws"
LEAD_LEADER = "lingdao_hws"
CO = "chuzhi_szc"
OUTSIDER = "chuzhi_yls"
LEADER = "zhuyao01"
TITLE = "督促江东中路沿线暴露垃圾限期清理"


def _issue_post(**overrides) -> dict:
    departments = {d.code: d.pk for d in Department.objects.all()}
    data = {
        "title": TITLE,
        "source_kind": "instruction",
        "source_text": "区长批示：请环卫所牵头，一周内清理完毕并建立长效机制。",
        "requirements": "清理沿线暴露垃圾，建立日常巡查机制，每周报送进展。",
        "lead_unit": departments["HWS"],
        "co_units": [departments["SZC"]],
        "working_days": 5,
    }
    data.update(overrides)
    return data


def _act(client, task, action, **data):
    task.refresh_from_db()
    data.setdefault("version", task.version)
    return client.post(reverse("supervision:task_action", args=[task.pk, action]), data)


def _next_workday_after(moment: dt.datetime, days: int) -> dt.date:
    calendar = work_calendar()
    day = timezone.localtime(moment).date() + dt.timedelta(days=days)
    while not calendar.is_workday(day):
        day += dt.timedelta(days=1)
    return day


def test_supervised_task_walk(login, user):
    # 交办: only the issuing roles may raise an item.
    assert login(LEAD).get(reverse("supervision:task_new")).status_code == 403
    assert login(LEAD).post(reverse("supervision:task_new"), _issue_post()).status_code == 403
    issuer = login(ISSUER)
    assert issuer.get(reverse("supervision:task_new")).status_code == 200
    # Bad input: the form says why, nothing is saved.
    bad = issuer.post(reverse("supervision:task_new"), _issue_post(working_days=0))
    assert bad.status_code == 400 and "办理时限至少 1 个工作日" in bad.content.decode()
    hws = Department.objects.get(code="HWS").pk
    bad = issuer.post(reverse("supervision:task_new"), _issue_post(co_units=[hws]))
    assert bad.status_code == 400 and "牵头单位不能同时作为协办单位" in bad.content.decode()
    bad = issuer.post(reverse("supervision:task_new"), _issue_post(source_kind="case"))
    assert bad.status_code == 400 and "案件编号" in bad.content.decode()
    assert not SupervisedTask.objects.filter(title=TITLE).exists()

    response = issuer.post(reverse("supervision:task_new"), _issue_post())
    assert response.status_code == 302, response.content.decode()
    task = SupervisedTask.objects.get(title=TITLE)
    assert task.status == Status.ISSUED
    assert task.deadline == deadline_compute(start=task.issued_at, value=5, unit="work_day")
    assert Notification.objects.filter(recipient=user(LEAD), title__contains=TITLE).exists()
    detail = reverse("supervision:task_detail", args=[task.pk])

    # Who sees it: issuer, lead and co-unit staff, the leaders; nobody else.
    for name in (ISSUER, LEAD, LEAD_LEADER, CO, LEADER):
        assert login(name).get(detail).status_code == 200, name
    for name in (OUTSIDER, "jiedao001", "shequ001001", "shouli01"):
        assert login(name).get(detail).status_code == 403, name
    assert TITLE not in login(OUTSIDER).get(reverse("supervision:task_list")).content.decode()
    assert TITLE in login(CO).get(reverse("supervision:task_list")).content.decode()

    # 签收: the lead unit only.
    for name in (CO, ISSUER, LEADER, OUTSIDER):
        assert _act(login(name), task, "accept").status_code == 403, name
    stale = task.version
    assert _act(login(LEAD), task, "accept", comment="收到").status_code == 302
    task.refresh_from_db()
    assert task.status == Status.IN_PROGRESS and task.accepted_by == user(LEAD)
    # A double press is stale: 409.
    assert _act(login(LEAD_LEADER), task, "accept", version=stale).status_code == 409

    # 跟踪: lead and co-units report; others are refused; bad figures are form errors.
    today = timezone.localdate().isoformat()
    report = reverse("supervision:task_action", args=[task.pk, "report"])
    assert (
        login(CO).post(report, {"report_date": today, "text": "已配合疏通排水"}).status_code == 302
    )
    upload = SimpleUploadedFile("进展.txt", "已清理三处垃圾点。".encode(), "text/plain")
    response = login(LEAD).post(
        report, {"report_date": today, "percent": 40, "text": "已清理三处", "file": upload}
    )
    assert response.status_code == 302
    bad = login(LEAD).post(report, {"report_date": today, "percent": 150, "text": "x"})
    assert bad.status_code == 400 and "0 到 100" in bad.content.decode()
    assert login(OUTSIDER).post(report, {"report_date": today, "text": "x"}).status_code == 403
    assert login(ISSUER).post(report, {"report_date": today, "text": "x"}).status_code == 403
    reports = list(task.reports.order_by("id"))
    assert [(r.unit.code, r.percent) for r in reports] == [("SZC", None), ("HWS", 40)]
    file_url = reverse("supervision:report_file", args=[task.pk, reports[1].pk])
    assert login(CO).get(file_url).status_code == 200
    assert login(OUTSIDER).get(file_url).status_code == 403

    # 延期: the lead unit asks; only the issuer decides.
    new_day = _next_workday_after(task.deadline, 10)
    for name in (CO, ISSUER):
        assert (
            _act(login(name), task, "extension_request", new_deadline=new_day, reason="雨天")
        ).status_code == 403
    bad = _act(
        login(LEAD),
        task,
        "extension_request",
        new_deadline=timezone.localdate().isoformat(),
        reason="雨天",
    )
    assert bad.status_code == 400 and "晚于当前办理期限" in bad.content.decode()
    response = _act(
        login(LEAD), task, "extension_request", new_deadline=new_day, reason="连续降雨影响清运"
    )
    assert response.status_code == 302
    for name in (LEAD, LEADER, CO):
        assert _act(login(name), task, "extension_decide", approved="1").status_code == 403, name
    assert _act(login(ISSUER), task, "extension_decide", approved="1").status_code == 302
    task.refresh_from_db()
    extension = ExtensionRequest.objects.get(task=task)
    assert extension.decision == ExtensionRequest.Decision.APPROVED
    assert task.deadline == extension.new_deadline
    assert timezone.localtime(task.deadline).date() == new_day
    assert task.deadline > task.original_deadline

    # 办结报告 by the lead unit; the issuer sends it back once, with a reason.
    for name in (CO, ISSUER):
        assert _act(login(name), task, "complete", text="已完成").status_code == 403, name
    assert _act(login(LEAD), task, "complete", text="已全部清理").status_code == 302
    task.refresh_from_db()
    assert task.status == Status.CLOSING
    for name in (LEAD, LEADER, CO):
        assert _act(login(name), task, "close", approved="1").status_code == 403, name
    bad = _act(login(ISSUER), task, "close", approved="0", comment="")
    assert bad.status_code == 400 and "退回须写明意见" in bad.content.decode()
    response = _act(login(ISSUER), task, "close", approved="0", comment="缺少长效机制材料")
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == Status.IN_PROGRESS
    assert Notification.objects.filter(recipient=user(LEAD), title__contains="办结被退回").exists()

    # Second completion, closed by the issuer.
    upload = SimpleUploadedFile("巡查制度.txt", "日常巡查制度全文。".encode(), "text/plain")
    response = login(LEAD).post(
        reverse("supervision:task_action", args=[task.pk, "complete"]),
        {"text": "已建立日常巡查机制", "file": upload, "version": task.version},
    )
    assert response.status_code == 302
    assert _act(login(ISSUER), task, "close", approved="1").status_code == 302
    task.refresh_from_db()
    assert task.status == Status.CLOSED and task.closed_at is not None
    assert task.reports.filter(kind=ProgressReport.Kind.COMPLETION).count() == 2
    # Closed: no more reports, a stale close is a 409.
    assert _act(login(ISSUER), task, "close", approved="1").status_code == 409
    actions = list(task.events.values_list("action", flat=True))
    assert actions == [
        "issue",
        "accept",
        "extension_request",
        "extension_approve",
        "complete",
        "close_return",
        "complete",
        "close",
    ]
    page = login(LEADER).get(detail).content.decode()
    assert "已办结" in page and "连续降雨影响清运" in page


def test_unknown_action_and_missing_task(login):
    client = login(ISSUER)
    assert client.post(reverse("supervision:task_new"), _issue_post()).status_code == 302
    task = SupervisedTask.objects.get(title=TITLE)
    assert _act(client, task, "explode").status_code == 403
    assert client.get(reverse("supervision:task_detail", args=[999999])).status_code == 404


def test_pages_render_for_their_people(login):
    assert login(ISSUER).post(reverse("supervision:task_new"), _issue_post()).status_code == 302
    page = login(LEADER).get(reverse("supervision:task_list"))
    assert page.status_code == 200 and TITLE in page.content.decode()
    assert login(LEADER).get(reverse("supervision:bulletin_list")).status_code == 200
    inbox = login(LEAD).get(reverse("inbox:index")).content.decode()
    assert TITLE in inbox and "签收" in inbox
    nav = login(LEAD).get(reverse("inbox:index")).content.decode()
    assert reverse("supervision:task_list") in nav and reverse("notices:notice_list") in nav
