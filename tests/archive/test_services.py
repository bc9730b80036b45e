"""Filing a closed case: 档号, files, PDF, manifest, 四性检测, immutability, corrections,
retention rules and the fixity re-check."""

import re
import subprocess

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile

from portal.accounts.models import Notification
from portal.archive import checks
from portal.archive import services as a
from portal.archive.models import (
    ArchivalItem,
    FixityAlarm,
    ImmutableRecord,
    ItemFile,
    ItemState,
    ItemVersion,
    Retention,
    RetentionRule,
)
from portal.archive.sources import case_source
from portal.city.models import Category
from portal.workflow import services as s

pytestmark = pytest.mark.django_db

CODE = re.compile(r"^J105-CG·2026-D30-ZHZX-(\d{4})$")


def test_closing_a_case_files_an_item_with_code_files_pdf_manifest_and_report(filed):
    item = filed()
    assert CODE.match(item.reference_code), item.reference_code
    assert item.item_number == int(CODE.match(item.reference_code)[1])
    assert item.state == ItemState.FILED, item.check_report
    assert item.retention == Retention.D30 and item.year == 2026
    assert item.document_number == item.case.number
    roles = sorted(item.files.values_list("role", "kind"))
    assert roles == [
        ("attachment", "after"),
        ("attachment", "before"),
        ("case_file", ""),
        ("public_copy", "after"),
        ("public_copy", "before"),
    ]
    for f in item.files.all():
        assert f.sha256 == checks.file_sha256(f)
    # The originals are byte-identical copies of the case's files.
    originals = {f.source_ref: f.sha256 for f in item.files.filter(role="attachment")}
    for attachment in item.case.attachments.all():
        assert originals[f"attachment:{attachment.pk}:original"] == attachment.sha256
    assert [f["sha256"] for f in item.manifest["files"]] == list(
        item.files.order_by("id").values_list("sha256", flat=True)
    )
    assert checks.manifest_verify(item)
    for section in ("authenticity", "integrity", "usability", "security"):
        assert item.check_report[section]["passed"], item.check_report[section]
    actions = [e["action"] for e in item.history["events"]]
    assert actions[0] == "report" and actions[-1] == "close"
    assert item.versions.get().reason == "归档"


def _run(*args: str) -> str:
    """Run a poppler tool on our own file (fixed tool names from Debian's poppler-utils)."""
    return subprocess.run(args, capture_output=True, check=True).stdout.decode()  # noqa: S603


def test_pdf_has_code_and_chinese_case_text_and_is_pdfa(filed):
    item = filed(description="江东中路12号门前有一堆生活垃圾无人清理")
    pdf = item.case_file
    assert pdf.content_type == "application/pdf"
    text = _run("/usr/bin/pdftotext", "-enc", "UTF-8", pdf.file.path, "-")
    flat = re.sub(r"\s+", "", text)
    assert item.reference_code in flat
    assert "江东中路12号门前有一堆生活垃圾无人清理" in flat
    assert "已清运完毕" in flat and "结案" in flat
    fonts = _run("/usr/bin/pdffonts", pdf.file.path)
    assert "CJK" in fonts and all(
        line.split()[-5] == "yes" for line in fonts.splitlines()[2:] if line.strip()
    )
    with pdf.file.open("rb") as handle:
        assert handle.read(8) == b"%PDF-1.7"
    xmp = _run("/usr/bin/pdfinfo", "-meta", pdf.file.path)
    assert re.search(r"pdfaid:part(>|=\")3", xmp), xmp


def test_numbers_are_gap_free_per_class_and_restart_per_class(filed):
    first, second = filed(), filed()
    assert second.item_number == first.item_number + 1
    RetentionRule.objects.create(category=Category.objects.get(name="上水井盖"), retention="Y")
    permanent = filed(category="上水井盖", description="江东中路3号门前井盖破损")
    assert permanent.reference_code == "J105-CG·2026-Y-ZHZX-0001"
    assert permanent.retention == Retention.PERMANENT


def test_emergency_category_without_rule_is_permanent(new_case, close):
    category = Category.objects.get(name="暴露垃圾")
    category.is_emergency = True
    category.save()
    case = close(new_case())
    assert case_source(case).retention == Retention.PERMANENT


def test_filing_an_open_case_is_refused(new_case):
    with pytest.raises(ValidationError):
        case_source(new_case())


def test_item_cannot_be_edited_or_deleted_in_place(filed):
    item = filed()
    item.title = "改过的题名"
    with pytest.raises(ImmutableRecord):
        item.save()
    with pytest.raises(ImmutableRecord):
        item.delete()
    f = item.files.first()
    f.name = "other.jpg"
    with pytest.raises(ImmutableRecord):
        f.save()
    with pytest.raises(ImmutableRecord):
        item.versions.first().delete()
    assert ArchivalItem.objects.get(pk=item.pk).title != "改过的题名"


def test_correction_is_a_new_version_with_reason(filed, user, django_capture_on_commit_callbacks):
    item = filed()
    code, old_title = item.reference_code, item.title
    with pytest.raises(PermissionDenied):
        a.item_correct(item=item, actor=user("zhiban01"), changes={"title": "x"}, reason="r")
    archivist = user("dangan01")
    with pytest.raises(ValidationError):
        a.item_correct(item=item, actor=archivist, changes={"title": "x"}, reason=" ")
    with pytest.raises(ValidationError):
        a.item_correct(item=item, actor=archivist, changes={"reference_code": "x"}, reason="r")
    with django_capture_on_commit_callbacks(execute=True):
        a.item_correct(
            item=item, actor=archivist, changes={"title": "更正后的题名"}, reason="题名有误"
        )
    item.refresh_from_db()
    assert (item.title, item.version, item.reference_code) == ("更正后的题名", 2, code)
    v2 = item.versions.get(number=2)
    assert v2.reason == "题名有误" and v2.changes == {"title": [old_title, "更正后的题名"]}
    assert item.versions.get(number=1).snapshot["title"] == old_title
    assert item.files.filter(role="case_file").count() == 2
    assert item.state == ItemState.FILED
    assert item.manifest["version"] == 2 and checks.manifest_verify(item)


def test_rating_after_closing_adds_a_version_and_unchanged_refiling_does_nothing(
    filed, django_capture_on_commit_callbacks
):
    item = filed()
    with django_capture_on_commit_callbacks(execute=True):
        s.case_rate(case=item.case, satisfaction="satisfied")
    item.refresh_from_db()
    assert item.version == 2
    assert item.metadata["evaluation"]["satisfaction"] == "satisfied"
    assert a.record_archive(source=case_source(item.case)).version == 2
    assert ItemVersion.objects.filter(item=item).count() == 2


def test_tampered_attachment_is_flagged_by_the_fixity_check(filed, user):
    item = filed()
    assert a.item_fixity_check(item=item) == []
    original = item.files.filter(role="attachment").first()
    path = original.file.path
    with open(path, "r+b") as handle:
        handle.seek(original.size // 2)
        byte = handle.read(1)
        handle.seek(original.size // 2)
        handle.write(bytes([byte[0] ^ 0x01]))
    problems = a.item_fixity_check(item=item)
    assert problems == [f"摘要值不符：{original.name}"]
    alarm = FixityAlarm.objects.get(item=item)
    assert alarm.file == original and alarm.expected == original.sha256
    assert alarm.found == checks.file_sha256(original)
    item.refresh_from_db()
    assert item.fixity_ok is False
    assert Notification.objects.filter(
        recipient=user("dangan01"), title__contains=item.reference_code
    ).exists()
    # A second sweep does not raise the same alarm twice.
    assert a.fixity_sweep() == 1
    assert FixityAlarm.objects.filter(item=item).count() == 1


def test_eicar_and_disguised_content_fail_security(filed):
    item = filed()
    eicar = ItemFile(
        item=item,
        role="attachment",
        kind="before",
        name="eicar.jpg",
        content_type="image/jpeg",
        size=68,
        sha256="",
        added_at=item.filed_at,
    )
    body = b"\xff\xd8\xff" + checks.SignatureScanner.SIGNATURES["EICAR-Test-File"]
    eicar.file.save("eicar.jpg", ContentFile(body), save=False)
    eicar.sha256 = checks.file_sha256(eicar)
    eicar.save()
    text = ItemFile(
        item=item,
        role="attachment",
        kind="after",
        name="fake.jpg",
        content_type="image/jpeg",
        size=5,
        sha256="",
        added_at=item.filed_at,
    )
    text.file.save("fake.jpg", ContentFile(b"hello"), save=False)
    text.sha256 = checks.file_sha256(text)
    text.save()
    report = checks.four_properties_check(item, expected_files=4)
    rows = {r["check"]: r for r in report["security"]["rows"]}
    assert rows["病毒扫描：eicar.jpg"] == {
        "check": "病毒扫描：eicar.jpg",
        "passed": False,
        "detail": "EICAR-Test-File",
    }
    assert not rows["内容类型与声明一致：fake.jpg"]["passed"]
    assert not report["security"]["passed"] and not report["passed"]
    assert not report["integrity"]["passed"]  # 6 files where the source declared 4


def test_gap_in_numbers_fails_integrity(filed):
    first = filed()
    second = filed()
    ArchivalItem.objects.filter(pk=first.pk).update(item_number=99)  # a record gone missing
    report = checks.four_properties_check(second, expected_files=4)
    rows = {r["check"]: r for r in report["integrity"]["rows"]}
    assert not rows["件号连续无断号"]["passed"]
