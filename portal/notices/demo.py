"""Demo notices: one published to the communities of 南湖 and 滨湖 streets and one waiting
for the office head's review."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User
from portal.city.models import Department, Street
from portal.notices import services as s
from portal.notices.models import Notice


@transaction.atomic
def notices_demo_load(*, now: dt.datetime | None = None) -> int:
    """Create the demo notices once (nothing if any notice exists); return how many."""
    if Notice.objects.exists():
        return 0
    users = User.objects.in_bulk(["wenshu01", "hegao01", "shequ001001"], field_name="username")
    if len(users) < 3:
        return 0
    now = now or timezone.now()
    author, reviewer = users["wenshu01"], users["hegao01"]
    published = s.notice_create(
        actor=author,
        data=s.NoticeData(
            title="关于做好今冬明春市容环境整治工作的通知",
            body=(
                "各街道办事处、社区工作站：\n"
                "为做好今冬明春市容环境整治工作，请各社区于本月底前完成辖区内暴露垃圾、"
                "乱堆放和占道经营的排查，建立问题台账，报所在街道汇总。"
            ),
            street_offices=list(Department.objects.filter(code__in=["JD001", "JD002"])),
            whole_streets=list(Street.objects.filter(code__in=["001", "002"])),
        ),
        at=now - dt.timedelta(days=2, hours=3),
    )
    s.notice_submit(notice=published, actor=author, at=now - dt.timedelta(days=2, hours=2))
    published = s.notice_review(
        notice=published, actor=reviewer, approved=True, at=now - dt.timedelta(days=2)
    )
    s.notice_open(notice=published, user=users["shequ001001"], at=now - dt.timedelta(days=1))
    pending = s.notice_create(
        actor=author,
        data=s.NoticeData(
            title="关于开展城市管理进社区活动的通知",
            body="定于下月第一周开展城市管理进社区宣传活动，请各社区做好场地准备。",
            whole_streets=list(Street.objects.all()),
        ),
        at=now - dt.timedelta(hours=5),
    )
    s.notice_submit(notice=pending, actor=author, at=now - dt.timedelta(hours=4))
    return 2
