"""督办通报: the weekly bulletin, made once per week by a periodic job and stored."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.supervision.models import Bulletin
from portal.supervision.selectors import bulletin_figures, week_bounds


def bulletin_generate(*, day: dt.date, now: dt.datetime | None = None) -> Bulletin | None:
    """Store the bulletin of the week holding `day`, once that week is over; the stored
    one if it exists already, None while the week is still running."""
    now = now or timezone.now()
    start, end, as_of = week_bounds(day)
    if now < as_of:
        return None
    existing = Bulletin.objects.filter(period_start=start).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Bulletin.objects.create(
                period_start=start,
                period_end=end,
                as_of=as_of,
                generated_at=now,
                figures=bulletin_figures(as_of=as_of),
            )
    except IntegrityError:  # another worker stored it first
        return Bulletin.objects.get(period_start=start)


def bulletin_weekly(*, now: dt.datetime | None = None) -> Bulletin | None:
    """The periodic job's work: the bulletin of last week (Monday to Sunday)."""
    now = now or timezone.now()
    last_week = timezone.localdate(now) - dt.timedelta(days=7)
    return bulletin_generate(day=last_week, now=now)
