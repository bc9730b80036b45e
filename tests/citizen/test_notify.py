"""Reporters are told of every public step of their case, by e-mail through a real SMTP
server on loopback, and never of a change that was rolled back."""

import datetime as dt
import email
import email.policy
import logging
import socket
from contextlib import contextmanager
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from django.core.exceptions import ValidationError
from django.db import transaction
from django_tasks.base import TaskResultStatus
from django_tasks.signals import task_enqueued, task_finished

from portal.citizen import notify
from portal.citizen.services import report_rate, report_submit
from portal.city.models import Category, Department
from portal.workflow import services as s
from tests.conftest import MONDAY_9AM

pytestmark = pytest.mark.django_db
HWS_NAME = "建邺区环境卫生管理所"
SECRET_COMMENT = "内部意见：请勿外传"


def minutes(n: int) -> dt.timedelta:
    return dt.timedelta(minutes=n)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """aiosmtpd handler keeping every message it accepts, parsed."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.raw: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)
        self.raw.append(email.message_from_bytes(envelope.content))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"

    def subjects(self) -> list[str]:
        # RFC 2047 decoding of the raw header: a long subject is folded right after
        # "Subject:", and that folding whitespace is no part of the subject.
        return [str(make_header(decode_header(m["subject"]))) for m in self.raw]

    def bodies(self) -> list[str]:
        return [m.get_content() for m in self.messages]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.CITIZEN_NOTIFICATION_CHANNELS = [
        "portal.citizen.notify.EmailChannel",
        "portal.citizen.notify.ConsoleSmsChannel",
    ]
    settings.WAGTAILADMIN_BASE_URL = "https://cg.jianye.example"
    yield inbox
    controller.stop()


@pytest.fixture
def submit(grid):
    """A web report with no contact details but those a test names (unlike conftest's)."""

    def _submit(**kwargs):
        return report_submit(
            channel=kwargs.pop("channel", "web"),
            category=Category.objects.get(name="暴露垃圾"),
            description="江东中路12号门前有一堆生活垃圾无人清理",
            lon=grid.centre_lon,
            lat=grid.centre_lat,
            at=MONDAY_9AM,
            **kwargs,
        )

    return _submit


@pytest.fixture
def task_results():
    results = []

    def keep(sender, task_result, **kwargs):
        if task_result.task.name == "report_notify":
            results.append(task_result)

    task_finished.connect(keep)
    yield results
    task_finished.disconnect(keep)


@contextmanager
def notify_tasks_enqueued():
    """The reporter-notification tasks enqueued meanwhile (other apps' tasks ignored)."""
    enqueued = []

    def record(sender, task_result, **kwargs):
        if task_result.task.name == "report_notify":
            enqueued.append(task_result)

    task_enqueued.connect(record)
    try:
        yield enqueued
    finally:
        task_enqueued.disconnect(record)


def test_the_whole_loop_mails_each_public_step_in_chinese(
    smtp, submit, user, grid, django_capture_on_commit_callbacks, task_results
):
    receipt = submit(email="a@example.com")
    number = receipt.tracking_number
    case = receipt.case
    steps = [
        lambda c: s.case_accept(
            case=c, actor=user("shouli01"), comment=SECRET_COMMENT, at=MONDAY_9AM + minutes(10)
        ),
        lambda c: s.case_file(
            case=c, actor=user("zhiban01"), comment=SECRET_COMMENT, at=MONDAY_9AM + minutes(20)
        ),
        lambda c: s.case_dispatch(
            case=c,
            actor=user("paiqian01"),
            department=Department.objects.get(code="HWS"),
            comment=SECRET_COMMENT,
            at=MONDAY_9AM + minutes(30),
        ),
        lambda c: s.case_handle(
            case=c, actor=user("chuzhi_hws"), result=SECRET_COMMENT, at=MONDAY_9AM + minutes(120)
        ),
        lambda c: s.case_check(
            case=c,
            actor=grid.supervisor,
            passed=True,
            comment=SECRET_COMMENT,
            at=MONDAY_9AM + minutes(150),
        ),
        lambda c: s.case_close(
            case=c, actor=user("zhiban01"), comment=SECRET_COMMENT, at=MONDAY_9AM + minutes(160)
        ),
    ]
    for step in steps:
        with django_capture_on_commit_callbacks(execute=True):
            case = step(case)

    assert smtp.subjects() == [
        f"您的举报 {number} 已受理",
        f"您的举报 {number} 已立案",
        f"您的举报 {number} 已派遣至 {HWS_NAME}",
        f"您的举报 {number} 已处置完毕，等待核查",
        f"您的举报 {number} 已通过现场核查",
        f"您的举报 {number} 已办结",
    ]
    assert smtp.recipients == [["a@example.com"]] * 6
    assert all("noreply@jianye.example" in str(m["from"]) for m in smtp.messages)
    assert [r.status for r in task_results] == [TaskResultStatus.SUCCESSFUL] * 6
    bodies = smtp.bodies()
    link = f"https://cg.jianye.example/report/track/?number={number}"
    for body in bodies:
        assert f"查询编号：{number}" in body
        assert link in body
        assert receipt.code not in body
        assert SECRET_COMMENT not in body
    assert "当前状态：已受理" in bodies[0]
    assert "当前状态：已办结" in bodies[-1]
    dispatched = bodies[2]
    assert "当前状态：处理中" in dispatched
    assert f"处置部门：{HWS_NAME}" in dispatched
    # 暴露垃圾: 4 working hours from 09:30 Monday → 15:00 the same day.
    assert "预计完成时间：2026-11-23 15:00" in dispatched
    assert all(receipt.code not in subject for subject in smtp.subjects())


def test_decline_tells_the_reason_written_for_the_reporter(
    smtp, submit, user, django_capture_on_commit_callbacks
):
    receipt = submit(email="b@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        s.case_decline(case=receipt.case, actor=user("shouli01"), reason="不属于城管受理范围")
    assert smtp.subjects() == [f"您的举报 {receipt.tracking_number} 不予受理"]
    body = smtp.bodies()[0]
    assert "不予受理理由：不属于城管受理范围" in body
    assert "当前状态：不予受理" in body


def test_no_mail_without_an_address_but_the_sms_stand_in_logs_a_masked_phone(
    smtp, submit, user, django_capture_on_commit_callbacks, caplog
):
    receipt = submit(phone="13812349000")
    caplog.set_level(logging.INFO, logger="portal.citizen.notify")
    with notify_tasks_enqueued() as enqueued, django_capture_on_commit_callbacks(execute=True):
        s.case_accept(case=receipt.case, actor=user("shouli01"))
    assert len(enqueued) == 1
    assert smtp.messages == []
    sms = [r.getMessage() for r in caplog.records if r.getMessage().startswith("SMS to")]
    number = receipt.tracking_number
    assert sms == [
        f"SMS to 138****9000: 您的举报 {number} 已受理 "
        f"https://cg.jianye.example/report/track/?number={number}"
    ]
    assert "13812349000" not in caplog.text


def test_nothing_is_queued_without_email_nor_phone(
    smtp, submit, user, django_capture_on_commit_callbacks
):
    receipt = submit()
    with notify_tasks_enqueued() as enqueued, django_capture_on_commit_callbacks(execute=True):
        s.case_accept(case=receipt.case, actor=user("shouli01"))
    assert enqueued == []
    assert smtp.messages == []


def test_a_rolled_back_transition_sends_nothing(
    smtp, submit, user, django_capture_on_commit_callbacks
):
    receipt = submit(email="a@example.com")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationError),
        transaction.atomic(),
    ):
        s.case_accept(case=receipt.case, actor=user("shouli01"))
        raise ValidationError("a later step of the same request failed")
    assert callbacks == []
    assert smtp.messages == []
    receipt.case.refresh_from_db()
    assert receipt.case.status == "reported"


def test_internal_steps_and_staff_cases_send_nothing(
    smtp, submit, user, new_case, django_capture_on_commit_callbacks
):
    receipt = submit(email="a@example.com")
    with notify_tasks_enqueued() as enqueued, django_capture_on_commit_callbacks(execute=True):
        s.case_verify_request(case=receipt.case, actor=user("shouli01"))
        staff_case = new_case()  # a supervisor's case: no PublicReport at all
        s.case_accept(case=staff_case, actor=user("shouli01"))
    assert enqueued == []
    assert smtp.messages == []


def test_a_failing_smtp_is_recorded_as_a_failed_task_and_other_channels_still_run(
    smtp, settings, submit, user, django_capture_on_commit_callbacks, task_results, caplog
):
    settings.EMAIL_PORT = free_port()  # nobody listens there
    settings.CITIZEN_NOTIFICATION_CHANNELS = [
        "portal.citizen.notify.EmailChannel",
        "portal.citizen.notify.ConsoleSmsChannel",
    ]
    receipt = submit(email="a@example.com", phone="13812349000")
    caplog.set_level(logging.INFO, logger="portal.citizen.notify")
    with django_capture_on_commit_callbacks(execute=True):
        case = s.case_accept(case=receipt.case, actor=user("shouli01"))
    assert case.status == "accepted"  # the transition itself stands
    assert [r.status for r in task_results] == [TaskResultStatus.FAILED]
    assert task_results[0].errors[0].exception_class_path == "portal.citizen.notify.NotifyFailed"
    assert "via EmailChannel failed" in caplog.text
    assert "SMS to 138****9000" in caplog.text


def walk_to_handled(case, user):
    case = s.case_accept(case=case, actor=user("shouli01"))
    case = s.case_file(case=case, actor=user("zhiban01"))
    case = s.case_dispatch(
        case=case, actor=user("paiqian01"), department=Department.objects.get(code="HWS")
    )
    return s.case_handle(case=case, actor=user("chuzhi_hws"), result="已清运")


def test_a_failed_check_tells_the_department_works_again(
    smtp, submit, user, grid, django_capture_on_commit_callbacks
):
    receipt = submit(email="a@example.com")
    case = walk_to_handled(receipt.case, user)
    with django_capture_on_commit_callbacks(execute=True):
        s.case_check(case=case, actor=grid.supervisor, passed=False, comment=SECRET_COMMENT)
    number = receipt.tracking_number
    assert smtp.subjects() == [f"您的举报 {number} 核查未通过，已由 {HWS_NAME} 重新处置"]
    assert "当前状态：处理中" in smtp.bodies()[0]
    assert SECRET_COMMENT not in smtp.bodies()[0]


def test_an_unsatisfied_rating_reopens_and_tells_so_but_the_rating_itself_does_not(
    smtp, submit, user, grid, django_capture_on_commit_callbacks
):
    receipt = submit(email="a@example.com")
    case = walk_to_handled(receipt.case, user)
    case = s.case_check(case=case, actor=grid.supervisor, passed=True)
    s.case_close(case=case, actor=user("zhiban01"))
    with django_capture_on_commit_callbacks(execute=True):
        report_rate(report=receipt.report, satisfaction="unsatisfied", comment=SECRET_COMMENT)
    assert smtp.subjects() == [f"您的举报 {receipt.tracking_number} 已重新办理"]
    assert "当前状态：已受理" in smtp.bodies()[0]
    assert SECRET_COMMENT not in smtp.bodies()[0]


def test_every_public_action_has_a_subject():
    assert set(notify._subjects()) == notify.PUBLIC_ACTIONS
