"""Where files live: public media (served by the web server) and private originals.

Originals of uploads keep their metadata (a photo's EXIF GPS, the camera) and are evidence;
they live outside MEDIA_ROOT, are never served by URL, and reach staff only through views
that check permission on the case.
"""

from functools import cache

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.signals import setting_changed


@cache
def private_storage() -> FileSystemStorage:
    """The storage of private originals (a callable, so settings are read when used)."""
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


def _reset(*, setting: str, **kwargs) -> None:
    if setting == "PRIVATE_MEDIA_ROOT":
        private_storage.cache_clear()


setting_changed.connect(_reset)
