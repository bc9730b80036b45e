"""Template tags of the command centre: the emergency response timeline on a case page."""

from django import template

from portal.workflow.emergency import alarm_responded_at, alarm_timeline
from portal.workflow.models import EmergencyAlarm

register = template.Library()


@register.simple_tag
def emergency_timeline(case) -> dict | None:
    """The case's alarm and response timeline, or None when it raised no alarm."""
    alarm = (
        EmergencyAlarm.objects.select_related("plan", "acknowledged_by", "case")
        .filter(case=case)
        .first()
    )
    if alarm is None:
        return None
    return {
        "alarm": alarm,
        "timeline": alarm_timeline(alarm=alarm),
        "responded_at": alarm_responded_at(alarm),
    }
