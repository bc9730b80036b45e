import datetime as dt

import pytest

from portal.city.calendar import SHANGHAI
from search.dates import date_phrase_extract

TODAY = dt.date(2026, 11, 24)


def d(y, m, day=1):
    return dt.datetime(y, m, day, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("query", "rest", "since", "until"),
    [
        ("去年7月 道路积水", "道路积水", d(2025, 7), d(2025, 8)),
        ("2026年3月井盖", "井盖", d(2026, 3), d(2026, 4)),
        ("12月 暴露垃圾", "暴露垃圾", d(2026, 12), d(2027, 1)),
        ("上个月 占道经营", "占道经营", d(2026, 10), d(2026, 11)),
        ("本月 路灯", "路灯", d(2026, 11), d(2026, 12)),
        ("前年 施工扰民", "施工扰民", d(2024, 1), d(2025, 1)),
    ],
)
def test_date_phrases(query, rest, since, until):
    text, dates = date_phrase_extract(query, today=TODAY)
    assert text == rest
    assert (dates.since, dates.until) == (since, until)


def test_no_date_or_impossible_month_leaves_the_query_alone():
    assert date_phrase_extract("3号井盖", today=TODAY) == ("3号井盖", None)
    assert date_phrase_extract("13月 井盖", today=TODAY) == ("13月 井盖", None)


def test_last_month_in_january_is_december():
    _, dates = date_phrase_extract("上个月", today=dt.date(2027, 1, 10))
    assert (dates.since, dates.until) == (d(2026, 12), d(2027, 1))
