"""The working calendar: the one place that turns working time into clock time and back.

Working days follow China's statutory holidays and 调休 (adjusted) workdays from the
chinese-calendar package, overridden by the CalendarDay table that staff edit (for a year
the package does not know yet, or a local arrangement). Working hours default to
08:30–12:00 and 13:30–17:30 (settings.WORKING_HOURS).

A working day as a duration is one day's total working hours (7.5 h by default), so
"N working days" is N × 7.5 working hours: one mechanism, and round trips are exact.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings

from portal.city.process_cache import ProcessCache

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A deadline search gives up after this many calendar days: far beyond any time limit.
MAX_SPAN_DAYS = 3660


def periods_parse(specs: Sequence[str]) -> tuple[tuple[dt.time, dt.time], ...]:
    """Parse ["08:30-12:00", "13:30-17:30"] into ordered, non-overlapping periods."""
    periods = []
    for spec in specs:
        start_s, end_s = spec.strip().split("-")
        start = dt.time.fromisoformat(start_s.strip())
        end = dt.time.fromisoformat(end_s.strip())
        if end <= start:
            raise ValueError(f"working period ends before it starts: {spec!r}")
        periods.append((start, end))
    periods.sort()
    for (_s1, e1), (s2, _e2) in pairwise(periods):
        if s2 < e1:
            raise ValueError(f"working periods overlap: {specs!r}")
    if not periods:
        raise ValueError("at least one working period is needed")
    return tuple(periods)


@lru_cache(maxsize=8192)
def _statutory_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # Years the package does not cover yet: weekdays work, unless CalendarDay says
        # otherwise. `city_check` warns when the coming year has no entries.
        return day.weekday() < 5


@dataclass(frozen=True)
class WorkCalendar:
    periods: tuple[tuple[dt.time, dt.time], ...]
    overrides: Mapping[dt.date, bool] = field(default_factory=dict)
    tz: dt.tzinfo = SHANGHAI

    @property
    def day_length(self) -> dt.timedelta:
        return sum(
            (
                dt.datetime.combine(dt.date.min, end) - dt.datetime.combine(dt.date.min, start)
                for start, end in self.periods
            ),
            dt.timedelta(),
        )

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return _statutory_workday(day)

    def intervals(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The working intervals of one day as aware datetimes (empty on a day off)."""
        if not self.is_workday(day):
            return []
        return [
            (
                dt.datetime.combine(day, start, tzinfo=self.tz),
                dt.datetime.combine(day, end, tzinfo=self.tz),
            )
            for start, end in self.periods
        ]

    def add(self, start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
        """The moment `amount` of working time after `start` has elapsed."""
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        if amount < dt.timedelta():
            raise ValueError("amount must not be negative")
        cursor = start.astimezone(self.tz)
        if amount == dt.timedelta():
            return cursor
        remaining = amount
        day = cursor.date()
        for _ in range(MAX_SPAN_DAYS):
            for begin, end in self.intervals(day):
                if end <= cursor:
                    continue
                begin = max(begin, cursor)
                available = end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day += dt.timedelta(days=1)
        raise OverflowError("deadline beyond the calendar's search span")

    def between(self, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
        """Working time elapsed from `a` to `b` (negative when `b` is before `a`)."""
        if a.tzinfo is None or b.tzinfo is None:
            raise ValueError("datetimes must be timezone-aware")
        if b < a:
            return -self.between(b, a)
        a, b = a.astimezone(self.tz), b.astimezone(self.tz)
        total = dt.timedelta()
        day = a.date()
        while day <= b.date():
            for begin, end in self.intervals(day):
                lo, hi = max(begin, a), min(end, b)
                if hi > lo:
                    total += hi - lo
            day += dt.timedelta(days=1)
        return total

    def duration(self, value: Decimal | float | int, unit: str) -> dt.timedelta:
        """A time limit (value + unit) as working (or, for "hour", calendar) time."""
        hours = dt.timedelta(hours=float(value))
        if unit == "work_day":
            return self.day_length * float(value)
        if unit in ("work_hour", "hour"):
            return hours
        raise ValueError(f"unknown time unit {unit!r}")

    def deadline(self, start: dt.datetime, value: Decimal | float | int, unit: str) -> dt.datetime:
        """Deadline of a limit started at `start`: working time, or calendar hours for "hour"."""
        if unit == "hour":
            return start + self.duration(value, unit)
        return self.add(start, self.duration(value, unit))


def _load() -> WorkCalendar:
    from portal.city.models import CalendarDay

    overrides = dict(CalendarDay.objects.values_list("date", "is_workday"))
    return WorkCalendar(periods=periods_parse(settings.WORKING_HOURS), overrides=overrides)


_calendar: ProcessCache[WorkCalendar] = ProcessCache("city-work-calendar", _load)


def work_calendar() -> WorkCalendar:
    """The configured calendar: settings' working hours plus the CalendarDay overrides."""
    return _calendar.get()


def calendar_invalidate() -> None:
    """Forget the cached calendar in every process (called when CalendarDay rows change)."""
    _calendar.invalidate()


def deadline_compute(*, start: dt.datetime, value: Decimal | float | int, unit: str) -> dt.datetime:
    """Deadline for a time limit of `value` `unit` ("work_hour", "work_day" or "hour")."""
    return work_calendar().deadline(start, value, unit)


def working_time_between(a: dt.datetime, b: dt.datetime) -> dt.timedelta:
    """Working time elapsed between two moments, on the configured calendar."""
    return work_calendar().between(a, b)


def calendar_year_known(year: int) -> bool:
    """Whether statutory holidays for `year` are known (package data or staff entries)."""
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        from portal.city.models import CalendarDay

        return CalendarDay.objects.filter(date__year=year).exists()
    return True
