"""Keep public pages' search entries fresh: every publish, unpublish or delete queues one."""

from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished

from portal.search import INDEX
from search.services import outbox_enqueue


@receiver(page_published)
@receiver(page_unpublished)
def _page_changed(sender, instance, **kwargs) -> None:
    outbox_enqueue(index=INDEX, object_id=instance.pk)


@receiver(post_delete)
def _page_deleted(sender, instance, **kwargs) -> None:
    if isinstance(instance, Page):
        outbox_enqueue(index=INDEX, object_id=instance.pk)
