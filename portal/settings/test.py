"""Settings for the test suite; DATABASE_URL and REDIS_URL pick the services under test."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, STORAGES, TEMPLATES, VAR_DIR, env

SECRET_KEY = "test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = [
    # Argon2 stays first so tests exercise the real hasher on the users they log in;
    # MD5 is only for factories that bulk-create users without logging them in.
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.MD5PasswordHasher",
]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "test-media")
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=VAR_DIR / "test-private")
TEMPLATES[0]["OPTIONS"]["debug"] = True
# Serve static files from the finders (no collectstatic before tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A database file, not Django's shared-cache in-memory database: shared cache takes
    # table locks that fail at once ("database table is locked") when the live servers'
    # threads overlap, where a WAL file waits on busy_timeout as the embedded default does.
    # One file per test process, so concurrent runs never share it.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"portal-test-{os.getpid()}.sqlite3")
    }

FIELD_ENCRYPTION_KEY = "test1:dGVzdC1vbmx5LWZpZWxkLWtleS1kby1ub3QtdXNlISE"
FIELD_ENCRYPTION_OLD_KEYS = []
FIELD_INDEX_KEY = "test-only-blind-index-key"
