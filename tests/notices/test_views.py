"""A notice walked over HTTP: drafted by the office, sent back once by the office head,
published to every community of two streets, two picked communities and one street
office; read by three communities (one of them by two people); exact read receipts,
the reminder to unread units, 403 for everyone not addressed, and the inbox sources."""

import pytest
from django.urls import reverse

from portal.accounts.models import Notification, User
from portal.city.models import Community, Department, Street
from portal.notices.models import Notice, NoticeRead, NoticeRecipient, Status
from portal.notices.selectors import notice_receipts, notice_review_tasks, notice_unread_tasks

pytestmark = pytest.mark.django_db

AUTHOR = "wenshu01"
REVIEWER = "hegao01"
TITLE = "关于做好今冬明春市容环境整治工作的通知"


def _post(**overrides) -> dict:
    picked = Community.objects.filter(street__code="003", code__in=["001", "002"])
    data = {
        "title": TITLE,
        "body": "请各社区于本月底前完成辖区内暴露垃圾排查。",
        "street_offices": [Department.objects.get(code="JD004").pk],
        "whole_streets": [s.pk for s in Street.objects.filter(code__in=["001", "002"])],
        "communities": [c.pk for c in picked],
    }
    data.update(overrides)
    return data


def _act(client, notice, action, **data):
    notice.refresh_from_db()
    data.setdefault("version", notice.version)
    return client.post(reverse("notices:notice_action", args=[notice.pk, action]), data)


def test_notice_review_publish_reads_and_receipts(login, user):
    # 起草: office staff only; nobody addressed is still a valid draft, not a valid submission.
    assert login("shequ001001").get(reverse("notices:notice_new")).status_code == 403
    author = login(AUTHOR)
    bad = author.post(reverse("notices:notice_new"), _post(title=""))
    assert bad.status_code == 400 and not Notice.objects.exists()
    response = author.post(
        reverse("notices:notice_new"),
        _post(street_offices=[], whole_streets=[], communities=[]),
    )
    assert response.status_code == 302
    notice = Notice.objects.get(title=TITLE)
    detail = reverse("notices:notice_detail", args=[notice.pk])
    bad = _act(author, notice, "submit")
    assert bad.status_code == 400 and "至少选择一个接收单位" in bad.content.decode()
    # The draft is the author's alone.
    for name in (REVIEWER, "shequ001001", "jiedao004"):
        assert login(name).get(detail).status_code == 403, name
    edit = reverse("notices:notice_edit", args=[notice.pk])
    notice.refresh_from_db()
    author = login(AUTHOR)  # one test client: each login switches its user
    assert author.post(edit, {**_post(), "version": notice.version}).status_code == 302
    assert _act(author, notice, "submit").status_code == 302
    notice.refresh_from_db()
    assert notice.status == Status.REVIEW

    # 审核: the office head, not the author, not the recipients.
    assert _act(login(AUTHOR), notice, "review", approved="1").status_code == 403
    assert login("shequ001001").get(detail).status_code == 403
    reviewer = login(REVIEWER)
    assert reviewer.get(detail).status_code == 200
    bad = _act(reviewer, notice, "review", approved="0", comment="")
    assert bad.status_code == 400 and "退回须写明意见" in bad.content.decode()
    response = _act(reviewer, notice, "review", approved="0", comment="请写明完成时限")
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.status == Status.DRAFT and notice.review_comment == "请写明完成时限"
    assert Notification.objects.filter(recipient=user(AUTHOR), title__contains="退回").exists()
    body = {**_post(body="请各社区于11月30日前完成排查并报街道。"), "version": notice.version}
    assert login(AUTHOR).post(edit, body).status_code == 302
    assert _act(login(AUTHOR), notice, "submit").status_code == 302
    stale = Notice.objects.get(pk=notice.pk).version
    assert _act(login(REVIEWER), notice, "review", approved="1").status_code == 302
    # A second reviewer pressing on the same version is too late: 409.
    assert _act(login(REVIEWER), notice, "review", approved="1", version=stale).status_code == 409
    notice.refresh_from_db()
    assert notice.status == Status.PUBLISHED
    # 7 + 6 communities of streets 001 and 002, 2 picked in 003, and the 004 office.
    n_communities = 7 + 6 + 2
    assert notice.recipients.filter(community__isnull=False).count() == n_communities
    assert notice.recipients.filter(department__isnull=False).count() == 1
    assert Notification.objects.filter(recipient=user("shequ002003"), title__contains=TITLE)

    # Not addressed: 403, whatever the role.
    for name in ("shequ003003", "jiedao001", "jiedao003", "chuzhi_hws", "shouli01", "zhuyao01"):
        assert login(name).get(detail).status_code == 403, name
    assert TITLE not in login("shequ003003").get(reverse("notices:notice_list")).content.decode()

    # Three communities read it; in one of them two colleagues open it.
    colleague = User.objects.create(
        username="shequ001001b",
        is_staff=True,
        department=Department.objects.get(code="JD001"),
        community=Community.objects.get(street__code="001", code="001"),
    )
    for name in ("shequ001001", "shequ002003", "shequ003002"):
        page = login(name).get(detail)
        assert page.status_code == 200 and "阅读回执" not in page.content.decode()
    login("shequ001001").get(detail)  # opening again records nothing new
    login(colleague.username).get(detail)
    assert NoticeRead.objects.filter(notice=notice).count() == 4
    first = NoticeRecipient.objects.get(notice=notice, community=colleague.community)
    assert first.read_by.username == "shequ001001"  # the unit's first reader stays

    receipts = notice_receipts(notice=notice)
    assert (receipts.communities_read, receipts.communities_total) == (3, n_communities)
    assert (receipts.offices_read, receipts.offices_total) == (0, 1)
    assert len(receipts.unread) == n_communities - 3 + 1
    unread_names = {str(r.unit) for r in receipts.unread}
    assert "南苑街道办事处" in unread_names
    assert Community.objects.get(street__code="001", code="001").name not in unread_names
    page = login(AUTHOR).get(detail).content.decode()
    assert f"3 / {n_communities} 个社区已阅" in page and "0 / 1 个街道办事处已阅" in page
    assert "shequ001001b" in page or str(colleague) in page
    # Recipients do not see receipts; a reviewer does.
    assert "阅读回执" in login(REVIEWER).get(detail).content.decode()

    # 催阅: the author or a reviewer; the unread units' staff are told, read ones are not.
    assert _act(login("shequ001001"), notice, "remind").status_code == 403
    response = _act(login(AUTHOR), notice, "remind")
    assert response.status_code == 302
    reminded = set(
        Notification.objects.filter(title__startswith="请及时阅读通知").values_list(
            "recipient__username", flat=True
        )
    )
    assert "shequ001002" in reminded and "jiedao004" in reminded
    assert not reminded & {"shequ001001", "shequ001001b", "shequ002003", "shequ003002"}
    assert "shequ003003" not in reminded
    expected = (n_communities - 3) + User.objects.filter(
        department__code="JD004", community__isnull=True, is_active=True
    ).count()
    assert len(reminded) == expected

    # The street office reads for itself; community staff do not count for it.
    assert login("jiedao004").get(detail).status_code == 200
    receipts = notice_receipts(notice=notice)
    assert (receipts.offices_read, receipts.communities_read) == (1, 3)


def test_inbox_sources(user, login):
    client = login(AUTHOR)
    client.post(reverse("notices:notice_new"), _post())
    notice = Notice.objects.get(title=TITLE)
    _act(client, notice, "submit")
    review = notice_review_tasks(user(REVIEWER), 10)
    assert review.total == 1 and review.tasks[0].action == "审核通知"
    assert notice_review_tasks(user(AUTHOR), 10).total == 0
    assert notice_unread_tasks(user("shequ001002"), 10).total == 0  # not published yet
    _act(login(REVIEWER), notice, "review", approved="1")
    assert notice_review_tasks(user(REVIEWER), 10).total == 0
    unread = notice_unread_tasks(user("shequ001002"), 10)
    assert unread.total == 1 and unread.tasks[0].action == "阅知"
    assert notice_unread_tasks(user("shequ003003"), 10).total == 0  # not addressed
    # A colleague of the same community reads it: gone for the whole unit.
    colleague = User.objects.create(
        username="shequ001002b",
        is_staff=True,
        department=Department.objects.get(code="JD001"),
        community=Community.objects.get(street__code="001", code="002"),
    )
    login(colleague.username).get(reverse("notices:notice_detail", args=[notice.pk]))
    assert notice_unread_tasks(user("shequ001002"), 10).total == 0
    assert notice_unread_tasks(user("shequ001003"), 10).total == 1
    # Bounded: a page of `limit`, the full count.
    for n in range(3):
        extra = Notice.objects.create(
            title=f"通知{n}", body="b", author=user(AUTHOR), created_at=notice.created_at
        )
        extra.whole_streets.set(Street.objects.filter(code="001"))
        _act(login(AUTHOR), extra, "submit")
        _act(login(REVIEWER), extra, "review", approved="1")
    batch = notice_unread_tasks(user("shequ001003"), 2)
    assert batch.total == 4 and len(batch.tasks) == 2
    page = login("shequ001003").get(reverse("inbox:index")).content.decode()
    assert "通知0" in page


def test_pages_render_for_their_people(login):
    assert login(AUTHOR).get(reverse("notices:notice_new")).status_code == 200
    login(AUTHOR).post(reverse("notices:notice_new"), _post())
    notice = Notice.objects.get(title=TITLE)
    page = login(AUTHOR).get(reverse("notices:notice_edit", args=[notice.pk]))
    assert page.status_code == 200 and TITLE in page.content.decode()
    assert login(REVIEWER).get(reverse("notices:notice_edit", args=[notice.pk])).status_code == 403
    assert TITLE in login(AUTHOR).get(reverse("notices:notice_list")).content.decode()
    _act(login(AUTHOR), notice, "submit")
    assert TITLE in login(REVIEWER).get(reverse("notices:notice_list")).content.decode()
    # A stale edit after submission is a conflict, not a silent overwrite.
    response = login(AUTHOR).post(
        reverse("notices:notice_edit", args=[notice.pk]), {**_post(), "version": 0}
    )
    assert response.status_code == 409
