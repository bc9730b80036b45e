"""督办 services: deadlines on the working calendar, extension rules, the overdue sweep
(flags once per deadline), the bulletin figures on hand-built tasks, the weekly job and
the inbox source."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from portal.accounts.models import Notification, User
from portal.city.calendar import SHANGHAI
from portal.city.models import Department
from portal.inbox.registry import inbox_collect
from portal.scheduling import PERIODIC_TASKS
from portal.supervision import services as s
from portal.supervision.bulletins import bulletin_generate, bulletin_weekly
from portal.supervision.models import (
    Bulletin,
    ExtensionRequest,
    SourceKind,
    Status,
    SupervisedTask,
)
from portal.supervision.selectors import bulletin_figures, supervision_tasks, task_list

pytestmark = pytest.mark.django_db

# Monday 23 November 2026, 09:00 in Nanjing: an ordinary working week.
MONDAY = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)


def _dept(code: str) -> Department:
    return Department.objects.get(code=code)


@pytest.fixture
def issue(user):
    def _issue(lead="HWS", co=("SZC",), days=5, at=MONDAY, title="清理暴露垃圾", **kw):
        data = s.IssueData(
            title=title,
            source_kind=kw.pop("source_kind", SourceKind.MEETING),
            source_text=kw.pop("source_text", "区城管委第 12 次会议"),
            requirements="限期清理并报送进展",
            lead_unit=_dept(lead),
            co_units=[_dept(c) for c in co],
            working_days=days,
            **kw,
        )
        return s.task_issue(actor=user("hegao01"), data=data, at=at)

    return _issue


def test_deadline_counts_working_days_over_a_weekend_and_holiday(issue):
    # Five working days from Monday 09:00 end on the next Monday 09:00 (Sat/Sun skipped).
    task = issue(days=5)
    assert task.deadline == dt.datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)
    # Across 国庆 2026 (1–7 October off): two working days from Wednesday 30 September
    # 09:00 end on Friday 9 October 09:00.
    task = issue(days=2, at=dt.datetime(2026, 9, 30, 9, 0, tzinfo=SHANGHAI), title="节后检查")
    assert task.deadline == dt.datetime(2026, 10, 9, 9, 0, tzinfo=SHANGHAI)


def test_only_issuing_roles_issue_and_sources_are_checked(issue, user, new_case):
    with pytest.raises(PermissionDenied):
        s.task_issue(
            actor=user("chuzhi_hws"),
            data=s.IssueData(
                title="x",
                source_kind=SourceKind.MEETING,
                source_text="会",
                requirements="y",
                lead_unit=_dept("HWS"),
                working_days=3,
            ),
        )
    with pytest.raises(ValidationError) as exc:
        issue(source_kind=SourceKind.CASE, source_text="")
    assert "case" in exc.value.message_dict
    case = new_case()
    task = issue(source_kind=SourceKind.CASE, source_text="", case=case)
    assert task.case == case and task.document is None
    assert not SupervisedTask.objects.filter(title="x").exists()


def _accepted(task, user):
    return s.task_accept(task=task, actor=user("chuzhi_hws"), at=MONDAY + dt.timedelta(hours=1))


def test_extension_must_be_asked_before_the_deadline(issue, user):
    task = _accepted(issue(days=2), user)
    late = task.deadline + dt.timedelta(minutes=1)
    with pytest.raises(ValidationError) as exc:
        s.extension_request(
            task=task,
            actor=user("chuzhi_hws"),
            new_deadline=dt.date(2026, 12, 10),
            reason="人手不足",
            at=late,
        )
    assert "已超过办理期限" in str(exc.value)
    # A Saturday is no deadline.
    with pytest.raises(ValidationError):
        s.extension_request(
            task=task,
            actor=user("chuzhi_hws"),
            new_deadline=dt.date(2026, 12, 5),
            reason="人手不足",
            at=MONDAY + dt.timedelta(hours=2),
        )
    request = s.extension_request(
        task=task,
        actor=user("chuzhi_hws"),
        new_deadline=dt.date(2026, 12, 10),
        reason="人手不足",
        at=MONDAY + dt.timedelta(hours=2),
    )
    # One pending request at a time: a second is a conflict.
    with pytest.raises(s.TaskConflict):
        s.extension_request(
            task=task,
            actor=user("lingdao_hws"),
            new_deadline=dt.date(2026, 12, 11),
            reason="再延",
            at=MONDAY + dt.timedelta(hours=3),
        )
    # Refusing needs a reason; the deadline stays.
    with pytest.raises(ValidationError):
        s.extension_decide(task=task, actor=user("hegao01"), approved=False)
    s.extension_decide(task=task, actor=user("hegao01"), approved=False, comment="理由不充分")
    request.refresh_from_db()
    task.refresh_from_db()
    assert request.decision == ExtensionRequest.Decision.REFUSED
    assert task.deadline == task.original_deadline


def test_overdue_sweep_flags_once_per_deadline_and_notifies(issue, user):
    task = _accepted(issue(days=2), user)
    done = issue(days=2, title="已办结的事项")
    s.task_accept(task=done, actor=user("chuzhi_hws"), at=MONDAY)
    s.task_complete(task=done, actor=user("chuzhi_hws"), text="完成", at=MONDAY)
    s.task_close(task=done, actor=user("hegao01"), approved=True, at=MONDAY)
    before = task.deadline - dt.timedelta(minutes=1)
    assert s.task_overdue_record(now=before) == 0
    after = task.deadline + dt.timedelta(minutes=1)
    notified = Notification.objects.filter(title__contains="督办事项已超期")
    assert s.task_overdue_record(now=after) == 1
    people = set(notified.values_list("recipient__username", flat=True))
    assert {"chuzhi_hws", "lingdao_hws", "hegao01"} <= people
    assert "chuzhi_szc" not in people  # the lead unit owes it, not the co-unit
    count = notified.count()
    # A second sweep (or a second worker) flags nothing more.
    assert s.task_overdue_record(now=after + dt.timedelta(hours=1)) == 0
    assert notified.count() == count
    task.refresh_from_db()
    assert task.overdue_recorded_at == after
    assert task.events.filter(action="overdue").count() == 1
    # The periodic job is declared and runs the same sweep.
    assert PERIODIC_TASKS["portal.supervision.tasks.overdue_sweep"] <= 60
    assert "portal.supervision.tasks.bulletin_weekly_task" in PERIODIC_TASKS


def test_periodic_overdue_task_runs_the_sweep(issue, user):
    from portal.supervision.tasks import overdue_sweep

    issue(days=1, at=dt.datetime(2025, 3, 3, 9, 0, tzinfo=SHANGHAI))
    result = overdue_sweep.enqueue()
    assert result.return_value == 1
    assert overdue_sweep.enqueue().return_value == 0


def _build(title, lead, issued, deadline, *, closed=None, extended_to=None, decided=None):
    issuer = User.objects.get(username="hegao01")
    task = SupervisedTask.objects.create(
        title=title,
        source_kind=SourceKind.INSTRUCTION,
        source_text="批示",
        requirements="办理",
        lead_unit=_dept(lead),
        working_days=5,
        issuer=issuer,
        issued_at=issued,
        deadline=extended_to or deadline,
        original_deadline=deadline,
        status=Status.CLOSED if closed else Status.IN_PROGRESS,
        closed_at=closed,
    )
    if extended_to:
        ExtensionRequest.objects.create(
            task=task,
            requested_by=issuer,
            requested_at=decided - dt.timedelta(hours=1),
            old_deadline=deadline,
            new_deadline=extended_to,
            reason="r",
            decision=ExtensionRequest.Decision.APPROVED,
            decided_by=issuer,
            decided_at=decided,
        )
    return task


def test_bulletin_figures_on_hand_built_tasks():
    day = dt.timedelta(days=1)
    as_of = dt.datetime(2026, 11, 30, 0, 0, tzinfo=SHANGHAI)  # end of the week of 23 Nov
    t0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)
    # HWS: one in time, one overdue, one closed in time, one closed late, one extended
    # (so in time at as_of), one issued after as_of (not counted).
    _build("在期", "HWS", t0, as_of + day)
    _build("超期", "HWS", t0, as_of - day)
    _build("按期办结", "HWS", t0, as_of - day, closed=as_of - 2 * day)
    _build("超期办结", "HWS", t0, as_of - 3 * day, closed=as_of - 2 * day)
    _build("延期在办", "HWS", t0, as_of - day, extended_to=as_of + 5 * day, decided=t0 + day)
    _build("下周交办", "HWS", as_of + day, as_of + 9 * day)
    # SZC: closed after an extension, within the new deadline; an extension decided only
    # after as_of does not count yet (the task is overdue at as_of).
    _build(
        "延期后办结",
        "SZC",
        t0,
        t0 + 3 * day,
        extended_to=t0 + 10 * day,
        decided=t0 + day,
        closed=t0 + 8 * day,
    )
    _build("晚批延期", "SZC", t0, as_of - day, extended_to=as_of + 9 * day, decided=as_of + day)

    figures = bulletin_figures(as_of=as_of)
    rows = {row["unit"]: row for row in figures["units"]}
    hws = rows["建邺区环境卫生管理所"]
    assert {k: hws[k] for k in ("total", "on_time", "overdue", "closed", "closed_late")} == {
        "total": 5,
        "on_time": 2,
        "overdue": 1,
        "closed": 2,
        "closed_late": 1,
    }
    assert hws["extended"] == 1
    szc = rows["建邺区市政工程管理处"]
    assert (szc["total"], szc["on_time"], szc["overdue"], szc["closed"]) == (2, 0, 1, 1)
    assert (szc["closed_late"], szc["extended"]) == (0, 1)
    assert figures["totals"]["total"] == 7
    assert figures["totals"]["overdue"] == 2
    # Same week, stored once: generated on the Monday after, not during the week.
    assert bulletin_generate(day=as_of.date() - day, now=as_of - dt.timedelta(hours=1)) is None
    stored = bulletin_weekly(now=as_of + dt.timedelta(hours=3))
    assert stored is not None and stored.period_start == dt.date(2026, 11, 23)
    assert stored.figures == figures
    assert bulletin_weekly(now=as_of + dt.timedelta(hours=4)).pk == stored.pk
    assert Bulletin.objects.count() == 1


def test_bulletin_pages_for_leaders_only(login):
    as_of = dt.datetime(2026, 11, 30, 0, 0, tzinfo=SHANGHAI)
    _build("超期", "HWS", as_of - dt.timedelta(days=20), as_of - dt.timedelta(days=1))
    bulletin = bulletin_weekly(now=as_of + dt.timedelta(hours=1))
    url = reverse("supervision:bulletin_detail", args=[bulletin.pk])
    for name in ("zhuyao01", "hegao01"):
        page = login(name).get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert "建邺区环境卫生管理所" in html and "data-print" in html and "<script>" not in html
    for name in ("chuzhi_hws", "jiedao001"):
        assert login(name).get(url).status_code == 403
        assert login(name).get(reverse("supervision:bulletin_list")).status_code == 403
    assert login("zhuyao01").get(reverse("supervision:bulletin_current")).status_code == 200


def test_inbox_source_lists_each_persons_work(issue, user):
    task = issue()
    lead = supervision_tasks(user("chuzhi_hws"), 10)
    assert lead.total == 1 and lead.tasks[0].action == "签收"
    assert lead.tasks[0].deadline == task.deadline
    assert supervision_tasks(user("chuzhi_szc"), 10).total == 0  # co-units do not accept
    assert supervision_tasks(user("hegao01"), 10).total == 0
    _accepted(task, user)
    assert supervision_tasks(user("chuzhi_hws"), 10).tasks[0].action == "报送进展"
    s.extension_request(
        task=task,
        actor=user("chuzhi_hws"),
        new_deadline=dt.date(2026, 12, 10),
        reason="雨天",
        at=MONDAY + dt.timedelta(hours=2),
    )
    issuer = supervision_tasks(user("hegao01"), 10)
    assert [t.action for t in issuer.tasks] == ["审批延期"]
    assert supervision_tasks(user("chuzhi_hws"), 10).total == 0  # waiting for the issuer
    s.extension_decide(task=task, actor=user("hegao01"), approved=True)
    s.task_complete(task=task, actor=user("chuzhi_hws"), text="完成")
    assert [t.action for t in supervision_tasks(user("hegao01"), 10).tasks] == ["审核办结"]
    # Bounded: many items, a page of `limit`, the full count.
    for n in range(4):
        issue(title=f"批量事项{n}")
    batch = supervision_tasks(user("chuzhi_hws"), 2)
    assert batch.total == 4 and len(batch.tasks) == 2
    inbox = inbox_collect(user=user("chuzhi_hws"), limit=3)
    assert dict((src.key, n) for src, n in inbox.sources)["supervision"] == 4


def test_task_list_scope(issue, user):
    issue(lead="HWS", co=("SZC",), title="甲")
    issue(lead="YLS", co=(), title="乙")
    assert set(task_list(user=user("chuzhi_szc")).values_list("title", flat=True)) == {"甲"}
    assert set(task_list(user=user("lingdao_yls")).values_list("title", flat=True)) == {"乙"}
    assert task_list(user=user("zhuyao01")).count() == 2
    assert task_list(user=user("shequ001001")).count() == 0


def test_document_source_must_be_readable_by_the_issuer(issue, user):
    from portal.oa import services as oa
    from portal.oa.models import DocType, IssuingOrgan
    from portal.oa.rules import DraftData

    organ, _created = IssuingOrgan.objects.get_or_create(
        code="建城管",
        defaults={"name": "南京市建邺区城市管理局", "mark": "南京市建邺区城市管理局文件"},
    )
    document = oa.document_create(
        actor=user("jiedao001"),
        data=DraftData(
            organ=organ,
            doc_type=DocType.NOTICE,
            title="关于开展市容专项整治的通知",
            body="现决定开展专项整治。",
            signer=user("qianfa01"),
            recipients=list(Department.objects.filter(code="JD002")),
        ),
    )
    # A draft is its drafter's alone: the office may not cite it yet.
    with pytest.raises(ValidationError) as exc:
        issue(source_kind=SourceKind.DOCUMENT, source_text="", document=document)
    assert "document" in exc.value.message_dict
    oa.document_submit(document=document, actor=user("jiedao001"))
    task = issue(source_kind=SourceKind.DOCUMENT, source_text="", document=document)
    assert task.document == document and task.case is None
