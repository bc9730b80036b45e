"""Writes of the citizen services: a public report, its rating, the hotline callback, and
moderation. Each is one transaction: a report that fails anywhere leaves nothing behind."""

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.citizen.models import ApiClient, Channel, Moderation, PublicReport, Rating
from portal.city.models import Category
from portal.workflow.attachments import attachment_store, uploads_validate
from portal.workflow.models import Case, CaseAttachment, Satisfaction, Source
from portal.workflow.pii import (
    AUDIT_ERASE,
    AUDIT_EXPORT,
    blind_index,
    normalise_phone,
    pii_audit,
    redact_phones,
)
from portal.workflow.services import case_rate, case_reopen, case_report

# Crockford's base32 without I, L, O, U: nothing to misread when a number is read out on
# the phone. 10 characters carry 50 random bits; the code 6 more characters (30 bits).
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TRACKING_PREFIX = "JY"
MAX_DESCRIPTION = 4000


def _random(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def secret_hash(value: str) -> str:
    """Keyed hash of a secret (query code, api key): a stolen table reveals none of them."""
    return hmac.new(
        settings.SECRET_KEY.encode(), value.strip().upper().encode(), hashlib.sha256
    ).hexdigest()


def normalise_code(value: str) -> str:
    """What a person types back (spaces, dashes, lower case, O for 0) as stored."""
    value = "".join(value.split()).replace("-", "").upper()
    return value.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


@dataclass(frozen=True)
class Receipt:
    """What the reporter is told once: the tracking number and the secret query code."""

    report: PublicReport
    tracking_number: str
    code: str

    @property
    def case(self) -> Case:
        return self.report.case


@transaction.atomic
def report_submit(
    *,
    channel: str,
    category: Category,
    description: str,
    lon: float,
    lat: float,
    address: str = "",
    name: str = "",
    phone: str = "",
    email: str = "",
    uploads: Sequence[UploadedFile] = (),
    operator: User | None = None,
    api_client: ApiClient | None = None,
    attributes: dict | None = None,
    media_url: str = "",
    at: dt.datetime | None = None,
) -> Receipt:
    """Turn a citizen's report (web form, hotline call or Open311 request) into a case in
    the loop, with its photos, and return the tracking number and the one-time code."""
    if channel not in Channel.values:
        raise ValidationError({"channel": _("未知的举报渠道。")})
    if channel == Channel.HOTLINE and (
        operator is None or not operator.has_perm("citizen.take_hotline")
    ):
        raise PermissionDenied(_("您没有受理热线的权限。"))
    description = description.strip()
    if len(description) > MAX_DESCRIPTION:
        raise ValidationError({"description": _("问题描述不能超过 4000 字。")})
    checked = uploads_validate(list(uploads))
    now = at or timezone.now()
    case = case_report(
        actor=operator,
        source=Source.HOTLINE if channel == Channel.HOTLINE else Source.PUBLIC,
        category=category,
        description=description,
        lon=lon,
        lat=lat,
        address=address.strip()[:200],
        reporter_name=name.strip()[:50],
        reporter_phone=phone.strip()[:20],
        at=now,
    )
    code = _random(6)
    report = PublicReport.objects.create(
        case=case,
        tracking_number=TRACKING_PREFIX + _random(10),
        code_hash=secret_hash(code),
        token=secrets.token_hex(16),
        channel=channel,
        api_client=api_client,
        email=email.strip(),
        # A number typed into the text would otherwise be public (pages, Open311, feeds).
        public_description=redact_phones(description),
        operator=operator,
        attributes=attributes or {},
        media_url=media_url,
        created_at=now,
    )
    first_event = case.events.order_by("seq").first()
    for upload in checked:
        attachment_store(
            case=case,
            upload=upload,
            kind=CaseAttachment.Kind.BEFORE,
            actor=operator,
            event=first_event,
        )
    return Receipt(report=report, tracking_number=report.tracking_number, code=code)


def api_client_create(*, name: str, contact: str = "") -> tuple[ApiClient, str]:
    """Register an Open311 client application; the key is returned once, only its hash kept."""
    key = secrets.token_urlsafe(24)
    client = ApiClient.objects.create(
        name=name, contact=contact, key_hash=secret_hash(key), key_prefix=key[:8]
    )
    return client, key


def report_reveal_check(*, report: PublicReport, code: str) -> bool:
    """Does the code typed match the report's secret (constant-time comparison)?"""
    return hmac.compare_digest(report.code_hash, secret_hash(normalise_code(code)))


def _reopen_applies(report: PublicReport, satisfaction: str, at: dt.datetime) -> bool:
    rule = settings.CITIZEN_REOPEN
    if satisfaction not in rule["on"]:
        return False
    case = report.case
    if case.closed_at and at - case.closed_at > dt.timedelta(days=rule["within_days"]):
        return False
    reopened = report.ratings.filter(reopened=True).count()
    return reopened < rule["max_times"]


@transaction.atomic
def report_rate(
    *,
    report: PublicReport,
    satisfaction: str,
    comment: str = "",
    via: str = Rating.Via.ONLINE,
    actor: User | None = None,
    at: dt.datetime | None = None,
) -> Rating:
    """Record the reporter's verdict on a closed case, online or by hotline callback (回访).
    Under the reopen rule (settings.CITIZEN_REOPEN), 不满意 sends the case back for review."""
    if via == Rating.Via.CALLBACK and (actor is None or not actor.has_perm("citizen.take_hotline")):
        raise PermissionDenied(_("您没有回访的权限。"))
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": _("请选择满意、基本满意或不满意。")})
    comment = comment.strip()[:1000]
    now = at or timezone.now()
    case = case_rate(
        case=report.case_id, satisfaction=satisfaction, actor=actor, comment=comment, at=now
    )
    report.case = case
    reopen = _reopen_applies(report, satisfaction, now)
    rating = Rating.objects.create(
        report=report,
        satisfaction=satisfaction,
        comment=comment,
        via=via,
        actor=actor,
        reopened=reopen,
        at=now,
    )
    if reopen:
        case_reopen(
            case=case,
            actor=actor,
            reason=_("举报人不满意，重新办理：%(c)s") % {"c": comment or "-"},
            at=now,
        )
    return rating


@transaction.atomic
def report_moderate(
    *,
    report: PublicReport,
    actor: User,
    action: str,
    reason: str,
    text: str = "",
    attachment: CaseAttachment | None = None,
) -> Moderation:
    """Hide or show a public report or one of its photos, or redact its public text; every
    action is kept with its reason and the text before the change."""
    if not actor.has_perm("citizen.moderate_report"):
        raise PermissionDenied(_("您没有审核公众举报的权限。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请填写审核理由。")})
    report = PublicReport.objects.select_for_update().get(pk=report.pk)
    before = ""
    if action in (Moderation.Action.HIDE, Moderation.Action.SHOW):
        report.hidden = action == Moderation.Action.HIDE
        report.save(update_fields=["hidden"])
    elif action == Moderation.Action.REDACT:
        if not text.strip():
            raise ValidationError({"text": _("公开文字不能为空。")})
        before = report.public_description
        report.public_description = text.strip()[:MAX_DESCRIPTION]
        report.save(update_fields=["public_description"])
    elif action in (Moderation.Action.HIDE_PHOTO, Moderation.Action.SHOW_PHOTO):
        if attachment is None or attachment.case_id != report.case_id:
            raise ValidationError({"attachment": _("请选择本案件的照片。")})
        attachment.hidden = action == Moderation.Action.HIDE_PHOTO
        attachment.save(update_fields=["hidden"])
    else:
        raise ValidationError({"action": _("未知的审核操作。")})
    return Moderation.objects.create(
        report=report,
        attachment=attachment,
        action=action,
        reason=reason.strip(),
        before=before,
        actor=actor,
        at=timezone.now(),
    )


# --- personal data: the reporter's rights under PIPL (查阅复制、删除) -----------------------

PRIVACY_PERMISSION = "citizen.manage_personal_data"


def _privacy_require(actor: User | None) -> None:
    if actor is None or not actor.has_perm(PRIVACY_PERMISSION):
        raise PermissionDenied(_("您没有处理个人信息请求的权限。"))


def _phone_index(phone: str) -> str:
    digits = normalise_phone(phone)
    if len(digits) < 7 or len(digits) > 20:
        raise ValidationError({"phone": _("请输入完整的电话号码。")})
    return blind_index(digits)


def reporter_data_export(*, actor: User, phone: str, request=None) -> dict:
    """Everything kept about the reporter of this phone number (PIPL art. 45): each case
    and public report with its personal fields, as a JSON-ready dict. Audited."""
    _privacy_require(actor)
    index = _phone_index(phone)
    cases = (
        Case.objects.filter(reporter_phone_index=index)
        .select_related("category", "public")
        .order_by("reported_at", "pk")
    )
    reports = []
    for case in cases:
        public = getattr(case, "public", None)
        reports.append(
            {
                "case_number": case.number,
                "reported_at": case.reported_at.isoformat(),
                "category": case.category.name,
                "status": case.get_status_display(),
                "address": case.address,
                "description": case.description,
                "reporter_name": case.reporter_name,
                "reporter_phone": case.reporter_phone,
                "tracking_number": public.tracking_number if public else "",
                "channel": public.get_channel_display() if public else "",
                "email": public.email if public else "",
                "ratings": [
                    {
                        "at": rating.at.isoformat(),
                        "satisfaction": rating.get_satisfaction_display(),
                        "comment": rating.comment,
                    }
                    for rating in (public.ratings.all() if public else [])
                ],
            }
        )
    pii_audit(
        action=AUDIT_EXPORT,
        request=request,
        actor=actor,
        target=f"reporter:{index[:12]}",
        detail={"index": index[:12], "cases": [r["case_number"] for r in reports]},
    )
    return {
        "phone": normalise_phone(phone),
        "exported_at": timezone.now().isoformat(),
        "reports": reports,
    }


def _erase(cases: list[Case]) -> None:
    for case in cases:
        case.reporter_name = ""
        case.reporter_phone = ""
        case.description = redact_phones(case.description)
        case.save(
            update_fields=["reporter_name", "reporter_phone", "reporter_phone_index", "description"]
        )
    PublicReport.objects.filter(case__in=cases).update(email="")
    for report in PublicReport.objects.filter(case__in=cases):
        redacted = redact_phones(report.public_description)
        if redacted != report.public_description:
            report.public_description = redacted
            report.save(update_fields=["public_description"])


@transaction.atomic
def reporter_erase(*, actor: User, phone: str, reason: str, request=None) -> list[str]:
    """Erase the reporter of this phone number from every case (PIPL art. 47): name, phone
    and e-mail emptied, numbers in the texts masked. The cases themselves stay for the
    statistics and the archive. Audited; returns the case numbers touched."""
    _privacy_require(actor)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写删除依据（如个人申请编号）。")})
    index = _phone_index(phone)
    cases = list(Case.objects.select_for_update().filter(reporter_phone_index=index))
    _erase(cases)
    numbers = sorted(case.number for case in cases)
    pii_audit(
        action=AUDIT_ERASE,
        request=request,
        actor=actor,
        target=f"reporter:{index[:12]}",
        detail={"index": index[:12], "cases": numbers, "reason": reason.strip()[:200]},
    )
    return numbers


@transaction.atomic
def report_erase_by_reporter(*, report: PublicReport, code: str, request=None) -> None:
    """The reporter, proving the report's query code, erases their personal data from this
    one report at once (no staff step: the code is the proof, and the case itself stays).
    Audited without an actor."""
    if not report_reveal_check(report=report, code=code):
        raise PermissionDenied(_("查询编号或查询码不正确。"))
    case = Case.objects.select_for_update().get(pk=report.case_id)
    _erase([case])
    pii_audit(
        action=AUDIT_ERASE,
        request=request,
        actor=None,
        target=f"case:{case.number}",
        detail={"cases": [case.number], "by": "reporter", "report": report.tracking_number},
    )
