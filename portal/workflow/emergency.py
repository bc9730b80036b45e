"""应急: emergency plans, the alarm an emergency case raises, and its response timeline.

A case of an emergency category (Category.is_emergency: 管道破裂, 路面塌陷, 道路积水, 火灾,
井盖缺失 …) raises an alarm as it is reported, inside the report's transaction: the plan of
its category names who is called — named people always, roles through the duty roster —
and the response time limit. The people are notified at once (inbox now, SMS after
commit); every connected dashboard shows the alarm after commit (dashboard.py). The first
acknowledgement on a dashboard, or the dispatch, is the response.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.accounts.notifications import notification_send
from portal.workflow.labels import EVENT_LABELS
from portal.workflow.models import Case, EmergencyAlarm, EmergencyPlan

# Response limit of an emergency category that has no plan yet (minutes).
DEFAULT_RESPONSE_MINUTES = 30


def duty_users(*, at: dt.datetime) -> list[User]:
    """Who is on the duty roster at this moment."""
    return list(
        User.objects.filter(
            duty_shifts__starts_at__lte=at, duty_shifts__ends_at__gt=at, is_active=True
        ).distinct()
    )


def plan_called(*, plan: EmergencyPlan | None, at: dt.datetime) -> list[User]:
    """The people a plan calls now: its named people, and for each of its roles the members
    on duty — or every member, when none of them is on duty, so no role goes uncalled.
    Without a plan: whoever is on duty."""
    on_duty = {u.pk: u for u in duty_users(at=at)}
    if plan is None:
        return list(on_duty.values())
    called = {u.pk: u for u in plan.users.filter(is_active=True)}
    for group in plan.groups.all():
        members = list(group.user_set.filter(is_active=True))
        present = [u for u in members if u.pk in on_duty]
        called.update({u.pk: u for u in (present or members)})
    return sorted(called.values(), key=lambda u: u.username)


def alarm_raise(*, case: Case, at: dt.datetime | None = None) -> EmergencyAlarm | None:
    """Raise the alarm of an emergency case and notify the people its plan calls.

    Called inside the report's transaction, so a report that rolls back leaves no alarm and
    sends nothing. Returns None for a category that is not an emergency or a case that
    already has its alarm."""
    if not case.category.is_emergency or EmergencyAlarm.objects.filter(case=case).exists():
        return None
    at = at or timezone.now()
    plan = EmergencyPlan.objects.filter(category=case.category, is_active=True).first()
    minutes = plan.response_minutes if plan else DEFAULT_RESPONSE_MINUTES
    alarm = EmergencyAlarm.objects.create(
        case=case, plan=plan, raised_at=at, respond_by=at + dt.timedelta(minutes=minutes)
    )
    called = plan_called(plan=plan, at=at)
    alarm.called.set(called)
    notification_send(
        recipients=called,
        title=_("应急报警：%(c)s %(n)s") % {"c": case.category.name, "n": case.number},
        body=_("%(a)s。请在 %(m)d 分钟内响应。")
        % {"a": case.address or case.description[:60], "m": minutes},
        url=f"/cases/{case.number}/",
    )
    return alarm


def _may_respond(user: User, alarm: EmergencyAlarm) -> bool:
    return user.has_perm("workflow.view_case") or alarm.called.filter(pk=user.pk).exists()


@transaction.atomic
def alarm_acknowledge(
    *, alarm: EmergencyAlarm | int, actor: User, at: dt.datetime | None = None
) -> EmergencyAlarm:
    """Acknowledge an alarm (接警响应): the first acknowledgement counts, later ones change
    nothing. Centre staff and the people the alarm called may acknowledge."""
    pk = alarm.pk if isinstance(alarm, EmergencyAlarm) else alarm
    alarm = EmergencyAlarm.objects.select_for_update().select_related("case").get(pk=pk)
    if not _may_respond(actor, alarm):
        raise PermissionDenied(_("您没有响应此报警的权限。"))
    if alarm.acknowledged_at is None:
        alarm.acknowledged_at = at or timezone.now()
        alarm.acknowledged_by = actor
        alarm.save(update_fields=["acknowledged_at", "acknowledged_by"])
        from portal.workflow.dashboard import alarm_broadcast_on_commit

        alarm_broadcast_on_commit(alarm=alarm, kind="alarm_ack")
    return alarm


def alarm_responded_at(alarm: EmergencyAlarm) -> dt.datetime | None:
    """The response: the first of the acknowledgement and the dispatch."""
    moments = [m for m in (alarm.acknowledged_at, alarm.case.dispatched_at) if m is not None]
    return min(moments) if moments else None


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    label: str
    detail: str
    minutes: int  # since the alarm
    late: bool = False


def alarm_timeline(*, alarm: EmergencyAlarm) -> list[TimelineEntry]:
    """The response timeline of an emergency case: the alarm, who was called, the
    acknowledgement, and the case's own steps, with minutes since the alarm."""
    start = alarm.raised_at

    def entry(at: dt.datetime, label: str, detail: str = "", late: bool = False):
        return TimelineEntry(at, label, detail, int((at - start).total_seconds() // 60), late)

    called = "、".join(str(u) for u in alarm.called.all()) or _("（无人值班）")
    entries = [
        entry(alarm.raised_at, _("应急报警"), alarm.plan.name if alarm.plan else _("无预案")),
        entry(alarm.raised_at, _("通知值班人员"), called),
    ]
    if alarm.acknowledged_at:
        entries.append(
            entry(
                alarm.acknowledged_at,
                _("接警响应"),
                str(alarm.acknowledged_by or ""),
                late=alarm.acknowledged_at > alarm.respond_by,
            )
        )
    for event in alarm.case.events.select_related("actor").filter(at__gte=start).order_by("seq"):
        if event.action == "report":
            continue
        late = event.action == "dispatch" and event.at > alarm.respond_by
        entries.append(
            entry(
                event.at,
                str(EVENT_LABELS.get(event.action, event.action)),
                str(event.actor or ""),
                late=late,
            )
        )
    return sorted(entries, key=lambda e: e.at)


def alarm_list(*, open_only: bool = False) -> list[EmergencyAlarm]:
    """Recent alarms, newest first; `open_only` keeps those nobody has responded to."""
    alarms = EmergencyAlarm.objects.select_related("case__category", "plan", "acknowledged_by")
    if open_only:
        alarms = alarms.filter(acknowledged_at__isnull=True, case__dispatched_at__isnull=True)
    return list(alarms[:50])
