"""Demo emergency plans (one per emergency category) and a week of duty roster."""

import datetime as dt

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User
from portal.city.calendar import SHANGHAI
from portal.city.models import Category
from portal.workflow.models import DutyShift, EmergencyPlan

# Response limits (minutes) of the demo plans; categories not listed get 30.
RESPONSE_MINUTES = {"火灾": 15, "管道破裂": 30, "路面塌陷": 30, "道路积水": 30, "井盖缺失": 60}
CALLED_ROLES = ("值班长", "派遣员")
# Day and night shifts: (day-shift user, night-shift user) per role.
ROSTER = (("zhiban01", "zhiban02"), ("paiqian01", "paiqian02"))


@transaction.atomic
def emergency_demo_load(*, days: int = 7) -> int:
    """Create the missing plans and this week's shifts; return the number of plans.
    Idempotent: existing plans and shifts are left as they are."""
    groups = list(Group.objects.filter(name__in=CALLED_ROLES))
    plans = 0
    for category in Category.objects.filter(is_emergency=True).select_related("default_department"):
        plan, created = EmergencyPlan.objects.get_or_create(
            category=category,
            defaults={
                "name": f"{category.name}应急预案",
                "response_minutes": RESPONSE_MINUTES.get(category.name, 30),
                "instructions": "接警后立即通知责任部门赶赴现场，设置警示并疏导交通，"
                "处置完毕后上传现场照片。",
            },
        )
        if created:
            plan.groups.set(groups)
            dept = category.default_department
            if dept is not None:
                plan.users.set(User.objects.filter(username=f"lingdao_{dept.code.lower()}"))
        plans += 1
    users = {u.username: u for u in User.objects.filter(username__in=sum(ROSTER, ()))}
    first = timezone.localdate()
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        morning = dt.datetime.combine(day, dt.time(8, 30), tzinfo=SHANGHAI)
        evening = morning + dt.timedelta(hours=12)
        for day_user, night_user in ROSTER:
            for name, start in ((day_user, morning), (night_user, evening)):
                if name in users:
                    DutyShift.objects.get_or_create(
                        user=users[name],
                        starts_at=start,
                        defaults={"ends_at": start + dt.timedelta(hours=12)},
                    )
    return plans
