"""附件 of a 公文: the type decided from the bytes, never from the name or the client's
Content-Type; kept in private storage under a name of our own; served only through a
view that checks the reader.

Accepted: PDF (a `%PDF-` header and an `%%EOF` trailer, no JavaScript, launch or embedded
files actions), JPEG/PNG/WebP (checked as the case loop checks photos) and UTF-8 plain
text. A file that says it is 秘密/机密/绝密 (the GB/T 9704 marks, e.g. `机密★`) is refused
with an explanation: this system is not accredited for state secrets.
"""

import hashlib
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.oa.incoming import RECEIVE, incoming_may_view
from portal.oa.models import (
    STATE_SECRET,
    DocumentAttachment,
    IncomingAttachment,
    IncomingDocument,
    IncomingStatus,
    OfficialDocument,
    Status,
)
from portal.oa.rules import state_secret_message
from portal.oa.services import TransitionConflict, document_may_view
from portal.workflow.attachments import MARKUP, file_label, image_validate

MAX_BYTES = 20 * 1024 * 1024
MAX_ATTACHMENTS = 10
PDF_ACTIONS = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/RichMedia")
SECRET_MARKS = tuple(
    f"{level}{star}".encode() for level in ("绝密", "机密", "秘密") for star in ("★", "☆", "*")
)
EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "text/plain": ".txt",
}


def _read(upload: UploadedFile) -> bytes:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


def _refuse(message: str, upload: UploadedFile) -> ValidationError:
    return ValidationError({"file": [message % {"name": file_label(upload.name)}]})


def attachment_validate(upload: UploadedFile, *, declared_secret: bool = False) -> str:
    """The content type of an acceptable attachment, decided from its bytes; a
    ValidationError naming the file otherwise."""
    if declared_secret:
        raise ValidationError({"file": [state_secret_message()]})
    if not upload.size:
        raise _refuse(_("“%(name)s”是空文件。"), upload)
    if upload.size > MAX_BYTES:
        raise _refuse(_("“%(name)s”超过 20 MB：附件不能超过 20 MB。"), upload)
    data = _read(upload)
    if any(mark in data for mark in SECRET_MARKS):
        raise ValidationError(
            {
                "file": [
                    _("“%(name)s”带有密级标志。") % {"name": file_label(upload.name)}
                    + state_secret_message()
                ]
            }
        )
    lowered = data.lower()
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-1024:]:
            raise _refuse(_("“%(name)s”不是完整的 PDF 文件。"), upload)
        if any(action in data for action in PDF_ACTIONS):
            raise _refuse(_("“%(name)s”含有脚本或可执行内容，不能作为附件上传。"), upload)
        return "application/pdf"
    if any(marker in lowered for marker in MARKUP):
        raise _refuse(_("“%(name)s”含有网页或脚本代码，不能作为附件上传。"), upload)
    if data[:3] == b"\xff\xd8\xff" or data[:8] == b"\x89PNG\r\n\x1a\n" or data[8:12] == b"WEBP":
        try:
            return image_validate(upload)
        except ValidationError as exc:
            raise ValidationError({"file": exc.messages}) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _refuse(
            _("“%(name)s”不是可接受的附件：只接受 PDF、JPEG、PNG、WebP 或 UTF-8 文本。"), upload
        ) from exc
    if "\x00" in text:
        raise _refuse(_("“%(name)s”不是文本文件。"), upload)
    return "text/plain"


@transaction.atomic
def document_attachment_add(
    *,
    document: OfficialDocument | int,
    actor: User,
    upload: UploadedFile,
    name: str = "",
    declared_secret: bool = False,
) -> DocumentAttachment:
    """The drafter adds an attachment to the draft (附件), checked by content."""
    pk = document.pk if isinstance(document, OfficialDocument) else document
    document = OfficialDocument.objects.select_for_update(of=("self",)).get(pk=pk)
    if not document_may_view(user=actor, document=document) or actor.pk != document.drafter_id:
        raise PermissionDenied(_("您没有执行此操作的权限。"))
    if document.status != Status.DRAFT:
        raise TransitionConflict(document, "attach")
    if document.classification in STATE_SECRET:
        raise ValidationError({"file": [state_secret_message()]})
    if document.attachments.count() >= MAX_ATTACHMENTS:
        raise ValidationError({"file": [_("每件公文最多 %(n)d 个附件。") % {"n": MAX_ATTACHMENTS}]})
    return _store(DocumentAttachment, document, actor, upload, name, declared_secret)


def _store(model, document, actor: User, upload: UploadedFile, name: str, declared_secret: bool):
    content_type = attachment_validate(upload, declared_secret=declared_secret)
    data = _read(upload)
    attachment = model(
        document=document,
        name=(name.strip() or file_label(upload.name))[:120],
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor,
        uploaded_at=timezone.now(),
    )
    attachment.file.save(uuid.uuid4().hex + EXTENSIONS[content_type], upload, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def incoming_attachment_add(
    *,
    document: IncomingDocument | int,
    actor: User,
    upload: UploadedFile,
    name: str = "",
    declared_secret: bool = False,
) -> IncomingAttachment:
    """The registrar attaches the 来文's scan or electronic copy while registering it."""
    pk = document.pk if isinstance(document, IncomingDocument) else document
    document = IncomingDocument.objects.select_for_update(of=("self",)).get(pk=pk)
    if not incoming_may_view(user=actor, document=document) or not actor.has_perm(RECEIVE):
        raise PermissionDenied(_("您没有执行此操作的权限。"))
    if document.status not in (IncomingStatus.REGISTER, IncomingStatus.SCREEN):
        raise TransitionConflict(document, "attach")
    if document.attachments.count() >= MAX_ATTACHMENTS:
        raise ValidationError({"file": [_("每件公文最多 %(n)d 个附件。") % {"n": MAX_ATTACHMENTS}]})
    return _store(IncomingAttachment, document, actor, upload, name, declared_secret)
