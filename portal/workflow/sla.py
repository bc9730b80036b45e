"""The SLA clock of the case loop: step deadlines, warning moments, lights.

All working-time arithmetic goes through portal.city.calendar. A step's deadline and its
warning moment (when less than CASE_WARN_SHARE of the limit is left) are stored on the
step and on the case, so a list filters and sorts by light in SQL without computing.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.city.calendar import deadline_compute, working_time_between
from portal.city.models import Category, TimeUnit, Urgency


class Light:
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    LABELS = {GREEN: _("正常"), YELLOW: _("临期"), RED: _("超期")}


@dataclass(frozen=True)
class Limit:
    value: Decimal
    unit: str

    def for_urgency(self, urgency: str) -> "Limit":
        # Urgent cases run on calendar hours: a working-hour limit becomes clock hours.
        if urgency == Urgency.URGENT and self.unit == TimeUnit.WORK_HOUR:
            return Limit(self.value, TimeUnit.HOUR)
        return self


@dataclass(frozen=True)
class Clock:
    started_at: dt.datetime
    deadline: dt.datetime
    warn_at: dt.datetime


def step_limit(step: str) -> Limit:
    """The configured limit of one of the centre's steps (accept, file, dispatch, ...)."""
    value, unit = settings.CASE_STEP_LIMITS[step].split()
    if unit not in TimeUnit.values:
        raise ValueError(f"unknown unit in CASE_STEP_LIMITS[{step!r}]: {unit!r}")
    return Limit(Decimal(value), unit)


def handling_limit(category: Category, urgency: str) -> Limit:
    """The department's handling limit (处置时限) for a category at an urgency."""
    limits = {t.urgency: t for t in category.time_limits.all()}
    limit = limits.get(urgency) or limits.get(Urgency.NORMAL)
    if limit is None:
        raise ValueError(f"category {category} has no time limit")
    return Limit(limit.value, limit.unit)


def clock_start(start: dt.datetime, limit: Limit) -> Clock:
    """Deadline and warning moment of a limit started at `start`."""
    warn_value = limit.value * Decimal(str(1 - settings.CASE_WARN_SHARE))
    return Clock(
        started_at=start,
        deadline=deadline_compute(start=start, value=limit.value, unit=limit.unit),
        warn_at=deadline_compute(start=start, value=warn_value, unit=limit.unit),
    )


def light(*, now: dt.datetime, deadline: dt.datetime | None, warn_at: dt.datetime | None) -> str:
    """Green while in time, yellow when less than 20 % of the limit is left, red when overdue."""
    if deadline is None:
        return Light.GREEN
    if now >= deadline:
        return Light.RED
    if warn_at is not None and now >= warn_at:
        return Light.YELLOW
    return Light.GREEN


def remaining(*, now: dt.datetime, deadline: dt.datetime) -> dt.timedelta:
    """Working time left until the deadline (negative when overdue)."""
    return working_time_between(now, deadline)
