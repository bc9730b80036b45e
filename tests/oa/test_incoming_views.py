"""A 收文 walked over HTTP from 签收 to 办结: each actor uses only their role's
permissions; at every step a wrong actor gets 403 and a double press 409."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import Notification, User
from portal.city.models import Department
from portal.oa import incoming as inc
from portal.oa.models import IncomingDocument, IncomingStatus

pytestmark = pytest.mark.django_db

REGISTRAR = "wenshu01"
REVIEWER = "hegao01"
LEADER = "qianfa01"
PRINCIPAL = "zhuyao01"
LEAD = "chuzhi_hws"  # lead office: 环卫所 (handler)
LEAD_LEADER = "lingdao_hws"
CO = "chuzhi_szc"  # co-office: 市政处
OUTSIDER = "lingdao_yls"
TITLE = "关于做好今冬明春道路保洁工作的通知"


def _receive_post(**overrides) -> dict:
    data = {
        "sender": "南京市城市管理局",
        "sender_number": "宁城管〔2026〕88号",
        "title": TITLE,
        "doc_type": "notice",
        "classification": "none",
        "urgency": "urgent",
        "pages": "3",
        "copies": "2",
    }
    data.update(overrides)
    return data


def _act(client, document, action, **data):
    document.refresh_from_db()
    data.setdefault("version", document.version)
    return client.post(reverse("oa:incoming_action", args=[document.pk, action]), data)


def _detail(client, document):
    return client.get(reverse("oa:incoming_detail", args=[document.pk]))


def _dept(code: str) -> int:
    return Department.objects.get(code=code).pk


def test_incoming_walk(login, user):
    # 签收: only the registrar; 涉密 is refused with an explanation and nothing saved.
    assert login(REVIEWER).get(reverse("oa:incoming_new")).status_code == 403
    assert login(LEAD).post(reverse("oa:incoming_new"), _receive_post()).status_code == 403
    client = login(REGISTRAR)
    secret = client.post(reverse("oa:incoming_new"), _receive_post(classification="secret"))
    assert secret.status_code == 400
    assert "涉密" in secret.content.decode()
    assert not IncomingDocument.objects.filter(title=TITLE).exists()
    response = client.post(reverse("oa:incoming_new"), _receive_post())
    assert response.status_code == 302, response.content.decode()
    document = IncomingDocument.objects.get(title=TITLE)
    assert document.status == IncomingStatus.REGISTER
    assert document.receiver.username == REGISTRAR

    # The registrar attaches the scan; nobody else may.
    upload = {"file": SimpleUploadedFile("scan.txt", "来文扫描件".encode(), "text/plain")}
    url = reverse("oa:incoming_attachment_upload", args=[document.pk])
    assert login(REVIEWER).post(url, upload).status_code == 403
    upload["file"].seek(0)
    assert login(REGISTRAR).post(url, upload).status_code == 302
    assert document.attachments.count() == 1

    # 登记: the office does not even see it before 初审; the registrar numbers it.
    assert _detail(login(REVIEWER), document).status_code == 403
    assert _act(login(REVIEWER), document, "register").status_code == 403
    assert _act(login(LEADER), document, "register").status_code == 403
    stale = document.version
    assert _act(login(REGISTRAR), document, "register", limit_days="5").status_code == 302
    assert _act(login(REGISTRAR), document, "register", version=stale).status_code == 409
    document.refresh_from_db()
    year = timezone.localdate().year
    assert re.fullmatch(rf"收〔{year}〕\d+号", document.number)
    assert document.status == IncomingStatus.SCREEN
    assert document.limit_days == 5 and document.deadline > document.received_at

    # 初审: the office only.
    assert _act(login(REGISTRAR), document, "screen", accepted="1").status_code == 403
    assert _act(login(LEAD), document, "screen", accepted="1").status_code == 403
    assert _act(login(REVIEWER), document, "screen", accepted="1").status_code == 302
    assert _act(login(REVIEWER), document, "screen", accepted="1").status_code == 409

    # 拟办: the office proposes the leader and the offices; a leader cannot propose.
    proposal = {
        "leader": user(LEADER).pk,
        "lead_department": _dept("HWS"),
        "co_departments": [_dept("SZC")],
        "comment": "拟请分管领导阅示，环卫所主办，市政处协办。",
    }
    assert _act(login(LEADER), document, "propose", **proposal).status_code == 403
    no_leader = _act(login(REVIEWER), document, "propose", **{**proposal, "leader": ""})
    assert no_leader.status_code == 400
    assert _act(login(REVIEWER), document, "propose", **proposal).status_code == 302
    assert _act(login(REVIEWER), document, "propose", **proposal).status_code == 409

    # 批办: only the named leader (not another leader holding the same permission).
    instruction = {
        "instruction": "请环卫所牵头落实，市政处配合，12月底前报结果。",
        "lead_department": _dept("HWS"),
        "co_departments": [_dept("SZC")],
        "circulate": [user(PRINCIPAL).pk],
    }
    assert _act(login(PRINCIPAL), document, "instruct", **instruction).status_code == 403
    assert _act(login(REVIEWER), document, "instruct", **instruction).status_code == 403
    assert _detail(login(LEAD), document).status_code == 403  # not assigned yet
    assert _act(login(LEADER), document, "instruct", **instruction).status_code == 302
    assert _act(login(LEADER), document, "instruct", **instruction).status_code == 409
    document.refresh_from_db()
    assert document.status == IncomingStatus.HANDLE

    # 承办: the lead office cannot reply before the co-office's opinion is in.
    page = _detail(login(LEAD), document)
    assert page.status_code == 200 and "提交办理结果" in page.content.decode()
    early = _act(login(LEAD), document, "reply", text="已落实。")
    assert early.status_code == 400 and "市政处" in early.content.decode()
    assert _detail(login(OUTSIDER), document).status_code == 403
    assert _act(login(LEAD), document, "assist", text="同意").status_code == 403
    assert _act(login(CO), document, "reply", text="已落实。").status_code == 403
    assert _act(login(CO), document, "assist", text="市政处负责桥下保洁。").status_code == 302
    assert _act(login(CO), document, "assist", text="再次提交").status_code == 409

    # 催办: the registrar reminds whoever it waits for (the lead office now).
    assert _act(login(REVIEWER), document, "urge", text="请抓紧").status_code == 403
    before = Notification.objects.filter(recipient__username=LEAD).count()
    stale = IncomingDocument.objects.get(pk=document.pk).version
    assert _act(login(REGISTRAR), document, "urge", text="请于本周内办结。").status_code == 302
    assert _act(login(REGISTRAR), document, "urge", version=stale).status_code == 409
    assert Notification.objects.filter(recipient__username=LEAD).count() == before + 1
    assert not Notification.objects.filter(
        recipient__username=CO, title__contains=TITLE
    ).exists()  # the co-office has already answered

    # 答复 by the lead office.
    reply = "已完成全区道路保洁部署。"
    assert _act(login(LEAD_LEADER), document, "reply", text=reply).status_code == 302
    assert _act(login(LEAD), document, "reply", text="again").status_code == 409

    # 传阅: the named reader marks it read (圈阅); the leader is not a reader.
    assert _act(login(LEADER), document, "read").status_code == 403
    # 办结 waits for every reader.
    unread = _act(login(REGISTRAR), document, "close")
    assert unread.status_code == 400 and "未圈阅" in unread.content.decode()
    assert _act(login(PRINCIPAL), document, "read", text="阅").status_code == 302
    assert _act(login(PRINCIPAL), document, "read", text="阅").status_code == 409

    # 办结: the registrar only.
    assert _act(login(LEAD), document, "close").status_code == 403
    assert _act(login(REGISTRAR), document, "close", text="办结归档").status_code == 302
    assert _act(login(REGISTRAR), document, "close").status_code == 409
    document.refresh_from_db()
    assert document.status == IncomingStatus.CLOSED and document.closed_at is not None

    # The processing sheet holds every action, in order, with its actor.
    trail = list(document.events.values_list("action", "actor__username"))
    assert trail == [
        ("receive", REGISTRAR),
        ("register", REGISTRAR),
        ("screen", REVIEWER),
        ("propose", REVIEWER),
        ("instruct", LEADER),
        ("assist", CO),
        ("urge", REGISTRAR),
        ("reply", LEAD_LEADER),
        ("read", PRINCIPAL),
        ("close", REGISTRAR),
    ]
    sheet = login(PRINCIPAL).get(reverse("oa:incoming_sheet", args=[document.pk]))
    assert sheet.status_code == 200
    text = sheet.content.decode()
    fragments = ("收文处理单", document.number, "请环卫所牵头落实", "市政处负责桥下保洁", reply)
    for fragment in fragments:
        assert fragment in text
    assert login(OUTSIDER).get(reverse("oa:incoming_sheet", args=[document.pk])).status_code == 403


def test_screen_returns_to_sender_with_reason(login, user):
    document = inc.incoming_receive(
        actor=user(REGISTRAR), data=inc.IncomingData(sender="某区民政局", title="误投来文")
    )
    document = inc.incoming_register(document=document, actor=user(REGISTRAR))
    assert _act(login(REVIEWER), document, "screen", accepted="0").status_code == 400
    document.refresh_from_db()
    assert document.status == IncomingStatus.SCREEN
    response = _act(login(REVIEWER), document, "screen", accepted="0", comment="不属本局职责")
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.status == IncomingStatus.RETURNED
    assert document.return_reason == "不属本局职责"
    assert _act(login(REVIEWER), document, "propose").status_code in (400, 409)


def test_register_lists_filters_and_marks_overdue_red(login, user):
    registrar = user(REGISTRAR)
    now = timezone.now()
    late = inc.incoming_receive(
        actor=registrar,
        data=inc.IncomingData(
            sender="南京市城市管理局", title="逾期来文", received_at=now - dt.timedelta(days=30)
        ),
    )
    inc.incoming_register(document=late, actor=registrar, limit_days=2)
    fresh = inc.incoming_receive(
        actor=registrar, data=inc.IncomingData(sender="建邺区政府办", title="新到来文")
    )
    inc.incoming_register(document=fresh, actor=registrar, limit_days=10)
    client = login(REGISTRAR)
    page = client.get(reverse("oa:incoming_list")).content.decode()
    assert "逾期来文" in page and "新到来文" in page
    assert re.search(r'data-light="red">\s*<td>收〔', page)
    overdue = client.get(reverse("oa:incoming_list"), {"overdue": "on"}).content.decode()
    assert "逾期来文" in overdue and "新到来文" not in overdue
    by_sender = client.get(reverse("oa:incoming_list"), {"q": "政府办"}).content.decode()
    assert "新到来文" in by_sender and "逾期来文" not in by_sender
    bad = client.get(reverse("oa:incoming_list"), {"year": "abc"})
    assert bad.status_code == 200
    # Not in the flow: the register is empty for a department that was never assigned.
    assert "逾期来文" not in login(OUTSIDER).get(reverse("oa:incoming_list")).content.decode()


def test_internal_incoming_is_for_named_people_only(login, user):
    registrar = user(REGISTRAR)
    document = inc.incoming_receive(
        actor=registrar,
        data=inc.IncomingData(
            sender="南京市城市管理局",
            title="内部来文",
            classification="internal",
            readers=[user(REVIEWER)],
        ),
    )
    inc.incoming_register(document=document, actor=registrar)
    assert _detail(login(REVIEWER), document).status_code == 200
    # Another registrar-like role member who is not named: no.
    other = User.objects.create_user(username="wenshu_x", password="x", is_staff=True)
    other.groups.add(*registrar.groups.all())
    assert _detail(login("wenshu_x"), document).status_code == 403
    inc.incoming_screen(document=document, actor=user(REVIEWER), accepted=True)
    inc.incoming_propose(
        document=document,
        actor=user(REVIEWER),
        leader=user(LEADER),
        lead_department=Department.objects.get(code="HWS"),
        comment="拟请阅示",
    )
    assert _detail(login(LEADER), document).status_code == 200  # named by 拟办
    # The leader may only circulate it within the named readers.
    response = _act(
        login(LEADER),
        document,
        "instruct",
        instruction="阅",
        lead_department=_dept("HWS"),
        circulate=[user(PRINCIPAL).pk],
    )
    assert response.status_code == 400 and "知悉范围" in response.content.decode()
    inc.incoming_instruct(
        document=document,
        actor=user(LEADER),
        instruction="请环卫所办理",
        lead_department=Department.objects.get(code="HWS"),
    )
    # The lead office is assigned, but its people are not named: still 403.
    assert _detail(login(LEAD), document).status_code == 403
