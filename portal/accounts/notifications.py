"""Notifications to people: an in-app inbox row for each, plus outside channels.

An SMS gateway cannot exist here, so outside channels are an interface with a working
local backend that logs what it would send; a deployment plugs in its gateway by
naming another backend class in settings.NOTIFICATION_CHANNELS.
"""

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from portal.accounts.models import Notification, User

logger = logging.getLogger(__name__)


class Channel(ABC):
    """An outside channel (SMS, app push): sends one message to one person."""

    @abstractmethod
    def send(self, *, recipient: User, title: str, body: str, url: str) -> None: ...


class LogSmsChannel(Channel):
    """Local stand-in for the SMS gateway: logs the message it would send."""

    def send(self, *, recipient: User, title: str, body: str, url: str) -> None:
        if recipient.phone:
            logger.info("SMS to %s: %s %s", recipient.masked_phone, title, url)


def _channels() -> list[Channel]:
    return [import_string(path)() for path in settings.NOTIFICATION_CHANNELS]


def notification_send(
    *, recipients: Iterable[User], title: str, body: str = "", url: str = ""
) -> int:
    """Write an inbox notification for each recipient; outside channels run after commit."""
    people = {user.pk: user for user in recipients if user is not None and user.is_active}
    Notification.objects.bulk_create(
        [Notification(recipient=user, title=title, body=body, url=url) for user in people.values()]
    )

    def deliver() -> None:
        for channel in _channels():
            for user in people.values():
                try:
                    channel.send(recipient=user, title=title, body=body, url=url)
                except Exception:  # one failing gateway must not stop the others
                    logger.exception("notification channel %s failed", type(channel).__name__)

    transaction.on_commit(deliver)
    return len(people)
