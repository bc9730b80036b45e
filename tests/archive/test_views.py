"""The archive's pages over HTTP: search, detail, download with a purpose, corrections,
verification; every view and download logged."""

import pytest

from portal.archive.models import AccessLog
from search.services import outbox_drain

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(filed):
    item = filed()
    outbox_drain()
    return item


def test_search_page_lists_permitted_items_with_facets(item, login):
    response = login("dangan01").get("/archive/", {"q": "垃圾"})
    assert response.status_code == 200
    body = response.content.decode()
    assert item.reference_code in body and "保管期限" in body and "30年" in body
    other = login("chuzhi_szc").get("/archive/").content.decode()
    assert item.reference_code not in other and "找到 0 件档案" in other


def test_detail_is_logged_and_refused_to_other_departments(item, login, user):
    response = login("chuzhi_hws").get(f"/archive/items/{item.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert item.reference_code in body and "四性检测报告" in body and "全部通过" in body
    log = AccessLog.objects.get(item=item)
    assert (log.user, log.action) == (user("chuzhi_hws"), "view")
    assert login("chuzhi_szc").get(f"/archive/items/{item.pk}/").status_code == 403
    assert login("chuzhi_szc").get("/archive/items/999999/").status_code == 404
    assert AccessLog.objects.count() == 1


def test_download_needs_a_purpose_and_is_logged(item, login):
    client = login("dangan01")
    pdf = item.case_file
    url = f"/archive/items/{item.pk}/files/{pdf.pk}/"
    assert client.get(url).status_code == 405
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 302
    assert not AccessLog.objects.filter(action="download").exists()
    response = client.post(url, {"reason": "信访答复查证"})
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert response["Content-Disposition"].startswith("attachment")
    log = AccessLog.objects.get(action="download")
    assert (log.file, log.reason) == (pdf, "信访答复查证")
    assert login("chuzhi_szc").post(url, {"reason": "x"}).status_code == 403


def test_correction_page_for_archivists_only(item, login, django_capture_on_commit_callbacks):
    assert login("chuzhi_hws").get(f"/archive/items/{item.pk}/correct/").status_code == 403
    client = login("dangan01")
    data = {
        "title": "更正后的题名",
        "responsible": item.responsible,
        "document_date": item.document_date.isoformat(),
        "keywords": item.keywords,
        "summary": item.summary,
        "classification": "",
        "reason": "题名表述不准确",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/archive/items/{item.pk}/correct/", data)
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.title, item.version) == ("更正后的题名", 2)


def test_public_verification_shows_the_manifest_digest_only(item, client):
    response = client.get(f"/archive/verify/{item.verify_token}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert item.manifest_sha256 in body and item.reference_code in body
    assert item.case.description not in body
    assert client.get("/archive/").status_code == 302  # staff pages need a login


def test_auditor_reads_the_access_log_in_the_admin(item, login):
    login("chuzhi_hws").get(f"/archive/items/{item.pk}/")
    response = login("shenji01").get("/admin/archive_access_log/")
    assert response.status_code == 200
    assert item.reference_code in response.content.decode()
    assert login("chuzhi_hws").get("/admin/archive_access_log/").status_code in (302, 403)
