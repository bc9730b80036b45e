"""Reporters' personal data (个人信息): encrypted at rest, found by a keyed blind index,
masked for everyone without need-to-know, and every full display audited.

MLPS 2.0 level 3 asks for encrypted or MAC-protected storage of personal information and
PIPL art. 51 for encryption and de-identification with least-privilege access. Here:

- `EncryptedTextField` keeps a column encrypted with AES-256-GCM; Python code sees the
  plain text, the database (and every dump or backup of it) only `enc:<key id>:<base64>`.
  The column's name is the associated data, so a ciphertext copied into another column
  does not decrypt. Keys rotate: new values use FIELD_ENCRYPTION_KEY, values under any of
  FIELD_ENCRYPTION_OLD_KEYS still decrypt, and `manage.py pii_reencrypt` moves old rows to
  the current key.
- A ciphertext cannot be searched, so a `BlindIndexField` beside it holds the HMAC-SHA256
  of the normalised phone under FIELD_INDEX_KEY: equal numbers, equal index, and without
  the key the index says nothing about the number.
- `reporter_access` is the one place that decides whether a user sees a reporter's name
  and phone in full, masked (138****9000, 王*) or not at all; `reporter_contacts` applies
  it and writes an audit row whenever it shows anything in full.
"""

import base64
import binascii
import enum
import hashlib
import hmac
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models.functions import Cast
from django.http import HttpRequest

from portal.accounts.models import AuditEvent, mask_phone

PREFIX = "enc"
NONCE_BYTES = 12

# Audit actions of personal data.
AUDIT_VIEW = AuditEvent.Action.PERSONAL_DATA_VIEWED
AUDIT_EXPORT = AuditEvent.Action.PERSONAL_DATA_EXPORTED
AUDIT_ERASE = AuditEvent.Action.PERSONAL_DATA_ERASED
AUDIT_LOOKUP = AuditEvent.Action.PERSONAL_DATA_SEARCHED


class DecryptionError(ValueError):
    """A stored value does not decrypt: unknown key id, wrong key, or tampered data."""


@dataclass(frozen=True)
class Keyring:
    current_id: str
    ciphers: dict[str, AESGCM]
    index_key: bytes


def _key_parse(spec: str, setting: str) -> tuple[str, bytes]:
    kid, sep, material = spec.strip().partition(":")
    if not sep or not kid.isalnum() or len(kid) > 16:
        raise ImproperlyConfigured(
            f"{setting}: expected '<key id>:<urlsafe base64 of 32 bytes>', e.g. 'k1:...'."
        )
    try:
        raw = base64.urlsafe_b64decode(material + "=" * (-len(material) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(f"{setting}: the key is not base64.") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured(f"{setting}: the key must be 32 bytes (AES-256).")
    return kid, raw


@lru_cache(maxsize=4)
def _keyring(current: str, old: tuple[str, ...], index_key: str) -> Keyring:
    if not current:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY is not set.")
    if not index_key:
        raise ImproperlyConfigured("FIELD_INDEX_KEY is not set.")
    current_id, current_raw = _key_parse(current, "FIELD_ENCRYPTION_KEY")
    ciphers = {current_id: AESGCM(current_raw)}
    for spec in old:
        kid, raw = _key_parse(spec, "FIELD_ENCRYPTION_OLD_KEYS")
        ciphers.setdefault(kid, AESGCM(raw))
    return Keyring(current_id=current_id, ciphers=ciphers, index_key=index_key.encode())


def keyring() -> Keyring:
    """The keys of the current settings (cached per distinct setting values)."""
    return _keyring(
        settings.FIELD_ENCRYPTION_KEY,
        tuple(settings.FIELD_ENCRYPTION_OLD_KEYS),
        settings.FIELD_INDEX_KEY,
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def encrypt(value: str, *, column: str) -> str:
    """`value` sealed under the current key, bound to `column` (app.model.field)."""
    keys = keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = keys.ciphers[keys.current_id].encrypt(nonce, value.encode(), column.encode())
    return f"{PREFIX}:{keys.current_id}:{_b64(nonce + sealed)}"


def key_id(token: str) -> str | None:
    """The id of the key a stored value was sealed with; None for plain text."""
    parts = token.split(":", 2)
    return parts[1] if len(parts) == 3 and parts[0] == PREFIX else None


def decrypt(token: str, *, column: str) -> str:
    """The plain text of a stored value. Plain text written before encryption was switched
    on (no `enc:` prefix) is returned as it is, so the data migration can read it."""
    kid = key_id(token)
    if kid is None:
        return token
    cipher = keyring().ciphers.get(kid)
    if cipher is None:
        raise DecryptionError(f"No key '{kid}' for {column}: add it to FIELD_ENCRYPTION_OLD_KEYS.")
    material = token.split(":", 2)[2]
    try:
        data = base64.urlsafe_b64decode(material + "=" * (-len(material) % 4))
        return cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], column.encode()).decode()
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise DecryptionError(f"A value of {column} does not decrypt.") from exc


def normalise_phone(value: str) -> str:
    """Digits only, without China's country code: how a number is compared."""
    digits = "".join(ch for ch in value if ch.isdigit())
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def blind_index(phone: str) -> str:
    """The keyed HMAC-SHA256 of a normalised phone number ('' for no number)."""
    digits = normalise_phone(phone or "")
    if not digits:
        return ""
    return hmac.new(keyring().index_key, b"phone:" + digits.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """Text stored encrypted (AES-256-GCM); reads decrypt, writes encrypt.

    Only '' and NULL can be looked up (each encryption uses a fresh nonce): find rows by the
    blind index beside the column instead. `max_length` validates forms; the column itself
    is unbounded because the ciphertext is longer than the text."""

    @property
    def column_label(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return decrypt(value, column=self.column_label)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(value, column=self.column_label)


class BlindIndexField(models.CharField):
    """The blind index of another field (its `source`), computed on every save."""

    def __init__(self, *args, source: str, **kwargs) -> None:
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = blind_index(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value


def reencrypt_rows(
    queryset: models.QuerySet,
    fields: Sequence[str],
    *,
    index: dict[str, str] | None = None,
    batch: int = 500,
    only_stale: bool = False,
) -> int:
    """Rewrite the encrypted `fields` of every row under the current key, and each blind
    index in `index` (index field -> source field). The table is walked by primary key,
    `batch` rows at a time, so it is never held in memory and no cursor stays open over the
    rows being written. Plain text (rows written before encryption) is encrypted; with
    `only_stale`, rows already under the current key are left alone. Returns the number of
    rows written."""
    model = queryset.model
    index = index or {}
    current = keyring().current_id
    columns = {name: f"{model._meta.label_lower}.{name}" for name in fields}
    # The stored text, not the decrypted value: it tells plain text and old keys apart.
    raw = {f"raw_{name}": Cast(name, output_field=models.TextField()) for name in fields}
    written = 0
    last_pk = None
    while True:
        page = queryset.order_by("pk")
        if last_pk is not None:
            page = page.filter(pk__gt=last_pk)
        rows = list(page.annotate(**raw).values_list("pk", *raw)[:batch])
        if not rows:
            return written
        last_pk = rows[-1][0]
        pending = []
        for pk, *tokens in rows:
            if only_stale and not any(t and key_id(t) != current for t in tokens):
                continue
            values = {
                name: decrypt(token, column=columns[name]) if token else token
                for name, token in zip(fields, tokens, strict=True)
            }
            obj = model(pk=pk, **values)
            for field, source in index.items():
                setattr(obj, field, blind_index(getattr(obj, source) or ""))
            pending.append(obj)
        if pending:
            model.objects.bulk_update(pending, [*fields, *index])
            written += len(pending)


# --- masking and who sees what ----------------------------------------------------------

PHONE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")


def mask_name(name: str) -> str:
    """A name with all but its first character hidden (王*, 欧***)."""
    name = (name or "").strip()
    return f"{name[0]}{'*' * max(len(name) - 1, 1)}" if name else ""


def mask_email(email: str) -> str:
    """An e-mail address with its local part hidden after the first character."""
    local, sep, domain = (email or "").partition("@")
    return f"{local[:1]}***@{domain}" if sep else mask_name(email)


def redact_phones(text: str) -> str:
    """Mobile numbers inside free text masked (a reporter may type theirs into the
    description): for the search index and the public text, never for the case file."""
    return PHONE_IN_TEXT.sub(r"\1****\3", text or "")


class Access(enum.Enum):
    NONE = "none"
    MASKED = "masked"
    FULL = "full"


def reporter_access(user) -> Access:
    """How much of a reporter's identity `user` may see: the one home of this decision.

    In full: roles holding citizen.view_reporter (acceptance clerks and hotline operators
    call reporters back). Masked: other centre roles working cases. Not at all: everyone
    else (department handlers, offices, the public)."""
    if not getattr(user, "is_authenticated", False):
        return Access.NONE
    if user.has_perm("citizen.view_reporter"):
        return Access.FULL
    if user.has_perm("workflow.view_case") or user.has_perm("citizen.take_hotline"):
        return Access.MASKED
    return Access.NONE


@dataclass(frozen=True)
class ReporterContact:
    """A reporter's name and phone as one user may see them."""

    name: str
    phone: str
    full: bool

    def __str__(self) -> str:
        return " ".join(part for part in (self.name, self.phone) if part)


def pii_audit(
    *,
    action: str,
    request: HttpRequest | None = None,
    actor=None,
    target: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """One audit row about personal data. The detail names cases and purposes, never the
    data itself (the audit log must not become a second copy of it)."""
    from portal.accounts.services import audit_record

    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    audit_record(action=action, request=request, actor=actor, target=target, detail=detail or {})


def reporter_contacts(
    *,
    user,
    cases: Iterable,
    purpose: str,
    request: HttpRequest | None = None,
) -> dict[int, ReporterContact]:
    """The reporter contact of each case as `user` may see it (case pk -> contact; cases
    without a reporter name or phone, or a user who may see none, are left out). Shown in
    full, the cases are written to the audit log with `purpose` (the page or export)."""
    access = reporter_access(user)
    if access is Access.NONE:
        return {}
    contacts = {}
    revealed = []
    for case in cases:
        name, phone = case.reporter_name, case.reporter_phone
        if not (name or phone):
            continue
        if access is Access.FULL:
            contacts[case.pk] = ReporterContact(name=name, phone=phone, full=True)
            revealed.append(case.number)
        else:
            contacts[case.pk] = ReporterContact(
                name=mask_name(name), phone=mask_phone(phone), full=False
            )
    if revealed:
        pii_audit(
            action=AUDIT_VIEW,
            request=request,
            actor=user,
            target=f"case:{revealed[0]}" if len(revealed) == 1 else "",
            detail={"purpose": purpose, "cases": revealed},
        )
    return contacts


def reporter_contact(
    *, user, case, purpose: str, request: HttpRequest | None = None
) -> ReporterContact | None:
    """`reporter_contacts` for one case."""
    return reporter_contacts(user=user, cases=[case], purpose=purpose, request=request).get(case.pk)
