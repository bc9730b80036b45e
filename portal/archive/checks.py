"""四性检测 (DA/T 70): authenticity, integrity, usability and security of an item, and the
pieces they use — hashing, the signed manifest, content sniffing and the virus-scan hook.

The virus scanner is an interface: a deployment names its engine's adapter (e.g. clamd)
in settings.ARCHIVE_VIRUS_SCANNER; the local implementation below detects the EICAR test
signature and nothing else, which is enough to prove the hook is wired.
"""

import hashlib
import hmac
import json
import re
import shutil
import subprocess
from abc import ABC, abstractmethod
from typing import IO

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from PIL import Image

from portal.archive.models import ArchivalItem, ItemCounter, ItemFile

CHUNK = 1024 * 1024
REFERENCE_RE = re.compile(r"^[A-Z0-9]{4}-[A-Z]{2}·\d{4}-(Y|D30|D10)-[A-Z0-9]{2,20}-\d{4,}$")
MANDATORY = ("title", "responsible", "document_date", "reference_code", "fonds", "year")
ALLOWED_TYPES = {
    "image/jpeg",
    "image/png",
    "image/webp",
    "video/mp4",
    "video/webm",
    "video/quicktime",
    "application/pdf",
    "image/heic",
    "text/plain",  # OA 附件 may be UTF-8 text (portal.oa.attachments)
}


def sha256_stream(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def file_sha256(item_file: ItemFile) -> str | None:
    """The SHA-256 of the stored file now, or None if it is gone."""
    try:
        with item_file.file.open("rb") as handle:
            return sha256_stream(handle)
    except (FileNotFoundError, OSError):
        return None


# --- the signed manifest -------------------------------------------------------------------


def _signing_key() -> bytes:
    return (settings.ARCHIVE_SIGNING_KEY or settings.SECRET_KEY).encode()


def canonical(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def manifest_build(item: ArchivalItem) -> dict:
    """What the item consists of: its 档号, version, descriptive metadata digest and every
    file with its role, size and SHA-256."""
    description = {
        name: str(getattr(item, name))
        for name in (
            "title",
            "responsible",
            "document_date",
            "document_number",
            "summary",
            "keywords",
            "classification",
        )
    }
    return {
        "reference_code": item.reference_code,
        "version": item.version,
        "filed_at": item.filed_at.isoformat(),
        "retention": item.retention,
        "description_sha256": hashlib.sha256(canonical(description)).hexdigest(),
        "history_sha256": hashlib.sha256(canonical(item.history)).hexdigest(),
        "files": [
            {
                "name": f.name,
                "role": f.role,
                "kind": f.kind,
                "version": f.version,
                "size": f.size,
                "sha256": f.sha256,
            }
            for f in item.files.order_by("id")
        ],
    }


def manifest_sign(manifest: dict) -> tuple[str, str]:
    """(SHA-256 of the canonical manifest, its HMAC-SHA256 signature)."""
    body = canonical(manifest)
    return hashlib.sha256(body).hexdigest(), hmac.new(_signing_key(), body, "sha256").hexdigest()


def manifest_verify(item: ArchivalItem) -> bool:
    digest, signature = manifest_sign(item.manifest)
    return hmac.compare_digest(digest, item.manifest_sha256) and hmac.compare_digest(
        signature, item.manifest_signature
    )


# --- security: content sniffing and the virus-scan hook ------------------------------------


def sniff(head: bytes) -> str | None:
    """The content type the bytes say they are (for the formats the archive holds)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"msf1"):
            return "image/heic"
        if brand == b"qt  ":
            return "video/quicktime"
        return "video/mp4"
    return None


def _text_sniff(item_file: ItemFile) -> str | None:
    """text/plain when the whole file is UTF-8 without NUL bytes (OA 附件 may be text)."""
    with item_file.file.open("rb") as handle:
        data = handle.read()
    if b"\x00" in data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text/plain"


class VirusScanner(ABC):
    @abstractmethod
    def scan(self, stream: IO[bytes]) -> str | None:
        """The name of the threat found in the stream, or None when it is clean."""


class SignatureScanner(VirusScanner):
    """Local scanner: finds known signatures (the EICAR test file) anywhere in the bytes."""

    SIGNATURES = {
        "EICAR-Test-File": rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    }

    def scan(self, stream: IO[bytes]) -> str | None:
        tail = b""
        longest = max(len(s) for s in self.SIGNATURES.values())
        for chunk in iter(lambda: stream.read(CHUNK), b""):
            window = tail + chunk
            for name, signature in self.SIGNATURES.items():
                if signature in window:
                    return name
            tail = window[-longest:]
        return None


def virus_scanner() -> VirusScanner:
    return import_string(settings.ARCHIVE_VIRUS_SCANNER)()


# --- usability ---------------------------------------------------------------------------


def pdf_text(item_file: ItemFile) -> str:
    """The text of a PDF by poppler's pdftotext ('' if it cannot be read)."""
    exe = shutil.which("pdftotext")
    if exe is None:
        return ""
    try:
        result = subprocess.run(  # noqa: S603 (fixed executable, path from our own storage)
            [exe, "-enc", "UTF-8", item_file.file.path, "-"],
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return result.stdout.decode("utf-8", "replace") if result.returncode == 0 else ""


def _image_opens(item_file: ItemFile) -> bool:
    try:
        with item_file.file.open("rb") as handle, Image.open(handle) as image:
            image.verify()
        return True
    except Exception:  # any decoder failure means unusable
        return False


# --- the four checks --------------------------------------------------------------------


def _row(check: str, passed: bool, detail: str = "") -> dict:
    return {"check": check, "passed": passed, "detail": detail}


def _authenticity(item: ArchivalItem, files: list[ItemFile], hashes: dict) -> list[dict]:
    rows = [_row(_("档号格式"), bool(REFERENCE_RE.match(item.reference_code)), item.reference_code)]
    expected = (
        f"{item.fonds}-{item.record_class}·{item.year}-{item.retention}-"
        f"{item.organisation}-{item.item_number:04d}"
    )
    rows.append(_row(_("档号与分类一致"), expected == item.reference_code, expected))
    for f in files:
        rows.append(_row(_("摘要值一致：%s") % f.name, hashes[f.pk] == f.sha256, f.sha256))
    rows.append(_row(_("清单签名有效"), manifest_verify(item), item.manifest_sha256))
    return rows


def _integrity(item: ArchivalItem, files: list[ItemFile], expected_files: int) -> list[dict]:
    rows = []
    missing = [name for name in MANDATORY if not getattr(item, name)]
    rows.append(_row(_("必备元数据齐全"), not missing, ", ".join(missing)))
    originals = [f for f in files if f.role != ItemFile.Role.CASE_FILE]
    rows.append(
        _row(
            _("附件齐全"),
            len(originals) == expected_files,
            _("应有 %(e)d 个，实有 %(a)d 个") % {"e": expected_files, "a": len(originals)},
        )
    )
    rows.append(_row(_("案卷PDF存在"), item.case_file is not None))
    same_class = ArchivalItem.objects.filter(
        fonds=item.fonds,
        record_class=item.record_class,
        year=item.year,
        retention=item.retention,
        organisation=item.organisation,
        item_number__lte=item.item_number,
    )
    numbers = set(same_class.values_list("item_number", flat=True))
    gaps = sorted(set(range(1, item.item_number + 1)) - numbers)
    rows.append(_row(_("件号连续无断号"), not gaps, ", ".join(map(str, gaps))))
    counter = ItemCounter.objects.filter(
        fonds=item.fonds,
        record_class=item.record_class,
        year=item.year,
        retention=item.retention,
        organisation=item.organisation,
    ).first()
    rows.append(
        _row(_("计数器与件号一致"), counter is not None and counter.last >= item.item_number)
    )
    return rows


def _usability(item: ArchivalItem, files: list[ItemFile]) -> list[dict]:
    rows = []
    for f in files:
        if f.content_type == "application/pdf":
            text = pdf_text(f)
            # The case file carries the 档号; a filed original (e.g. the 公文 PDF) predates it.
            if f.role == ItemFile.Role.CASE_FILE:
                ok = item.reference_code in text
            else:
                ok = bool(text.strip())
            rows.append(_row(_("PDF可读且含文本：%s") % f.name, ok, _("%d 字") % len(text)))
        elif f.content_type.startswith("image/") and f.content_type != "image/heic":
            rows.append(_row(_("图像可打开：%s") % f.name, _image_opens(f)))
        rows.append(_row(_("格式在允许范围：%s") % f.name, f.content_type in ALLOWED_TYPES))
    return rows


def _security(files: list[ItemFile]) -> list[dict]:
    rows = []
    scanner = virus_scanner()
    for f in files:
        try:
            with f.file.open("rb") as handle:
                head = handle.read(64)
                handle.seek(0)
                threat = scanner.scan(handle)
        except (FileNotFoundError, OSError):
            rows.append(_row(_("文件可读：%s") % f.name, False))
            continue
        found = sniff(head) or _text_sniff(f)
        rows.append(
            _row(_("内容类型与声明一致：%s") % f.name, found == f.content_type, found or "?")
        )
        rows.append(_row(_("病毒扫描：%s") % f.name, threat is None, threat or _("未发现")))
    return rows


def four_properties_check(item: ArchivalItem, *, expected_files: int) -> dict:
    """Run the four checks on a filed item; returns the report stored on the item."""
    files = list(item.files.order_by("id"))
    hashes = {f.pk: file_sha256(f) for f in files}
    sections = {
        "authenticity": _authenticity(item, files, hashes),
        "integrity": _integrity(item, files, expected_files),
        "usability": _usability(item, files),
        "security": _security(files),
    }
    report = {
        name: {"passed": all(r["passed"] for r in rows), "rows": rows}
        for name, rows in sections.items()
    }
    report["passed"] = all(section["passed"] for section in report.values())
    report["version"] = item.version
    return report
