"""Borrowing (借阅): request, the head's approval, a time-limited grant that the periodic
sweep takes back, use limited to the loan's kind, watermarked and logged downloads."""

import datetime as dt
import io
import subprocess

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from PIL import Image

from portal.archive import borrowing as b
from portal.archive.models import AccessLog, BorrowRequest
from portal.archive.watermark import watermark_image, watermark_pdf
from portal.scheduling import PERIODIC_TASKS
from search.selectors import search_run
from search.services import outbox_drain

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(filed):
    item = filed()
    outbox_drain()
    return item


def _pdf_text(data: bytes) -> str:
    return subprocess.run(
        ["/usr/bin/pdftotext", "-enc", "UTF-8", "-", "-"],
        input=data,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()


def _search_codes(user) -> list[str]:
    outbox_drain()
    result = search_run(user=user, index="archive", query="", filters={}, page=1, sort="newest")
    return [hit.title.split()[0] for hit in result.hits]


def _request(client, item, kind="download", days=3):
    return client.post(
        "/archive/borrow/new/",
        {"reference_code": item.reference_code, "purpose": "信访核查", "kind": kind, "days": days},
    )


def test_granted_borrower_can_until_the_grant_expires_then_cannot(item, login, user):
    borrower = user("chuzhi_szc")
    client = login("chuzhi_szc")
    detail = f"/archive/items/{item.pk}/"
    download = f"/archive/items/{item.pk}/files/{item.case_file.pk}/"
    assert client.get(detail).status_code == 403
    assert item.reference_code not in _search_codes(borrower)

    assert _request(client, item).status_code == 302
    loan = BorrowRequest.objects.get(borrower=borrower)
    assert loan.state == "pending"
    assert client.get(detail).status_code == 403
    assert client.get("/archive/borrow/inbox/").status_code == 403

    head = login("danganzhang01")
    inbox = head.get("/archive/borrow/inbox/")
    assert inbox.status_code == 200 and item.reference_code in inbox.content.decode()
    assert (
        head.post(f"/archive/borrow/{loan.pk}/decide/", {"decision": "approve"}).status_code == 302
    )
    loan.refresh_from_db()
    assert loan.state == "approved" and loan.holds_grant
    assert loan.expires_at - loan.decided_at == dt.timedelta(days=3)

    client = login("chuzhi_szc")
    assert client.get(detail).status_code == 200
    assert item.reference_code in _search_codes(borrower)
    response = client.post(download, {"reason": "信访核查"})
    assert response.status_code == 200
    text = _pdf_text(b"".join(response.streaming_content))
    assert borrower.get_full_name() in text and item.reference_code in text
    assert AccessLog.objects.filter(user=borrower, action="download").count() == 1
    listing = client.get("/archive/borrow/").content.decode()
    assert item.reference_code in listing and "已批准" in listing

    # The sweep does nothing before the loan ends, then takes the grant back.
    assert b.borrow_expire_due(at=loan.expires_at - dt.timedelta(seconds=1)) == 0
    assert b.borrow_expire_due(at=loan.expires_at) == 1
    loan.refresh_from_db()
    assert loan.state == "expired" and not b.borrow_grant_exists(item=item, user=borrower)
    assert client.get(detail).status_code == 403
    assert item.reference_code not in _search_codes(borrower)
    assert client.post(download, {"reason": "再看一次"}).status_code == 403


def test_a_view_loan_does_not_allow_download_or_print(item, login, user):
    client = login("chuzhi_szc")
    _request(client, item, kind="view")
    loan = BorrowRequest.objects.get()
    b.borrow_decide(request=loan, actor=user("danganzhang01"), approve=True)
    client = login("chuzhi_szc")
    assert client.get(f"/archive/items/{item.pk}/").status_code == 200
    pdf = item.case_file
    assert (
        client.post(f"/archive/items/{item.pk}/files/{pdf.pk}/", {"reason": "x"}).status_code == 403
    )
    assert client.post(f"/archive/items/{item.pk}/print/", {"reason": "x"}).status_code == 403
    assert not AccessLog.objects.filter(action__in=["download", "print"]).exists()


def test_print_loan_prints_inline_and_is_logged(item, login, user):
    client = login("chuzhi_szc")
    _request(client, item, kind="print")
    b.borrow_decide(request=BorrowRequest.objects.get(), actor=user("danganzhang01"), approve=True)
    client = login("chuzhi_szc")
    response = client.post(f"/archive/items/{item.pk}/print/", {"reason": "打印存档"})
    assert response.status_code == 200
    assert not response["Content-Disposition"].startswith("attachment")
    log = AccessLog.objects.get(action="print")
    assert (log.user, log.reason, log.file) == (user("chuzhi_szc"), "打印存档", item.case_file)


def test_a_borrower_who_could_already_see_keeps_access_after_expiry(item, user):
    own = user("chuzhi_hws")
    loan = b.borrow_request(item=item, borrower=own, purpose="复核", kind="download", days=1)
    loan = b.borrow_decide(request=loan, actor=user("danganzhang01"), approve=True)
    assert not loan.holds_grant
    b.borrow_expire_due(at=loan.expires_at)
    loan.refresh_from_db()
    assert loan.state == "expired"
    assert b.item_use_allowed(item=item, user=own, action="download")
    from portal.archive.selectors import item_visible

    assert item_visible(user=own).filter(pk=item.pk).exists()


def test_overlapping_loans_hand_the_grant_on(item, user):
    borrower, head = user("chuzhi_szc"), user("danganzhang01")
    now = timezone.now()
    first = b.borrow_request(item=item, borrower=borrower, purpose="一", kind="view", days=2)
    first = b.borrow_decide(request=first, actor=head, approve=True, at=now)
    second = b.borrow_request(item=item, borrower=borrower, purpose="二", kind="view", days=5)
    second = b.borrow_decide(request=second, actor=head, approve=True, at=now)
    assert first.holds_grant and not second.holds_grant
    b.borrow_expire_due(at=first.expires_at)
    assert b.borrow_grant_exists(item=item, user=borrower)
    b.borrow_expire_due(at=second.expires_at)
    assert not b.borrow_grant_exists(item=item, user=borrower)


def test_only_the_head_decides_and_not_on_their_own_request(item, user, login):
    loan = b.borrow_request(
        item=item, borrower=user("chuzhi_szc"), purpose="x", kind="view", days=1
    )
    with pytest.raises(PermissionDenied):
        b.borrow_decide(request=loan, actor=user("dangan01"), approve=True)
    assert login("dangan01").post(f"/archive/borrow/{loan.pk}/decide/").status_code == 403
    own = b.borrow_request(
        item=item, borrower=user("danganzhang01"), purpose="x", kind="view", days=1
    )
    with pytest.raises(ValidationError):
        b.borrow_decide(request=own, actor=user("danganzhang01"), approve=True)
    rejected = b.borrow_decide(request=loan, actor=user("danganzhang01"), approve=False)
    assert rejected.state == "rejected" and not b.borrow_grant_exists(
        item=item, user=user("chuzhi_szc")
    )


def test_request_validation(item, user):
    with pytest.raises(ValidationError):
        b.borrow_request(item=item, borrower=user("chuzhi_szc"), purpose="x", kind="view", days=31)
    with pytest.raises(ValidationError):
        b.borrow_request(item=item, borrower=user("chuzhi_szc"), purpose=" ", kind="view", days=3)
    b.borrow_request(item=item, borrower=user("chuzhi_szc"), purpose="x", kind="view", days=3)
    with pytest.raises(ValidationError):
        b.borrow_request(item=item, borrower=user("chuzhi_szc"), purpose="y", kind="view", days=3)


def test_expiry_runs_as_a_periodic_task(item, user):
    from portal.archive.tasks import borrow_expire_task

    assert PERIODIC_TASKS["portal.archive.tasks.borrow_expire_task"] <= 60
    loan = b.borrow_request(
        item=item, borrower=user("chuzhi_szc"), purpose="x", kind="view", days=1
    )
    b.borrow_decide(
        request=loan,
        actor=user("danganzhang01"),
        approve=True,
        at=timezone.now() - dt.timedelta(days=2),
    )
    assert borrow_expire_task.call() == 1
    assert not b.borrow_grant_exists(item=item, user=user("chuzhi_szc"))


def test_auditor_reviews_the_borrowing_log(item, user, login):
    b.borrow_request(
        item=item, borrower=user("chuzhi_szc"), purpose="审计抽查", kind="view", days=1
    )
    response = login("shenji01").get("/admin/archive_borrows/")
    assert response.status_code == 200 and item.reference_code in response.content.decode()
    assert login("chuzhi_szc").get("/admin/archive_borrows/").status_code in (302, 403)


def test_pdf_watermark_on_every_page(item):
    from portal.pdf import pdf_render

    two_pages = pdf_render("<p>第一页</p><p style='page-break-before:always'>第二页</p>")
    text = _pdf_text(watermark_pdf(two_pages, text="张三（zhangsan）利用 2026-11-25 10:00"))
    pages = text.split("\f")
    assert sum("zhangsan" in page for page in pages) == 2


def test_image_watermark_changes_the_pixels():
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), (255, 255, 255)).save(buffer, "PNG")
    marked = watermark_image(buffer.getvalue(), content_type="image/png", text="张三 2026-11-25")
    with Image.open(io.BytesIO(marked)) as image:
        assert image.size == (400, 300)
        assert image.convert("RGB").getextrema() != ((255, 255), (255, 255), (255, 255))
