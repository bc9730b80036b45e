"""Upload attacks on the public report form: the citizen-facing end of the pipeline
(portal/workflow/attachments.py, uploads.py; the pipeline's own tests are in
tests/workflow/test_attachments.py)."""

import io
import time
from fractions import Fraction

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from portal.citizen.models import PublicReport
from portal.workflow.models import Case, CaseAttachment
from tests.citizen.conftest import jpeg_bytes
from tests.citizen.test_views import form_data, track

pytestmark = pytest.mark.django_db
MB = 1024 * 1024


def gps_jpeg(lon: float, lat: float) -> bytes:
    def dms(value):
        minutes, seconds = divmod(value * 3600, 60)
        degrees, minutes = divmod(minutes, 60)
        return (Fraction(int(degrees)), Fraction(int(minutes)), Fraction(round(seconds * 100), 100))

    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: dms(lat), 3: "E", 4: dms(lon)}
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 90, 160)).save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.jpg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'),
        ("photo.jpg", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("photo.jpg", b"MZ\x90\x00" + b"\x00" * 200),
        ("clip.mp4", b"not a video at all" * 20),
    ],
)
def test_renamed_files_are_refused_by_content_and_nothing_saved(client, grid, name, content):
    upload = SimpleUploadedFile(name, content, "image/jpeg")
    response = client.post("/report/", {**form_data(grid), "photos": [upload]})
    assert response.status_code == 400
    assert name in response.content.decode()  # the message names the file
    assert not Case.objects.exists() and not CaseAttachment.objects.exists()


def test_an_oversized_photo_is_refused_with_a_chinese_message(client, grid):
    big = SimpleUploadedFile("big.jpg", jpeg_bytes() + b"\x00" * (11 * MB), "image/jpeg")
    response = client.post("/report/", {**form_data(grid), "photos": [big]})
    assert response.status_code == 400
    assert "超过 10 MB" in response.content.decode()
    assert not Case.objects.exists() and not PublicReport.objects.exists()


def test_a_20000_by_20000_png_is_refused_without_decoding(client, grid):
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG")  # a few KB, 400 megapixels
    png = SimpleUploadedFile("huge.png", buffer.getvalue(), "image/png")
    started = time.perf_counter()
    response = client.post("/report/", {**form_data(grid), "photos": [png]})
    assert time.perf_counter() - started < 5  # refused from the header, not decoded
    assert response.status_code == 400 and "huge.png" in response.content.decode()
    assert not Case.objects.exists()


def test_six_photos_are_one_too_many(client, grid):
    photos = [SimpleUploadedFile(f"p{n}.jpg", jpeg_bytes(), "image/jpeg") for n in range(6)]
    response = client.post("/report/", {**form_data(grid), "photos": photos})
    assert response.status_code == 400 and not Case.objects.exists()


def test_exif_gps_is_stripped_from_the_public_copy_and_kept_in_the_original(
    client, grid, django_capture_on_commit_callbacks
):
    original = gps_jpeg(grid.centre_lon, grid.centre_lat)
    assert b"Exif" in original
    photo = SimpleUploadedFile("IMG_1234.jpg", original, "image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/report/", {**form_data(grid), "photos": [photo]})
    assert response.status_code == 302
    attachment = CaseAttachment.objects.get()
    public = attachment.public_file.read()
    assert public[:2] == b"\xff\xd8"
    assert b"Exif" not in public and b"PhoneMaker" not in public
    assert not Image.open(io.BytesIO(public)).getexif()
    assert b"PhoneMaker" in attachment.file.read()  # the private original keeps its evidence
    # The tracking page links the public copy, never the original.
    receipt = client.get("/report/done/").content.decode()
    number = PublicReport.objects.get().tracking_number
    code = receipt.split('id="query-code" class="receipt__value">')[1].split("<")[0]
    html = track(client, number, code).content.decode()
    assert attachment.public_file.url in html and attachment.file.name not in html
