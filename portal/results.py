"""成效公开: the district's results for a month or a quarter, from the evaluation selectors.

`results_get` reads them live (cached for a few minutes); `results_snapshot_freeze` writes
them into a results page's revision, after which the page shows only the frozen figures.
"""

import calendar
import datetime as dt

from django.core.cache import cache
from django.utils import timezone
from wagtail.log_actions import log

from portal.workflow.evaluation import (
    Period,
    area_evaluation,
    department_evaluation,
    headline_get,
)

RESULTS_CACHE_SECONDS = 600
TREND_MONTHS = 6
HEADLINE_FIGURES = (
    "discovery_rate",
    "dispatch_accuracy",
    "mean_handling_hours",
    "closure_rate",
    "satisfaction_rate",
)
DEPARTMENT_FIELDS = ("name", "due", "handle_rate", "handle_on_time_rate", "score", "grade")
STREET_FIELDS = ("name", "filed", "closure_rate", "on_time_closure_rate", "score", "grade")


def month_period(year: int, month: int) -> Period:
    return Period(
        dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
    )


def quarter_period(year: int, quarter: int) -> Period:
    first = month_period(year, 3 * quarter - 2)
    return Period(first.start, month_period(year, 3 * quarter).end)


def _months_back(year: int, month: int, n: int) -> list[tuple[int, int]]:
    months = []
    for _ in range(n):
        months.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def results_compute(*, period: Period) -> dict:
    """The figures as of now, uncached: headline, department and street rankings, and the
    monthly trend of the headline over the months up to the period's last."""
    trend = [
        {"month": f"{y}-{m:02d}", **headline_get(period=month_period(y, m))}
        for y, m in _months_back(period.end.year, period.end.month, TREND_MONTHS)
    ]
    return {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "computed_at": timezone.now().isoformat(),
        "headline": headline_get(period=period),
        "departments": [
            {k: row[k] for k in DEPARTMENT_FIELDS} for row in department_evaluation(period=period)
        ],
        "streets": [
            {k: row[k] for k in STREET_FIELDS}
            for row in area_evaluation(period=period, level="street")
        ],
        "trend": trend,
    }


def results_get(*, period: Period) -> dict:
    """The live figures, cached for RESULTS_CACHE_SECONDS (cases keep changing; a few
    minutes' lag is what a public page can afford)."""
    key = f"portal:results:{period.start.isoformat()}:{period.end.isoformat()}"
    return cache.get_or_set(key, lambda: results_compute(period=period), RESULTS_CACHE_SECONDS)


def headline_cached(*, period: Period) -> dict:
    """Only the headline figures (the home page's "this month"), cached like results_get."""
    key = f"portal:headline:{period.start.isoformat()}:{period.end.isoformat()}"
    return cache.get_or_set(key, lambda: headline_get(period=period), RESULTS_CACHE_SECONDS)


def results_snapshot_freeze(*, page, user):
    """Freeze the page's period's figures into a new revision of the page (from its latest
    draft, so pending edits are kept); the revision still goes through review to be
    published. Returns the revision."""
    page = page.get_latest_revision_as_object()
    page.snapshot = results_compute(period=page.period)
    page.snapshot_at = timezone.now()
    revision = page.save_revision(user=user, log_action=False)
    log(instance=page, action="portal.results_freeze", user=user, revision=revision)
    return revision
