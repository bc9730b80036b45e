"""Demo 督办 items: a few in every state, issued by the office over the past weeks, so
the list, the inbox, the overdue sweep and the bulletin have something to show."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User
from portal.city.models import Department
from portal.supervision import services as s
from portal.supervision.models import SourceKind, SupervisedTask


def _data(title, kind, text, lead, co, days, requirements) -> s.IssueData:
    units = Department.objects.in_bulk([lead, *co], field_name="code")
    return s.IssueData(
        title=title,
        source_kind=kind,
        source_text=text,
        requirements=requirements,
        lead_unit=units[lead],
        co_units=[units[c] for c in co],
        working_days=days,
    )


@transaction.atomic
def supervision_demo_load(*, now: dt.datetime | None = None) -> int:
    """Create the demo items once (nothing if any item exists); return how many."""
    if SupervisedTask.objects.exists():
        return 0
    now = now or timezone.now()
    users = User.objects.in_bulk(
        ["hegao01", "qianfa01", "chuzhi_hws", "chuzhi_szc", "chuzhi_cgzf", "jiedao001"],
        field_name="username",
    )
    if len(users) < 6:
        return 0
    office, leader = users["hegao01"], users["qianfa01"]

    def ago(days: int) -> dt.datetime:
        return now - dt.timedelta(days=days)

    # In progress, with progress from the lead and a co-unit.
    t1 = s.task_issue(
        actor=office,
        data=_data(
            "江东中路沿线暴露垃圾限期清理",
            SourceKind.INSTRUCTION,
            "区长批示：请环卫所牵头，市政处配合，限期清理并建立长效机制。",
            "HWS",
            ["SZC"],
            15,
            "清理沿线暴露垃圾点，建立日常巡查机制，每周五前报送进展。",
        ),
        at=ago(6),
    )
    s.task_accept(task=t1, actor=users["chuzhi_hws"], at=ago(6) + dt.timedelta(hours=2))
    s.task_progress_report(
        task=t1,
        actor=users["chuzhi_hws"],
        report_date=timezone.localdate(ago(3)),
        percent=40,
        text="已清理垃圾点 6 处，剩余 9 处正在清运。",
        at=ago(3),
    )
    s.task_progress_report(
        task=t1,
        actor=users["chuzhi_szc"],
        report_date=timezone.localdate(ago(2)),
        text="已配合疏通沿线雨水口 4 处。",
        at=ago(2),
    )
    # Just issued: waiting for the lead unit to accept.
    s.task_issue(
        actor=leader,
        data=_data(
            "主次干道占道经营专项整治",
            SourceKind.MEETING,
            "区城市管理委员会第 12 次会议决定",
            "CGZF",
            ["JD001", "JD002"],
            20,
            "集中整治主次干道占道经营，街道落实属地责任，每半月报送整治台账。",
        ),
        at=ago(1),
    )
    # Past its deadline: the overdue sweep flags it.
    t3 = s.task_issue(
        actor=office,
        data=_data(
            "南湖片区窨井盖缺失排查",
            SourceKind.MEETING,
            "城管工作例会决定",
            "SZC",
            [],
            5,
            "全面排查南湖片区窨井盖缺失、破损情况并完成补装。",
        ),
        at=ago(21),
    )
    s.task_accept(task=t3, actor=users["chuzhi_szc"], at=ago(20))
    # Closed on time.
    t4 = s.task_issue(
        actor=office,
        data=_data(
            "南湖街道老旧小区乱堆放整治",
            SourceKind.INSTRUCTION,
            "分管副区长批示",
            "JD001",
            ["HWS"],
            10,
            "清理小区楼道和公共区域乱堆放，建立物业巡查台账。",
        ),
        at=ago(18),
    )
    s.task_accept(task=t4, actor=users["jiedao001"], at=ago(18) + dt.timedelta(hours=1))
    s.task_complete(
        task=t4, actor=users["jiedao001"], text="已清理 23 个楼道，台账已建立。", at=ago(10)
    )
    s.task_close(task=t4, actor=office, approved=True, comment="同意办结。", at=ago(9))
    return 4
