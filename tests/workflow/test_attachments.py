"""Photos and videos of a case: type by content, limits while the body streams in, the
stripped public copy, EXIF GPS (server and browser), and the staff view of the original."""

import asyncio
import io
import json
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http import HttpResponse
from django.test import Client, RequestFactory
from PIL import Image, ImageCms, ImageFile

from portal.city.models import Category, Department
from portal.workflow import services as s
from portal.workflow.attachments import (
    attachment_add,
    attachment_publish_make,
    exif_gps,
    image_validate,
    uploads_validate,
)
from portal.workflow.models import Case, CaseAttachment
from portal.workflow.tasks import attachment_publish
from portal.workflow.uploads import BodyLimit, limit_uploads, upload_refusals

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
JS_MODULE = Path(settings.BASE_DIR) / "themes/base/static/js/exif_gps.js"
NANJING = (118.7308333, 32.0038000)  # 118°43'51" E, 32°0'13.68" N


@pytest.fixture(autouse=True)
def _remove_stored_files(db):
    """Files outlive the rolled-back rows: delete what the test stored."""
    yield
    for attachment in CaseAttachment.objects.all():
        attachment.file.delete(save=False)
        if attachment.public_file:
            attachment.public_file.delete(save=False)


def jpeg_bytes(size=(64, 48), *, gps=NANJING, orientation=None, endian="<", icc=None) -> bytes:
    exif = Image.Exif()
    exif.endian = endian
    exif[0x010F] = "TestCam"  # Make
    if orientation:
        exif[0x0112] = orientation
    if gps:
        lon, lat = gps
        exif[0x8825] = {
            1: "N" if lat >= 0 else "S",
            2: _dms(abs(lat)),
            3: "E" if lon >= 0 else "W",
            4: _dms(abs(lon)),
        }
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (200, 80, 40))
    image.paste((20, 90, 200), (0, 0, size[0] // 2, size[1] // 3))  # a marker, top left
    options = {"exif": exif}
    if icc:
        options["icc_profile"] = icc
    image.save(buffer, "JPEG", quality=90, **options)
    return buffer.getvalue()


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600, 4)
    return (float(degrees), float(minutes), seconds)


def png_bytes(size=(32, 32)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", size, (0, 128, 0, 128)).save(buffer, "PNG")
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that claims huge dimensions: a few bytes of IDAT, no real pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4_bytes(brand: bytes = b"isom", mdat: int = 64) -> bytes:
    """A minimal ISO-BMFF file built by hand: ftyp, an empty moov, and an mdat."""
    ftyp = box(b"ftyp", brand + struct.pack(">I", 512) + b"isomiso2mp41")
    return ftyp + box(b"moov", box(b"mvhd", b"\x00" * 100)) + box(b"mdat", b"\x00" * mdat)


def webm_bytes(doc_type: bytes = b"webm") -> bytes:
    def element(element_id: bytes, data: bytes) -> bytes:
        return element_id + bytes([0x80 | len(data)]) + data

    header = (
        element(b"\x42\x86", b"\x01")  # EBMLVersion
        + element(b"\x42\xf7", b"\x01")  # EBMLReadVersion
        + element(b"\x42\x82", doc_type)  # DocType
        + element(b"\x42\x87", b"\x04")  # DocTypeVersion
    )
    segment = b"\x18\x53\x80\x67" + b"\x01\xff\xff\xff\xff\xff\xff\xff"  # unknown size
    return b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(header)]) + header + segment + b"\x00" * 64


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def refusal(uploads) -> str:
    with pytest.raises(ValidationError) as caught:
        uploads_validate(uploads)
    return " ".join(caught.value.messages)


# --- type by content -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "网页或脚本代码"),
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "网页或脚本代码"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF", "不是可接受的照片"),
        (b"MZ\x90\x00\x03" + b"\x00" * 200 + b"This program cannot be run in DOS mode", "照片"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "不是可接受的照片"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "不是可接受的照片"),
    ],
    ids=["svg", "html", "pdf", "exe", "elf", "gif"],
)
def test_files_renamed_photo_jpg_are_refused_by_content(data, expected):
    message = refusal([upload(data, "photo.jpg", "image/jpeg")])
    assert expected in message
    assert "photo.jpg" in message


def test_svg_with_markup_is_refused_for_its_markup_too():
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>'
    with pytest.raises(ValidationError) as caught:
        image_validate(upload(svg, "map.jpg"))
    assert "“map.jpg”含有网页或脚本代码" in caught.value.messages[0]


def test_polyglot_jpeg_carrying_html_is_refused():
    polyglot = jpeg_bytes() + b"<html><body><script>document.cookie</script></body></html>"
    assert "网页或脚本代码" in refusal([upload(polyglot, "cat.jpg")])
    # The same image without the payload is a photo.
    assert uploads_validate([upload(jpeg_bytes(), "cat.jpg")])[0].content_type == "image/jpeg"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_truncated_images_are_refused(fmt):
    buffer = io.BytesIO()
    Image.effect_noise((400, 300), 64).convert("RGB").save(buffer, fmt)
    whole = buffer.getvalue()
    assert uploads_validate([upload(whole, "whole.img")])[0].content_type == (
        f"image/{fmt.lower()}"
    )
    message = refusal([upload(whole[: len(whole) // 2], "half.img")])
    assert "“half.img”已损坏或不完整" in message
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_type_comes_from_bytes_not_name_or_client_type():
    checked = uploads_validate([upload(png_bytes(), "photo.jpg", "application/pdf")])
    assert checked[0].content_type == "image/png"
    webp = io.BytesIO()
    Image.new("RGB", (10, 10)).save(webp, "WEBP")
    assert uploads_validate([upload(webp.getvalue(), "x.png")])[0].content_type == "image/webp"


def test_fake_mp4_text_file_is_refused():
    text = b"This is not a video, just text pretending to be one.\n" * 20
    assert "“clip.mp4”不是可接受的照片" in refusal([upload(text, "clip.mp4", "video/mp4")])
    # Starts like an MP4, but what follows the ftyp box is text, not boxes.
    fake = box(b"ftyp", b"isom\x00\x00\x02\x00isom") + b"hello, this is plain text" * 10
    assert "“fake.mp4”不是完整的视频文件" in refusal([upload(fake, "fake.mp4", "video/mp4")])
    unknown_brand = box(b"ftyp", b"XXXX\x00\x00\x00\x00") + box(b"mdat", b"\x00" * 16)
    assert "不是可接受的视频" in refusal([upload(unknown_brand, "odd.mp4")])


def test_real_minimal_videos_are_accepted():
    (mp4,) = uploads_validate([upload(mp4_bytes(), "clip.bin", "application/octet-stream")])
    assert mp4.content_type == "video/mp4" and mp4.is_video
    (mov,) = uploads_validate([upload(mp4_bytes(b"qt  "), "clip.mov")])
    assert mov.content_type == "video/quicktime"
    (webm,) = uploads_validate([upload(webm_bytes(), "clip.webm")])
    assert webm.content_type == "video/webm"


def test_truncated_video_and_matroska_are_refused():
    cut = mp4_bytes()[:-10]
    assert "不是完整的视频文件" in refusal([upload(cut, "cut.mp4")])
    assert "不是可接受的视频" in refusal([upload(webm_bytes(b"matroska"), "x.mkv")])


def test_five_photos_or_one_video_per_submission():
    assert len(uploads_validate([upload(jpeg_bytes(), f"{i}.jpg") for i in range(5)])) == 5
    too_many = "每次最多上传 5 张照片，或者只上传 1 段视频"
    assert too_many in refusal([upload(jpeg_bytes(), f"{i}.jpg") for i in range(6)])
    assert too_many in refusal([upload(mp4_bytes(), "a.mp4"), upload(jpeg_bytes(), "b.jpg")])
    assert too_many in refusal([upload(mp4_bytes(), "a.mp4"), upload(mp4_bytes(), "b.mp4")])
    assert len(uploads_validate([upload(jpeg_bytes())] * 2, max_photos=2)) == 2
    with pytest.raises(ValidationError):
        uploads_validate([upload(jpeg_bytes())] * 2, max_photos=1)


def test_every_refused_file_is_named_in_one_error():
    with pytest.raises(ValidationError) as caught:
        uploads_validate([upload(b"<svg/>", "a.jpg"), upload(b"plain", "b.jpg")])
    assert set(caught.value.message_dict) == {"photos"}
    text = " ".join(caught.value.messages)
    assert "a.jpg" in text and "b.jpg" in text


# --- pixels: decided from the header, before any decoding ------------------------------


@pytest.fixture
def no_decoding(monkeypatch):
    def refuse(self, *args, **kwargs):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


@pytest.mark.parametrize("side", [20_000, 7_000])  # Pillow's own bomb check; ours (49 MP)
def test_huge_dimensions_in_a_tiny_png_are_refused_without_decoding(side, no_decoding):
    data = png_header_only(side, side)
    assert len(data) < 200
    with pytest.raises(ValidationError) as caught:
        image_validate(upload(data, "bomb.png"))
    assert caught.value.messages == ["“bomb.png”像素过大：照片不能超过 4000 万像素。"]


def test_exif_gps_reads_the_header_only(no_decoding):
    assert exif_gps(upload(jpeg_bytes())) == pytest.approx(NANJING, abs=1e-6)


# --- EXIF GPS --------------------------------------------------------------------------


def test_exif_gps_returns_lon_lat_with_hemispheres():
    assert exif_gps(upload(jpeg_bytes(endian=">"))) == pytest.approx(NANJING, abs=1e-6)
    south_west = exif_gps(upload(jpeg_bytes(gps=(-43.1729, -22.9068))))
    assert south_west == pytest.approx((-43.1729, -22.9068), abs=1e-6)
    assert exif_gps(upload(jpeg_bytes(gps=None))) is None
    assert exif_gps(upload(jpeg_bytes(gps=(0.0, 0.0)))) is None
    assert exif_gps(upload(b"<svg/>", "x.jpg")) is None


def _node_read(data: bytes, tmp_path: Path) -> dict | None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: `make setup` installs it")
    module = tmp_path / "exif_gps.mjs"  # .mjs: an ES module whatever package.json says
    shutil.copy(JS_MODULE, module)
    photo = tmp_path / "photo.bin"
    photo.write_bytes(data)
    script = (
        f"import {{ readExifGps }} from {json.dumps(module.as_uri())};\n"
        "import { readFileSync } from 'node:fs';\n"
        f"const file = new Blob([readFileSync({json.dumps(str(photo))})]);\n"
        "console.log(JSON.stringify(await readExifGps(file)));\n"
    )
    result = subprocess.run(  # noqa: S603 (our own script, node from PATH)
        [node, "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(result.stdout)


@pytest.mark.parametrize("endian", ["<", ">"], ids=["little-endian", "big-endian"])
def test_browser_module_reads_gps_in_both_byte_orders(endian, tmp_path):
    found = _node_read(jpeg_bytes(endian=endian, orientation=6), tmp_path)
    assert found == pytest.approx({"lon": NANJING[0], "lat": NANJING[1]}, abs=1e-6)


def test_browser_module_gives_null_without_gps(tmp_path):
    assert _node_read(jpeg_bytes(gps=None), tmp_path) is None
    assert _node_read(png_bytes(), tmp_path) is None
    assert _node_read(b"\xff\xd8\xff\xe1\x00", tmp_path) is None  # cut inside the header
    south = _node_read(jpeg_bytes(gps=(-43.1729, -22.9068)), tmp_path)
    assert south == pytest.approx({"lon": -43.1729, "lat": -22.9068}, abs=1e-6)


# --- storage: private original, stripped public copy -----------------------------------


def _store(new_case, data: bytes, name="photo.jpg", capture=None) -> CaseAttachment:
    case = new_case()
    with capture(execute=True):
        attachment = attachment_add(
            case=case, upload=upload(data, name), kind=CaseAttachment.Kind.BEFORE, actor=None
        )
    attachment.refresh_from_db()
    return attachment


def test_public_copy_is_stripped_and_the_original_kept(
    new_case, django_capture_on_commit_callbacks
):
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = jpeg_bytes((3200, 1000), orientation=6, icc=icc)
    attachment = _store(new_case, data, capture=django_capture_on_commit_callbacks)

    original = Path(attachment.file.path)
    assert original.read_bytes() == data
    assert not original.resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert original.resolve().is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
    assert original.suffix == ".jpg" and "photo" not in original.name
    with original.open("rb") as handle:
        assert exif_gps(handle) == pytest.approx(NANJING, abs=1e-6)
    assert attachment.sha256 and attachment.size == len(data)

    public = Path(attachment.public_file.path)
    assert public.resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    copy = public.read_bytes()
    assert copy[:2] == b"\xff\xd8"
    for marker in (b"Exif", b"\xff\xe1", b"http://ns.adobe.com/xap", b"ICC_PROFILE", b"TestCam"):
        assert marker not in copy, marker
    assert b"Exif" in data and b"ICC_PROFILE" in data  # the test could fail
    with Image.open(public) as image:
        assert image.format == "JPEG" and image.mode == "RGB"
        assert not image.getexif() and "icc_profile" not in image.info
        # Orientation 6 applied: 3200x1000 stored sideways shows as 1000x3200, then scaled.
        assert image.size == (500, 1600)
        # The top-left marker of the stored image is now at the top right.
        assert image.getpixel((450, 20))[2] > 150 and image.getpixel((50, 20))[2] < 100


def test_transparent_png_gets_a_white_background(new_case, django_capture_on_commit_callbacks):
    buffer = io.BytesIO()
    Image.new("RGBA", (40, 40), (0, 0, 0, 0)).save(buffer, "PNG")
    attachment = _store(
        new_case, buffer.getvalue(), "t.png", capture=django_capture_on_commit_callbacks
    )
    assert attachment.content_type == "image/png"
    with Image.open(attachment.public_file.path) as image:
        assert image.getpixel((20, 20)) == pytest.approx((255, 255, 255), abs=3)


def test_publishing_is_idempotent(new_case, django_capture_on_commit_callbacks):
    attachment = _store(new_case, jpeg_bytes(), capture=django_capture_on_commit_callbacks)
    first = attachment.public_file.name
    folder = Path(attachment.public_file.path).parent
    before = sorted(folder.iterdir())
    attachment_publish.enqueue(attachment.pk)
    assert attachment_publish_make(attachment_id=attachment.pk) is False
    attachment.refresh_from_db()
    assert attachment.public_file.name == first
    assert sorted(folder.iterdir()) == before


def test_a_copy_left_by_a_dead_attempt_is_replaced_not_duplicated(
    new_case, django_capture_on_commit_callbacks
):
    case = new_case()
    attachment = attachment_add(  # outside the capture: no task runs
        case=case, upload=upload(jpeg_bytes()), kind=CaseAttachment.Kind.BEFORE, actor=None
    )
    assert not attachment.public_file
    assert attachment_publish_make(attachment_id=attachment.pk) is True
    attachment.refresh_from_db()
    name = attachment.public_file.name
    CaseAttachment.objects.filter(pk=attachment.pk).update(public_file="")  # row lost, file left
    assert attachment_publish_make(attachment_id=attachment.pk) is True
    attachment.refresh_from_db()
    assert attachment.public_file.name == name
    public = Path(attachment.public_file.path)
    assert [p.name for p in public.parent.glob(public.stem + "*")] == [public.name]


def test_videos_get_no_public_copy(new_case, django_capture_on_commit_callbacks):
    attachment = _store(
        new_case, mp4_bytes(), "clip.jpg", capture=django_capture_on_commit_callbacks
    )
    assert attachment.content_type == "video/mp4"
    assert attachment.file.name.endswith(".mp4")
    assert not attachment.public_file
    assert attachment_publish_make(attachment_id=attachment.pk) is False


# --- limits while the body streams in --------------------------------------------------


def _report(grid, photo) -> dict:
    return {
        "category": Category.objects.get(name="暴露垃圾").pk,
        "urgency": "normal",
        "description": "江东中路路边垃圾堆放",
        "address": "江东中路12号",
        "lon": grid.centre_lon,
        "lat": grid.centre_lat,
        "photo": photo,
    }


@pytest.fixture
def stored_bytes(monkeypatch):
    """How many bytes of uploads reached the handler that writes them to a temporary file."""
    counted = []
    keep = TemporaryFileUploadHandler.receive_data_chunk

    def counting(self, raw_data, start):
        counted.append(len(raw_data))
        return keep(self, raw_data, start)

    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", counting)
    return counted


def test_oversized_photo_is_stopped_by_the_handler_with_a_chinese_message(
    client, login, grid, stored_bytes
):
    login(grid.supervisor.username)
    big = SimpleUploadedFile("big.jpg", jpeg_bytes() + b"\x00" * (20 * MB), "image/jpeg")
    response = client.post("/cases/new/", _report(grid, big))
    assert response.status_code == 400
    # Stored up to the limit, not the 20 MB sent: the handler stopped it, not the form.
    assert 0 < sum(stored_bytes) <= 10 * MB
    assert "“big.jpg”超过 10 MB：照片不能超过 10 MB。" in response.content.decode()
    assert not Case.objects.exists() and not CaseAttachment.objects.exists()


def test_a_request_declaring_over_60_mb_stops_before_its_body_is_read(client, login, grid):
    login(grid.supervisor.username)
    photo = SimpleUploadedFile("p.jpg", jpeg_bytes() + b"\x00" * MB, "image/jpeg")
    # The test client's payload raises if read past what was really sent (about 1 MB): the
    # view answering at all shows the body was left unread after the first file began.
    response = client.post("/cases/new/", _report(grid, photo), CONTENT_LENGTH=str(70 * MB))
    assert response.status_code == 400
    assert "上传的文件合计超过 60 MB" in response.content.decode()
    assert not Case.objects.exists()


def test_a_photo_within_limits_still_goes_through(client, login, grid):
    login(grid.supervisor.username)
    photo = SimpleUploadedFile("ok.jpg", jpeg_bytes(), "image/jpeg")
    response = client.post("/cases/new/", _report(grid, photo))
    assert response.status_code == 302
    assert Case.objects.get().attachments.get().content_type == "image/jpeg"


def _through_handler(data: bytes, name: str):
    seen = {}

    @limit_uploads
    def view(request):
        seen["files"] = list(request.FILES)
        seen["post"] = dict(request.POST)
        seen["refusals"] = upload_refusals(request)
        return HttpResponse("ok")

    request = RequestFactory().post(
        "/upload/", {"before": "kept", "media": SimpleUploadedFile(name, data), "after": "kept"}
    )
    request._dont_enforce_csrf_checks = True
    view(request)
    return seen


def test_video_limit_is_30_mb_and_decided_by_the_bytes():
    video = _through_handler(mp4_bytes(mdat=12 * MB), "clip.jpg")
    assert video["files"] == ["media"] and video["refusals"] == []
    too_big = _through_handler(mp4_bytes(mdat=31 * MB), "clip.mp4")
    assert too_big["files"] == []
    assert [r.message for r in too_big["refusals"]] == [
        "“clip.mp4”超过 30 MB：视频不能超过 30 MB。"
    ]
    assert too_big["refusals"][0].field == "media"
    # A skipped file leaves the other fields of the form, before and after it.
    assert too_big["post"] == {"before": ["kept"], "after": ["kept"]}
    named_video = _through_handler(jpeg_bytes() + b"\x00" * (11 * MB), "clip.mp4")
    assert "照片不能超过 10 MB" in named_video["refusals"][0].message


def test_limited_views_still_enforce_csrf_and_refuse_nul_bytes(login, grid):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(grid.supervisor)
    photo = SimpleUploadedFile("ok.jpg", jpeg_bytes(), "image/jpeg")
    assert strict.post("/cases/new/", _report(grid, photo)).status_code == 403
    assert not Case.objects.exists()
    relaxed = Client()
    relaxed.force_login(grid.supervisor)
    photo = SimpleUploadedFile("ok.jpg", jpeg_bytes(), "image/jpeg")
    response = relaxed.post("/cases/new/", {**_report(grid, photo), "description": "a\x00b"})
    assert response.status_code == 400 and "非法字符" in response.content.decode()


def _asgi(scope_headers, chunks):
    sent, called = [], []

    async def inner(scope, receive, send):
        called.append(True)
        while True:
            message = await receive()
            if message["type"] == "http.disconnect" or not message.get("more_body"):
                sent.append(message["type"])
                return

    async def receive():
        return chunks.pop(0)

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "headers": scope_headers}
    asyncio.run(BodyLimit(inner, max_bytes=100)(scope, receive, send))
    return sent, called


def test_asgi_guard_refuses_a_declared_oversized_body_unread():
    chunks = [{"type": "http.request", "body": b"x" * 200, "more_body": False}]
    sent, called = _asgi([(b"content-length", b"200")], chunks)
    assert not called and len(chunks) == 1  # never received
    assert sent[0]["status"] == 413
    assert "上传的内容过大" in sent[1]["body"].decode()


def test_asgi_guard_cuts_off_an_undeclared_stream():
    chunks = [{"type": "http.request", "body": b"x" * 60, "more_body": True} for _ in range(5)]
    sent, called = _asgi([], chunks)
    assert called and sent == ["http.disconnect"] and len(chunks) == 3
    within = [{"type": "http.request", "body": b"x" * 60, "more_body": False}]
    assert _asgi([(b"content-length", b"60")], within)[0] == ["http.request"]


# --- the staff view of the original ----------------------------------------------------


@pytest.fixture
def dispatched(new_case, user, django_capture_on_commit_callbacks):
    case = new_case()
    s.case_accept(case=case, actor=user("shouli01"))
    s.case_file(case=case, actor=user("zhiban01"))
    s.case_dispatch(
        case=case, actor=user("paiqian01"), department=Department.objects.get(code="HWS")
    )
    with django_capture_on_commit_callbacks(execute=True):
        photo = attachment_add(
            case=case, upload=upload(jpeg_bytes()), kind=CaseAttachment.Kind.BEFORE, actor=None
        )
        video = attachment_add(
            case=case, upload=upload(mp4_bytes(), "v.mp4"), kind="before", actor=None
        )
    photo.refresh_from_db()
    return case, photo, video


def test_original_view_serves_the_clerk_and_refuses_other_departments(client, login, dispatched):
    case, photo, _video = dispatched
    url = f"/cases/{case.number}/photos/{photo.pk}/"
    login("shouli01")
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == photo.file.open("rb").read()
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == "inline"
    login("chuzhi_hws")  # the department the case went to
    assert client.get(url).status_code == 200
    login("chuzhi_cgzf")  # another department
    assert client.get(url).status_code in (403, 404)
    client.logout()
    assert client.get(url).status_code == 302


def test_original_view_checks_the_attachment_belongs_to_the_case(
    client, login, dispatched, new_case
):
    case, photo, _video = dispatched
    other = new_case()
    login("shouli01")
    assert client.get(f"/cases/{other.number}/photos/{photo.pk}/").status_code == 404
    assert client.get(f"/cases/{case.number}/photos/999999/").status_code == 404
    assert client.get("/cases/NOPE/photos/1/").status_code == 404


def test_original_video_is_served_with_ranges(client, login, dispatched):
    case, _photo, video = dispatched
    login("shouli01")
    url = f"/cases/{case.number}/photos/{video.pk}/"
    whole = client.get(url)
    assert whole["Content-Type"] == "video/mp4" and whole["Accept-Ranges"] == "bytes"
    part = client.get(url, HTTP_RANGE="bytes=4-11")
    assert part.status_code == 206
    assert part.content == b"ftypisom"
    assert part["Content-Range"] == f"bytes 4-11/{video.size}"


def test_case_page_shows_the_public_copy_and_links_the_original(client, login, dispatched):
    case, photo, video = dispatched
    login("shouli01")
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert photo.public_file.url in page
    assert f'href="/cases/{case.number}/photos/{photo.pk}/"' in page
    assert f'<video src="/cases/{case.number}/photos/{video.pk}/"' in page
    assert photo.file.name not in page and video.file.name not in page
