"""The OA hand-off: an issued document (公文) is filed as a 文书 item (门类 WS) with its PDF,
附件 and 发文 trail, once, and seen only by archivists and the issuing organ's people."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.archive.checks import REFERENCE_RE
from portal.archive.models import ArchivalItem, ItemFile, ItemState
from portal.archive.selectors import item_visible
from portal.archive.sources import DOCUMENT_SOURCE, document_retention
from portal.archive.tasks import archive_document_file_task, archive_sweep
from portal.oa import services as s
from portal.oa.attachments import document_attachment_add
from portal.oa.models import Classification, DocType, OfficialDocument, Status
from portal.oa.signals import document_issued
from tests.oa import conftest as oa_fixtures
from tests.oa.conftest import DRAFTER, REGISTRAR, REVIEWER

pytestmark = pytest.mark.django_db

# The OA's fixtures (a draft, a walk through the flow), shared rather than copied.
organ = oa_fixtures.organ
draft_data = oa_fixtures.draft_data
walk = oa_fixtures.walk


def _item(document: OfficialDocument) -> ArchivalItem | None:
    return ArchivalItem.objects.filter(
        source_type=DOCUMENT_SOURCE, source_id=str(document.pk)
    ).first()


@pytest.fixture
def issue(user, draft_data, walk, django_capture_on_commit_callbacks):
    """Draft, walk and issue a document, running what 核发's commit triggers."""

    def _issue(attachment: bytes | None = None, **overrides) -> OfficialDocument:
        drafter = user(DRAFTER)
        document = s.document_create(actor=drafter, data=draft_data(**overrides))
        if attachment is not None:
            document_attachment_add(
                document=document,
                actor=drafter,
                upload=SimpleUploadedFile("plan.txt", attachment, content_type="text/plain"),
                name="整治方案",
            )
        document = walk(document, Status.DISPATCH)
        with django_capture_on_commit_callbacks(execute=True):
            document = s.document_dispatch(document=document, actor=user(REGISTRAR))
        document.refresh_from_db()
        return document

    return _issue


def test_issued_document_becomes_a_filed_ws_item(issue):
    document = issue(attachment="整治方案\n一、时间安排".encode())
    item = _item(document)
    assert item is not None
    year = document.written_on.year
    assert item.reference_code == f"J105-WS·{year}-D30-JCGJ-0001"
    assert REFERENCE_RE.match(item.reference_code)
    assert (item.record_class, item.retention, item.organisation) == ("WS", "D30", "JCGJ")
    assert item.title == document.title
    assert item.responsible == "南京市建邺区城市管理局"
    assert item.document_number == document.number and document.number.startswith("建城管〔")
    assert item.document_date == document.written_on
    assert item.classification == ""
    assert item.state == ItemState.FILED, item.check_report
    # The 公文 PDF, the 附件 (with the OA's SHA-256) and the archive's own PDF.
    files = {f.kind or f.role: f for f in item.files.all()}
    assert set(files) == {"document", "annex", ItemFile.Role.CASE_FILE}
    for f in files.values():
        with f.file.open("rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == f.sha256
    with files["document"].file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert files["annex"].sha256 == document.attachments.get().sha256
    actions = [e["action"] for e in item.history["events"]]
    assert actions[0] == "create" and actions[-1] == "dispatch"
    assert item.metadata["doc_type_label"] == "通知"


def test_duplicate_signals_and_tasks_file_once(issue, django_capture_on_commit_callbacks):
    document = issue()
    item = _item(document)
    with django_capture_on_commit_callbacks(execute=True):
        document_issued.send(sender=OfficialDocument, document_id=document.pk)
        archive_document_file_task.call(document.pk)
        archive_sweep.call()
    assert ArchivalItem.objects.filter(source_type=DOCUMENT_SOURCE).count() == 1
    item.refresh_from_db()
    assert item.version == 1 and item.versions.count() == 1


def test_filing_renders_the_pdf_when_the_oa_task_has_not_run(user, draft_data, walk):
    document = walk(s.document_create(actor=user(DRAFTER), data=draft_data()), Status.DISPATCH)
    document = s.document_dispatch(document=document, actor=user(REGISTRAR))  # no on_commit
    assert not document.pdf
    archive_document_file_task.call(document.pk)
    item = _item(document)
    assert item.files.filter(kind="document", content_type="application/pdf").exists()


def test_draft_is_not_filed(user, draft_data):
    document = s.document_create(actor=user(DRAFTER), data=draft_data())
    assert archive_document_file_task.call(document.pk) is None
    assert _item(document) is None


def test_item_visible_to_archivists_and_the_organs_people_only(issue, user):
    item = _item(issue())
    assert item in item_visible(user=user("dangan01"))  # archivist
    assert item in item_visible(user=user("zhiban01"))  # the bureau's office (ZHZX)
    assert item not in item_visible(user=user("lingdao_hws"))  # another organ
    assert item not in item_visible(user=user("chuzhi_hws"))


def test_internal_document_only_to_named_people(issue, user):
    readers = [user(REVIEWER), user(REGISTRAR)]
    document = issue(classification=Classification.INTERNAL, readers=readers)
    item = _item(document)
    assert item.classification == "internal"
    assert item in item_visible(user=user(REGISTRAR))  # named
    assert item in item_visible(user=user("dangan01"))  # archivist (restricted too)
    assert item not in item_visible(user=user("zhiban01"))  # same organ, not named


@pytest.mark.parametrize(
    ("doc_type", "important", "retention"),
    [
        (DocType.REQUEST, False, "Y"),
        (DocType.DECISION, False, "Y"),
        (DocType.NOTICE, False, "D30"),
        (DocType.REPORT, False, "D30"),
        (DocType.LETTER, False, "D10"),
        (DocType.LETTER, True, "Y"),
    ],
)
def test_retention_by_doc_type(doc_type, important, retention):
    assert document_retention(OfficialDocument(doc_type=doc_type, important=important)) == retention
