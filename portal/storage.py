"""Where files live: public media (served by the web server) and private originals.

Originals of uploads keep their metadata (a photo's EXIF GPS, the camera) and are evidence;
they live outside MEDIA_ROOT, are never served by URL, and reach staff only through views
that check permission on the case.
"""

from functools import cache
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.signals import setting_changed
from whitenoise.storage import CompressedManifestStaticFilesStorage


@cache
def private_storage() -> FileSystemStorage:
    """The storage of private originals (a callable, so settings are read when used)."""
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


def _reset(*, setting: str, **kwargs) -> None:
    if setting == "PRIVATE_MEDIA_ROOT":
        private_storage.cache_clear()


setting_changed.connect(_reset)


class StaticStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's compressed, hashed static files, tolerant of one thing: a stylesheet of a
    package naming a file the package does not ship (viewflow's roboto-fontface.css names
    Roboto-Thin.woff2 and other weights its wheel lacks). Such a reference is kept as
    written, where the plain storage fails the whole `collectstatic` of a deployment."""

    def hashed_name(self, name, content=None, filename=None):
        target = urlsplit(unquote(filename or name)).path.strip()
        if content is None and not self.exists(target):
            return name
        return super().hashed_name(name, content, filename)
