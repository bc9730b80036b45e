"""Template helpers of the case pages."""

import datetime as dt
import json

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from portal.accounts.models import mask_phone
from portal.workflow.labels import EVENT_LABELS
from portal.workflow.pii import Access, ReporterContact, redact_phones, reporter_access
from portal.workflow.pii import reporter_contact as reporter_contact_get
from portal.workflow.sla import Light

register = template.Library()


@register.simple_tag
def light_badge(light: str) -> str:
    label = Light.LABELS.get(light, light)
    return format_html('<span class="light light--{}" title="{}">{}</span>', light, label, label)


@register.filter
def working_time(delta: dt.timedelta) -> str:
    """A working-time span as 3小时20分 (negative spans as 超期 …)."""
    total = int(delta.total_seconds() // 60)
    prefix = _("超期") if total < 0 else ""
    total = abs(total)
    hours, minutes = divmod(total, 60)
    return f"{prefix}{hours}{_('小时')}{minutes}{_('分')}"


@register.filter
def json_attr(value) -> str:
    return json.dumps(value, ensure_ascii=False)


register.filter("masked_phone", mask_phone)


@register.simple_tag(takes_context=True)
def reporter_contact(context, case, purpose: str) -> ReporterContact | None:
    """The case's reporter as the viewing user may see them (portal.workflow.pii decides:
    full and audited, masked, or None). Every template shows a reporter through this."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None:
        return None
    return reporter_contact_get(user=user, case=case, purpose=purpose, request=request)


@register.filter
def action_label(action: str) -> str:
    return EVENT_LABELS.get(action, action)


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs) -> str:
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        query[key] = value
    return query.urlencode()


@register.filter
def percent(value) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


@register.simple_tag(takes_context=True)
def reporter_text(context, text: str) -> str:
    """Free text a reporter wrote (the description), with any mobile number in it masked
    for users who may not see reporters' numbers in full."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is not None and reporter_access(user) is Access.FULL:
        return text
    return redact_phones(text)
