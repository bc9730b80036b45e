"""Cache invalidation when the map changes."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from portal.city.calendar import calendar_invalidate
from portal.city.lookup import grid_index_invalidate
from portal.city.models import CalendarDay, Community, Grid, Module


@receiver([post_save, post_delete], sender=Grid)
@receiver([post_save, post_delete], sender=Module)
@receiver([post_save, post_delete], sender=Community)
def _map_changed(sender, **kwargs) -> None:
    grid_index_invalidate()


@receiver([post_save, post_delete], sender=CalendarDay)
def _calendar_changed(sender, **kwargs) -> None:
    calendar_invalidate()
