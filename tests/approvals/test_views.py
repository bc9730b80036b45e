"""The approval pages over HTTP: a 请假 submitted through its generated form, approved by
the department leader, others refused (403), stale and double presses (409), bad input
(400, nothing saved), the seal keeper's log with its filters and CSV, the personal inbox."""

import csv
import io

import pytest
from django.urls import reverse

from portal.approvals import services as s
from portal.approvals.models import (
    ApprovalEvent,
    ApprovalRequest,
    ApprovalType,
    SealUseLog,
    Status,
)
from tests.approvals.conftest import (
    APPLICANT,
    KEEPER,
    LEADER,
    OTHER_LEADER,
    PRINCIPAL,
    REVIEWER,
    SIGNER,
    seal_answers,
)

pytestmark = pytest.mark.django_db

LEAVE = {
    "leave_kind": "年休假",
    "start_date": "2026-12-01",
    "end_date": "2026-12-02",
    "reason": "回老家探亲",
}


def _counts():
    return ApprovalRequest.objects.count(), ApprovalEvent.objects.count()


def _submit(client, data=LEAVE):
    return client.post(reverse("approvals:new", args=["leave"]), data)


def test_leave_form_is_built_from_the_definition(types, login):
    client = login(APPLICANT)
    response = client.get(reverse("approvals:new", args=["leave"]))
    assert response.status_code == 200
    body = response.content.decode()
    for name in ('name="leave_kind"', 'type="date"', 'name="reason"', "年休假"):
        assert name in body
    assert (
        reverse("approvals:new", args=["seal"])
        in client.get(reverse("approvals:index")).content.decode()
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reason": ""}, "请填写“事由”。"),
        ({"leave_kind": "旷工"}, "请从列表中选择“请假类型”。"),
        ({"start_date": "2026-13-45"}, "“开始日期”的格式不正确。"),
        ({"end_date": "2026-11-30"}, "结束日期不能早于开始日期。"),
        ({"start_date": "2026-12-05", "end_date": "2026-12-06"}, "所选日期内没有工作日"),
    ],
)
def test_bad_input_is_a_400_with_messages_and_nothing_saved(types, login, change, message):
    client = login(APPLICANT)
    before = _counts()
    response = _submit(client, {**LEAVE, **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _counts() == before


def test_a_request_walked_over_http_with_the_wrong_people_refused(types, login, client):
    response = _submit(login(APPLICANT))
    assert response.status_code == 302
    request = ApprovalRequest.objects.get()
    detail = reverse("approvals:detail", args=[request.pk])
    assert response["Location"] == detail
    approve = reverse("approvals:action", args=[request.pk, "approve"])

    for name in (OTHER_LEADER, PRINCIPAL, KEEPER):
        other = login(name)
        assert other.get(detail).status_code == 403
        assert other.post(approve, {"version": 1}).status_code == 403
    applicant = login(APPLICANT)
    assert applicant.get(detail).status_code == 200
    assert applicant.post(approve, {"version": 1}).status_code == 403

    leader = login(LEADER)  # the same test client, now the leader's
    page = leader.get(detail).content.decode()
    assert 'data-action="approve"' in page and "回老家探亲" in page
    assert request.number in leader.get(reverse("inbox:index")).content.decode()
    assert leader.post(approve, {"version": 0}).status_code == 409  # stale page
    assert leader.post(approve, {}).status_code == 400  # no version at all
    response = leader.post(approve, {"version": 1, "comment": "同意，注意交接工作"})
    assert response.status_code == 302
    assert leader.post(approve, {"version": 1}).status_code == 409  # double press
    request.refresh_from_db()
    assert request.status == Status.APPROVED
    assert request.number not in leader.get(reverse("inbox:index")).content.decode()
    assert login(LEADER).get(detail).status_code == 200  # the approver keeps reading it
    assert "已通过" in login(APPLICANT).get(detail).content.decode()


def test_reject_without_a_reason_is_a_400(types, login):
    _submit(login(APPLICANT))
    request = ApprovalRequest.objects.get()
    leader = login(LEADER)
    url = reverse("approvals:action", args=[request.pk, "reject"])
    response = leader.post(url, {"version": 1, "comment": ""})
    assert response.status_code == 400
    assert "请填写驳回或退回的理由。" in response.content.decode()
    request.refresh_from_db()
    assert request.status == Status.PENDING and request.version == 1
    assert leader.post(url, {"version": 1, "comment": "年底工作紧"}).status_code == 302
    request.refresh_from_db()
    assert request.status == Status.REJECTED


def test_sent_back_request_is_edited_and_resubmitted(types, login):
    _submit(login(APPLICANT))
    request = ApprovalRequest.objects.get()
    url = reverse("approvals:action", args=[request.pk, "return"])
    assert login(LEADER).post(url, {"version": 1, "comment": "请补充事由"}).status_code == 302
    edit = reverse("approvals:edit", args=[request.pk])
    assert login(LEADER).get(edit).status_code == 403
    applicant = login(APPLICANT)
    page = applicant.get(edit).content.decode()
    assert "请补充事由" in page, page
    assert 'value="2026-12-01"' in page, page
    stale = applicant.post(edit, {**LEAVE, "version": 1})
    assert stale.status_code == 409
    response = applicant.post(edit, {**LEAVE, "reason": "回老家探亲，已安排同事代班", "version": 2})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.round) == (Status.PENDING, 2)
    assert applicant.get(edit).status_code == 409  # nothing to edit any more


def test_withdraw_by_the_applicant_only(types, login):
    _submit(login(APPLICANT))
    request = ApprovalRequest.objects.get()
    url = reverse("approvals:action", args=[request.pk, "withdraw"])
    assert login(LEADER).post(url, {"version": 1}).status_code == 403
    assert login(APPLICANT).post(url, {"version": 1}).status_code == 302
    request.refresh_from_db()
    assert request.status == Status.WITHDRAWN
    assert login(APPLICANT).post(url, {"version": 2}).status_code == 409


def test_unknown_action_and_type(types, login):
    _submit(login(APPLICANT))
    request = ApprovalRequest.objects.get()
    client = login(LEADER)
    assert client.post(reverse("approvals:action", args=[request.pk, "delete"])).status_code == 403
    assert client.get(reverse("approvals:new", args=["nope"])).status_code == 404


def _approved_seal_request(user):
    request = s.request_submit(
        approval_type=ApprovalType.objects.get(code="seal"),
        actor=user(APPLICANT),
        answers=seal_answers(),
    )
    for name in (LEADER, REVIEWER, SIGNER):
        request = s.request_approve(request=request, actor=user(name))
    return request


def test_seal_keeper_records_use_and_the_log_filters_and_exports(types, login, user):
    request = _approved_seal_request(user)
    url = reverse("approvals:action", args=[request.pk, "seal_use"])
    assert login(LEADER).post(url, {"version": request.version, "copies": 3}).status_code == 403
    keeper = login(KEEPER)
    response = keeper.post(url, {"version": request.version, "copies": 0})
    assert response.status_code == 400 and "用印份数至少为 1。" in response.content.decode()
    response = keeper.post(url, {"version": request.version, "copies": 9})
    assert response.status_code == 400 and "不能超过批准的" in response.content.decode()
    assert not SealUseLog.objects.exists()
    assert keeper.post(url, {"version": request.version, "copies": 3}).status_code == 302
    assert keeper.post(url, {"version": request.version + 1, "copies": 3}).status_code == 409
    assert SealUseLog.objects.count() == 1
    log = SealUseLog.objects.get()

    page = reverse("approvals:seal_log")
    month = f"{log.used_at:%Y-%m}"
    assert login(LEADER).get(page).status_code == 403
    keeper = login(KEEPER)  # one test client: log the keeper back in
    body = keeper.get(page, {"seal": "单位公章", "month": month}).content.decode()
    assert request.number in body
    assert request.number not in keeper.get(page, {"seal": "合同专用章"}).content.decode()
    assert request.number not in keeper.get(page, {"month": "2020-01"}).content.decode()
    assert keeper.get(page, {"month": "2026-13"}).status_code == 400
    response = keeper.get(page, {"seal": "单位公章", "month": month, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["用印时间", "印章", "份数"]
    assert rows[1][1:4] == ["单位公章", "3", request.number]
    assert len(rows) == 2


def test_inbox_shows_the_seal_keeper_the_approved_request(types, login, user):
    request = _approved_seal_request(user)
    body = login(KEEPER).get(reverse("inbox:index")).content.decode()
    assert request.number in body and "登记用印" in body


def test_system_admin_edits_approval_types_in_the_admin(types, login):
    leave = types["leave"]
    url = f"/admin/snippets/approvals/approvaltype/edit/{leave.pk}/"
    page = login("xitong01").get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "working_days" in body and "主要领导审批" in body
    assert login(LEADER).get(url).status_code in (302, 403)
