"""Photos and videos of a case: content checked (not the file name), size limited,
fingerprinted; the original kept private, a stripped public copy made in the background."""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from portal.accounts.models import User
from portal.workflow.models import Case, CaseAttachment, CaseEvent

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


@dataclass(frozen=True)
class CheckedUpload:
    """An upload whose content has been checked, with the type decided from its bytes."""

    upload: UploadedFile
    content_type: str


def image_validate(upload: UploadedFile) -> str:
    """Return the content type decided from the bytes; raise ValidationError otherwise."""
    if upload.size > MAX_BYTES:
        raise ValidationError(_("照片不能超过 10 MB。"))
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            if image.format not in FORMATS:
                raise ValidationError(_("只接受 JPEG、PNG 或 WebP 格式的照片。"))
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(_("照片像素过大。"))
            image.verify()
            return FORMATS[image.format]
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValidationError(_("无法识别的图片文件。")) from exc
    finally:
        upload.seek(0)


def uploads_validate(uploads: Sequence[UploadedFile]) -> list[CheckedUpload]:
    """Check every upload of one submission before anything is stored."""
    return [CheckedUpload(upload=u, content_type=image_validate(u)) for u in uploads]


def attachment_store(
    *,
    case: Case,
    upload: CheckedUpload,
    kind: str,
    actor: User | None,
    event: CaseEvent | None = None,
) -> CaseAttachment:
    """Store a checked upload of the case with its SHA-256."""
    digest = hashlib.sha256()
    for chunk in upload.upload.chunks():
        digest.update(chunk)
    upload.upload.seek(0)
    return CaseAttachment.objects.create(
        case=case,
        event=event,
        kind=kind,
        file=upload.upload,
        content_type=upload.content_type,
        size=upload.upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
        uploaded_at=timezone.now(),
    )


def attachment_add(
    *,
    case: Case,
    upload: UploadedFile,
    kind: str,
    actor: User | None,
    event: CaseEvent | None = None,
) -> CaseAttachment:
    """Validate and store one photo of the case."""
    (checked,) = uploads_validate([upload])
    return attachment_store(case=case, upload=checked, kind=kind, actor=actor, event=event)
