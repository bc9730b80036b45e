"""Reporters' personal data on the citizen side: encrypted e-mail, masked or audited
display on the hotline pages, no personal data in Open311 responses, and the rights of
PIPL — export and erasure by the privacy officer, erasure by the reporter."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.db import connection

from portal.accounts.models import AuditEvent, User
from portal.accounts.selectors import audit_chain_verify
from portal.citizen.models import PublicReport
from portal.citizen.selectors import reporter_case_list
from portal.citizen.services import reporter_data_export, reporter_erase
from portal.workflow.models import Case
from portal.workflow.pii import AUDIT_ERASE, AUDIT_EXPORT, AUDIT_LOOKUP, AUDIT_VIEW, blind_index
from tests.citizen.conftest import REPORTER

pytestmark = pytest.mark.django_db

PHONE = REPORTER["phone"]  # 13812349000
MASKED = "138****9000"


def raw(sql: str, params: list) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def audits(action: str):
    return AuditEvent.objects.filter(action=action)


def test_email_is_ciphertext_in_the_database(submit):
    receipt = submit()
    (email,) = raw("SELECT email FROM citizen_publicreport WHERE id = %s", [receipt.report.pk])
    assert email.startswith("enc:") and "zhang" not in email and "example" not in email
    assert PublicReport.objects.get(pk=receipt.report.pk).email == REPORTER["email"]


def test_phone_in_the_description_is_masked_in_the_public_text(submit):
    receipt = submit(description="路口垃圾堆放，我的电话 139-1234-5678 可联系")
    report = receipt.report
    assert "13912345678" not in report.public_description.replace("-", "")
    assert "139****5678" in report.public_description
    assert "139-1234-5678" in report.case.description  # staff keep the original text


def test_blind_index_finds_every_report_of_a_number(submit):
    first, second = submit(), submit(phone="+86 138 1234 9000")
    other = submit(phone="13900000000")
    found = set(reporter_case_list(phone="138-1234-9000").values_list("pk", flat=True))
    assert found == {first.case.pk, second.case.pk}
    assert other.case.pk not in found
    assert not reporter_case_list(phone="").exists()


def test_open311_responses_carry_no_personal_data(client, submit):
    receipt = submit(description="路口有垃圾，联系电话13812349000")
    for url in (
        "/open311/v2/requests.json",
        f"/open311/v2/requests/{receipt.tracking_number}.json",
        "/open311/v2/requests.xml",
    ):
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 200 and receipt.tracking_number in body
        for secret in (PHONE, REPORTER["name"], REPORTER["email"]):
            assert secret not in body, (url, secret)


def test_public_pages_carry_no_personal_data(client, submit):
    receipt = submit(description="路口有垃圾，联系电话13812349000")
    for url in ("/reports/", "/reports/map.json", "/reports/feed/"):
        body = client.get(url).content.decode()
        assert PHONE not in body and REPORTER["name"] not in body, url
    html = client.post(
        "/report/track/", {"number": receipt.tracking_number, "code": receipt.code}
    ).content.decode()
    assert receipt.tracking_number in html and PHONE not in html


@pytest.fixture
def hotline_only(user):
    """A hotline clerk who takes calls but may not see full numbers."""
    account = User.objects.create_user("rexian_masked", password="x")
    account.user_permissions.add(
        Permission.objects.get(codename="take_hotline"),
        Permission.objects.get(codename="view_case", content_type__app_label="workflow"),
    )
    return account


def test_callback_pages_mask_the_phone_without_the_permission(
    client, submit, close_case, hotline_only
):
    receipt = submit()
    close_case(receipt.case)
    client.force_login(hotline_only)
    before = audits(AUDIT_VIEW).count()
    for url in ("/hotline/callbacks/", f"/hotline/callbacks/{receipt.tracking_number}/"):
        html = client.get(url).content.decode()
        assert MASKED in html and PHONE not in html, url
        assert REPORTER["name"] not in html, url
    detail = client.get(f"/hotline/callbacks/{receipt.tracking_number}/").content.decode()
    assert "张**" in detail
    assert audits(AUDIT_VIEW).count() == before  # masked views are not disclosures


def test_callback_pages_show_the_phone_to_operators_and_audit_it(client, login, submit, close_case):
    receipt = submit()
    close_case(receipt.case)
    login("rexian01")
    html = client.get(f"/hotline/callbacks/{receipt.tracking_number}/").content.decode()
    assert PHONE in html and REPORTER["name"] in html
    event = audits(AUDIT_VIEW).latest("id")
    assert event.username == "rexian01"
    assert event.detail == {"purpose": "callback", "cases": [receipt.case.number]}
    assert PHONE not in json.dumps(event.detail)
    client.get("/hotline/callbacks/")
    assert audits(AUDIT_VIEW).latest("id").detail["purpose"] == "callback_list"


def test_hotline_shows_the_callers_earlier_reports(client, login, submit, grid):
    earlier = submit(phone="+86 138-1393-9000")  # as an Open311 client may send it
    login("rexian01")
    response = client.post(
        "/hotline/",
        {
            "category": earlier.case.category_id,
            "description": "又有垃圾了",
            "lon": f"{grid.centre_lon:.6f}",
            "lat": f"{grid.centre_lat:.6f}",
            "name": "李四",
            "phone": "13813939000",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "该来电号码此前的举报" in html and earlier.case.number in html


# --- the privacy officer: find, export, erase ---------------------------------------------


def test_privacy_page_finds_by_phone_masked_and_audits_the_lookup(client, login, submit):
    receipt = submit()
    login("yinsi01")
    assert client.get("/privacy/").status_code == 200
    response = client.post("/privacy/", {"phone": PHONE, "action": "search"})
    html = response.content.decode()
    assert response.status_code == 200 and receipt.case.number in html
    assert MASKED in html and PHONE not in html.replace(f'value="{PHONE}"', "")
    event = audits(AUDIT_LOOKUP).latest("id")
    assert event.username == "yinsi01" and event.detail["found"] == 1
    assert PHONE not in json.dumps(event.detail)


def test_privacy_export_is_json_with_every_report_and_audited(client, login, submit):
    first, second = submit(), submit(email="")
    submit(phone="13900000000")
    login("anquan01")  # the security administrator holds the permission too
    response = client.post("/privacy/", {"phone": PHONE, "action": "export"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="personal-data.json"'
    data = json.loads(response.content)
    numbers = {r["case_number"] for r in data["reports"]}
    assert numbers == {first.case.number, second.case.number}
    row = next(r for r in data["reports"] if r["case_number"] == first.case.number)
    assert row["reporter_phone"] == PHONE and row["reporter_name"] == REPORTER["name"]
    assert row["email"] == REPORTER["email"] and row["tracking_number"]
    event = audits(AUDIT_EXPORT).latest("id")
    assert event.username == "anquan01"
    assert sorted(event.detail["cases"]) == sorted(numbers)


def test_privacy_erase_needs_reason_and_confirmation(client, login, submit):
    receipt = submit()
    login("yinsi01")
    response = client.post("/privacy/", {"phone": PHONE, "action": "erase"})
    assert response.status_code == 400
    assert "请勾选确认" in response.content.decode()
    assert Case.objects.get(pk=receipt.case.pk).reporter_phone == PHONE
    assert not audits(AUDIT_ERASE).exists()


def test_privacy_erase_anonymises_every_report_and_keeps_the_cases(client, login, submit):
    first = submit(description="垃圾很多，电话13812349000")
    second = submit(phone="138 1234 9000")
    other = submit(phone="13900000000")
    login("yinsi01")
    response = client.post(
        "/privacy/",
        {"phone": PHONE, "action": "erase", "reason": "申请 2026-001", "confirm": "on"},
    )
    assert response.status_code == 302
    for receipt in (first, second):
        case = Case.objects.get(pk=receipt.case.pk)
        assert (case.reporter_name, case.reporter_phone, case.reporter_phone_index) == ("", "", "")
        assert PHONE not in case.description
        assert PublicReport.objects.get(case=case).email == ""
    assert Case.objects.get(pk=other.case.pk).reporter_phone == "13900000000"
    assert not reporter_case_list(phone=PHONE).exists()
    event = audits(AUDIT_ERASE).latest("id")
    assert event.username == "yinsi01" and event.detail["reason"] == "申请 2026-001"
    assert PHONE not in json.dumps(event.detail) and event.target.startswith("reporter:")
    assert audit_chain_verify().ok  # the personal-data events are links of the audit chain
    assert sorted(event.detail["cases"]) == sorted([first.case.number, second.case.number])


def test_privacy_bad_phone_is_a_form_error(client, login):
    login("yinsi01")
    response = client.post("/privacy/", {"phone": "12", "action": "search"})
    assert response.status_code == 400 and "请输入完整的电话号码" in response.content.decode()


@pytest.mark.parametrize("username", ["rexian01", "shouli01", "shenji01", "xitong01"])
def test_privacy_page_refuses_other_roles(client, login, submit, username):
    submit()
    login(username)
    assert client.get("/privacy/").status_code == 403
    for action in ("search", "export"):
        assert client.post("/privacy/", {"phone": PHONE, "action": action}).status_code == 403
    response = client.post(
        "/privacy/", {"phone": PHONE, "action": "erase", "reason": "x", "confirm": "on"}
    )
    assert response.status_code == 403
    assert Case.objects.get().reporter_phone == PHONE
    assert not audits(AUDIT_EXPORT).exists()


def test_privacy_services_check_the_permission(user, submit):
    from django.core.exceptions import PermissionDenied

    submit()
    for service, extra in ((reporter_data_export, {}), (reporter_erase, {"reason": "x"})):
        with pytest.raises(PermissionDenied):
            service(actor=user("rexian01"), phone=PHONE, **extra)
    assert Case.objects.get().reporter_phone == PHONE


def test_privacy_needs_login(client):
    assert client.get("/privacy/").status_code == 302


# --- the reporter's own erasure ----------------------------------------------------------


def test_reporter_erases_their_data_with_number_and_code(client, submit):
    receipt = submit()
    other = submit()
    html = client.post(
        "/report/track/", {"number": receipt.tracking_number, "code": receipt.code}
    ).content.decode()
    assert 'action="/report/track/erase/"' in html
    response = client.post(
        "/report/track/erase/",
        {"number": receipt.tracking_number, "code": receipt.code, "confirm": "on"},
    )
    assert response.status_code == 200 and "已删除" in response.content.decode()
    case = Case.objects.get(pk=receipt.case.pk)
    assert (case.reporter_name, case.reporter_phone) == ("", "")
    assert PublicReport.objects.get(pk=receipt.report.pk).email == ""
    assert Case.objects.get(pk=other.case.pk).reporter_phone == PHONE  # only this report
    event = audits(AUDIT_ERASE).latest("id")
    assert event.actor is None and event.detail["by"] == "reporter"
    assert event.detail["cases"] == [case.number]


def test_reporter_erase_refuses_a_wrong_code_or_no_confirmation(client, submit):
    receipt = submit()
    wrong = client.post(
        "/report/track/erase/",
        {"number": receipt.tracking_number, "code": "000000", "confirm": "on"},
    )
    assert wrong.status_code == 404
    unconfirmed = client.post(
        "/report/track/erase/", {"number": receipt.tracking_number, "code": receipt.code}
    )
    assert unconfirmed.status_code == 400 and "请勾选确认" in unconfirmed.content.decode()
    assert Case.objects.get().reporter_phone == PHONE
    assert not audits(AUDIT_ERASE).exists()


def test_the_blind_index_is_stored_beside_the_encrypted_phone(submit):
    receipt = submit()
    phone, index = raw(
        "SELECT reporter_phone, reporter_phone_index FROM workflow_case WHERE id = %s",
        [receipt.case.pk],
    )
    assert PHONE not in phone and index == blind_index(PHONE) and len(index) == 64
