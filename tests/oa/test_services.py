"""Services of the 发文 flow beyond the HTTP walk: sequential 会签, 内部 visibility, traced
revisions, attachments and the PDF task."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.accounts.models import User
from portal.accounts.roles import role_group
from portal.city.models import Department
from portal.oa import services as s
from portal.oa.attachments import document_attachment_add
from portal.oa.models import Classification, OfficialDocument, Status
from portal.oa.selectors import document_list
from tests.oa.conftest import DRAFTER, REGISTRAR, REVIEWER, SIGNER

pytestmark = pytest.mark.django_db


def _plan(*codes):
    departments = {d.code: d for d in Department.objects.filter(code__in=codes)}
    return [departments[c] for c in codes]


def test_sequential_countersign_goes_in_the_drafters_order(user, draft_data, walk):
    data = draft_data(countersign=_plan("YLS", "HWS"), countersign_sequential=True)
    document = walk(s.document_create(actor=user(DRAFTER), data=data), Status.REVIEW)
    document = s.document_review(document=document, actor=user(REVIEWER), approved=True)
    assert document.status == Status.COUNTERSIGN
    with pytest.raises(s.TransitionConflict):  # not HWS's turn yet
        s.document_countersign(document=document, actor=user("lingdao_hws"), agreed=True)
    s.document_countersign(document=document, actor=user("lingdao_yls"), agreed=True)
    document = s.document_countersign(document=document, actor=user("lingdao_hws"), agreed=True)
    assert document.status == Status.SIGN
    assert user(SIGNER).has_perm("oa.view_officialdocument", document)


def test_internal_document_only_to_named_people(user, draft_data, walk, client):
    reviewer = user(REVIEWER)
    data = draft_data(classification=Classification.INTERNAL, readers=[reviewer])
    document = walk(s.document_create(actor=user(DRAFTER), data=data), Status.REVIEW)
    # A second office reviewer holds the same role and the same grant, but is not named.
    other = User.objects.create(username="hegao99", is_staff=True)
    other.groups.add(role_group("oa_reviewer"))
    assert s.document_may_view(user=reviewer, document=document)
    assert not s.document_may_view(user=other, document=document)
    assert document not in document_list(user=other)
    assert document in document_list(user=reviewer)
    client.force_login(other)
    assert client.get(reverse("oa:document_detail", args=[document.pk])).status_code == 403
    with pytest.raises(PermissionDenied):
        s.document_review(document=document, actor=other, approved=True)
    # The named signer was added to the readers; the registrar was not named: the flow
    # stops at them with a 403 until the drafter names one.
    document = s.document_review(document=document, actor=reviewer, approved=True)
    document = s.document_sign(document=document, actor=user(SIGNER), approved=True)
    with pytest.raises(PermissionDenied):
        s.document_recheck(document=document, actor=user(REGISTRAR), passed=True)
    # Outsiders never see it.
    client.force_login(user("lingdao_hws"))
    assert client.get(reverse("oa:document_detail", args=[document.pk])).status_code == 403


def test_reviewer_revision_is_traced(user, draft_data, walk):
    document = walk(s.document_create(actor=user(DRAFTER), data=draft_data()), Status.REVIEW)
    s.document_revise(
        document=document, actor=user(REVIEWER), body="修改后的正文。", reason="文字规范"
    )
    revisions = list(document.revisions.values_list("seq", "reason", "author__username"))
    assert revisions == [(1, "起草", DRAFTER), (2, "文字规范", REVIEWER)]
    with pytest.raises(ValidationError):
        s.document_revise(document=document, actor=user(REVIEWER), body="再改", reason="")
    with pytest.raises(PermissionDenied):
        s.document_revise(document=document, actor=user(DRAFTER), body="x", reason="y")


def test_sendback_needs_a_comment_and_returns_to_drafter(user, draft_data, walk):
    document = walk(s.document_create(actor=user(DRAFTER), data=draft_data()), Status.REVIEW)
    with pytest.raises(ValidationError):
        s.document_review(document=document, actor=user(REVIEWER), approved=False)
    document = s.document_review(
        document=document, actor=user(REVIEWER), approved=False, comment="文种不当"
    )
    assert document.status == Status.DRAFT
    assert list(document.events.values_list("action", flat=True)) == [
        "create",
        "submit",
        "review_return",
    ]


def test_numbers_follow_each_other_per_organ_and_year(user, draft_data, walk):
    first = walk(s.document_create(actor=user(DRAFTER), data=draft_data()), Status.DISPATCH)
    second = walk(s.document_create(actor=user(DRAFTER), data=draft_data()), Status.DISPATCH)
    assert second.number_serial == first.number_serial + 1
    assert second.number == f"建城管〔{second.number_year}〕{second.number_serial}号"


def _file(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_attachments_checked_by_content(user, draft_data):
    drafter = user(DRAFTER)
    document = s.document_create(actor=drafter, data=draft_data())
    ok = document_attachment_add(
        document=document,
        actor=drafter,
        upload=_file("plan.txt", "整治方案\n一、时间安排".encode()),
        name="整治方案",
    )
    assert ok.content_type == "text/plain" and len(ok.sha256) == 64
    pdf = document_attachment_add(
        document=document, actor=drafter, upload=_file("a.pdf", b"%PDF-1.4\n1 0 obj\n%%EOF\n")
    )
    assert pdf.content_type == "application/pdf"
    refusals = {
        "marked.txt": ("机密★1年\n内容".encode(), "不是涉密信息系统"),
        "page.pdf": (b"<html><script>alert(1)</script></html>", "网页或脚本"),
        "js.pdf": (b"%PDF-1.4\n/JavaScript (x)\n%%EOF", "脚本或可执行内容"),
        "bin.doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "不是可接受的附件"),
    }
    for name, (content, message) in refusals.items():
        with pytest.raises(ValidationError) as exc:
            document_attachment_add(document=document, actor=drafter, upload=_file(name, content))
        assert message in " ".join(exc.value.messages), name
    with pytest.raises(ValidationError) as exc:
        document_attachment_add(
            document=document,
            actor=drafter,
            upload=_file("ok.txt", "普通文本".encode()),
            declared_secret=True,
        )
    assert "不是涉密信息系统" in exc.value.messages[0]
    with pytest.raises(PermissionDenied):
        document_attachment_add(
            document=document, actor=user(REVIEWER), upload=_file("x.txt", b"text")
        )
    assert document.attachments.count() == 2


def test_attachment_download_is_permission_checked(user, draft_data, client):
    drafter = user(DRAFTER)
    document = s.document_create(actor=drafter, data=draft_data())
    attachment = document_attachment_add(
        document=document, actor=drafter, upload=_file("plan.txt", "方案".encode())
    )
    url = reverse("oa:attachment_download", args=[document.pk, attachment.pk])
    client.force_login(user(REVIEWER))
    assert client.get(url).status_code == 403
    client.force_login(drafter)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == "方案".encode()


def test_secret_upload_over_http_explains(user, draft_data, client):
    drafter = user(DRAFTER)
    document = s.document_create(actor=drafter, data=draft_data())
    client.force_login(drafter)
    response = client.post(
        reverse("oa:attachment_upload", args=[document.pk]),
        {"file": _file("a.txt", "正文".encode()), "secret": "on"},
    )
    assert response.status_code == 400
    assert "不是涉密信息系统" in response.content.decode()
    assert not document.attachments.exists()


def test_pdf_page_waits_for_a_number(user, draft_data, walk, client):
    document = walk(s.document_create(actor=user(DRAFTER), data=draft_data()), Status.RECHECK)
    client.force_login(user(DRAFTER))
    assert client.get(reverse("oa:document_pdf", args=[document.pk])).status_code == 409
    document = walk(document, Status.DISPATCH)
    response = client.get(reverse("oa:document_pdf", args=[document.pk]))
    assert response.status_code == 200  # the immediate task backend rendered it in the view
    assert OfficialDocument.objects.get(pk=document.pk).pdf_version == document.version


def test_upward_document_pdf_names_its_signer(user, draft_data, walk, tmp_path):
    import subprocess

    from portal.oa.models import Direction, DocType
    from portal.oa.pdf import document_pdf_render

    principal = user("zhuyao01")
    data = draft_data(
        doc_type=DocType.REQUEST,
        direction=Direction.UP,
        title="关于增设江心洲环卫作业点的请示",
        body="拟在江心洲增设环卫作业点一处。妥否，请批示。",
        recipients=list(Department.objects.filter(code="ZHZX")),
        signer=principal,
        note="联系人：王伟，电话：025-86556080",
    )
    document = walk(s.document_create(actor=user(DRAFTER), data=data), Status.DISPATCH)
    pdf = tmp_path / "request.pdf"
    pdf.write_bytes(document_pdf_render(document))
    text = subprocess.run(  # noqa: S603  (a fixed poppler tool on our own file)
        ["/usr/bin/pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode()
    flat = "".join(text.split())
    assert f"签发人：{principal}" in flat
    assert document.number in flat and "妥否，请批示" in flat
    assert "（联系人：王伟，电话：025-86556080）" in flat
