"""Background work of the public site."""

import io

from django.core.management import call_command
from django_tasks import task


@task()
def pages_publish_scheduled() -> None:
    """Publish the pages whose go-live time has come and unpublish the expired ones
    (Wagtail's scheduled publishing), every minute from the periodic scheduler."""
    call_command("publish_scheduled", stdout=io.StringIO())
