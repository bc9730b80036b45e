import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.city.calendar import SHANGHAI, WorkCalendar, periods_parse, work_calendar
from portal.city.models import CalendarDay

CAL = WorkCalendar(periods=periods_parse(["08:30-12:00", "13:30-17:30"]))


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def hours(h: float) -> dt.timedelta:
    return dt.timedelta(hours=h)


def test_day_length_is_seven_and_a_half_hours():
    assert CAL.day_length == hours(7.5)


def test_deadline_within_one_morning():
    assert CAL.add(at(2026, 11, 23, 9, 0), hours(2)) == at(2026, 11, 23, 11, 0)


def test_deadline_skips_lunch_break():
    assert CAL.add(at(2026, 11, 23, 11, 0), hours(2)) == at(2026, 11, 23, 14, 30)


def test_deadline_crossing_a_weekend():
    # Friday 16:00 + 4 h: 1.5 h on Friday, 2.5 h on Monday morning.
    assert CAL.add(at(2026, 11, 20, 16, 0), hours(4)) == at(2026, 11, 23, 11, 0)


def test_deadline_crossing_national_day_holiday():
    # 2026-09-30 (Wed) 16:00 + 8 h: 1.5 h that day, then 1–7 October are holidays,
    # so the rest runs on Thursday 8 October: 3.5 h morning + 3 h afternoon → 16:30.
    assert CAL.add(at(2026, 9, 30, 16, 0), hours(8)) == at(2026, 10, 8, 16, 30)


def test_adjusted_saturday_is_a_workday():
    # Saturday 10 October 2026 is a 调休 workday: Friday 17:00 + 2 h ends Saturday 10:00.
    assert CAL.is_workday(dt.date(2026, 10, 10))
    assert CAL.add(at(2026, 10, 9, 17, 0), hours(2)) == at(2026, 10, 10, 10, 0)


def test_start_outside_working_hours_waits_for_the_next_period():
    assert CAL.add(at(2026, 11, 21, 22, 0), hours(1)) == at(2026, 11, 23, 9, 30)


def test_working_days_are_whole_working_days():
    start = at(2026, 11, 23, 10, 0)
    assert CAL.deadline(start, 2, "work_day") == at(2026, 11, 25, 10, 0)


def test_calendar_hours_ignore_the_calendar():
    start = at(2026, 10, 1, 22, 0)
    assert CAL.deadline(start, 2, "hour") == at(2026, 10, 2, 0, 0)


def test_between_counts_only_working_time():
    assert CAL.between(at(2026, 9, 30, 16, 0), at(2026, 10, 8, 16, 30)) == hours(8)
    assert CAL.between(at(2026, 10, 8, 16, 30), at(2026, 9, 30, 16, 0)) == -hours(8)
    assert CAL.between(at(2026, 10, 2, 9), at(2026, 10, 3, 9)) == dt.timedelta()


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        CAL.add(dt.datetime(2026, 11, 23, 9), hours(1))


def test_unknown_year_falls_back_to_weekdays_and_overrides():
    cal = WorkCalendar(periods=CAL.periods, overrides={dt.date(2027, 1, 1): False})
    assert not cal.is_workday(dt.date(2027, 1, 1))  # override: New Year's Day
    assert cal.is_workday(dt.date(2027, 1, 4))  # a Monday
    assert not cal.is_workday(dt.date(2027, 1, 9))  # a Saturday


@pytest.mark.parametrize("spec", [["12:00-08:30"], ["08:00-12:00", "11:00-13:00"], []])
def test_bad_working_periods_are_refused(spec):
    with pytest.raises(ValueError):
        periods_parse(spec)


@pytest.mark.django_db
def test_calendar_day_rows_override_statutory_days():
    assert work_calendar().is_workday(dt.date(2026, 11, 23))
    CalendarDay.objects.create(date=dt.date(2026, 11, 23), is_workday=False, note="停工演练")
    assert not work_calendar().is_workday(dt.date(2026, 11, 23))


moments = st.datetimes(
    min_value=dt.datetime(2025, 1, 1),
    max_value=dt.datetime(2026, 12, 31),
    timezones=st.just(SHANGHAI),
)
amounts = st.integers(min_value=0, max_value=60 * 7.5 * 40).map(lambda m: dt.timedelta(minutes=m))


@settings(max_examples=200, deadline=None)
@given(start=moments, amount=amounts)
def test_round_trip(start, amount):
    end = CAL.add(start, amount)
    assert end >= start
    assert CAL.between(start, end) == amount


@settings(max_examples=200, deadline=None)
@given(start=moments, a=amounts, b=amounts)
def test_monotonic_in_amount(start, a, b):
    small, large = sorted((a, b))
    assert CAL.add(start, small) <= CAL.add(start, large)


@settings(max_examples=200, deadline=None)
@given(s1=moments, s2=moments, amount=amounts)
def test_monotonic_in_start(s1, s2, amount):
    early, late = sorted((s1, s2))
    assert CAL.add(early, amount) <= CAL.add(late, amount)


@settings(max_examples=100, deadline=None)
@given(a=moments, b=moments, c=moments)
def test_between_is_additive(a, b, c):
    a, b, c = sorted((a, b, c))
    assert CAL.between(a, b) + CAL.between(b, c) == CAL.between(a, c)
