"""A 请假 request end to end in the browser: the applicant fills the generated form, the
department leader finds it in the personal inbox (/todo/), opens it and approves; the inbox
no longer lists it and the applicant sees it approved."""

import re

import pytest
from playwright.sync_api import expect

from portal.accounts.demo import DEMO_PASSWORD
from portal.approvals.models import ApprovalRequest, Status

from .conftest import ARTIFACTS

pytestmark = pytest.mark.usefixtures("demo")

APPLICANT = "chuzhi_hws"
LEADER = "lingdao_hws"


def sign_in(page, live_server, username, next_url):
    page.goto(f"{live_server.url}/admin/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}{next_url}*")


def test_leave_request_is_approved_from_the_personal_inbox(browser, live_server):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    desk = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    applicant = desk.new_page()
    sign_in(applicant, live_server, APPLICANT, "/approvals/new/leave/")
    applicant.select_option("select[name=leave_kind]", "年休假")
    applicant.fill("input[name=start_date]", "2026-12-01")
    applicant.fill("input[name=end_date]", "2026-12-02")
    applicant.fill("textarea[name=reason]", "回老家探亲")
    applicant.click("form.approval-form button[type=submit]")
    applicant.wait_for_url(re.compile(r".*/approvals/\d+/$"))
    expect(applicant.locator(".approval-status")).to_have_attribute("data-status", "pending")
    request = ApprovalRequest.objects.get()
    assert request.working_days == 2

    office = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    leader = office.new_page()
    sign_in(leader, live_server, LEADER, "/todo/")
    row = leader.locator("table.inbox tr[data-source=approvals]", has_text=request.number)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("部门领导审批")
    leader.screenshot(path=str(ARTIFACTS / "approval_inbox.png"), full_page=True)
    row.locator("a").click()
    leader.wait_for_url(f"{live_server.url}/approvals/{request.pk}/")
    leader.fill("form[data-action=approve] textarea[name=comment]", "同意，注意交接工作")
    leader.click("form[data-action=approve] button[type=submit]")
    expect(leader.locator(".approval-status")).to_have_attribute("data-status", "approved")
    leader.goto(f"{live_server.url}/todo/")
    expect(leader.locator("table.inbox")).to_be_visible()
    expect(
        leader.locator("table.inbox tr[data-source=approvals]", has_text=request.number)
    ).to_have_count(0)
    office.close()

    applicant.goto(f"{live_server.url}/approvals/")
    mine = applicant.locator(f"table.approvals-mine tr[data-request='{request.pk}']")
    expect(mine).to_have_attribute("data-status", "approved")
    expect(mine).to_contain_text("已通过")
    applicant.screenshot(path=str(ARTIFACTS / "approval_approved.png"), full_page=True)
    desk.close()
    request.refresh_from_db()
    assert request.status == Status.APPROVED
