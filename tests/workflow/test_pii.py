"""Reporters' personal data on the case side (portal/workflow/pii.py): ciphertext in the
database, key rotation and the batch re-encryption, the blind index, one masking rule on
every staff page and export, nothing in the search index, the archive's case file or the
logs — and an audit row for every full display."""

import io
import json
import logging
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from portal.accounts.models import AuditEvent
from portal.city.models import Department
from portal.workflow import pii
from portal.workflow import services as s
from portal.workflow.models import Case, Source
from portal.workflow.search import CaseDocumentType
from tests.conftest import MONDAY_9AM

pytestmark = pytest.mark.django_db

PHONE = "13812349000"
MASKED = "138****9000"
NAME = "欧阳娜娜"
OLD_KEY = "old1:b2xkLWtleS1vZi10aGUtdGVzdHMtMzItYnl0ZXMhISE"


def raw_row(case_id: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reporter_name, reporter_phone, reporter_phone_index FROM workflow_case"
            " WHERE id = %s",
            [case_id],
        )
        return cursor.fetchone()


@pytest.fixture
def public_case(new_case):
    def _make(**kwargs):
        values = {
            "actor": None,
            "source": Source.PUBLIC,
            "reporter_name": NAME,
            "reporter_phone": PHONE,
            "description": "江东中路有垃圾，联系电话 13812349000",
        }
        values.update(kwargs)
        return new_case(**values)

    return _make


def test_the_database_holds_ciphertext_not_the_phone(public_case):
    case = public_case()
    name, phone, index = raw_row(case.pk)
    for stored in (name, phone):
        assert stored.startswith("enc:test1:")
    assert PHONE not in phone and NAME not in name
    assert index == pii.blind_index(PHONE) and PHONE not in index
    case = Case.objects.get(pk=case.pk)
    assert (case.reporter_name, case.reporter_phone) == (NAME, PHONE)


def test_each_encryption_differs_and_is_bound_to_its_column():
    one = pii.encrypt(PHONE, column="workflow.case.reporter_phone")
    two = pii.encrypt(PHONE, column="workflow.case.reporter_phone")
    assert one != two
    assert pii.decrypt(one, column="workflow.case.reporter_phone") == PHONE
    with pytest.raises(pii.DecryptionError):
        pii.decrypt(one, column="workflow.case.reporter_name")
    tampered = one[:-3] + ("AAA" if not one.endswith("AAA") else "BBB")
    with pytest.raises(pii.DecryptionError):
        pii.decrypt(tampered, column="workflow.case.reporter_phone")


def test_plain_text_written_before_encryption_still_reads():
    assert pii.decrypt("王先生", column="workflow.case.reporter_name") == "王先生"


def test_blind_index_normalises_and_depends_on_the_key(settings):
    index = pii.blind_index("138-1234-9000")
    assert index == pii.blind_index("+86 13812349000") == pii.blind_index("008613812349000")
    assert index != pii.blind_index("13812349001") and pii.blind_index("") == ""
    settings.FIELD_INDEX_KEY = "another-index-key"
    assert pii.blind_index(PHONE) != index


def test_missing_keys_are_a_configuration_error(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.FIELD_ENCRYPTION_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        pii.encrypt(PHONE, column="x")
    settings.FIELD_ENCRYPTION_KEY = "k1:tooshort"
    with pytest.raises(ImproperlyConfigured):
        pii.encrypt(PHONE, column="x")


def test_key_rotation_reads_old_rows_and_reencrypts_them(public_case, settings):
    settings.FIELD_ENCRYPTION_KEY = OLD_KEY
    case = public_case()
    assert raw_row(case.pk)[1].startswith("enc:old1:")
    current = "test2:bmV3LWtleS1vZi10aGUtdGVzdHMtMzItYnl0ZXMhISE"
    settings.FIELD_ENCRYPTION_KEY = current
    settings.FIELD_ENCRYPTION_OLD_KEYS = [OLD_KEY]
    assert Case.objects.get(pk=case.pk).reporter_phone == PHONE  # old key still decrypts
    out = io.StringIO()
    call_command("pii_reencrypt", stdout=out)
    name, phone, _index = raw_row(case.pk)
    assert name.startswith("enc:test2:") and phone.startswith("enc:test2:")
    settings.FIELD_ENCRYPTION_OLD_KEYS = []
    assert Case.objects.get(pk=case.pk).reporter_phone == PHONE  # the old key is not needed
    call_command("pii_reencrypt", stdout=out)
    assert "案件 0 件" in out.getvalue().splitlines()[-1]  # nothing stale is left


def test_unknown_key_id_is_refused(public_case, settings):
    settings.FIELD_ENCRYPTION_KEY = OLD_KEY
    case = public_case()
    settings.FIELD_ENCRYPTION_KEY = "test1:dGVzdC1vbmx5LWZpZWxkLWtleS1kby1ub3QtdXNlISE"
    with pytest.raises(pii.DecryptionError):
        Case.objects.get(pk=case.pk)


def test_the_data_migration_encrypts_plain_rows_in_batches(public_case, new_case):
    cases = [public_case(reporter_phone=f"1391234000{n}") for n in range(5)]
    untouched = new_case()  # a supervisor's case: no reporter fields
    with connection.cursor() as cursor:  # rows as they were before this change
        cursor.execute(
            "UPDATE workflow_case SET reporter_name = %s, reporter_phone = %s,"
            " reporter_phone_index = '' WHERE id = %s",
            ["王先生", "13912340003", cases[3].pk],
        )
    written = pii.reencrypt_rows(
        Case.objects.all(),
        ["reporter_name", "reporter_phone"],
        index={"reporter_phone_index": "reporter_phone"},
        batch=2,
        only_stale=True,
    )
    assert written == 1  # only the plain row; the encrypted ones were left alone
    name, phone, index = raw_row(cases[3].pk)
    assert name.startswith("enc:") and phone.startswith("enc:")
    assert index == pii.blind_index("13912340003")
    assert raw_row(untouched.pk)[:2] == ("", "")


def test_masking_rules():
    assert pii.mask_name("王五") == "王*" and pii.mask_name("欧阳娜娜") == "欧***"
    assert pii.mask_name("") == ""
    assert pii.mask_email("zhang@example.com") == "z***@example.com"
    assert pii.redact_phones("电话13812349000或138 1234 9000") == "电话138****9000或138****9000"
    assert pii.redact_phones("编号 2026112300001") == "编号 2026112300001"


# --- who sees what: one rule on every page and export --------------------------------------


def test_case_detail_masks_for_roles_without_the_permission(client, login, public_case):
    case = public_case()  # the number is also typed into the description
    login("paiqian01")  # the dispatcher works the case but needs no number
    html = client.get(f"/cases/{case.number}/").content.decode()
    assert MASKED in html and "欧***" in html
    assert PHONE not in html and NAME not in html
    assert not AuditEvent.objects.filter(action=pii.AUDIT_VIEW).exists()


def test_case_detail_shows_the_reporter_to_permitted_roles_and_audits(client, login, public_case):
    case = public_case(description="路口有垃圾")
    login("shouli01")
    html = client.get(f"/cases/{case.number}/").content.decode()
    assert PHONE in html and NAME in html
    event = AuditEvent.objects.filter(action=pii.AUDIT_VIEW).latest("id")
    assert event.username == "shouli01"
    assert event.detail == {"purpose": "case_detail", "cases": [case.number]}
    assert event.target == f"case:{case.number}"
    assert PHONE not in json.dumps(event.detail) and NAME not in json.dumps(event.detail)


def test_department_handlers_see_no_reporter(client, login, public_case, user):
    case = public_case(description="路口有垃圾")
    case = s.case_accept(case=case, actor=user("shouli01"))
    case = s.case_file(case=case, actor=user("zhiban01"))
    s.case_dispatch(
        case=case, actor=user("paiqian01"), department=Department.objects.get(code="HWS")
    )
    login("chuzhi_hws")
    response = client.get(f"/cases/{case.number}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert PHONE not in html and MASKED not in html and NAME not in html


@pytest.mark.parametrize("username", ["paiqian01", "shouli01", "zhiban01"])
def test_case_list_and_search_never_show_the_phone(client, login, public_case, username):
    case = public_case()
    login(username)
    html = client.get("/cases/").content.decode()
    assert case.number in html and PHONE not in html and NAME not in html
    search = client.get("/cases/search/", {"q": "垃圾"}).content.decode()
    assert PHONE not in search and NAME not in search


def test_evaluation_exports_carry_no_reporter(client, login, public_case, user):
    from openpyxl import load_workbook

    case = public_case()
    case = s.case_accept(case=case, actor=user("shouli01"), at=MONDAY_9AM)
    login("zhiban01")
    for kind in ("clerk", "department", "street", "grid"):
        query = f"kind={kind}&start=2026-11-01&end=2026-11-30"
        text = client.get(f"/cases/evaluation/?{query}&export=csv").content.decode("utf-8")
        assert PHONE not in text and NAME not in text, kind
        xlsx = client.get(f"/cases/evaluation/?{query}&export=xlsx")
        cells = [
            str(cell.value)
            for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows()
            for cell in row
        ]
        assert not any(PHONE in c or NAME in c for c in cells), kind


def test_search_index_documents_carry_no_personal_data(public_case):
    case = public_case()
    doc = CaseDocumentType().build(Case.objects.get(pk=case.pk))
    text = json.dumps(
        {"title": doc.title, "body": doc.body, "fields": doc.fields}, ensure_ascii=False
    )
    assert PHONE not in text and NAME not in text
    assert MASKED in doc.body  # the number typed into the description is masked


def test_archive_case_file_carries_no_reporter(public_case, user):
    from portal.archive import pdf as archive_pdf
    from portal.archive.services import record_archive
    from portal.archive.sources import case_source

    case = public_case(description="路口有垃圾")
    case = s.case_accept(case=case, actor=user("shouli01"))
    case = s.case_file(case=case, actor=user("zhiban01"))
    department = Department.objects.get(code="HWS")
    case = s.case_dispatch(case=case, actor=user("paiqian01"), department=department)
    handler = department.staff.filter(groups__name="部门处置员").first()
    case = s.case_handle(case=case, actor=handler, result="已清运")
    case = s.case_check(
        case=case, actor=case.grid.supervisor or case.module.supervisor, passed=True
    )
    case = s.case_close(case=case, actor=user("zhiban01"))
    with override_settings(ARCHIVE_AUTO_FILE=False):
        item = record_archive(source=case_source(case))
    captured = {}

    def fake_render(html, **kwargs):
        captured["html"] = html
        return b"%PDF-"

    with mock.patch.object(archive_pdf, "pdf_render", fake_render):
        archive_pdf.case_file_render(item)
    html = captured["html"]
    assert case.number in html
    assert PHONE not in html and NAME not in html
    snapshot = json.dumps([item.metadata, item.history], ensure_ascii=False, default=str)
    assert PHONE not in snapshot and NAME not in snapshot


def test_no_full_phone_reaches_the_logs(
    public_case, user, caplog, django_capture_on_commit_callbacks
):
    from portal.citizen.services import report_submit
    from portal.city.models import Category

    case = public_case()
    with caplog.at_level(logging.DEBUG), django_capture_on_commit_callbacks(execute=True):
        receipt = report_submit(
            channel="web",
            category=Category.objects.get(name="暴露垃圾"),
            description="路口有垃圾",
            lon=case.lon,
            lat=case.lat,
            name=NAME,
            phone=PHONE,
            email="nana@example.com",
        )
        s.case_accept(case=receipt.case, actor=user("shouli01"))
    assert caplog.records  # the SMS stand-in logged the notification
    assert PHONE not in caplog.text and NAME not in caplog.text
