"""The personal inbox's 公文 source: outgoing steps waiting for the user (the same rules
as the document page's buttons) and incoming steps assigned to them, with deadlines and
URLs, in a bounded number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.city.models import Department
from portal.inbox.registry import inbox_collect, task_sources
from portal.oa import incoming as inc
from portal.oa import services as s
from portal.oa.models import IncomingStatus, OfficialDocument, Status
from portal.oa.selectors import document_actions, oa_tasks, outgoing_deadline
from tests.oa.conftest import DRAFTER, REGISTRAR, REVIEWER, SIGNER

pytestmark = pytest.mark.django_db


def _incoming(user, until: str, title: str = "关于做好道路保洁工作的通知", **data):
    registrar = user(REGISTRAR)
    document = inc.incoming_receive(
        actor=registrar,
        data=inc.IncomingData(sender="南京市城市管理局", title=title, **data),
    )
    steps = [
        (IncomingStatus.REGISTER, lambda d: inc.incoming_register(document=d, actor=registrar)),
        (
            IncomingStatus.SCREEN,
            lambda d: inc.incoming_screen(document=d, actor=user(REVIEWER), accepted=True),
        ),
        (
            IncomingStatus.PROPOSE,
            lambda d: inc.incoming_propose(
                document=d,
                actor=user(REVIEWER),
                leader=user(SIGNER),
                lead_department=Department.objects.get(code="HWS"),
                co_departments=[Department.objects.get(code="SZC")],
                comment="拟请阅示",
            ),
        ),
        (
            IncomingStatus.INSTRUCT,
            lambda d: inc.incoming_instruct(
                document=d,
                actor=user(SIGNER),
                instruction="请环卫所办理",
                lead_department=Department.objects.get(code="HWS"),
                co_departments=[Department.objects.get(code="SZC")],
                circulate=[user("zhuyao01")],
            ),
        ),
    ]
    for status, step in steps:
        if document.status == until:
            break
        assert document.status == status
        document = step(document)
    assert document.status == until
    return document


def _tasks(user, username, limit=50):
    return oa_tasks(user(username), limit)


def test_the_source_is_registered():
    assert "oa" in {source.key for source in task_sources()}


def test_incoming_steps_reach_the_assigned_people_only(user):
    screen = _incoming(user, IncomingStatus.SCREEN, title="待初审来文")
    handle = _incoming(user, IncomingStatus.HANDLE, title="待承办来文")
    reviewer = _tasks(user, REVIEWER)
    assert [t.title for t in reviewer.tasks] == ["待初审来文"]
    assert reviewer.tasks[0].action == "初审"
    assert reviewer.tasks[0].url == reverse("oa:incoming_detail", args=[screen.pk])
    assert reviewer.tasks[0].deadline == screen.deadline is not None
    lead = _tasks(user, "chuzhi_hws")
    assert [(t.title, t.action) for t in lead.tasks] == [("待承办来文", "承办（主办）")]
    assert lead.tasks[0].url == reverse("oa:incoming_detail", args=[handle.pk])
    assert [(t.title, t.action) for t in _tasks(user, "chuzhi_szc").tasks] == [
        ("待承办来文", "协办")
    ]
    assert [(t.title, t.action) for t in _tasks(user, "zhuyao01").tasks] == [("待承办来文", "传阅")]
    assert _tasks(user, "chuzhi_yls").total == 0
    assert _tasks(user, SIGNER).total == 0  # instructed already
    # Once the co-office has answered, it drops out of its inbox; the lead office stays.
    inc.incoming_assist(document=handle, actor=user("chuzhi_szc"), opinion="同意")
    assert _tasks(user, "chuzhi_szc").total == 0
    assert _tasks(user, "chuzhi_hws").total == 1


def test_outgoing_steps_follow_the_page_buttons(user, draft_data, walk):
    departments = list(Department.objects.filter(code__in=["HWS", "SZC"]).order_by("code"))
    sequential = s.document_create(
        actor=user(DRAFTER),
        data=draft_data(
            title="依次会签的通知", countersign=departments, countersign_sequential=True
        ),
    )
    walk(sequential, Status.REVIEW)
    s.document_review(document=sequential, actor=user(REVIEWER), approved=True)
    urgent = walk(
        s.document_create(
            actor=user(DRAFTER), data=draft_data(title="特急通知", urgency="extra_urgent")
        ),
        Status.SIGN,
    )
    # Sequential countersign: HWS first (its order is 1), SZC only after it.
    first, second = (d.code for d in departments)
    assert [t.title for t in _tasks(user, f"lingdao_{first.lower()}").tasks] == ["依次会签的通知"]
    assert _tasks(user, f"lingdao_{second.lower()}").total == 0
    s.document_countersign(document=sequential, actor=user(f"lingdao_{first.lower()}"), agreed=True)
    assert _tasks(user, f"lingdao_{first.lower()}").total == 0
    assert [t.title for t in _tasks(user, f"lingdao_{second.lower()}").tasks] == ["依次会签的通知"]
    # The signer sees the 特急 document with a deadline one working day after its step began.
    signer = _tasks(user, SIGNER)
    assert [t.title for t in signer.tasks] == ["特急通知"]
    task = signer.tasks[0]
    assert task.url == reverse("oa:document_detail", args=[urgent.pk])
    assert task.deadline is not None and task.deadline > task.received_at
    # Every task listed is one the document page offers an action for, and vice versa.
    for username in (REVIEWER, SIGNER, REGISTRAR, "lingdao_hws", "lingdao_szc"):
        person = user(username)
        listed = {t.url for t in oa_tasks(person, 50).tasks if "/incoming/" not in t.url}
        actionable = {
            reverse("oa:document_detail", args=[d.pk])
            for d in OfficialDocument.objects.exclude(status__in=[Status.ISSUED, Status.DRAFT])
            if document_actions(user=person, document=d)
        }
        assert listed == actionable, username


def test_deadlines_come_from_urgency_for_outgoing(user, draft_data, walk):
    normal = walk(s.document_create(actor=user(DRAFTER), data=draft_data()), Status.SIGN)
    task = _tasks(user, SIGNER).tasks[0]
    assert task.title == normal.title and task.deadline is None


def test_limit_bounds_the_list_and_queries_do_not_grow(user):
    for n in range(3):
        _incoming(user, IncomingStatus.REGISTER, title=f"来文{n}")
    registrar = user(REGISTRAR)
    oa_tasks(registrar, 50)  # warm caches (permissions, calendar)
    with CaptureQueriesContext(connection) as few:
        batch = oa_tasks(registrar, 50)
    assert batch.total == 3 and len(batch.tasks) == 3
    for n in range(3, 9):
        _incoming(user, IncomingStatus.REGISTER, title=f"来文{n}")
    registrar = user(REGISTRAR)
    oa_tasks(registrar, 50)
    with CaptureQueriesContext(connection) as many:
        batch = oa_tasks(registrar, 50)
    assert batch.total == 9 and len(batch.tasks) == 9
    assert len(many) == len(few) <= 4
    # A full page costs one count query more, and lists only `limit` tasks.
    with CaptureQueriesContext(connection) as full:
        batch = oa_tasks(registrar, 2)
    assert batch.total == 9 and len(batch.tasks) == 2
    assert len(full) == len(many) + 1


def test_people_outside_the_oa_cost_one_query(user):
    _incoming(user, IncomingStatus.REGISTER)
    clerk = user("shouli01")
    oa_tasks(clerk, 50)
    with CaptureQueriesContext(connection) as queries:
        assert oa_tasks(clerk, 50).total == 0
    assert len(queries) == 1


def test_overdue_incoming_is_red_in_the_inbox(user):
    late = _incoming(
        user,
        IncomingStatus.SCREEN,
        title="逾期来文",
        received_at=timezone.now() - dt.timedelta(days=40),
    )
    inbox = inbox_collect(user=user(REVIEWER), limit=10)
    task = next(t for t in inbox.tasks if t.title == "逾期来文")
    assert task.source == "oa" and task.light == "red" and task.overdue
    assert task.deadline == late.deadline


def test_outgoing_deadline_needs_urgency(user, draft_data):
    document = s.document_create(actor=user(DRAFTER), data=draft_data(urgency="urgent"))
    document.step_at = timezone.now()
    assert outgoing_deadline(document) > document.step_at
    document.urgency = ""
    assert outgoing_deadline(document) is None
