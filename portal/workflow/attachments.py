"""Photos and videos of a case: the type decided from the bytes (never the file name or the
client's Content-Type), size and pixels limited, fingerprinted; the original kept private,
a stripped public copy made in the background.

A photo is a JPEG, PNG or WebP that Pillow opens, whose dimensions (read from the header,
before anything is decoded) stay under MAX_PIXELS and that decodes to the end. A video is
an ISO-BMFF file (MP4, QuickTime) whose first box is `ftyp` with a known major brand and
whose top-level boxes tile the file exactly, or a WebM whose EBML header names DocType
`webm`. Anything that carries HTML, SVG or script markup anywhere is refused: such a
polyglot might be sniffed into a page by a browser.
"""

import hashlib
import io
import math
import struct
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from portal.accounts.models import User
from portal.workflow.models import Case, CaseAttachment, CaseEvent

MB = 1024 * 1024
MAX_BYTES = 10 * MB  # a photo
MAX_VIDEO_BYTES = 30 * MB
MAX_PIXELS = 40_000_000
MAX_PHOTOS = 5
MAX_VIDEOS = 1
PUBLIC_SIDE = 1600  # longest side of the public copy, in pixels
PUBLIC_QUALITY = 85

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# Major brands of the MP4 and QuickTime files phones and cameras record.
MP4_BRANDS = {
    **dict.fromkeys(
        (b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1"),
        "video/mp4",
    ),
    **dict.fromkeys((b"M4V ", b"M4VP", b"MSNV", b"mmp4", b"dash"), "video/mp4"),
    b"qt  ": "video/quicktime",
}
EBML_MAGIC = b"\x1a\x45\xdf\xa3"
MATROSKA_SEGMENT = b"\x18\x53\x80\x67"
EBML_DOCTYPE = 0x4282
EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "video/webm": ".webm",
}
# Markup a browser could render or run if it ever sniffed the file as a page. No camera
# writes these; the chance of one in compressed data by accident is about 2**-50 a byte.
MARKUP = (
    b"<script",
    b"<html",
    b"<!doctype",
    b"<svg",
    b"<iframe",
    b"<object",
    b"<embed",
    b"<body",
    b"<?php",
)
MAX_BOXES = 1000  # top-level ISO-BMFF boxes; a real video has a handful
ERROR_KEY = "photos"  # the form field of the citizen's report; other forms put it on top


@dataclass(frozen=True)
class CheckedUpload:
    """An upload whose content has been checked, with the type decided from its bytes."""

    upload: UploadedFile
    content_type: str

    @property
    def is_video(self) -> bool:
        return self.content_type.startswith("video/")


def file_label(name: str | None) -> str:
    """A client's file name fit for a message (shortened; the template escapes it)."""
    name = name or _("（未命名文件）")
    return name if len(name) <= 60 else name[:57] + "…"


def _refuse(message: str, upload: UploadedFile) -> ValidationError:
    return ValidationError(message % {"name": file_label(upload.name)})


def _chunks(upload: UploadedFile) -> Iterator[bytes]:
    upload.seek(0)
    yield from upload.chunks()
    upload.seek(0)


def _head(upload: UploadedFile, size: int = 4096) -> bytes:
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return head


def _carries_markup(upload: UploadedFile) -> bool:
    overlap = max(len(marker) for marker in MARKUP) - 1
    tail = b""
    for chunk in _chunks(upload):
        window = (tail + chunk).lower()
        if any(marker in window for marker in MARKUP):
            return True
        tail = window[-overlap:]
    return False


def _looks_like_video(head: bytes) -> bool:
    return head[4:8] == b"ftyp" or head[:4] == EBML_MAGIC


def image_validate(upload: UploadedFile) -> str:
    """Check a photo and return its content type, decided from the bytes; raise a
    ValidationError naming the file otherwise. Nothing is decoded before the dimensions in
    the header are known to be within MAX_PIXELS."""
    if not upload.size:
        raise _refuse(_("“%(name)s”是空文件。"), upload)
    if upload.size > MAX_BYTES:
        raise _refuse(_("“%(name)s”超过 10 MB：照片不能超过 10 MB。"), upload)
    if _carries_markup(upload):
        raise _refuse(_("“%(name)s”含有网页或脚本代码，不能作为照片上传。"), upload)
    not_a_photo = _("“%(name)s”不是可接受的照片：只接受 JPEG、PNG 或 WebP 格式。")
    too_large = _("“%(name)s”像素过大：照片不能超过 4000 万像素。")
    try:
        upload.seek(0)
        with Image.open(upload, formats=list(FORMATS)) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise _refuse(too_large, upload)
            content_type = FORMATS[image.format]
            image.verify()  # PNG: every chunk's CRC, up to IEND
        upload.seek(0)
        with Image.open(upload, formats=list(FORMATS)) as image:
            # Decode to the end, so a truncated file is caught; a JPEG at 1/8 scale is
            # enough for that (every coefficient is still read) and costs little.
            image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            image.load()
    except Image.DecompressionBombError as exc:
        raise _refuse(too_large, upload) from exc
    except UnidentifiedImageError as exc:
        head = _head(upload, 16)
        if _looks_like_video(head):
            raise _refuse(_("“%(name)s”是视频，这里只能上传照片。"), upload) from exc
        raise _refuse(not_a_photo, upload) from exc
    except (OSError, SyntaxError, ValueError, struct.error, EOFError) as exc:
        raise _refuse(_("“%(name)s”已损坏或不完整，无法读取。"), upload) from exc
    finally:
        upload.seek(0)
    return content_type


def _bmff_boxes(stream: BinaryIO, size: int) -> list[bytes] | None:
    """The types of the top-level boxes if they tile the file exactly, else None."""
    types: list[bytes] = []
    position = 0
    while position < size:
        if len(types) >= MAX_BOXES:
            return None
        stream.seek(position)
        header = stream.read(16)
        if len(header) < 8:
            return None
        box_size, box_type = struct.unpack(">I4s", header[:8])
        if not all(32 <= byte < 127 for byte in box_type):
            return None
        if box_size == 1:  # a 64-bit size follows the type
            if len(header) < 16:
                return None
            (box_size,) = struct.unpack(">Q", header[8:16])
            if box_size < 16:
                return None
        elif box_size == 0:  # the last box, up to the end of the file
            box_size = size - position
        elif box_size < 8:
            return None
        position += box_size
        types.append(box_type)
    return types if position == size else None


def _ebml_vint(data: bytes, offset: int, *, keep_marker: bool) -> tuple[int, int] | None:
    """An EBML variable-size integer at offset: (value, length), or None if malformed."""
    if offset >= len(data) or data[offset] == 0:
        return None
    first = data[offset]
    length = 8 - first.bit_length() + 1
    if offset + length > len(data):
        return None
    value = first if keep_marker else first & ((1 << (8 - length)) - 1)
    for byte in data[offset + 1 : offset + length]:
        value = (value << 8) | byte
    return value, length


def _webm_header_ok(head: bytes) -> bool:
    """An EBML header naming DocType `webm`, followed by the Matroska Segment."""
    if head[:4] != EBML_MAGIC:
        return False
    size = _ebml_vint(head, 4, keep_marker=False)
    if size is None:
        return False
    body_start = 4 + size[1]
    body_end = body_start + size[0]
    if body_end + 4 > len(head):
        return False
    doc_type = None
    offset = body_start
    while offset < body_end:
        element = _ebml_vint(head, offset, keep_marker=True)
        if element is None:
            return False
        offset += element[1]
        length = _ebml_vint(head, offset, keep_marker=False)
        if length is None:
            return False
        offset += length[1]
        if offset + length[0] > body_end:
            return False
        if element[0] == EBML_DOCTYPE:
            doc_type = head[offset : offset + length[0]].rstrip(b"\x00")
        offset += length[0]
    return doc_type == b"webm" and head[body_end : body_end + 4] == MATROSKA_SEGMENT


def video_validate(upload: UploadedFile) -> str:
    """Check a short video (MP4, QuickTime or WebM) by its magic bytes and structure and
    return its content type; raise a ValidationError naming the file otherwise."""
    if not upload.size:
        raise _refuse(_("“%(name)s”是空文件。"), upload)
    if upload.size > MAX_VIDEO_BYTES:
        raise _refuse(_("“%(name)s”超过 30 MB：视频不能超过 30 MB。"), upload)
    head = _head(upload)
    not_a_video = _("“%(name)s”不是可接受的视频：只接受 MP4、MOV 或 WebM 格式。")
    if head[4:8] == b"ftyp":
        (ftyp_size,) = struct.unpack(">I", head[:4])
        content_type = MP4_BRANDS.get(head[8:12])
        if content_type is None or not 16 <= ftyp_size <= 1024 or ftyp_size % 4:
            raise _refuse(not_a_video, upload)
        try:
            boxes = _bmff_boxes(upload, upload.size)
        finally:
            upload.seek(0)
        if boxes is None:
            raise _refuse(_("“%(name)s”不是完整的视频文件。"), upload)
    elif _webm_header_ok(head):
        content_type = "video/webm"
    else:
        raise _refuse(not_a_video, upload)
    if _carries_markup(upload):
        raise _refuse(_("“%(name)s”含有网页或脚本代码，不能作为视频上传。"), upload)
    return content_type


def upload_validate(upload: UploadedFile) -> CheckedUpload:
    """Check one photo or video, its kind decided by its first bytes."""
    if _looks_like_video(_head(upload, 16)):
        return CheckedUpload(upload=upload, content_type=video_validate(upload))
    return CheckedUpload(upload=upload, content_type=image_validate(upload))


def uploads_validate(
    uploads: Sequence[UploadedFile], *, max_photos: int = MAX_PHOTOS, max_videos: int = MAX_VIDEOS
) -> list[CheckedUpload]:
    """Check every upload of one submission before anything is stored: up to max_photos
    photos, or max_videos videos and nothing else. Every refused file is named."""
    count_error = _("每次最多上传 %(photos)d 张照片，或者只上传 %(videos)d 段视频。") % {
        "photos": max_photos,
        "videos": max_videos,
    }
    if len(uploads) > max(max_photos, max_videos):
        raise ValidationError({ERROR_KEY: [count_error]})
    checked, errors = [], []
    for upload in uploads:
        try:
            checked.append(upload_validate(upload))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if not errors:
        videos = sum(c.is_video for c in checked)
        photos = len(checked) - videos
        if videos > max_videos or photos > max_photos or (videos and photos):
            errors.append(count_error)
    if errors:
        raise ValidationError({ERROR_KEY: errors})
    return checked


def attachment_store(
    *,
    case: Case,
    upload: CheckedUpload,
    kind: str,
    actor: User | None,
    event: CaseEvent | None = None,
) -> CaseAttachment:
    """Store a checked upload of the case with its SHA-256: the original, metadata and all,
    to private storage under a name of our own; once the transaction commits, a background
    task makes the stripped public copy of a photo (a video gets none: staff only)."""
    digest = hashlib.sha256()
    for chunk in _chunks(upload.upload):
        digest.update(chunk)
    attachment = CaseAttachment(
        case=case,
        event=event,
        kind=kind,
        content_type=upload.content_type,
        size=upload.upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
        uploaded_at=timezone.now(),
    )
    # Never the client's file name: it is untrusted, may be long, and may say .jpg on a video.
    name = uuid.uuid4().hex + EXTENSIONS[upload.content_type]
    attachment.file.save(name, upload.upload, save=False)
    upload.upload.seek(0)
    attachment.save()
    if not upload.is_video:
        from portal.workflow.tasks import attachment_publish

        # robust: the report is committed whatever happens to the queue; a copy that was
        # never made can be made later (attachment_publish is idempotent).
        transaction.on_commit(lambda: attachment_publish.enqueue(attachment.pk), robust=True)
    return attachment


def attachment_add(
    *,
    case: Case,
    upload: UploadedFile,
    kind: str,
    actor: User | None,
    event: CaseEvent | None = None,
) -> CaseAttachment:
    """Validate and store one photo or video of the case."""
    (checked,) = uploads_validate([upload])
    return attachment_store(case=case, upload=checked, kind=kind, actor=actor, event=event)


def _to_srgb(image: Image.Image) -> Image.Image:
    """The pixels in sRGB, so dropping the ICC profile keeps the colours (an iPhone's
    Display P3 photo would look dull otherwise)."""
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("RGB", "RGBA"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(
                image, source, ImageCms.createProfile("sRGB"), outputMode=image.mode
            )
        except (ImageCms.PyCMSError, OSError, ValueError):
            return image
    return image


def public_jpeg(stream: BinaryIO) -> bytes:
    """Re-encode an image as the public copy: orientation applied, sRGB, longest side at
    most PUBLIC_SIDE, JPEG without any EXIF, XMP, ICC or GPS block."""
    with Image.open(stream, formats=list(FORMATS)) as original:
        if original.width * original.height > MAX_PIXELS:
            raise ValueError("too many pixels")
        original.draft("RGB", (PUBLIC_SIDE, PUBLIC_SIDE))
        image = ImageOps.exif_transpose(original)
        image = _to_srgb(image)
        if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
            rgba = image.convert("RGBA")
            image = Image.new("RGB", rgba.size, (255, 255, 255))
            image.paste(rgba, mask=rgba.getchannel("A"))
        else:
            image = image.convert("RGB")
        image.thumbnail((PUBLIC_SIDE, PUBLIC_SIDE), Image.Resampling.LANCZOS)
        # A fresh image: none of the original's info (exif, xmp, icc_profile, comment)
        # can ride along into the encoder.
        clean = Image.new("RGB", image.size)
        clean.paste(image)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=PUBLIC_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def attachment_publish_make(*, attachment_id: int) -> bool:
    """Make the public copy of a stored photo; True if one was made now. Idempotent: a
    retried or duplicated task finds the copy there and makes no second one."""
    attachment = CaseAttachment.objects.filter(pk=attachment_id).first()
    if (
        attachment is None
        or attachment.public_file
        or attachment.content_type not in (FORMATS.values())
    ):
        return False
    # Encode outside the transaction: on SQLite it would hold the write lock meanwhile.
    with attachment.file.open("rb") as original:
        data = public_jpeg(original)
    field = CaseAttachment._meta.get_field("public_file")
    name = f"public/{attachment.uploaded_at:%Y/%m}/{attachment.pk}-{attachment.sha256[:16]}.jpg"
    with transaction.atomic():
        attachment = CaseAttachment.objects.select_for_update().get(pk=attachment_id)
        if attachment.public_file:
            return False
        if field.storage.exists(name):  # left by an attempt that died before saving the row
            field.storage.delete(name)
        attachment.public_file.name = field.storage.save(name, io.BytesIO(data))
        attachment.save(update_fields=["public_file"])
    return True


def _gps_degrees(value, ref) -> float | None:
    try:
        degrees, minutes, seconds = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    result = degrees + minutes / 60 + seconds / 3600
    if not math.isfinite(result):
        return None
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    if str(ref).strip().upper() in ("S", "W"):
        result = -result
    return result


def exif_gps(upload: UploadedFile | BinaryIO) -> tuple[float, float] | None:
    """The (longitude, latitude) in a photo's EXIF GPS block, or None if it has none. Reads
    the header only; WGS-84 degrees, as the camera wrote them."""
    try:
        upload.seek(0)
        with Image.open(upload, formats=list(FORMATS)) as image:
            gps = image.getexif().get_ifd(0x8825)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error):
        return None
    finally:
        upload.seek(0)
    lat = _gps_degrees(gps.get(2), gps.get(1))
    lon = _gps_degrees(gps.get(4), gps.get(3))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    if lat == 0 and lon == 0:  # what a camera without a fix writes
        return None
    return round(lon, 7), round(lat, 7)
