"""Dates written the way people search: 去年7月, 2026年3月, 今年, 上个月, 本月.

The phrase is taken out of the query and becomes a date range on the document's date.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone

from portal.city.calendar import SHANGHAI

YEAR_WORDS = {"今年": 0, "去年": -1, "前年": -2}
PATTERN = re.compile(
    r"(?P<year>今年|去年|前年|(?P<y>\d{4})年)?(?P<month>\d{1,2})月(份)?"
    r"|(?P<only_year>今年|去年|前年|(?P<oy>\d{4})年)"
    r"|(?P<rel>上个月|上月|本月|这个月)"
)


@dataclass(frozen=True)
class DateRange:
    since: dt.datetime
    until: dt.datetime  # exclusive


def _month(year: int, month: int) -> DateRange:
    start = dt.datetime(year, month, 1, tzinfo=SHANGHAI)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=SHANGHAI)
    return DateRange(start, end)


def date_phrase_extract(
    query: str, *, today: dt.date | None = None
) -> tuple[str, DateRange | None]:
    """Split a query into its words and the date range its first date phrase names."""
    today = today or timezone.localdate()
    match = PATTERN.search(query)
    if not match:
        return query, None
    rest = (query[: match.start()] + " " + query[match.end() :]).strip()
    if match.group("rel"):
        back = 1 if match.group("rel") in ("上个月", "上月") else 0
        year, month = today.year, today.month - back
        if month == 0:
            year, month = year - 1, 12
        return rest, _month(year, month)
    if match.group("month"):
        month = int(match.group("month"))
        if not 1 <= month <= 12:
            return query, None
        word = match.group("year")
        year = (
            int(match.group("y"))
            if match.group("y")
            else today.year + YEAR_WORDS.get(word or "今年", 0)
        )
        return rest, _month(year, month)
    word = match.group("only_year")
    year = int(match.group("oy")) if match.group("oy") else today.year + YEAR_WORDS[word]
    return rest, DateRange(
        dt.datetime(year, 1, 1, tzinfo=SHANGHAI), dt.datetime(year + 1, 1, 1, tzinfo=SHANGHAI)
    )
