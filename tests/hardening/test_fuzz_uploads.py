"""Hypothesis throws random and mutated bytes at the upload pipeline: every input ends in a
clean refusal (ValidationError) or a photo that re-encodes into a clean public JPEG, never
an unhandled exception (OWASP ASVS 5.2.2, 5.2.6; R10)."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from portal.workflow.attachments import (
    FORMATS,
    MARKUP,
    MAX_PIXELS,
    PUBLIC_SIDE,
    exif_gps,
    public_jpeg,
    upload_validate,
    uploads_validate,
)

FUZZ = settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _encode(mode: str, fmt: str, size=(48, 32), **options) -> bytes:
    colour = {"1": 1, "L": 120, "P": 3, "I;16": 4000, "CMYK": (10, 20, 30, 40)}.get(
        mode, (200, 40, 40, 128)[: len(mode)]
    )
    image = Image.new(mode, size, colour)
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _gps_jpeg() -> bytes:
    image = Image.new("RGB", (64, 48), (20, 90, 160))
    exif = Image.Exif()
    exif[0x0110] = "Fuzz Camera"
    exif.get_ifd(0x8825).update({1: "N", 2: (32.0, 1.0, 30.0), 3: "E", 4: (118.0, 44.0, 10.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims width x height pixels, with one tiny IDAT (a pixel flood)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 16)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _jpeg_sof(width: int, height: int) -> bytes:
    """A JPEG whose SOF0 frame header is patched to claim width x height."""
    data = bytearray(_encode("RGB", "JPEG", size=(16, 16)))
    at = data.index(b"\xff\xc0")
    data[at + 5 : at + 9] = struct.pack(">HH", height, width)
    return bytes(data)


SEEDS = [
    _encode("RGB", "JPEG"),
    _encode("CMYK", "JPEG"),
    _encode("L", "JPEG", progressive=True),
    _encode("RGB", "PNG"),
    _encode("RGBA", "PNG"),
    _encode("P", "PNG", transparency=3),
    _encode("LA", "PNG"),
    _encode("I;16", "PNG"),
    _encode("1", "PNG"),
    _encode("RGB", "WEBP"),
    _encode("RGBA", "WEBP", lossless=True),
    _gps_jpeg(),
]
HOSTILE = [
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    b"<!DOCTYPE html><html><script>alert(1)</script></html>",
    b"GIF89a/*<script>alert(1)</script>*/",
    b"%PDF-1.7\n1 0 obj<<>>endobj",
    b"MZ\x90\x00" + b"\x00" * 60,
    b"PK\x03\x04" + b"\x00" * 26,
    b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 8,
    b"\x1a\x45\xdf\xa3" + b"\x00" * 12,
]


@st.composite
def mutated(draw) -> bytes:
    """A seed image, then a few of: truncate, flip bytes, insert bytes, append a payload,
    prepend a payload."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["cut", "flip", "insert", "append", "prepend"]))
        if kind == "cut" and len(data) > 1:
            del data[draw(st.integers(1, len(data) - 1)) :]
        elif kind == "flip" and data:
            at = draw(st.integers(0, len(data) - 1))
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            at = draw(st.integers(0, len(data)))
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif kind == "append":
            data += draw(st.sampled_from([*HOSTILE, b"\x00" * 1024, b"\xff\xd9"]))
        elif kind == "prepend":
            data[:0] = draw(st.sampled_from(HOSTILE))
    return bytes(data)


def _outcome(data: bytes, name: str = "photo.jpg"):
    upload = SimpleUploadedFile(name, data, content_type="image/jpeg")
    try:
        checked = upload_validate(upload)
    except ValidationError as exc:
        assert exc.messages and all(m.strip() for m in exc.messages)
        return None
    assert upload.tell() == 0
    return checked


def _assert_clean_copy(data: bytes) -> None:
    copy = public_jpeg(io.BytesIO(data))
    with Image.open(io.BytesIO(copy)) as image:
        assert image.format == "JPEG"
        assert max(image.size) <= PUBLIC_SIDE
        assert not image.getexif()
        assert "icc_profile" not in image.info and "xmp" not in image.info
    assert exif_gps(io.BytesIO(copy)) is None


@FUZZ
@given(mutated())
@example(SEEDS[0][: len(SEEDS[0]) // 2])  # truncated JPEG
@example(SEEDS[3][:-20])  # PNG without IEND
@example(SEEDS[0] + HOSTILE[1])  # JPEG/HTML polyglot
@example(HOSTILE[0])  # SVG renamed .jpg
@example(HOSTILE[1])  # HTML renamed .jpg
def test_mutated_images_are_refused_or_re_encoded_cleanly(data):
    checked = _outcome(data)
    exif_gps(io.BytesIO(data))  # reading the header never raises either
    if checked is None or checked.is_video:
        return
    assert checked.content_type in FORMATS.values()
    assert not any(marker in data.lower() for marker in MARKUP)
    _assert_clean_copy(data)


@FUZZ
@given(st.binary(max_size=4096), st.sampled_from(["a.jpg", "a.png", "a.mp4", "a", "..\\a.webp"]))
def test_random_bytes_are_refused_cleanly(data, name):
    checked = _outcome(data, name)
    if checked is not None and not checked.is_video:
        _assert_clean_copy(data)


@FUZZ
@given(st.binary(min_size=0, max_size=2048))
def test_random_video_headers_are_refused_cleanly(tail):
    for head in (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00", b"\x1a\x45\xdf\xa3\x9f\x42\x82"):
        _outcome(head + tail, "clip.mp4")


@pytest.mark.parametrize(
    "data",
    [_png_header(50_000, 50_000), _png_header(2**31 - 1, 1), _jpeg_sof(65_000, 65_000)],
    ids=["png-50k", "png-2^31", "jpeg-65k"],
)
def test_pixel_floods_are_refused_from_the_header(data):
    with pytest.raises(ValidationError) as refused:
        upload_validate(SimpleUploadedFile("flood.png", data))
    assert "像素" in refused.value.messages[0] or "损坏" in refused.value.messages[0]
    with pytest.raises((ValueError, Image.DecompressionBombError, OSError)):
        public_jpeg(io.BytesIO(data))


def test_largest_allowed_header_is_not_a_flood():
    assert MAX_PIXELS == 40_000_000
    with pytest.raises(ValidationError) as refused:
        upload_validate(SimpleUploadedFile("big.png", _png_header(8000, 5001)))
    assert "像素" in refused.value.messages[0]


@pytest.mark.parametrize("payload", HOSTILE)
def test_renamed_non_images_are_refused(payload):
    with pytest.raises(ValidationError):
        uploads_validate([SimpleUploadedFile("photo.jpg", payload, content_type="image/jpeg")])


def test_gps_of_an_accepted_photo_is_stripped_from_the_public_copy():
    data = _gps_jpeg()
    assert exif_gps(io.BytesIO(data)) is not None
    assert _outcome(data) is not None
    _assert_clean_copy(data)
