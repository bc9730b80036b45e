"""A 发文 walked over HTTP: draft, review, a three-department 会签 that one department
sends back once, the revised draft countersigned by all, 签发, 复核, 登记 with its number,
印制核发 — each actor holding only their role's permissions, the others refused."""

import re
import subprocess

import pytest
from django.urls import reverse

from portal.city.models import Department
from portal.oa.models import Countersign, DocumentCounter, IssuingOrgan, OfficialDocument, Status
from portal.oa.signals import document_issued
from tests.oa.conftest import COUNTERSIGNERS, DRAFTER, PRINCIPAL, REGISTRAR, REVIEWER, SIGNER

pytestmark = pytest.mark.django_db

TITLE = "关于开展建邺区市容环境专项整治的通知"
BODY = "为进一步提升市容环境，现决定在全区开展为期三个月的专项整治。"


def _draft_post(**overrides) -> dict:
    departments = {d.code: d.pk for d in Department.objects.all()}
    data = {
        "organ": IssuingOrgan.objects.get(code="建城管").pk,
        "doc_type": "notice",
        "direction": "down",
        "title": TITLE,
        "body": BODY,
        "classification": "none",
        "urgency": "",
        "signer": "",
        "recipients": [departments["JD001"], departments["JD002"]],
        "copies_to": [departments["ZHZX"]],
        "note": "",
        "countersign_1": departments["HWS"],
        "countersign_2": departments["SZC"],
        "countersign_3": departments["YLS"],
    }
    data.update(overrides)
    return data


def _run(*args: str) -> str:
    """Run a poppler tool on our own file (fixed tool names from Debian's poppler-utils)."""
    return subprocess.run(args, capture_output=True, check=True).stdout.decode()  # noqa: S603


def _act(client, document, action, **data):
    document.refresh_from_db()
    data.setdefault("version", document.version)
    return client.post(reverse("oa:document_action", args=[document.pk, action]), data)


def test_outgoing_document_walk(login, user, django_capture_on_commit_callbacks, tmp_path):
    signer = user(SIGNER)
    # 起草: only roles with draft_document may start one.
    assert login(REVIEWER).get(reverse("oa:document_new")).status_code == 403
    client = login(DRAFTER)
    response = client.post(reverse("oa:document_new"), _draft_post(signer=signer.pk))
    assert response.status_code == 302, response.content.decode()
    document = OfficialDocument.objects.get(title=TITLE)
    assert document.status == Status.DRAFT
    assert document.revisions.count() == 1
    # A draft is the drafter's alone: even the reviewer and the signer get 403.
    assert login(REVIEWER).get(reverse("oa:document_detail", args=[document.pk])).status_code == 403
    assert login(SIGNER).get(reverse("oa:document_detail", args=[document.pk])).status_code == 403
    assert _act(login(REVIEWER), document, "review", approved="1").status_code == 403

    assert _act(login(DRAFTER), document, "submit").status_code == 302
    # 审核: the countersigning leaders cannot act for the office.
    assert _act(login("lingdao_hws"), document, "review", approved="1").status_code == 403
    reviewer = login(REVIEWER)
    assert reviewer.get(reverse("oa:document_detail", args=[document.pk])).status_code == 200
    assert _act(reviewer, document, "review", approved="1", comment="格式规范").status_code == 302
    document.refresh_from_db()
    assert document.status == Status.COUNTERSIGN
    # A double press of the same button is refused as stale.
    assert (
        login(REVIEWER)
        .post(
            reverse("oa:document_action", args=[document.pk, "review"]),
            {"approved": "1", "version": document.version - 1},
        )
        .status_code
        == 409
    )

    # 会签 round 1: HWS agrees; a handler of HWS (no countersign permission) is refused, and
    # so is the signer; SZC sends it back with comments.
    assert _act(login("lingdao_hws"), document, "countersign", approved="1").status_code == 302
    assert _act(login("lingdao_hws"), document, "countersign", approved="1").status_code == 409
    assert _act(login("chuzhi_hws"), document, "countersign", approved="1").status_code == 403
    assert _act(login(SIGNER), document, "countersign", approved="1").status_code == 403
    assert _act(login("lingdao_cgzf"), document, "countersign", approved="1").status_code == 403
    page = login("lingdao_szc").get(reverse("oa:document_detail", args=[document.pk]))
    assert "提交会签意见" in page.content.decode()
    no_reason = _act(login("lingdao_szc"), document, "countersign", approved="0")
    assert no_reason.status_code == 400
    returned = _act(
        login("lingdao_szc"), document, "countersign", approved="0", comment="请补充道路占用时段"
    )
    assert returned.status_code == 302
    document.refresh_from_db()
    assert document.status == Status.DRAFT
    rows = {r.department.code: r.decision for r in document.countersigns.filter(round=1)}
    assert rows == {"HWS": "agreed", "SZC": "returned", "YLS": "cancelled"}
    assert "请补充道路占用时段" in document.events.last().comment
    assert _act(login("lingdao_yls"), document, "countersign", approved="1").status_code == 409

    # The drafter revises (traced) and resubmits; a new round starts.
    edit = login(DRAFTER).post(
        reverse("oa:document_edit", args=[document.pk]),
        _draft_post(
            signer=signer.pk,
            body=BODY + "\n整治期间道路占用时段为每日22时至次日6时。",
            reason="按市政工程管理处会签意见补充",
        ),
    )
    assert edit.status_code == 302, edit.content.decode()
    assert document.revisions.count() == 2
    assert document.revisions.last().reason == "按市政工程管理处会签意见补充"
    assert _act(login(DRAFTER), document, "submit").status_code == 302
    assert _act(login(REVIEWER), document, "review", approved="1").status_code == 302
    for username in COUNTERSIGNERS.values():
        assert _act(login(username), document, "countersign", approved="1").status_code == 302
    document.refresh_from_db()
    assert document.status == Status.SIGN
    assert document.countersigns.filter(round=2, decision=Countersign.Decision.AGREED).count() == 3

    # 签发: only the named leader; not the principal, not the clerk.
    assert _act(login(PRINCIPAL), document, "sign", approved="1").status_code == 403
    assert _act(login(REGISTRAR), document, "sign", approved="1").status_code == 403
    assert (
        _act(login(SIGNER), document, "sign", approved="1", comment="同意印发").status_code == 302
    )
    document.refresh_from_db()
    assert document.status == Status.RECHECK and document.written_on is not None

    # 复核, 登记 (the number), 印制核发: the clerk only.
    assert _act(login(REVIEWER), document, "recheck", approved="1").status_code == 403
    assert _act(login(REGISTRAR), document, "recheck", approved="1").status_code == 302
    assert _act(login(SIGNER), document, "register").status_code == 403
    assert _act(login(REGISTRAR), document, "register", copies="50").status_code == 302
    document.refresh_from_db()
    counter = DocumentCounter.objects.get(organ=document.organ, year=document.number_year)
    assert document.number == f"建城管〔{document.number_year}〕{counter.last}号"
    assert re.fullmatch(r"建城管〔\d{4}〕[1-9]\d*号", document.number)
    assert document.status == Status.DISPATCH

    issued = []

    def receiver(sender, document_id, **kwargs):
        issued.append(document_id)

    document_issued.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert _act(login(REGISTRAR), document, "dispatch").status_code == 302
    finally:
        document_issued.disconnect(receiver)
    document.refresh_from_db()
    assert document.status == Status.ISSUED
    assert issued == [document.pk]
    assert document.pdf_version == document.version

    # The PDF: to the people in the flow only; its text carries title, number and body.
    assert (
        login("lingdao_cgzf").get(reverse("oa:document_pdf", args=[document.pk])).status_code == 403
    )
    response = login(DRAFTER).get(reverse("oa:document_pdf", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(b"".join(response.streaming_content))
    text = _run("/usr/bin/pdftotext", "-enc", "UTF-8", str(pdf), "-")
    flat = re.sub(r"\s+", "", text)
    assert re.sub(r"\s+", "", TITLE) in flat
    assert document.number in flat
    assert "现决定在全区开展为期三个月的专项整治" in flat
    assert "南京市建邺区城市管理局文件" in flat
    fonts = _run("/usr/bin/pdffonts", str(pdf))
    assert "CJK" in fonts and "yes" in fonts  # the Chinese glyphs are embedded


def test_todo_list_shows_what_waits_for_the_user(login, user, draft_data, walk):
    from portal.oa import services as s

    document = s.document_create(actor=user(DRAFTER), data=draft_data())
    walk(document, Status.REVIEW)
    page = login(REVIEWER).get(reverse("oa:document_list")).content.decode()
    assert "待办公文（1）" in page and document.title in page
    page = login(SIGNER).get(reverse("oa:document_list")).content.decode()
    assert "待办公文（0）" in page and document.title not in page


def test_new_draft_page_shows_the_rules(login):
    response = login(DRAFTER).post(
        reverse("oa:document_new"),
        _draft_post(doc_type="report", direction="up", body="现将情况报告如下。妥否，请批示。"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "报告不得夹带请示事项" in page
    assert "上行文必须注明签发人" in page
    assert not OfficialDocument.objects.filter(title=TITLE).exists()
