"""Fixtures of the archive tests: a case walked to 结案 with before/after photos, filed."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from portal.city.models import Department
from portal.workflow import services as s
from portal.workflow.attachments import attachment_add, attachment_publish_make


def jpeg(color=(200, 40, 40)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, "JPEG")
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def close(user):
    """Walk a case through the loop to 结案 (department HWS unless given), with a photo
    before and after handling and their public copies."""

    def _close(case, department: str = "HWS"):
        attachment = attachment_add(
            case=case, upload=jpeg(), kind="before", actor=case.grid.supervisor
        )
        attachment_publish_make(attachment_id=attachment.pk)
        case = s.case_accept(case=case, actor=user("shouli01"))
        case = s.case_file(case=case, actor=user("zhiban01"))
        dept = Department.objects.get(code=department)
        case = s.case_dispatch(case=case, actor=user("paiqian01"), department=dept)
        handler = dept.staff.filter(groups__name="部门处置员").first()
        case = s.case_handle(case=case, actor=handler, result="已清运完毕，现场恢复整洁")
        after = attachment_add(case=case, upload=jpeg((40, 200, 40)), kind="after", actor=handler)
        attachment_publish_make(attachment_id=after.pk)
        supervisor = case.grid.supervisor or case.module.supervisor
        case = s.case_check(case=case, actor=supervisor, passed=True)
        return s.case_close(case=case, actor=user("zhiban01"))

    return _close


@pytest.fixture
def filed(close, new_case, django_capture_on_commit_callbacks):
    """Close a case and run what its commit triggers (filing, PDF, 四性检测)."""

    def _filed(department: str = "HWS", **kwargs):
        case = new_case(**kwargs)
        with django_capture_on_commit_callbacks(execute=True):
            case = close(case, department=department)
        case.refresh_from_db()
        return case.archival_item

    return _filed
